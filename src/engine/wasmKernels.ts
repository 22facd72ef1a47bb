/**
 * A faster `BatchMatMul` kernel for the TF.js `wasm` backend.
 *
 * The stock wasm kernel (tfjs-backend-wasm 4.22) reaches XNNPACK's fast GEMM (~26 GFLOP/s per core
 * here) only for a single non-transposed product; a transposed operand or a batch of products
 * falls to a scalar loop at 0.6-2.3 GFLOP/s. Every backward matmul has a transposed operand and
 * every attention product is batched, so a Llama training step spent ~90% of its time there
 * (`npm run bench:model -- --profile`). This kernel:
 *  - makes transposed operands contiguous with the (fast) wasm Transpose kernel, or computes
 *    (op(B)ᵀ·op(A)ᵀ)ᵀ instead when that copies less;
 *  - folds a batch against a shared right operand into one tall 2-D product, through the stock
 *    kernel with the real tensor ids so that XNNPACK's packed-weight cache keeps working;
 *  - runs a batch of products as one fast 2-D product per batch entry on zero-copy views of the
 *    operands (temporary tensor ids registered on offsets inside the existing buffers).
 *
 * It relies on tfjs-backend-wasm internals (`dataIdMap`, `tfjs.registerTensor`), so the package
 * version is pinned and `test/engine/wasmKernels.test.ts` checks it against the stock kernels.
 *
 * @module engine/wasmKernels
 */
import * as tf from '@tensorflow/tfjs';

/* eslint-disable @typescript-eslint/no-explicit-any */
type TensorInfo = { dataId: object; shape: number[]; dtype: string };
interface WasmBackendInternals {
  dataIdMap: { get(dataId: object): { id: number; memoryOffset: number } };
  dataIdNextNumber: number;
  disposeData(dataId: object): void;
  makeOutput(shape: number[], dtype: string): TensorInfo;
  wasm: {
    cwrap: (...args: any[]) => any;
    tfjs: { registerTensor(id: number, size: number, offset: number): void; disposeData(id: number): void };
  };
}

let stock: tf.KernelConfig | null = null;
let wasmBatchMatMul: ((...args: any[]) => void) | null = null;

const size = (shape: number[]) => shape.reduce((a, d) => a * d, 1);

/** A transposed copy of the last two axes, by the backend's Transpose kernel. */
function transposeLast2(x: TensorInfo, backend: WasmBackendInternals): TensorInfo {
  const perm = x.shape.map((_, i) => i);
  const r = perm.length;
  [perm[r - 2], perm[r - 1]] = [perm[r - 1], perm[r - 2]];
  const kernel = tf.getKernel('Transpose', 'wasm')!;
  return kernel.kernelFunc({ inputs: { x } as any, backend: backend as any, attrs: { perm } as any }) as TensorInfo;
}

/** A tensor id that views `count` floats of an existing buffer, starting at element `start`. */
function view(backend: WasmBackendInternals, info: TensorInfo, start: number, count: number): number {
  const id = backend.dataIdNextNumber++;
  backend.wasm.tfjs.registerTensor(id, count, backend.dataIdMap.get(info.dataId).memoryOffset + 4 * start);
  return id;
}

function shapeBytes(shape: number[]): Uint8Array {
  return new Uint8Array(new Int32Array(shape).buffer);
}

function fastBatchMatMul(args: {
  inputs: tf.NamedTensorInfoMap;
  backend: unknown;
  attrs: tf.NamedAttrMap;
}): TensorInfo {
  const backend = args.backend as WasmBackendInternals;
  const a0 = args.inputs.a as unknown as TensorInfo;
  const b0 = args.inputs.b as unknown as TensorInfo;
  const { transposeA, transposeB } = args.attrs as { transposeA: boolean; transposeB: boolean };
  const outerA = a0.shape.slice(0, -2);
  const outerB = b0.shape.slice(0, -2);
  const batchA = size(outerA);
  const batchB = size(outerB);
  const sameOuter = outerA.length === outerB.length && outerA.every((d, i) => d === outerB[i]);
  // Cases this kernel does not cover (general broadcasting, non-float) go to the stock kernel.
  if (a0.dtype !== 'float32' || b0.dtype !== 'float32' || !(sameOuter || batchB === 1 || batchA === 1)) {
    return stock!.kernelFunc(args as any) as TensorInfo;
  }
  if (!transposeA && !transposeB && batchB === 1) {
    // [batch·M, K] @ [K, N] through the stock kernel with the real tensor ids: XNNPACK caches the
    // packed right operand per tensor id, which matters when the same weight is used many times
    // (generation runs one row per step through every weight matrix).
    const m = a0.shape[a0.shape.length - 2];
    const a2 = { dataId: a0.dataId, shape: [batchA * m, a0.shape[a0.shape.length - 1]], dtype: a0.dtype };
    const b2 = { dataId: b0.dataId, shape: b0.shape.slice(-2), dtype: b0.dtype };
    const out = stock!.kernelFunc({
      inputs: { a: a2, b: b2 } as any,
      backend: backend as any,
      attrs: args.attrs,
    }) as TensorInfo;
    out.shape = [...outerA, m, b0.shape[b0.shape.length - 1]];
    return out;
  }
  wasmBatchMatMul ??= backend.wasm.cwrap('BatchMatMul', null, [
    'number',
    'array',
    'number',
    'number',
    'array',
    'number',
    'number',
    'number',
    'number',
  ]);
  const rows = (x: TensorInfo, t: boolean) => x.shape[x.shape.length - (t ? 1 : 2)];
  const cols = (x: TensorInfo, t: boolean) => x.shape[x.shape.length - (t ? 2 : 1)];
  const m = rows(a0, transposeA);
  const k = cols(a0, transposeA);
  const n = cols(b0, transposeB);
  if (rows(b0, transposeB) !== k) {
    throw new Error(
      `matMul: inner dimensions ${k} and ${rows(b0, transposeB)} of shapes [${a0.shape}] and [${b0.shape}] (transposeA=${transposeA}, transposeB=${transposeB}) do not match`,
    );
  }
  // Memory work besides the product: transposed copies, and XNNPACK packing the right operand on
  // every call on a view. C = op(A)·op(B) can also be computed as C = (op(B)ᵀ·op(A)ᵀ)ᵀ, which moves
  // the other operands and the output instead (a large tied output head times one row, in
  // generation): take the cheaper way.
  const sizeA = m * k * batchA;
  const sizeB = k * n * batchB;
  const sizeC = m * n * Math.max(batchA, batchB);
  const direct = (transposeA ? sizeA : 0) + (transposeB ? sizeB : 0) + sizeB;
  const swapped = (transposeA ? 0 : sizeA) + (transposeB ? 0 : sizeB) + sizeC + sizeA;
  const swap = swapped < direct;
  // after the swap: out' = L · R with L = op(B)ᵀ [n, k] and R = op(A)ᵀ [k, m]
  const temps: TensorInfo[] = [];
  const plain = (x: TensorInfo, needsTranspose: boolean) => {
    if (!needsTranspose) return x;
    const t = transposeLast2(x, backend);
    temps.push(t);
    return t;
  };
  const left = swap ? plain(b0, !transposeB) : plain(a0, transposeA);
  const right = swap ? plain(a0, !transposeA) : plain(b0, transposeB);
  const [lm, ln] = swap ? [n, m] : [m, n];
  const batchL = swap ? batchB : batchA;
  const batchR = swap ? batchA : batchB;
  const outOuter = outerA.length >= outerB.length ? (batchA >= batchB ? outerA : outerB) : outerB;
  const batch = Math.max(batchA, batchB);
  const product = backend.makeOutput(swap ? [batch, lm, ln] : [...outOuter, m, n], 'float32');
  const call = (aId: number, aShape: number[], bId: number, bShape: number[], outId: number) =>
    wasmBatchMatMul!(aId, shapeBytes(aShape), 3, bId, shapeBytes(bShape), 3, false, false, outId);
  const ids: number[] = [];
  try {
    if (batchR === 1) {
      // [batch·rows, K] @ [K, cols]: one tall product
      const aId = view(backend, left, 0, batch * lm * k);
      const bId = view(backend, right, 0, k * ln);
      const oId = view(backend, product, 0, batch * lm * ln);
      ids.push(aId, bId, oId);
      call(aId, [1, batch * lm, k], bId, [1, k, ln], oId);
    } else {
      for (let i = 0; i < batch; i++) {
        const li = batchL === 1 ? 0 : i;
        const aId = view(backend, left, li * lm * k, lm * k);
        const bId = view(backend, right, i * k * ln, k * ln);
        const oId = view(backend, product, i * lm * ln, lm * ln);
        ids.push(aId, bId, oId);
        call(aId, [1, lm, k], bId, [1, k, ln], oId);
      }
    }
  } finally {
    for (const id of ids) backend.wasm.tfjs.disposeData(id); // also frees XNNPACK operators cached on the view
    for (const t of temps) backend.disposeData(t.dataId);
  }
  if (!swap) return product;
  const out = transposeLast2(product, backend); // [batch, m, n]
  backend.disposeData(product.dataId);
  out.shape = [...outOuter, m, n];
  return out;
}

/**
 * Replaces the wasm backend's `BatchMatMul` kernel with {@link fastBatchMatMul} (idempotent).
 * Called by `initBackend` when it picks wasm; `TRACT_WASM_STOCK_MATMUL=1` keeps the stock kernel.
 */
export function installFastWasmMatMul(): void {
  if (stock) return;
  const original = tf.getKernel('BatchMatMul', 'wasm');
  if (!original) throw new Error('installFastWasmMatMul: the wasm backend is not loaded');
  stock = original;
  tf.unregisterKernel('BatchMatMul', 'wasm');
  tf.registerKernel({
    kernelName: 'BatchMatMul',
    backendName: 'wasm',
    kernelFunc: fastBatchMatMul as unknown as tf.KernelFunc,
  });
}

/** Restores the stock kernel (for benchmarks and equivalence tests). */
export function uninstallFastWasmMatMul(): void {
  if (!stock) return;
  tf.unregisterKernel('BatchMatMul', 'wasm');
  tf.registerKernel(stock);
  stock = null;
}

/** Whether the fast kernel is installed. */
export function fastWasmMatMulInstalled(): boolean {
  return stock !== null;
}
