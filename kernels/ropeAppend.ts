// AssemblyScript, compiled with the other kernels/*.ts into src/engine/kernelsWasm.ts by `npm run build:kernels`
// (tools/build_kernels.ts). Not TypeScript: `usize`, `f32`, `i32` are AssemblyScript's types.
//
// The rotary embedding of a decoding step and the append to the key/value cache, in one call per layer:
//   qOut[b, h, :]            = rope(q[b, h, :])                         (h = kv·G + g: the layout of the
//   kOut[b, kv, 0..Tp, :]    = pastK[b, kv, :, :],  kOut[b, kv, Tp, :] = rope(k[b, kv, :])   decoding attention)
//   vOut[b, kv, 0..Tp, :]    = pastV[b, kv, :, :],  vOut[b, kv, Tp, :] = v[b, kv, :]
//   rope(x)_j = x_j·cos_j + rot(x)_j·sin_j,  rot(x) = (−x_{j+hd/2} | x_{j−hd/2}) (half split) or
//                                            (−x_{j+1} | x_{j−1}) on (even | odd) j (interleaved)
// TF.js composes this of about twenty kernels per layer (reshapes, the rotation as a product, three elementwise
// ops for each of q and k, transposes and two concatenations). Each float is computed as TF.js computes it
// (x·cos, rot(x)·sin and their sum, each rounded to float32), so the results are the same bits.

// @ts-nocheck

/** rope(x) of one head of `hd` floats at byte offset `src` into `dst`, with this row's cos and sin tables. */
@inline
function rope(src: usize, dst: usize, cos: usize, sin: usize, hd: i32, halfSplit: bool): void {
  const half = hd >> 1;
  for (let j = 0; j < hd; j++) {
    let r: f32;
    if (halfSplit) r = j < half ? -load<f32>(src + ((<usize>(j + half)) << 2)) : load<f32>(src + ((<usize>(j - half)) << 2));
    else r = (j & 1) == 0 ? -load<f32>(src + ((<usize>(j + 1)) << 2)) : load<f32>(src + ((<usize>(j - 1)) << 2));
    const o = (<usize>j) << 2;
    const a: f32 = load<f32>(src + o) * load<f32>(cos + o);
    const c: f32 = r * load<f32>(sin + o);
    store<f32>(dst + o, a + c);
  }
}

/**
 * Byte offsets: q [B, H, hd], k and v [B, KV, hd] (the step's projections), cos and sin [B, hd] (each row's position),
 * pastK and pastV [B, KV, Tp, hd] (0 when Tp is 0), qOut [B, H, hd], kOut and vOut [B, KV, Tp + 1, hd].
 */
export function ropeAppend(
  q: usize, k: usize, v: usize, cos: usize, sin: usize, pastK: usize, pastV: usize,
  qOut: usize, kOut: usize, vOut: usize,
  b: i32, h: i32, kvh: i32, tp: i32, hd: i32, halfSplit: bool,
): void {
  const rowBytes = (<usize>hd) << 2;
  const pastBytes = (<usize>tp) * rowBytes;
  for (let bi = 0; bi < b; bi++) {
    const c = cos + (<usize>bi) * rowBytes;
    const s = sin + (<usize>bi) * rowBytes;
    for (let hi = 0; hi < h; hi++) {
      const row = (<usize>(bi * h + hi)) * rowBytes;
      rope(q + row, qOut + row, c, s, hd, halfSplit);
    }
    for (let kv = 0; kv < kvh; kv++) {
      const head = <usize>(bi * kvh + kv);
      const src = head * rowBytes;
      const past = head * pastBytes;
      const dst = head * (pastBytes + rowBytes);
      if (tp > 0) {
        memory.copy(kOut + dst, pastK + past, pastBytes);
        memory.copy(vOut + dst, pastV + past, pastBytes);
      }
      rope(k + src, kOut + dst + pastBytes, c, s, hd, halfSplit);
      memory.copy(vOut + dst + pastBytes, v + src, rowBytes);
    }
  }
}
