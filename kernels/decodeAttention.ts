// AssemblyScript, compiled with the other kernels/*.ts into src/engine/kernelsWasm.ts by `npm run build:kernels`
// (tools/build_kernels.ts). Not TypeScript: `usize`, `f32`, `i32`, `v128` are AssemblyScript's types.
//
// Attention of one decoding step (one new token per row), all in one call: for every row b, KV head and query
// head g of its group,
//   s_j = scale · q·k_j + bias_j,   p = softmax(s),   out = Σ_j p_j v_j        (j over the Tk cached keys)
// TF.js composes this of about ten kernels (broadcast products, sums, a scale, a bias, a softmax), each a call of
// ~10 µs of JavaScript for a few hundred numbers; a decoded token runs it once per layer.

// @ts-nocheck

import { expDecode as expf, expDecodeVector } from './lib/math';

/** q·k over `rowBytes` bytes of float32: four lanes at a time where the length allows, then the rest. */
@inline
function dot(q: usize, k: usize, rowBytes: usize): f32 {
  const vecBytes = rowBytes & ~15;
  let acc = f32x4.splat(0);
  for (let d: usize = 0; d < vecBytes; d += 16) acc = f32x4.add(acc, f32x4.mul(v128.load(q + d), v128.load(k + d)));
  let s: f32 = f32x4.extract_lane(acc, 0) + f32x4.extract_lane(acc, 1);
  s += f32x4.extract_lane(acc, 2) + f32x4.extract_lane(acc, 3);
  for (let d = vecBytes; d < rowBytes; d += 4) s += load<f32>(q + d) * load<f32>(k + d);
  return s;
}

/** The score of key j: scale · q·k_j + bias_j (no bias when `bias` is 0). */
@inline
function score(q: usize, kj: usize, rowBytes: usize, scale: f32, bias: usize, biasRow: usize, j: i32): f32 {
  return dot(q, kj, rowBytes) * scale + (bias ? load<f32>(biasRow + ((<usize>j) << 2)) : 0);
}

/**
 * The scores of keys j..j+3 into scratch[j..j+3], for a row length that is a multiple of four floats: the four
 * keys' lane sums are transposed so that each key's sum is (lane 0 + lane 1) + (lane 2 + lane 3), as in
 * {@link dot}: the same values as {@link score} key by key.
 */
@inline
function scores4(
  q: usize, kj: usize, rowBytes: usize, scale: f32, bias: usize, biasRow: usize, j: i32, scratch: usize,
): void {
  let a = f32x4.splat(0);
  let b = f32x4.splat(0);
  let c = f32x4.splat(0);
  let e = f32x4.splat(0);
  for (let d: usize = 0; d < rowBytes; d += 16) {
    const qd = v128.load(q + d);
    a = f32x4.add(a, f32x4.mul(qd, v128.load(kj + d)));
    b = f32x4.add(b, f32x4.mul(qd, v128.load(kj + rowBytes + d)));
    c = f32x4.add(c, f32x4.mul(qd, v128.load(kj + 2 * rowBytes + d)));
    e = f32x4.add(e, f32x4.mul(qd, v128.load(kj + 3 * rowBytes + d)));
  }
  const t0 = i32x4.shuffle(a, b, 0, 4, 1, 5); // a0 b0 a1 b1
  const t1 = i32x4.shuffle(c, e, 0, 4, 1, 5); // c0 e0 c1 e1
  const t2 = i32x4.shuffle(a, b, 2, 6, 3, 7); // a2 b2 a3 b3
  const t3 = i32x4.shuffle(c, e, 2, 6, 3, 7); // c2 e2 c3 e3
  const s01 = f32x4.add(i64x2.shuffle(t0, t1, 0, 2), i64x2.shuffle(t0, t1, 1, 3)); // lane 0 + lane 1 of each key
  const s23 = f32x4.add(i64x2.shuffle(t2, t3, 0, 2), i64x2.shuffle(t2, t3, 1, 3)); // lane 2 + lane 3
  const at = scratch + ((<usize>j) << 2);
  const biasv = bias ? v128.load(biasRow + ((<usize>j) << 2)) : f32x4.splat(0);
  v128.store(at, f32x4.add(f32x4.mul(f32x4.add(s01, s23), f32x4.splat(scale)), biasv));
}

/** out += p · v over `rowBytes` bytes of float32. */
@inline
function axpy(out: usize, p: f32, v: usize, rowBytes: usize): void {
  const vecBytes = rowBytes & ~15;
  const pv = f32x4.splat(p);
  for (let d: usize = 0; d < vecBytes; d += 16) {
    v128.store(out + d, f32x4.add(v128.load(out + d), f32x4.mul(pv, v128.load(v + d))));
  }
  for (let d = vecBytes; d < rowBytes; d += 4) store<f32>(out + d, load<f32>(out + d) + p * load<f32>(v + d));
}

/**
 * out[b, kv, g, :] = Σ_j softmax_j(scale · q[b, kv, g, :]·k[b, kv, j, :] + bias[b, j]) · v[b, kv, j, :].
 * Byte offsets: q and out [B, KV, G, hd], k and v [B, KV, Tk, hd], bias [B, Tk] (0 when `bias` is 0: no bias),
 * `scratch` Tk floats. Three passes over the keys: the scores (kept in `scratch`) and their largest, the
 * exponentials four at a time, then their sum and the weighted values in key order. A key whose exponential is 0
 * (a padded one, bias −10⁹) is skipped: adding 0 changes neither the sum nor the output (for finite values; an
 * infinite v there gave NaN before).
 */
export function decodeAttention(
  q: usize, k: usize, v: usize, bias: usize, out: usize,
  b: i32, kvh: i32, g: i32, tk: i32, hd: i32, scale: f32, scratch: usize,
): void {
  const rowBytes = (<usize>hd) << 2;
  const tk4 = tk & ~3;
  for (let bi = 0; bi < b; bi++) {
    const biasRow = bias + (<usize>bi) * (<usize>tk << 2);
    for (let h = 0; h < kvh; h++) {
      const kv = (<usize>(bi * kvh + h)) * (<usize>tk) * rowBytes;
      const kh = k + kv;
      const vh = v + kv;
      for (let gi = 0; gi < g; gi++) {
        const row = (<usize>((bi * kvh + h) * g + gi)) * rowBytes;
        const qr = q + row;
        const or = out + row;
        let m: f32 = -Infinity;
        let j = 0;
        if ((hd & 3) == 0) {
          for (; j < tk4; j += 4) scores4(qr, kh + (<usize>j) * rowBytes, rowBytes, scale, bias, biasRow, j, scratch);
        }
        for (; j < tk; j++) store<f32>(scratch + ((<usize>j) << 2), score(qr, kh + (<usize>j) * rowBytes, rowBytes, scale, bias, biasRow, j));
        for (let i = 0; i < tk; i++) {
          const s = load<f32>(scratch + ((<usize>i) << 2));
          if (s > m) m = s;
        }
        const mv = f32x4.splat(m);
        for (let j = 0; j < tk4; j += 4) {
          const at = scratch + ((<usize>j) << 2);
          v128.store(at, expDecodeVector(f32x4.sub(v128.load(at), mv)));
        }
        for (let j = tk4; j < tk; j++) {
          const at = scratch + ((<usize>j) << 2);
          store<f32>(at, expf(load<f32>(at) - m));
        }
        memory.fill(or, 0, rowBytes);
        let l: f32 = 0;
        for (let j = 0; j < tk; j++) {
          const p = load<f32>(scratch + ((<usize>j) << 2));
          if (p == 0) continue;
          l += p;
          axpy(or, p, vh + (<usize>j) * rowBytes, rowBytes);
        }
        const inv: f32 = 1.0 / l;
        for (let d: usize = 0; d < rowBytes; d += 4) store<f32>(or + d, load<f32>(or + d) * inv);
      }
    }
  }
}
