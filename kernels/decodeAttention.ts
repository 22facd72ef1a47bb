// AssemblyScript, compiled with the other kernels/*.ts into src/engine/kernelsWasm.ts by `npm run build:kernels`
// (tools/build_kernels.ts). Not TypeScript: `usize`, `f32`, `i32`, `v128` are AssemblyScript's types.
//
// Attention of one decoding step (one new token per row), all in one call: for every row b, KV head and query
// head g of its group,
//   s_j = scale · q·k_j + bias_j,   p = softmax(s),   out = Σ_j p_j v_j        (j over the Tk cached keys)
// TF.js composes this of about ten kernels (broadcast products, sums, a scale, a bias, a softmax), each a call of
// ~10 µs of JavaScript for a few hundred numbers; a decoded token runs it once per layer.

// @ts-nocheck

import { expDecode as expf } from './lib/math';

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
 * Byte offsets: q and out [B, KV, G, hd], k and v [B, KV, Tk, hd], bias [B, Tk] (0 when `bias` is 0: no bias).
 * Two passes over the keys: the largest score, then the exponentials, their sum and the weighted values.
 */
export function decodeAttention(
  q: usize, k: usize, v: usize, bias: usize, out: usize,
  b: i32, kvh: i32, g: i32, tk: i32, hd: i32, scale: f32,
): void {
  const rowBytes = (<usize>hd) << 2;
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
        for (let j = 0; j < tk; j++) {
          const s = score(qr, kh + (<usize>j) * rowBytes, rowBytes, scale, bias, biasRow, j);
          if (s > m) m = s;
        }
        memory.fill(or, 0, rowBytes);
        let l: f32 = 0;
        for (let j = 0; j < tk; j++) {
          const p = expf(score(qr, kh + (<usize>j) * rowBytes, rowBytes, scale, bias, biasRow, j) - m);
          l += p;
          axpy(or, p, vh + (<usize>j) * rowBytes, rowBytes);
        }
        const inv: f32 = 1.0 / l;
        for (let d: usize = 0; d < rowBytes; d += 4) store<f32>(or + d, load<f32>(or + d) * inv);
      }
    }
  }
}
