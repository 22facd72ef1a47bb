// AssemblyScript, compiled with the other kernels/*.ts into src/engine/kernelsWasm.ts by `npm run build:kernels`
// (tools/build_kernels.ts). Not TypeScript: `usize`, `f32`, `i32`, `v128` are AssemblyScript's types.
//
// The attention probabilities of a causal training forward in one pass per query row, computing only the keys a row
// may see:
//   P[b, kv, r, j] = softmax_j(q[b, kv, r, :]·k[b, kv, j, :] + bias[b, j])  for j ≤ past + (r mod T),  0 beyond
// r runs over the G·T query rows of a KV head (G query heads of T tokens each). TF.js composes this of a product over
// all Tk keys, a bias added to every score (−1e9 above the diagonal) and a softmax: three passes over [G·T, Tk], half
// of which is masked. Keys go four at a time from the transposed keys kᵀ [hd, Tk] (one SIMD load per head
// dimension); e^x is kernels/lib/math.ts.

// @ts-nocheck

import { expNonPositiveScalar, expNonPositiveVector } from './lib/math';

/** Scores of keys j..j+3 for the query at qr: Σ_d q_d · kᵀ[d, j..j+3], plus the bias when there is one. */
@inline
function scores4(qr: usize, kT: usize, kRow: usize, j: usize, hd: i32, biasRow: usize): v128 {
  let acc = f32x4.splat(0);
  let kp = kT + (j << 2);
  for (let d = 0; d < hd; d++) {
    acc = f32x4.add(acc, f32x4.mul(f32x4.splat(load<f32>(qr + ((<usize>d) << 2))), v128.load(kp)));
    kp += kRow;
  }
  return biasRow ? f32x4.add(acc, v128.load(biasRow + (j << 2))) : acc;
}

/** The score of key j alone (the same operations as one lane of {@link scores4}). */
@inline
function score1(qr: usize, kT: usize, kRow: usize, j: usize, hd: i32, biasRow: usize): f32 {
  let acc: f32 = 0;
  let kp = kT + (j << 2);
  for (let d = 0; d < hd; d++) {
    acc += load<f32>(qr + ((<usize>d) << 2)) * load<f32>(kp);
    kp += kRow;
  }
  return biasRow ? acc + load<f32>(biasRow + (j << 2)) : acc;
}

/**
 * Scores of keys j..j+3 at head dim 8 with the query's eight values splatted (q0..q7): the eight products summed as a
 * tree, ((0+1)+(2+3))+((4+5)+(6+7)), so that the adds do not wait on each other.
 */
@inline
function scores8x4(
  q0: v128, q1: v128, q2: v128, q3: v128, q4: v128, q5: v128, q6: v128, q7: v128,
  kT: usize, kRow: usize, j: usize, biasRow: usize,
): v128 {
  const kp = kT + (j << 2);
  const s01 = f32x4.add(f32x4.mul(q0, v128.load(kp)), f32x4.mul(q1, v128.load(kp + kRow)));
  const s23 = f32x4.add(f32x4.mul(q2, v128.load(kp + 2 * kRow)), f32x4.mul(q3, v128.load(kp + 3 * kRow)));
  const s45 = f32x4.add(f32x4.mul(q4, v128.load(kp + 4 * kRow)), f32x4.mul(q5, v128.load(kp + 5 * kRow)));
  const s67 = f32x4.add(f32x4.mul(q6, v128.load(kp + 6 * kRow)), f32x4.mul(q7, v128.load(kp + 7 * kRow)));
  const acc = f32x4.add(f32x4.add(s01, s23), f32x4.add(s45, s67));
  return biasRow ? f32x4.add(acc, v128.load(biasRow + (j << 2))) : acc;
}

/** The score of key j alone at head dim 8: one lane of {@link scores8x4}, the same operations. */
@inline
function score8(qr: usize, kT: usize, kRow: usize, j: usize, biasRow: usize): f32 {
  const kp = kT + (j << 2);
  const s01: f32 = load<f32>(qr) * load<f32>(kp) + load<f32>(qr + 4) * load<f32>(kp + kRow);
  const s23: f32 = load<f32>(qr + 8) * load<f32>(kp + 2 * kRow) + load<f32>(qr + 12) * load<f32>(kp + 3 * kRow);
  const s45: f32 = load<f32>(qr + 16) * load<f32>(kp + 4 * kRow) + load<f32>(qr + 20) * load<f32>(kp + 5 * kRow);
  const s67: f32 = load<f32>(qr + 24) * load<f32>(kp + 6 * kRow) + load<f32>(qr + 28) * load<f32>(kp + 7 * kRow);
  const acc: f32 = (s01 + s23) + (s45 + s67);
  return biasRow ? acc + load<f32>(biasRow + (j << 2)) : acc;
}

/**
 * Byte offsets: q [B, KV, R, hd] (already scaled by 1/√hd), kT [B, KV, hd, Tk], bias [B, Tk] (0: none), p [B, KV, R,
 * Tk]. Row r of a KV head sees keys 0..past + (r mod t) (at most Tk).
 */
export function causalSoftmax(
  q: usize, kT: usize, bias: usize, p: usize,
  b: i32, kvh: i32, rows: i32, t: i32, past: i32, tk: i32, hd: i32,
): void {
  const kRow = (<usize>tk) << 2;
  const qRow = (<usize>hd) << 2;
  for (let bi = 0; bi < b; bi++) {
    const biasRow = bias ? bias + (<usize>bi) * kRow : 0;
    for (let h = 0; h < kvh; h++) {
      const head = <usize>(bi * kvh + h);
      const kh = kT + head * (<usize>hd) * kRow;
      for (let r = 0; r < rows; r++) {
        const qr = q + (head * (<usize>rows) + (<usize>r)) * qRow;
        const pr = p + (head * (<usize>rows) + (<usize>r)) * kRow;
        const n = min(past + (r % t) + 1, tk); // keys this row sees
        const nv = <usize>(n & ~3);
        // scores and their maximum
        let mv = f32x4.splat(-Infinity);
        let j: usize = 0;
        if (hd == 8) {
          const q0 = f32x4.splat(load<f32>(qr));
          const q1 = f32x4.splat(load<f32>(qr + 4));
          const q2 = f32x4.splat(load<f32>(qr + 8));
          const q3 = f32x4.splat(load<f32>(qr + 12));
          const q4 = f32x4.splat(load<f32>(qr + 16));
          const q5 = f32x4.splat(load<f32>(qr + 20));
          const q6 = f32x4.splat(load<f32>(qr + 24));
          const q7 = f32x4.splat(load<f32>(qr + 28));
          for (; j < nv; j += 4) {
            const s = scores8x4(q0, q1, q2, q3, q4, q5, q6, q7, kh, kRow, j, biasRow);
            v128.store(pr + (j << 2), s);
            mv = f32x4.max(mv, s);
          }
        } else {
          for (; j < nv; j += 4) {
            const s = scores4(qr, kh, kRow, j, hd, biasRow);
            v128.store(pr + (j << 2), s);
            mv = f32x4.max(mv, s);
          }
        }
        let m: f32 = max(max(f32x4.extract_lane(mv, 0), f32x4.extract_lane(mv, 1)), max(f32x4.extract_lane(mv, 2), f32x4.extract_lane(mv, 3)));
        for (; j < <usize>n; j++) {
          const s = hd == 8 ? score8(qr, kh, kRow, j, biasRow) : score1(qr, kh, kRow, j, hd, biasRow);
          store<f32>(pr + (j << 2), s);
          m = max(m, s);
        }
        // exponentials and their sum
        const ms = f32x4.splat(m);
        let sv = f32x4.splat(0);
        for (j = 0; j < nv; j += 4) {
          const e = expNonPositiveVector(f32x4.sub(v128.load(pr + (j << 2)), ms));
          v128.store(pr + (j << 2), e);
          sv = f32x4.add(sv, e);
        }
        let sum: f32 = f32x4.extract_lane(sv, 0) + f32x4.extract_lane(sv, 1) + (f32x4.extract_lane(sv, 2) + f32x4.extract_lane(sv, 3));
        for (; j < <usize>n; j++) {
          const e = expNonPositiveScalar(load<f32>(pr + (j << 2)) - m);
          store<f32>(pr + (j << 2), e);
          sum += e;
        }
        // normalise; the keys beyond the row's limit get 0
        const inv = f32x4.splat(<f32>1.0 / sum);
        for (j = 0; j < nv; j += 4) v128.store(pr + (j << 2), f32x4.mul(v128.load(pr + (j << 2)), inv));
        const invs: f32 = <f32>1.0 / sum;
        for (; j < <usize>n; j++) store<f32>(pr + (j << 2), load<f32>(pr + (j << 2)) * invs);
        if (n < tk) memory.fill(pr + ((<usize>n) << 2), 0, (<usize>(tk - n)) << 2);
      }
    }
  }
}
