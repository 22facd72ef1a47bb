// AssemblyScript, compiled with the other kernels/*.ts into src/engine/kernelsWasm.ts by `npm run build:kernels`
// (tools/build_kernels.ts). Not TypeScript: `usize`, `f32`, `i32` are AssemblyScript's types.
//
// Attention of one decoding step (one new token per row), all in one call: for every row b, KV head and query
// head g of its group,
//   s_j = scale · q·k_j + bias_j,   p = softmax(s),   out = Σ_j p_j v_j        (j over the Tk cached keys)
// TF.js composes this of about ten kernels (broadcast products, sums, a scale, a bias, a softmax), each a call of
// ~10 µs of JavaScript for a few hundred numbers; a decoded token runs it once per layer.

// @ts-nocheck

/** e^x in float32 without tables (the module has no memory of its own): 2^n · e^r, |r| ≤ ln2/2, degree-6 series. */
@inline
function expf(x: f32): f32 {
  if (x < <f32>-87.0) return 0;
  if (x > <f32>88.0) x = <f32>88.0;
  const n: f32 = nearest<f32>(x * <f32>1.4426950408889634);
  const r: f32 = x - n * <f32>0.693145751953125 - n * <f32>1.428606765330187e-6; // ln 2 in two parts (Cody-Waite)
  let p: f32 = <f32>0.001388888888888889;
  p = p * r + <f32>0.008333333333333333;
  p = p * r + <f32>0.041666666666666664;
  p = p * r + <f32>0.16666666666666666;
  p = p * r + <f32>0.5;
  p = p * r + <f32>1.0;
  p = p * r + <f32>1.0;
  return p * reinterpret<f32>((<i32>n + 127) << 23);
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
          const kj = kh + (<usize>j) * rowBytes;
          let s: f32 = 0;
          for (let d: usize = 0; d < rowBytes; d += 4) s += load<f32>(qr + d) * load<f32>(kj + d);
          s = s * scale + (bias ? load<f32>(biasRow + ((<usize>j) << 2)) : 0);
          if (s > m) m = s;
        }
        for (let d: usize = 0; d < rowBytes; d += 4) store<f32>(or + d, 0);
        let l: f32 = 0;
        for (let j = 0; j < tk; j++) {
          const kj = kh + (<usize>j) * rowBytes;
          let s: f32 = 0;
          for (let d: usize = 0; d < rowBytes; d += 4) s += load<f32>(qr + d) * load<f32>(kj + d);
          s = s * scale + (bias ? load<f32>(biasRow + ((<usize>j) << 2)) : 0);
          const p = expf(s - m);
          l += p;
          const vj = vh + (<usize>j) * rowBytes;
          for (let d: usize = 0; d < rowBytes; d += 4) store<f32>(or + d, load<f32>(or + d) + p * load<f32>(vj + d));
        }
        const inv: f32 = 1.0 / l;
        for (let d: usize = 0; d < rowBytes; d += 4) store<f32>(or + d, load<f32>(or + d) * inv);
      }
    }
  }
}
