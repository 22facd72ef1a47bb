// AssemblyScript, compiled with kernels/transposedProduct.ts into src/engine/kernelsWasm.ts by
// `npm run build:kernels` (tools/build_kernels.ts). Not TypeScript: `usize`, `f32`, `v128` are AssemblyScript's.
//
// The gradient of a softmax over the last axis, in one pass over each row:
//   dx = y ⊙ (dy − Σ_j dy_j·y_j)          y = softmax(x), rows of length `cols`
// TF.js composes it of four kernels (a product, a row sum, a broadcast product and a difference), each a full
// pass over the [rows, cols] tensors; for attention's [B, H, T, T] probabilities those passes are memory-bound.
// A row (a few KB) stays in cache between the dot product and the write.

// @ts-nocheck

/**
 * dx = y ⊙ (dy − rowsum(dy ⊙ y)) for `rows` rows of `cols` floats (byte offsets of dy, y and dx in the imported
 * memory; dx may alias neither). The row sums run four lanes wide, then over the lanes, then the tail.
 */
export function softmaxBackward(dy: usize, y: usize, dx: usize, rows: i32, cols: i32): void {
  const rowBytes = (<usize>cols) << 2;
  const vecBytes = (<usize>(cols & ~3)) << 2;
  for (let r = 0; r < rows; r++) {
    const off = (<usize>r) * rowBytes;
    const dyr = dy + off;
    const yr = y + off;
    const dxr = dx + off;
    let acc = f32x4.splat(0);
    let j: usize = 0;
    for (; j < vecBytes; j += 16) acc = f32x4.add(acc, f32x4.mul(v128.load(dyr + j), v128.load(yr + j)));
    const lo: f32 = f32x4.extract_lane(acc, 0) + f32x4.extract_lane(acc, 1);
    let dot: f32 = lo + (f32x4.extract_lane(acc, 2) + f32x4.extract_lane(acc, 3));
    for (let k = j; k < rowBytes; k += 4) dot += load<f32>(dyr + k) * load<f32>(yr + k);
    const d = f32x4.splat(dot);
    for (j = 0; j < vecBytes; j += 16) {
      v128.store(dxr + j, f32x4.mul(v128.load(yr + j), f32x4.sub(v128.load(dyr + j), d)));
    }
    for (let k = j; k < rowBytes; k += 4) store<f32>(dxr + k, load<f32>(yr + k) * (load<f32>(dyr + k) - dot));
  }
}
