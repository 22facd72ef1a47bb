// AssemblyScript, compiled with the other kernels/*.ts into src/engine/kernelsWasm.ts by `npm run build:kernels`
// (tools/build_kernels.ts). Not TypeScript: `usize`, `f32`, `i32`, `v128` are AssemblyScript's types.
//
// A transpose that swaps two adjacent groups of axes, which is what every transpose of a Llama step is once its
// consecutive axes are merged (engine/wasmKernels reduces the permutation):
//   dst[o, j, i, :] = src[o, i, j, :]      src [outer, a, b, inner], dst [outer, b, a, inner]
// inner = 1 is a plain (batched) matrix transpose: the transposed operands of the backward products (a [4096, 172]
// activation, say); inner > 1 moves rows of `inner` floats (attention's [B, T, H, hd] ↔ [B, H, T, hd] at hd = 8).
// tfjs-backend-wasm's Transpose computes an index per element and moved 0.5-0.7 GB/s here; this goes in tiles that
// stay in cache, four by four floats with SIMD shuffles.

// @ts-nocheck

/** The tile (rows and columns of the [a, b] matrix) walked before moving on, so that both sides stay in cache. */
const TILE: i32 = 32;

/** Transposes the 4 × 4 floats at s (row stride sRow bytes) into d (row stride dRow bytes). */
@inline
function block4(s: usize, sRow: usize, d: usize, dRow: usize): void {
  const r0 = v128.load(s);
  const r1 = v128.load(s + sRow);
  const r2 = v128.load(s + 2 * sRow);
  const r3 = v128.load(s + 3 * sRow);
  // interleave pairs of rows, then pairs of pairs
  const t0 = i32x4.shuffle(r0, r1, 0, 4, 1, 5); // a0 b0 a1 b1
  const t1 = i32x4.shuffle(r2, r3, 0, 4, 1, 5); // c0 d0 c1 d1
  const t2 = i32x4.shuffle(r0, r1, 2, 6, 3, 7); // a2 b2 a3 b3
  const t3 = i32x4.shuffle(r2, r3, 2, 6, 3, 7); // c2 d2 c3 d3
  v128.store(d, i64x2.shuffle(t0, t1, 0, 2)); // a0 b0 c0 d0
  v128.store(d + dRow, i64x2.shuffle(t0, t1, 1, 3)); // a1 b1 c1 d1
  v128.store(d + 2 * dRow, i64x2.shuffle(t2, t3, 0, 2));
  v128.store(d + 3 * dRow, i64x2.shuffle(t2, t3, 1, 3));
}

/** dst [b, a] = srcᵀ for one [a, b] matrix of floats (byte offsets). */
function matrix(src: usize, dst: usize, a: i32, b: i32): void {
  const sRow = (<usize>b) << 2;
  const dRow = (<usize>a) << 2;
  for (let i0 = 0; i0 < a; i0 += TILE) {
    const i1 = min(i0 + TILE, a);
    for (let j0 = 0; j0 < b; j0 += TILE) {
      const j1 = min(j0 + TILE, b);
      let i = i0;
      for (; i + 4 <= i1; i += 4) {
        let j = j0;
        for (; j + 4 <= j1; j += 4) {
          block4(src + (<usize>i) * sRow + ((<usize>j) << 2), sRow, dst + (<usize>j) * dRow + ((<usize>i) << 2), dRow);
        }
        for (; j < j1; j++) {
          for (let r = i; r < i + 4; r++) {
            store<f32>(dst + (<usize>j) * dRow + ((<usize>r) << 2), load<f32>(src + (<usize>r) * sRow + ((<usize>j) << 2)));
          }
        }
      }
      for (; i < i1; i++) {
        for (let j = j0; j < j1; j++) {
          store<f32>(dst + (<usize>j) * dRow + ((<usize>i) << 2), load<f32>(src + (<usize>i) * sRow + ((<usize>j) << 2)));
        }
      }
    }
  }
}

/** dst [b, a, inner] from src [a, b, inner] for one outer index: rows of `inner` floats, tile by tile. */
function rows(src: usize, dst: usize, a: i32, b: i32, inner: i32): void {
  const chunk = (<usize>inner) << 2;
  const vectors = (inner & 3) == 0; // rows of whole SIMD vectors (hd = 8: two)
  for (let i0 = 0; i0 < a; i0 += TILE) {
    const i1 = min(i0 + TILE, a);
    for (let j0 = 0; j0 < b; j0 += TILE) {
      const j1 = min(j0 + TILE, b);
      for (let i = i0; i < i1; i++) {
        for (let j = j0; j < j1; j++) {
          const d = dst + ((<usize>j) * (<usize>a) + (<usize>i)) * chunk;
          const s = src + ((<usize>i) * (<usize>b) + (<usize>j)) * chunk;
          if (vectors) for (let c: usize = 0; c < chunk; c += 16) v128.store(d + c, v128.load(s + c));
          else memory.copy(d, s, chunk);
        }
      }
    }
  }
}

/** dst[o, j, i, :] = src[o, i, j, :] for src [outer, a, b, inner] (byte offsets; dst must not overlap src). */
export function swapAxes(src: usize, dst: usize, outer: i32, a: i32, b: i32, inner: i32): void {
  const block = (<usize>a) * (<usize>b) * ((<usize>inner) << 2);
  for (let o = 0; o < outer; o++) {
    const s = src + (<usize>o) * block;
    const d = dst + (<usize>o) * block;
    if (inner == 1) matrix(s, d, a, b);
    else rows(s, d, a, b, inner);
  }
}
