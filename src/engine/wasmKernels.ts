/**
 * Faster kernels for the TF.js `wasm` backend: `BatchMatMul`, a fused softmax gradient, the attention of a decoding
 * step in one call, and an `Identity` that shares the buffer.
 *
 * The stock wasm kernel (tfjs-backend-wasm 4.22) reaches XNNPACK's fast GEMM (~26 GFLOP/s per core
 * here) only for a single non-transposed product; a transposed operand or a batch of products
 * falls to a scalar loop at 0.6-2.3 GFLOP/s. Every backward matmul has a transposed operand and
 * every attention product is batched, so a Llama training step spent ~90% of its time there
 * (`npm run bench:model -- --profile`). This kernel:
 *  - computes products of at least 2²⁴ multiply-adds (linear layers and their gradients, batches of attention
 *    products at a large head dimension) with its own GEMM (kernels/gemm.ts), which reads transposed operands in
 *    place through strides and gives XNNPACK's bits; the other cases below are for smaller products;
 *  - makes transposed operands contiguous with the (fast) wasm Transpose kernel, or computes
 *    (op(B)ᵀ·op(A)ᵀ)ᵀ instead when that copies less;
 *  - folds a batch against a shared right operand into one tall 2-D product, through the stock
 *    kernel with the real tensor ids so that XNNPACK's packed-weight cache keeps working;
 *  - runs a batch of products as one fast 2-D product per batch entry on zero-copy views of the
 *    operands (temporary tensor ids registered on offsets inside the existing buffers);
 *  - computes Aᵀ·B with a narrow B (attention's backward products at a small head dimension) with its own
 *    SIMD kernel (kernels/transposedProduct.ts, compiled into engine/kernelsWasm) that reads A in place in the
 *    backend's memory, where XNNPACK would need a transposed copy of the large A first.
 *
 * The softmax gradient dx = y ⊙ (dy − rowsum(dy ⊙ y)) is the kernel `SoftmaxBackward` (kernels/softmaxBackward.ts:
 * one pass where TF.js's composed gradient makes four), used by `softmaxLastAxis` in engine/ops. The attention of a
 * decoding step is the kernel `DecodeAttention` (kernels/decodeAttention.ts: one call where TF.js composes about ten),
 * used by model/attention. `GatherV2` and `Sum` over leading axes copy whole slices and sum columns where they lie
 * (kernels/gatherSum.ts), where the stock kernels go element by element or through a transposed copy.
 *
 * `Identity` (what `tf.clone` runs, and what the engine runs on every tensor an op saves for its gradient) copies
 * the whole buffer in tfjs-backend-wasm 4.22; the cpu, webgl and webgpu backends share the buffer and count a
 * reference instead, which is what {@link sharedIdentity} does here. TF.js tensors are immutable (a variable's
 * `assign` swaps buffers), so a shared buffer is never written through the clone.
 *
 * The own kernels (kernels/*.ts, AssemblyScript) are one small WebAssembly module that imports the backend's memory
 * and works on tensors where they lie, by byte offset.
 *
 * It relies on tfjs-backend-wasm internals (`dataIdMap`, `tfjs.registerTensor`), so the package
 * version is pinned and `test/engine/wasmKernels.test.ts` checks it against the stock kernels.
 *
 * @module engine/wasmKernels
 */
import * as tf from '@tensorflow/tfjs';
import { KernelHelper } from './kernelHelper';
import { KERNELS_WASM, KERNELS_WASM_SHARED } from './kernelsWasm';

type TensorInfo = tf.TensorInfo;

/** A `WebAssembly.Memory` (the project's `lib`, ES2022, does not declare the WebAssembly API). */
interface WasmMemory {
  readonly buffer: ArrayBuffer | SharedArrayBuffer;
}

/** The parts of the global `WebAssembly` object used here. */
const WebAssemblyApi = (
  globalThis as unknown as {
    WebAssembly: {
      Memory: abstract new (...args: never[]) => WasmMemory;
      Module: new (bytes: Uint8Array) => object;
      Instance: new (module: object, imports: object) => { exports: Record<string, unknown> };
    };
  }
).WebAssembly;

/** The wasm module's `BatchMatMul` export, as `cwrap` wraps it (shapes as Int32 bytes, ranks, flags). */
type WasmBatchMatMul = (
  aId: number,
  aShape: Uint8Array,
  aRank: number,
  bId: number,
  bShape: Uint8Array,
  bRank: number,
  transposeA: boolean,
  transposeB: boolean,
  outId: number,
) => void;

/** The fields of tfjs-backend-wasm's `BackendWasm` (4.22) that this kernel uses. */
interface WasmBackendInternals {
  dataIdMap: { get(dataId: object): { id: number; memoryOffset: number } };
  dataIdNextNumber: number;
  disposeData(dataId: object): void;
  incRef(dataId: object): void;
  makeOutput(shape: number[], dtype: tf.DataType): TensorInfo;
  wasm: {
    /** The module's memory: `asm.memory` in the single-threaded build, `wasmMemory` in the threaded one. */
    asm?: { memory?: WasmMemory };
    wasmMemory?: WasmMemory;
    /** Emscripten's `cwrap`, typed for the one export this file wraps. */
    cwrap(name: 'BatchMatMul', returnType: null, argTypes: string[]): WasmBatchMatMul;
    tfjs: { registerTensor(id: number, size: number, offset: number): void; disposeData(id: number): void };
  };
}

/** The arguments TF.js passes a kernel function. */
type KernelArgs = Parameters<tf.KernelFunc>[0];

/** One `BatchMatMul` call as this kernel sees it: the operands, their flags and their batch (outer) axes. */
interface MatMulCall {
  backend: WasmBackendInternals;
  a: TensorInfo;
  b: TensorInfo;
  transposeA: boolean;
  transposeB: boolean;
  outerA: number[];
  outerB: number[];
  batchA: number;
  batchB: number;
  /** The output's leading axes: the broadcast of outerA and outerB (equal ranks, or one of them empty). */
  outOuter: number[];
  /** A product of causal attention ({@link CAUSAL_PRODUCT}): what it may skip. */
  causal?: CausalSkip;
}

/** What a product of causal attention may skip (kernels/gemm.ts, `causal`): `mode` 1, 2 or 3; T; cached keys. */
interface CausalSkip {
  mode: number;
  t: number;
  past: number;
}

let stock: tf.KernelConfig | null = null;
let wasmBatchMatMul: WasmBatchMatMul | null = null;

const size = (shape: number[]) => shape.reduce((a, d) => a * d, 1);

/** A transposed copy of the last two axes, by the backend's Transpose kernel. */
function transposeLast2(x: TensorInfo, backend: WasmBackendInternals): TensorInfo {
  const perm = x.shape.map((_, i) => i);
  const r = perm.length;
  [perm[r - 2], perm[r - 1]] = [perm[r - 1], perm[r - 2]];
  const kernel = tf.getKernel('Transpose', 'wasm')!;
  return kernel.kernelFunc({ inputs: { x }, backend, attrs: { perm } }) as TensorInfo;
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

/**
 * A `BatchMatMul`'s arguments as a {@link MatMulCall}: float32 products whose batch axes match, or where one side has
 * a single batch entry; null for the rest (general broadcasting, other dtypes), which the stock kernel computes.
 */
function matMulCall(args: KernelArgs): MatMulCall | null {
  const backend = args.backend as WasmBackendInternals;
  const a = args.inputs.a!;
  const b = args.inputs.b!;
  const { transposeA, transposeB } = args.attrs as { transposeA: boolean; transposeB: boolean };
  const outerA = a.shape.slice(0, -2);
  const outerB = b.shape.slice(0, -2);
  const batchA = size(outerA);
  const batchB = size(outerB);
  const sameOuter = outerA.length === outerB.length && outerA.every((d, i) => d === outerB[i]);
  // batch axes of the same rank, or on one side only: the output's are then the longer (or the non-1) ones
  const ranksFit = outerA.length === outerB.length || outerA.length === 0 || outerB.length === 0;
  if (a.dtype !== 'float32' || b.dtype !== 'float32' || !ranksFit || !(sameOuter || batchB === 1 || batchA === 1)) {
    return null;
  }
  const outOuter = outerA.length >= outerB.length ? (batchA >= batchB ? outerA : outerB) : outerB;
  return { backend, a, b, transposeA, transposeB, outerA, outerB, batchA, batchB, outOuter };
}

/**
 * The kernel: float32 products whose batch axes match, or where one side has a single batch entry, run here; the
 * rest (general broadcasting, other dtypes) go to the stock kernel.
 */
function fastBatchMatMul(args: KernelArgs): TensorInfo {
  const call = matMulCall(args);
  if (!call) return stock!.kernelFunc(args) as TensorInfo;
  const { transposeA, transposeB, batchB } = call;
  const sameOuter = call.outerA.length === call.outerB.length && call.outerA.every((d, i) => d === call.outerB[i]);
  if (transposedProductOn && transposeA && !transposeB && sameOuter && narrowRight(call)) {
    const out = transposedProduct(call);
    if (out) return out;
  }
  if (rowsProductOn && !transposeA && batchB === 1 && fewRows(call)) {
    const out = rowsProduct(call);
    if (out) return out;
  }
  if (ownGemmOn && largeProduct(call)) {
    const out = ownGemm(call);
    if (out) return out;
  }
  if (ownGemmOn && largeBatch(call)) {
    const out = ownBatchedGemm(call);
    if (out) return out;
  }
  if (!transposeA && !transposeB && batchB === 1) return foldedProduct(call, args.attrs);
  return viewedProducts(call);
}

/**
 * The fewest multiply-adds {@link ownGemm} takes; smaller products stay with XNNPACK (see
 * `docs/performance.md`, `npm run bench:matmul`).
 */
export const GEMM_MIN_MACS = 1 << 24;

/**
 * The fewest rows (per product of a batch: {@link GEMM_MIN_ROWS} / 4) the own GEMM takes: it packs op(B) afresh on
 * every call, which XNNPACK does once per weight tensor and caches, so the few rows of a decoding step stay there.
 */
export const GEMM_MIN_ROWS = 64;

/**
 * Whether op(A)·op(B) suits {@link ownGemm}: one right operand (B has no batch) and a left operand that is one
 * matrix, or a batch of them that folds into one (not transposed), with at least {@link GEMM_MIN_MACS} multiply-adds
 * and a non-empty inner dimension.
 */
function largeProduct(call: MatMulCall): boolean {
  if (call.batchB !== 1 || (call.batchA !== 1 && call.transposeA)) return false;
  const { m, k, n } = productDims(call);
  const rows = call.batchA * m;
  return k > 0 && rows >= GEMM_MIN_ROWS && rows * k * n >= GEMM_MIN_MACS;
}

/**
 * C = op(A)·op(B) by kernels/gemm.ts (`gemmShared`): op(B) packed into panels once, then blocks of rows of C, this
 * thread and the helper thread (where there is one) each taking the next panel or block in turn. Transposed operands
 * are read where they lie, through strides, so no transposed copy is made. Null when the kernels cannot be loaded.
 */
function ownGemm(call: MatMulCall): TensorInfo | null {
  const { backend, a, b } = call;
  const kernels = ownKernels(backend);
  if (!kernels) return null;
  const { m, k, n } = productDims(call);
  const rows = call.batchA * m; // a batch of left operands folds into one tall matrix
  const { ars, acs, brs, bcs } = operandStrides(call, m, k, n);
  const packed = kernels.packedBFloats(k, n);
  const perThread = kernels.gemmScratchFloats();
  const [aAt, bAt] = [offsetOf(backend, a), offsetOf(backend, b)];
  // scratch: the control block (4 int32s), the packed B, then each thread's own part
  const out = sharedOutput(backend, [...call.outOuter, m, n], 4 + packed + 2 * perThread, (cAt, scratch) => {
    const pb = scratch + 16;
    const own = (thread: number) => pb + 4 * (packed + thread * perThread);
    shareRun(backend, kernels, 'gemmShared', scratch, rows * k * n, (thread) => [
      aAt,
      ars,
      acs,
      bAt,
      brs,
      bcs,
      pb,
      cAt,
      4 * n,
      rows,
      k,
      n,
      own(thread),
      scratch,
    ]);
  });
  ownGemmCount++;
  return out;
}

/**
 * Whether a batch of products suits {@link ownBatchedGemm}: at least 2 of them (one operand may be shared), with at
 * least {@link GEMM_MIN_MACS} multiply-adds in all and a non-empty inner dimension (attention's products).
 */
function largeBatch(call: MatMulCall): boolean {
  const batch = Math.max(call.batchA, call.batchB);
  if (batch < 2) return false;
  const { m, k, n } = productDims(call);
  return k > 0 && m >= GEMM_MIN_ROWS / 4 && batch * m * k * n >= GEMM_MIN_MACS;
}

/**
 * A batch of products C_e = op(A_e)·op(B_e) by kernels/gemm.ts (`gemmBatchShared`), this thread and the helper thread
 * (where there is one) each taking the next entry in turn; transposed operands are read in place. Null when the
 * kernels cannot be loaded.
 */
function ownBatchedGemm(call: MatMulCall): TensorInfo | null {
  const { backend, a, b, batchA, batchB } = call;
  const kernels = ownKernels(backend);
  if (!kernels) return null;
  const { m, k, n } = productDims(call);
  const batch = Math.max(batchA, batchB);
  const { ars, acs, brs, bcs } = operandStrides(call, m, k, n);
  const [abs, bbs] = [batchA === 1 ? 0 : 4 * m * k, batchB === 1 ? 0 : 4 * k * n];
  const perThread = kernels.packedBFloats(k, n) + kernels.gemmScratchFloats();
  const [aAt, bAt] = [offsetOf(backend, a), offsetOf(backend, b)];
  // scratch: the control block (4 int32s), then each thread's own part (its packed B and packed block of A)
  const out = sharedOutput(backend, [...call.outOuter, m, n], 4 + 2 * perThread, (cAt, scratch) => {
    shareRun(backend, kernels, 'gemmBatchShared', scratch, batch * m * k * n, (thread) => [
      aAt,
      abs,
      ars,
      acs,
      bAt,
      bbs,
      brs,
      bcs,
      cAt,
      4 * m * n,
      m,
      k,
      n,
      batch,
      scratch + 16 + 4 * thread * perThread,
      scratch,
      call.causal?.mode ?? 0,
      call.causal?.t ?? 1,
      call.causal?.past ?? 0,
    ]);
  });
  ownGemmCount++;
  return out;
}

/**
 * The byte strides of element (i, k) of op(A) and (k, j) of op(B) in kernels/gemm.ts's terms: a transposed operand is
 * read where it lies.
 */
function operandStrides(call: MatMulCall, m: number, k: number, n: number) {
  const [ars, acs] = call.transposeA ? [4, 4 * m] : [4 * k, 4];
  const [brs, bcs] = call.transposeB ? [4, 4 * k] : [4 * n, 4];
  return { ars, acs, brs, bcs };
}

let ownGemmOn = true;
let ownGemmCount = 0;

/** How many products {@link ownGemm} has computed in this process (for tests and profiles). */
export function ownGemmCalls(): number {
  return ownGemmCount;
}

/**
 * Turns the own GEMM on or off (on by default); off, large products go to XNNPACK. For benchmarks and equivalence
 * tests. Returns the previous setting.
 */
export function useOwnGemm(on: boolean): boolean {
  const before = ownGemmOn;
  ownGemmOn = on;
  return before;
}

/**
 * The most rows (batch entries × M) {@link rowsProduct} takes: a decoding step's batch. With two threads, every call
 * into XNNPACK after an own kernel first wakes its thread pool (some tens of µs: a [16, 64] × [64, 64] product took
 * 68 µs there against 18 µs here), so a decoding step of stories260K is fastest with no XNNPACK product at all.
 */
export const FEW_ROWS = 16;

/**
 * The most multiply-adds {@link rowsProduct} takes (stories260K's tied head at batch 16, [16, 64] × [512, 64]ᵀ, is
 * 2¹⁹); larger products are worth XNNPACK's call and thread pool.
 */
export const FEW_ROWS_MACS = 1 << 19;

/**
 * The largest W (floats) {@link rowsProduct} takes: 128 KB, which stays in the L2 cache; XNNPACK's packed copy of a
 * larger W streams better (measured: 7M batch 1, [1, 256] × [256, 256], was slower here).
 */
export const FEW_ROWS_WEIGHTS = 1 << 15;

/**
 * Whether X·op(W) suits {@link rowsProduct}: at most {@link FEW_ROWS} rows, {@link FEW_ROWS_MACS} multiply-adds and a
 * W of {@link FEW_ROWS_WEIGHTS} floats.
 */
function fewRows(call: MatMulCall): boolean {
  const { m, k, n } = productDims(call);
  const rows = call.batchA * m;
  return rows <= FEW_ROWS && rows * k * n <= FEW_ROWS_MACS && k * n <= FEW_ROWS_WEIGHTS;
}

/**
 * C = X·W or X·Wᵀ (W shared by the batch) with few rows, on the calling thread by kernels/rowsProduct.ts: the
 * products of a decoding step, where a call into XNNPACK and its thread pool costs more than the arithmetic. Null
 * when the kernel cannot be loaded.
 */
function rowsProduct(call: MatMulCall): TensorInfo | null {
  const { backend, a, b, transposeB } = call;
  const kernels = ownKernels(backend);
  if (!kernels) return null;
  const { m, k, n } = productDims(call);
  const out = backend.makeOutput([...call.outOuter, m, n], 'float32'); // [..., M, N]
  const rows = call.batchA * m;
  if (rows > 0 && n > 0) {
    const [x, w, c] = [offsetOf(backend, a), offsetOf(backend, b), offsetOf(backend, out)];
    if (!transposeB) kernels.rowsProduct(x, w, c, rows, k, n);
    else {
      // scratch: X transposed, [K, rows rounded up to 4]
      withScratch(backend, k * Math.ceil(rows / 4) * 4, (xT) => kernels.rowsProductT(x, w, c, xT, rows, k, n));
    }
  }
  rowsProductCount++;
  return out;
}

let rowsProductOn = true;
let rowsProductCount = 0;

/** How many products {@link rowsProduct} has computed in this process (for tests and profiles). */
export function rowsProductCalls(): number {
  return rowsProductCount;
}

/**
 * Turns the few-rows product on or off (on by default); off, such products go to XNNPACK like the others. For
 * benchmarks and equivalence tests. Returns the previous setting.
 */
export function useRowsProduct(on: boolean): boolean {
  const before = rowsProductOn;
  rowsProductOn = on;
  return before;
}

/** The widest right operand {@link transposedProduct} takes (columns; a multiple of 4). */
export const NARROW_COLUMNS = 16;

/** The largest C (S × N floats per batch entry) {@link transposedProduct} takes: it should stay in the L1/L2 cache. */
export const NARROW_OUTPUT_FLOATS = 8192;

/**
 * Whether Aᵀ·B suits {@link transposedProduct}: N columns, a multiple of 4, at most {@link NARROW_COLUMNS}, and C
 * small enough to stay in cache while A streams past (attention's backward: S = T keys × N = head dim).
 */
function narrowRight(call: MatMulCall): boolean {
  const n = call.b.shape[call.b.shape.length - 1];
  const s = call.a.shape[call.a.shape.length - 1];
  return n % 4 === 0 && n <= NARROW_COLUMNS && s * n <= NARROW_OUTPUT_FLOATS;
}

let transposedProductOn = true;
let transposedProductCount = 0;

/** How many products the transposed-product kernel has computed in this process (for tests and profiles). */
export function transposedProductCalls(): number {
  return transposedProductCount;
}

/**
 * Turns the transposed-product kernel on or off (on by default); off, Aᵀ·B with a narrow B takes the transposed
 * copy and XNNPACK like the other products. For benchmarks and equivalence tests. Returns the previous setting.
 */
export function useTransposedProduct(on: boolean): boolean {
  const before = transposedProductOn;
  transposedProductOn = on;
  return before;
}

/** The exports of the own kernels' module (kernels/*.ts); arguments are byte offsets and sizes. */
interface OwnKernels {
  transposedProduct(a: number, b: number, c: number, batch: number, t: number, s: number, n: number): void;
  softmaxBackward(dy: number, y: number, dx: number, rows: number, cols: number): void;
  decodeAttention(
    q: number,
    k: number,
    v: number,
    bias: number,
    out: number,
    b: number,
    kvh: number,
    g: number,
    tk: number,
    hd: number,
    scale: number,
    scratch: number,
  ): void;
  rmsNorm(x: number, w: number, out: number, rows: number, d: number, eps: number): void;
  ropeAppend(
    q: number,
    k: number,
    v: number,
    cos: number,
    sin: number,
    pastK: number,
    pastV: number,
    qOut: number,
    kOut: number,
    vOut: number,
    b: number,
    h: number,
    kvh: number,
    tp: number,
    hd: number,
    halfSplit: number,
  ): void;
  swiGlu(gate: number, up: number, out: number, n: number): void;
  swiGluGrad(...args: number[]): void;
  rowsProduct(x: number, w: number, c: number, m: number, k: number, n: number): void;
  rowsProductT(x: number, w: number, c: number, xT: number, m: number, k: number, n: number): void;
  swapAxes(src: number, dst: number, outer: number, a: number, b: number, inner: number): void;
  exp(x: number, y: number, n: number): void;
  gemmScratchFloats(): number;
  packedBFloats(k: number, n: number): number;
  gemmShared(...args: number[]): void;
  gemmBatchShared(...args: number[]): void;
  zeroInts(p: number, n: number): void;
  gatherSlices(x: number, idx: number, out: number, outer: number, dim: number, n: number, slice: number): void;
  columnSum(x: number, out: number, rows: number, cols: number, c0: number, c1: number): void;
  adamw(...args: number[]): void;
  rope(...args: number[]): void;
  logSumExpParts(z: number, mx: number, se: number, r0: number, r1: number, v: number, vecEnd: number): void;
  nllGrad(...args: number[]): void;
  causalSoftmax(
    q: number,
    kT: number,
    bias: number,
    p: number,
    b: number,
    kvh: number,
    rows: number,
    t: number,
    past: number,
    tk: number,
    hd: number,
  ): void;
  causalAttentionBackward(
    q: number,
    k: number,
    vT: number,
    p: number,
    dy: number,
    dq: number,
    dk: number,
    dv: number,
    scratch: number,
    b: number,
    kvh: number,
    rows: number,
    t: number,
    past: number,
    tk: number,
    hd: number,
  ): void;
}

/** The own kernels' module, instantiated per wasm memory (one backend has one memory). */
const ownKernelsByMemory = new WeakMap<WasmMemory, OwnKernels>();

/** The wasm backend's memory (where its module keeps it in either build). */
function backendMemory(backend: WasmBackendInternals): WasmMemory | undefined {
  return backend.wasm.wasmMemory ?? backend.wasm.asm?.memory;
}

/** The own kernels bound to the backend's memory, or null where its memory is not found. */
function ownKernels(backend: WasmBackendInternals): OwnKernels | null {
  const memory = backendMemory(backend);
  if (!(memory instanceof WebAssemblyApi.Memory)) return null;
  let kernels = ownKernelsByMemory.get(memory);
  if (!kernels) {
    const shared = typeof SharedArrayBuffer !== 'undefined' && memory.buffer instanceof SharedArrayBuffer;
    const bytes = Buffer.from(shared ? KERNELS_WASM_SHARED : KERNELS_WASM, 'base64');
    const instance = new WebAssemblyApi.Instance(new WebAssemblyApi.Module(bytes), { env: { memory } });
    kernels = instance.exports as unknown as OwnKernels;
    ownKernelsByMemory.set(memory, kernels);
  }
  return kernels;
}

/** The kernels a {@link KernelHelper} may run (halves of them, or its share of those that share work out). */
const HELPER_KERNELS = [
  'causalSoftmax',
  'causalAttentionBackward',
  'swapAxes',
  'exp',
  'gemmShared',
  'gemmBatchShared',
  'columnSum',
  'adamw',
  'logSumExpParts',
  'nllGrad',
  'swiGluGrad',
  'rope',
] as const;

/** The helper thread per shared memory (the threaded build's), or null where there is none. */
const helpersByMemory = new WeakMap<WasmMemory, KernelHelper>();
let helperOn = true;

/**
 * The helper thread of the own kernels (engine/kernelHelper), when the threaded build runs (shared memory, so
 * `TRACT_THREADS` ≥ 2), it is switched on, and it is alive; otherwise null.
 */
function helperFor(backend: WasmBackendInternals): KernelHelper | null {
  if (!helperOn) return null;
  const memory = backendMemory(backend);
  if (!(memory instanceof WebAssemblyApi.Memory)) return null;
  if (typeof SharedArrayBuffer === 'undefined' || !(memory.buffer instanceof SharedArrayBuffer)) return null;
  let helper = helpersByMemory.get(memory);
  if (!helper) {
    try {
      helper = new KernelHelper(memory, Buffer.from(KERNELS_WASM_SHARED, 'base64'), HELPER_KERNELS);
    } catch {
      helperOn = false; // no worker threads here: the own kernels run on this thread alone
      return null;
    }
    helpersByMemory.set(memory, helper);
  }
  return helper.failure() ? null : helper;
}

/**
 * Runs a kernel over `n` independent parts (batch rows): with the helper thread and at least `minWork` work, the
 * first half here and the rest there (`call(start, count)` computes parts start..start+count-1 on the given
 * kernels), else all here.
 * @throws {@link HelperLost} when the helper died or timed out during the call: it may still be writing to the
 *   outputs, so the caller ({@link splitOutputs}) leaves them and computes afresh without it.
 */
function splitRun(
  backend: WasmBackendInternals,
  kernels: OwnKernels,
  name: (typeof HELPER_KERNELS)[number],
  n: number,
  work: number,
  args: (start: number, count: number) => number[],
): void {
  const helper = n >= 2 && work >= HELPER_MIN_WORK ? helperFor(backend) : null;
  const run = (start: number, count: number) => (kernels[name] as (...a: number[]) => void)(...args(start, count));
  if (!helper) {
    run(0, n);
    return;
  }
  const half = Math.floor(n / 2);
  try {
    helper.run(name, args(half, n - half), () => run(0, half));
  } catch (err) {
    const lost = helper.failure();
    if (lost) throw new HelperLost(lost);
    throw err;
  }
  helperSplits++;
}

/**
 * Runs a kernel that shares its work out itself (kernels/gemm.ts `gemmShared`, `gemmBatchShared`: each calling
 * thread takes the next part from the control block at `ctl`, 4 int32s) on this thread and, with the helper thread and
 * at least `work` work, there too; `args(thread)` gives each thread's arguments (thread 0 here, 1 the helper). Which
 * thread computes a part does not change its bits, and a late helper finds less to do.
 * @throws {@link HelperLost} when the helper died or timed out during the call: it may still be writing to the
 *   output and scratch, so the caller ({@link sharedOutput}) leaves them and computes afresh without it.
 */
function shareRun(
  backend: WasmBackendInternals,
  kernels: OwnKernels,
  name: (typeof HELPER_KERNELS)[number],
  ctl: number,
  work: number,
  args: (thread: number) => number[],
): void {
  const run = () => (kernels[name] as (...a: number[]) => void)(...args(0));
  kernels.zeroInts(ctl, 4);
  const helper = work >= HELPER_MIN_WORK ? helperFor(backend) : null;
  if (!helper) {
    run();
    return;
  }
  try {
    helper.run(name, args(1), run);
  } catch (err) {
    const lost = helper.failure();
    if (lost) throw new HelperLost(lost);
    throw err;
  }
  helperSplits++;
}

/** The helper thread died or timed out during a {@link shareRun}. */
class HelperLost extends Error {}

/**
 * Float32 outputs of `shapes` filled by `fill` (which may share the work with the helper thread: {@link splitRun},
 * {@link shareRun}). If the helper is lost during `fill` ({@link HelperLost}), the outputs are left allocated (a
 * timed-out helper may still write to them) and `fill` runs again on fresh ones, without the helper. On any other
 * error they are freed and the error rethrown.
 */
function splitOutputs(
  backend: WasmBackendInternals,
  shapes: number[][],
  fill: (outs: TensorInfo[]) => void,
): TensorInfo[] {
  for (;;) {
    const outs = shapes.map((shape) => backend.makeOutput(shape, 'float32'));
    try {
      fill(outs);
    } catch (err) {
      if (err instanceof HelperLost) continue; // the helper is off now (helperFor), so this loop runs once more
      for (const o of outs) backend.disposeData(o.dataId);
      throw err;
    }
    return outs;
  }
}

/**
 * A float32 output of `shape` computed by `fill(outputOffset, scratchOffset)` with `scratchFloats` floats of scratch,
 * which is freed afterwards ({@link splitOutputs}: both are left allocated if the helper is lost).
 */
function sharedOutput(
  backend: WasmBackendInternals,
  shape: number[],
  scratchFloats: number,
  fill: (outAt: number, scratchAt: number) => void,
): TensorInfo {
  const [out, scratch] = splitOutputs(backend, [shape, [scratchFloats]], ([o, sc]) =>
    fill(offsetOf(backend, o!), offsetOf(backend, sc!)),
  );
  backend.disposeData(scratch!.dataId);
  return out!;
}

/** The least work (floats or score pairs) worth a call to the helper thread (a wake-up of some microseconds). */
export const HELPER_MIN_WORK = 1 << 16;

let helperSplits = 0;

/** How many kernels ran half on the helper thread in this process (for tests and profiles). */
export function helperCalls(): number {
  return helperSplits;
}

/** Why the active backend's helper thread was given up (it died, or a kernel's part timed out), or null. */
export function helperFailure(): string | null {
  if (tf.getBackend() !== 'wasm') return null;
  const memory = backendMemory(tf.backend() as unknown as WasmBackendInternals);
  const helper = memory instanceof WebAssemblyApi.Memory ? helpersByMemory.get(memory) : undefined;
  return helper?.failure() ?? null;
}

/** Turns the helper thread on or off (on by default). Returns the previous setting. */
export function useKernelHelper(on: boolean): boolean {
  const before = helperOn;
  helperOn = on;
  return before;
}

/** A tensor's byte offset in the backend's memory. */
function offsetOf(backend: WasmBackendInternals, x: TensorInfo): number {
  return backend.dataIdMap.get(x.dataId).memoryOffset;
}

/**
 * Runs `fn` with a float32 scratch buffer of `floats` floats in the backend's memory (its byte offset), and frees the
 * buffer afterwards, also when `fn` throws.
 */
function withScratch<T>(backend: WasmBackendInternals, floats: number, fn: (offset: number) => T): T {
  const scratch = backend.makeOutput([floats], 'float32');
  try {
    return fn(offsetOf(backend, scratch));
  } finally {
    backend.disposeData(scratch.dataId);
  }
}

/**
 * C = Aᵀ·B, A [..., T, S] and B [..., T, N] with the same batch axes and N narrow, as C [..., S, N], by the kernel
 * of kernels/transposedProduct.ts: it streams A row by row from where it lies, so the [T, S] operand (attention's
 * probabilities or their gradient, in the backward pass) is never copied. Null when the kernel cannot be loaded.
 */
function transposedProduct(call: MatMulCall): TensorInfo | null {
  const { backend, a, b } = call;
  const kernels = ownKernels(backend);
  if (!kernels) return null;
  const { m, k, n } = productDims(call); // m = S, k = T
  const out = backend.makeOutput([...call.outerA, m, n], 'float32'); // [..., S, N]
  kernels.transposedProduct(offsetOf(backend, a), offsetOf(backend, b), offsetOf(backend, out), call.batchA, k, m, n);
  transposedProductCount++;
  return out;
}

/**
 * [batch·M, K] @ [K, N] through the stock kernel with the real tensor ids: XNNPACK caches the packed right operand
 * per tensor id, which matters when the same weight is used many times (generation runs one row per step through
 * every weight matrix).
 */
function foldedProduct(call: MatMulCall, attrs: KernelArgs['attrs']): TensorInfo {
  const { a, b } = call;
  const m = a.shape[a.shape.length - 2];
  const a2 = { dataId: a.dataId, shape: [call.batchA * m, a.shape[a.shape.length - 1]], dtype: a.dtype };
  const b2 = { dataId: b.dataId, shape: b.shape.slice(-2), dtype: b.dtype };
  const out = stock!.kernelFunc({ inputs: { a: a2, b: b2 }, backend: call.backend, attrs }) as TensorInfo;
  out.shape = [...call.outOuter, m, b.shape[b.shape.length - 1]];
  return out;
}

/** M, K and N of C = op(A)·op(B), checking that the inner dimensions agree. */
function productDims(call: MatMulCall): { m: number; k: number; n: number } {
  const { a, b, transposeA, transposeB } = call;
  const rows = (x: TensorInfo, t: boolean) => x.shape[x.shape.length - (t ? 1 : 2)];
  const cols = (x: TensorInfo, t: boolean) => x.shape[x.shape.length - (t ? 2 : 1)];
  const m = rows(a, transposeA);
  const k = cols(a, transposeA);
  const n = cols(b, transposeB);
  if (rows(b, transposeB) !== k) {
    throw new Error(
      `matMul: inner dimensions ${k} and ${rows(b, transposeB)} of shapes [${a.shape}] and [${b.shape}] ` +
        `(transposeA=${transposeA}, transposeB=${transposeB}) do not match`,
    );
  }
  return { m, k, n };
}

/**
 * Whether to compute C = (op(B)ᵀ·op(A)ᵀ)ᵀ instead of op(A)·op(B). Memory work besides the product: transposed
 * copies, and XNNPACK packing the right operand on every call on a view. The swapped form moves the other operands
 * and the output instead (a large tied output head times one row, in generation): take the cheaper way.
 */
function swapIsCheaper(call: MatMulCall, m: number, k: number, n: number): boolean {
  const { transposeA, transposeB } = call;
  const sizeA = m * k * call.batchA;
  const sizeB = k * n * call.batchB;
  const sizeC = m * n * Math.max(call.batchA, call.batchB);
  const direct = (transposeA ? sizeA : 0) + (transposeB ? sizeB : 0) + sizeB;
  const swapped = (transposeA ? 0 : sizeA) + (transposeB ? 0 : sizeB) + sizeC + sizeA;
  return swapped < direct;
}

/**
 * The products out = L · R (L [lm, k] per batch entry, R [k, ln]) as contiguous operands: C = op(A)·op(B) directly,
 * or after the swap L = op(B)ᵀ [n, k] and R = op(A)ᵀ [k, m]. Transposed copies made here are listed in `temps`.
 */
interface Oriented {
  swap: boolean;
  left: TensorInfo;
  right: TensorInfo;
  lm: number;
  ln: number;
  batchL: number;
  batchR: number;
  temps: TensorInfo[];
}

function orient(call: MatMulCall, m: number, n: number, swap: boolean): Oriented {
  const { a, b, transposeA, transposeB } = call;
  const temps: TensorInfo[] = [];
  const plain = (x: TensorInfo, needsTranspose: boolean) => {
    if (!needsTranspose) return x;
    const t = transposeLast2(x, call.backend);
    temps.push(t);
    return t;
  };
  const left = swap ? plain(b, !transposeB) : plain(a, transposeA);
  const right = swap ? plain(a, !transposeA) : plain(b, transposeB);
  const [lm, ln] = swap ? [n, m] : [m, n];
  const batchL = swap ? call.batchB : call.batchA;
  const batchR = swap ? call.batchA : call.batchB;
  return { swap, left, right, lm, ln, batchL, batchR, temps };
}

/** Batched (or transposed) products as fast 2-D products on zero-copy views of the operands. */
function viewedProducts(call: MatMulCall): TensorInfo {
  const { backend, batchA, batchB } = call;
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
  const { m, k, n } = productDims(call);
  const o = orient(call, m, n, swapIsCheaper(call, m, k, n));
  const outOuter = call.outOuter;
  const batch = Math.max(batchA, batchB);
  const product = backend.makeOutput(o.swap ? [batch, o.lm, o.ln] : [...outOuter, m, n], 'float32');
  try {
    runOnViews(backend, o, k, batch, product);
  } finally {
    for (const t of o.temps) backend.disposeData(t.dataId);
  }
  if (!o.swap) return product;
  const out = transposeLast2(product, backend); // [batch, m, n]
  backend.disposeData(product.dataId);
  out.shape = [...outOuter, m, n];
  return out;
}

/** Runs `product` = L · R for every batch entry through the wasm GEMM, each on views registered for the call. */
function runOnViews(backend: WasmBackendInternals, o: Oriented, k: number, batch: number, product: TensorInfo): void {
  const { left, right, lm, ln } = o;
  const gemm = (aId: number, aShape: number[], bId: number, bShape: number[], outId: number) =>
    wasmBatchMatMul!(aId, shapeBytes(aShape), 3, bId, shapeBytes(bShape), 3, false, false, outId);
  const ids: number[] = [];
  try {
    if (o.batchR === 1) {
      // [batch·rows, K] @ [K, cols]: one tall product
      const aId = view(backend, left, 0, batch * lm * k);
      const bId = view(backend, right, 0, k * ln);
      const oId = view(backend, product, 0, batch * lm * ln);
      ids.push(aId, bId, oId);
      gemm(aId, [1, batch * lm, k], bId, [1, k, ln], oId);
    } else {
      for (let i = 0; i < batch; i++) {
        const li = o.batchL === 1 ? 0 : i;
        const aId = view(backend, left, li * lm * k, lm * k);
        const bId = view(backend, right, i * k * ln, k * ln);
        const oId = view(backend, product, i * lm * ln, lm * ln);
        ids.push(aId, bId, oId);
        gemm(aId, [1, lm, k], bId, [1, k, ln], oId);
      }
    }
  } finally {
    for (const id of ids) backend.wasm.tfjs.disposeData(id); // also frees XNNPACK operators cached on the view
  }
}

/** The name of the fused softmax-gradient kernel (registered on wasm by {@link installWasmKernels}). */
export const SOFTMAX_BACKWARD = 'SoftmaxBackward';

/**
 * The kernel {@link SOFTMAX_BACKWARD}: inputs `dy` and `y` (the softmax's output), same shape, float32, softmax over
 * the last axis; output dx = y ⊙ (dy − Σ_last dy ⊙ y).
 */
function softmaxBackwardKernel(args: KernelArgs): TensorInfo {
  const backend = args.backend as WasmBackendInternals;
  const dy = args.inputs.dy!;
  const y = args.inputs.y!;
  if (dy.shape.length === 0 || dy.shape.join() !== y.shape.join() || dy.dtype !== 'float32' || y.dtype !== 'float32') {
    throw new Error(
      `${SOFTMAX_BACKWARD}: dy [${dy.shape}] ${dy.dtype} and y [${y.shape}] ${y.dtype} must be equal float32`,
    );
  }
  const kernels = ownKernels(backend);
  if (!kernels) throw new Error(`${SOFTMAX_BACKWARD}: the wasm backend's memory was not found`);
  const cols = y.shape[y.shape.length - 1];
  const rows = size(y.shape) / Math.max(cols, 1);
  const out = backend.makeOutput(y.shape, 'float32');
  if (rows > 0 && cols > 0) {
    kernels.softmaxBackward(offsetOf(backend, dy), offsetOf(backend, y), offsetOf(backend, out), rows, cols);
  }
  return out;
}

/** The name of the one-call decoding-step attention kernel (registered on wasm by {@link installWasmKernels}). */
export const DECODE_ATTENTION = 'DecodeAttention';

/**
 * The kernel {@link DECODE_ATTENTION} (kernels/decodeAttention.ts): inputs `q` [B, KV, G, hd], `k` and `v`
 * [B, KV, Tk, hd], optionally `bias` [B, 1, 1, Tk]; attribute `scale`; output [B, KV, G, hd] =
 * softmax(scale · q·kᵀ + bias)·v over the Tk keys. No gradient: it serves decoding only.
 */
function decodeAttentionKernel(args: KernelArgs): TensorInfo {
  const backend = args.backend as WasmBackendInternals;
  const { q, k, v, bias } = args.inputs as Record<string, TensorInfo | undefined>;
  const { scale } = args.attrs as { scale: number };
  if (!q || !k || !v || q.shape.length !== 4 || k.shape.length !== 4 || v.shape.join() !== k.shape.join()) {
    throw new Error(`${DECODE_ATTENTION}: q [B, KV, G, hd] and k, v [B, KV, Tk, hd] are required`);
  }
  const [b, kvh, g, hd] = q.shape;
  const tk = k.shape[2];
  if (tk < 1) throw new Error(`${DECODE_ATTENTION}: no keys (k [${k.shape}])`);
  if (k.shape[0] !== b || k.shape[1] !== kvh || k.shape[3] !== hd) {
    throw new Error(`${DECODE_ATTENTION}: q [${q.shape}] and k [${k.shape}] do not agree`);
  }
  if (bias && bias.shape.join() !== [b, 1, 1, tk].join()) {
    throw new Error(`${DECODE_ATTENTION}: bias must be [${[b, 1, 1, tk]}], got [${bias.shape}]`);
  }
  for (const x of [q, k, v, bias]) {
    if (x && x.dtype !== 'float32') throw new Error(`${DECODE_ATTENTION}: float32 inputs only, got ${x.dtype}`);
  }
  const kernels = ownKernels(backend);
  if (!kernels) throw new Error(`${DECODE_ATTENTION}: the wasm backend's memory was not found`);
  const out = backend.makeOutput(q.shape, 'float32'); // [B, KV, G, hd]
  const at = (x: TensorInfo) => offsetOf(backend, x);
  // scratch: one row of scores, then of their exponentials
  withScratch(backend, tk, (scratch) =>
    kernels.decodeAttention(at(q), at(k), at(v), bias ? at(bias) : 0, at(out), b, kvh, g, tk, hd, scale, scratch),
  );
  return out;
}

/** The name of the one-call RMSNorm of a decoding step (registered on wasm by {@link installWasmKernels}). */
export const RMS_NORM = 'RmsNorm';

/**
 * The kernel {@link RMS_NORM} (kernels/rmsNorm.ts): inputs `x` [N, D] and `w` [D]; attribute `eps`; output [N, D] =
 * x · rsqrt(mean(x²) + eps) · w over the last axis. No gradient: it serves decoding only.
 */
function rmsNormKernel(args: KernelArgs): TensorInfo {
  const backend = args.backend as WasmBackendInternals;
  const { x, w } = args.inputs as Record<string, TensorInfo | undefined>;
  const { eps } = args.attrs as { eps: number };
  if (!x || !w || x.shape.length !== 2 || w.shape.length !== 1 || w.shape[0] !== x.shape[1]) {
    throw new Error(`${RMS_NORM}: x [N, D] and w [D] are required, got [${x?.shape}] and [${w?.shape}]`);
  }
  if (x.dtype !== 'float32' || w.dtype !== 'float32') throw new Error(`${RMS_NORM}: float32 inputs only`);
  const kernels = ownKernels(backend);
  if (!kernels) throw new Error(`${RMS_NORM}: the wasm backend's memory was not found`);
  const [n, d] = x.shape;
  const out = backend.makeOutput(x.shape, 'float32'); // [N, D]
  if (n > 0 && d > 0) {
    kernels.rmsNorm(offsetOf(backend, x), offsetOf(backend, w), offsetOf(backend, out), n, d, eps);
  }
  return out;
}

/** The name of the one-call rotary embedding and cache append of a decoding step (see {@link installWasmKernels}). */
export const ROPE_APPEND = 'RopeAppend';

/**
 * The kernel {@link ROPE_APPEND} (kernels/ropeAppend.ts): inputs `q` [B, H·hd], `k` and `v` [B, KV·hd] (one new token
 * per row), `cos` and `sin` [B, hd] (each row's position), optionally `pastK` and `pastV` [B, KV, Tp, hd];
 * attributes `heads`, `kvHeads`, `halfSplit`. Outputs: the rotated queries [B, KV, G, hd] (G = H / KV) and the
 * keys and values with the new token appended, [B, KV, Tp + 1, hd] each, the keys rotated. The same bits as TF.js's
 * composition. No gradient: it serves decoding only.
 */
function ropeAppendKernel(args: KernelArgs): TensorInfo[] {
  const backend = args.backend as WasmBackendInternals;
  const { q, k, v, cos, sin, pastK, pastV } = args.inputs as Record<string, TensorInfo | undefined>;
  const { heads: h, kvHeads: kvh, halfSplit } = args.attrs as { heads: number; kvHeads: number; halfSplit: boolean };
  if (!q || !k || !v || !cos || !sin || q.shape.length !== 2 || cos.shape.length !== 2) {
    throw new Error(`${ROPE_APPEND}: q [B, H·hd], k and v [B, KV·hd], cos and sin [B, hd] are required`);
  }
  const [b, hd] = cos.shape;
  const agree =
    q.shape.join() === [b, h * hd].join() &&
    k.shape.join() === [b, kvh * hd].join() &&
    v.shape.join() === k.shape.join() &&
    sin.shape.join() === cos.shape.join() &&
    h % kvh === 0 &&
    hd % 2 === 0;
  if (!agree) {
    throw new Error(
      `${ROPE_APPEND}: shapes do not agree: q [${q.shape}], k [${k.shape}], v [${v.shape}], cos [${cos.shape}], ` +
        `sin [${sin.shape}] with ${h} heads, ${kvh} key/value heads`,
    );
  }
  if (!pastK !== !pastV) throw new Error(`${ROPE_APPEND}: pastK and pastV come together`);
  const tp = pastK ? pastK.shape[2] : 0;
  if (pastK && (pastK.shape.join() !== [b, kvh, tp, hd].join() || pastV!.shape.join() !== pastK.shape.join())) {
    throw new Error(`${ROPE_APPEND}: pastK and pastV must be [${[b, kvh, 'Tp', hd]}], got [${pastK.shape}]`);
  }
  for (const x of [q, k, v, cos, sin, pastK, pastV]) {
    if (x && x.dtype !== 'float32') throw new Error(`${ROPE_APPEND}: float32 inputs only, got ${x.dtype}`);
  }
  const kernels = ownKernels(backend);
  if (!kernels) throw new Error(`${ROPE_APPEND}: the wasm backend's memory was not found`);
  const qOut = backend.makeOutput([b, kvh, h / kvh, hd], 'float32'); // [B, KV, G, hd]
  const kOut = backend.makeOutput([b, kvh, tp + 1, hd], 'float32'); // [B, KV, Tp + 1, hd]
  const vOut = backend.makeOutput([b, kvh, tp + 1, hd], 'float32');
  const at = (x: TensorInfo | undefined) => (x ? offsetOf(backend, x) : 0);
  kernels.ropeAppend(
    at(q),
    at(k),
    at(v),
    at(cos),
    at(sin),
    at(pastK),
    at(pastV),
    at(qOut),
    at(kOut),
    at(vOut),
    b,
    h,
    kvh,
    tp,
    hd,
    halfSplit ? 1 : 0,
  );
  return [qOut, kOut, vOut];
}

/** The name of the one-call SwiGLU gate of a decoding step (see {@link installWasmKernels}). */
export const SWIGLU = 'SwiGlu';

/**
 * The kernel {@link SWIGLU} (kernels/swiGlu.ts): inputs `gate` and `up` of one shape; output silu(gate) ⊙ up =
 * gate · σ(gate) · up, elementwise. No gradient: it serves decoding only.
 */
function swiGluKernel(args: KernelArgs): TensorInfo {
  const backend = args.backend as WasmBackendInternals;
  const { gate, up } = args.inputs as Record<string, TensorInfo | undefined>;
  if (!gate || !up || gate.shape.join() !== up.shape.join()) {
    throw new Error(`${SWIGLU}: gate and up of one shape are required, got [${gate?.shape}] and [${up?.shape}]`);
  }
  if (gate.dtype !== 'float32' || up.dtype !== 'float32') throw new Error(`${SWIGLU}: float32 inputs only`);
  const kernels = ownKernels(backend);
  if (!kernels) throw new Error(`${SWIGLU}: the wasm backend's memory was not found`);
  const out = backend.makeOutput(gate.shape, 'float32');
  const n = size(gate.shape);
  if (n > 0) kernels.swiGlu(offsetOf(backend, gate), offsetOf(backend, up), offsetOf(backend, out), n);
  return out;
}

/** The name of the log-sum-exp parts kernel (see {@link installWasmKernels}; losses/crossEntropy `weightedNll`). */
export const LOG_SUM_EXP_PARTS = 'LogSumExpParts';
/** The name of the token cross-entropy's gradient kernel (losses/crossEntropy `weightedNll`). */
export const NLL_GRAD = 'NllGrad';

/** The [N, V] float32 logits of the cross-entropy kernels, checked, with N and V. */
function logitsOf(name: string, z: TensorInfo | undefined): { z: TensorInfo; n: number; v: number } {
  if (z?.shape.length !== 2 || z.dtype !== 'float32' || z.shape[1]! < 1) {
    throw new Error(`${name}: z [N, V] float32 with V ≥ 1 is required, got [${z?.shape}] ${z?.dtype}`);
  }
  return { z, n: z.shape[0]!, v: z.shape[1]! };
}

/**
 * The kernel {@link LOG_SUM_EXP_PARTS} (kernels/crossEntropy.ts): input `z` [N, V]; outputs the row maxima m [N] and
 * Σ_j e^(z − m) [N], the bits of TF.js's `logSumExp` before its log and add (Max, Sub, the own Exp, Sum). Rows split
 * between the threads.
 */
function logSumExpPartsKernel(args: KernelArgs): TensorInfo[] {
  const backend = args.backend as WasmBackendInternals;
  const { z, n, v } = logitsOf(LOG_SUM_EXP_PARTS, args.inputs.z);
  const kernels = ownKernels(backend);
  if (!kernels) throw new Error(`${LOG_SUM_EXP_PARTS}: the wasm backend's memory was not found`);
  return splitOutputs(backend, [[n], [n]], ([mx, se]) => {
    if (n === 0) return;
    const at = [z, mx!, se!].map((t) => offsetOf(backend, t));
    const vecEnd = (n * v) & ~3;
    splitRun(backend, kernels, 'logSumExpParts', n, n * v, (start, count) => [...at, start, start + count, v, vecEnd]);
  });
}

/**
 * The kernel {@link NLL_GRAD} (kernels/crossEntropy.ts): inputs `z` [N, V], `lse` [N] (its log-sum-exp), `targets`
 * [N] int32, `w` [N] (per-token weights) and `dy` (a scalar); output ((softmax(z) − onehot(targets)) · w) · dy [N, V]
 * with the bits of those ops (the own Exp). Rows split between the threads.
 */
function nllGradKernel(args: KernelArgs): TensorInfo {
  const backend = args.backend as WasmBackendInternals & { readSync(dataId: object): ArrayLike<number> };
  const { z, n, v } = logitsOf(NLL_GRAD, args.inputs.z);
  const { lse, targets, w, dy } = args.inputs as Record<string, TensorInfo | undefined>;
  for (const [k, t, dtype] of [
    ['lse', lse, 'float32'],
    ['targets', targets, 'int32'],
    ['w', w, 'float32'],
  ] as const) {
    if (!t || t.dtype !== dtype || t.shape.join() !== String(n)) {
      throw new Error(`${NLL_GRAD}: ${k} [${n}] ${dtype} is required, got [${t?.shape}] ${t?.dtype}`);
    }
  }
  if (dy?.dtype !== 'float32' || size(dy.shape) !== 1) throw new Error(`${NLL_GRAD}: dy must be a float32 scalar`);
  const kernels = ownKernels(backend);
  if (!kernels) throw new Error(`${NLL_GRAD}: the wasm backend's memory was not found`);
  const [g] = splitOutputs(backend, [[n, v]], ([out]) => {
    if (n === 0) return;
    const at = [z, lse!, targets!, w!].map((t) => offsetOf(backend, t));
    const scale = backend.readSync(dy.dataId)[0]!;
    const gAt = offsetOf(backend, out!);
    const vecEnd = (n * v) & ~3;
    splitRun(backend, kernels, 'nllGrad', n, n * v, (start, count) => [
      ...at,
      scale,
      gAt,
      start,
      start + count,
      v,
      vecEnd,
    ]);
  });
  return g!;
}

/** The name of the rotary embedding's kernel in training and prompt forwards (model/rope `applyRope`). */
export const ROPE = 'Rope';

/**
 * The kernel {@link ROPE} (kernels/rope.ts): inputs `x` [B, T, H, d] float32 (d even), `cos` and `sin`
 * [B, T, 1, d]; attrs `halfSplit` (the layout) and `backward`. Forward: x·cos + rot(x)·sin; backward (x = dy):
 * dy·cos − rot(dy·sin), the gradient. The bits of TF.js's Mul and Add around the product by R (model/rope). Rows
 * split between the threads.
 */
function ropeKernel(args: KernelArgs): TensorInfo {
  const backend = args.backend as WasmBackendInternals;
  const { x, cos, sin } = args.inputs as Record<string, TensorInfo | undefined>;
  const { halfSplit, backward } = args.attrs as { halfSplit: boolean; backward: boolean };
  const [b, t, h, d] = x?.shape ?? [];
  const table = [b, t, 1, d].join();
  if (x?.dtype !== 'float32' || x.shape.length !== 4 || d! % 2 !== 0) {
    throw new Error(`${ROPE}: x [B, T, H, d] float32 with d even is required, got [${x?.shape}] ${x?.dtype}`);
  }
  for (const [k, c] of [
    ['cos', cos],
    ['sin', sin],
  ] as const) {
    if (c?.dtype !== 'float32' || c.shape.join() !== table) {
      throw new Error(`${ROPE}: ${k} [${table}] float32 is required, got [${c?.shape}] ${c?.dtype}`);
    }
  }
  const kernels = ownKernels(backend);
  if (!kernels) throw new Error(`${ROPE}: the wasm backend's memory was not found`);
  const rows = b! * t! * h!;
  const [out] = splitOutputs(backend, [x.shape], ([o]) => {
    if (rows === 0 || d === 0) return;
    const at = [x, cos!, sin!, o!].map((y) => offsetOf(backend, y));
    const flags = [halfSplit ? 1 : 0, backward ? 1 : 0];
    splitRun(backend, kernels, 'rope', rows, rows * d!, (r0, n) => [...at, r0, r0 + n, h!, d!, ...flags]);
  });
  return out!;
}

/** The name of causal attention's products (see {@link installWasmKernels}; model/attention). */
export const CAUSAL_PRODUCT = 'CausalProduct';

/**
 * The kernel {@link CAUSAL_PRODUCT}: `BatchMatMul` of inputs `a` and `b` (attrs `transposeA`, `transposeB`) that may
 * skip, a block of 32 rows at a time, what causal attention's mask makes zero or unused (kernels/gemm.ts): attrs
 * `mode` (1: scores, the keys a row cannot see set to 0; 2: P·V, A lower-triangular; 3: Aᵀ·B with A
 * lower-triangular), `t` (query rows per group) and `past` (cached keys). Batches the own GEMM does not take, and
 * `TRACT_WASM_OFF=gemm`, compute the whole product, which is as valid: the skipped part is 0, or unused.
 */
function causalProductKernel(args: KernelArgs): TensorInfo {
  const call = matMulCall(args);
  const { mode, t, past } = args.attrs as unknown as CausalSkip;
  if (!(mode === 1 || mode === 2 || mode === 3) || !(t >= 1) || !(past >= 0)) {
    throw new Error(`${CAUSAL_PRODUCT}: mode ${mode}, t ${t}, past ${past} (mode 1, 2 or 3, t ≥ 1, past ≥ 0)`);
  }
  if (call && ownGemmOn && call.batchA === call.batchB && largeBatch(call)) {
    const out = ownBatchedGemm({ ...call, causal: { mode, t, past } });
    if (out) {
      causalProductCount++;
      return out;
    }
  }
  return tf.getKernel('BatchMatMul', 'wasm')!.kernelFunc(args) as TensorInfo; // the whole product
}

let causalProductCount = 0;

/** How many products {@link causalProductKernel} computed with skipping (for tests). */
export function causalProductCalls(): number {
  return causalProductCount;
}

/**
 * The inputs `names` of an elementwise kernel, checked: present, float32, and of the first one's shape.
 * @throws naming the kernel and the input
 */
function float32OfOneShape(kernel: string, args: KernelArgs, names: readonly string[]): TensorInfo[] {
  const inputs = args.inputs as Record<string, TensorInfo | undefined>;
  return names.map((k) => {
    const x = inputs[k];
    if (!x) throw new Error(`${kernel}: input ${k} is missing`);
    if (x.dtype !== 'float32') throw new Error(`${kernel}: ${k} is ${x.dtype}, float32 only`);
    const first = inputs[names[0]!]!;
    if (x.shape.join() !== first.shape.join()) {
      throw new Error(`${kernel}: ${k} is [${x.shape}], ${names[0]} is [${first.shape}]`);
    }
    return x;
  });
}

/** The name of the one-pass AdamW update (see {@link installWasmKernels}; training/optimizer `AdamW.apply`). */
export const ADAMW = 'AdamW';

/**
 * The kernel {@link ADAMW} (kernels/adamw.ts): inputs `w`, `m`, `v` (a variable and its moment estimates) and `g`
 * (its gradient), float32 of one shape; attrs `beta1`, `beta2`, `c1`, `c2` (the bias corrections 1 − βᵏ), `epsilon`,
 * `decay` (λ; 0 for none) and `lr`. Outputs [w', m', v'], the bits of the composed ops of `AdamW.apply`. Split
 * between the threads (elementwise, so the split changes no bit).
 */
function adamwKernel(args: KernelArgs): TensorInfo[] {
  const backend = args.backend as WasmBackendInternals;
  const [w, m, v, g] = float32OfOneShape(ADAMW, args, ['w', 'm', 'v', 'g']);
  const kernels = ownKernels(backend);
  if (!kernels) throw new Error(`${ADAMW}: the wasm backend's memory was not found`);
  type Attrs = { beta1: number; beta2: number; c1: number; c2: number; epsilon: number; decay: number; lr: number };
  const a = args.attrs as Attrs;
  const n = size(w.shape);
  return splitOutputs(backend, [w.shape, w.shape, w.shape], (outs) => {
    if (n === 0) return;
    const at = [w, m, v, g, ...outs].map((x) => offsetOf(backend, x));
    const decay = [a.decay, a.decay > 0 ? 1 : 0];
    const scalars = [a.beta1, 1 - a.beta1, a.beta2, 1 - a.beta2, a.c1, a.c2, a.epsilon, ...decay, a.lr];
    // in blocks of 4 floats, so that the SIMD lanes and the tail fall where they would in one call
    const blocks = Math.ceil(n / 4);
    splitRun(backend, kernels, 'adamw', blocks, n, (start, count) => [
      ...at.map((p) => p + 16 * start),
      Math.min(4 * count, n - 4 * start),
      ...scalars,
    ]);
  });
}

/** The name of the SwiGLU gate's gradient kernel (see {@link installWasmKernels}; model/llama's MLP in training). */
export const SWIGLU_GRAD = 'SwiGluGrad';

/**
 * The kernel {@link SWIGLU_GRAD} (kernels/swiGlu.ts `swiGluGrad`): inputs `dy`, `gate`, `up` and `s` = σ(gate) (TF.js's
 * Sigmoid), float32 of one shape; outputs [dGate, dUp], the gradients of (gate · s) · up with the bits of TF.js's
 * gradients of the two products and the sigmoid. Split between the threads.
 */
function swiGluGradKernel(args: KernelArgs): TensorInfo[] {
  const backend = args.backend as WasmBackendInternals;
  const [dy, gate, up, s] = float32OfOneShape(SWIGLU_GRAD, args, ['dy', 'gate', 'up', 's']);
  const kernels = ownKernels(backend);
  if (!kernels) throw new Error(`${SWIGLU_GRAD}: the wasm backend's memory was not found`);
  const n = size(dy.shape);
  return splitOutputs(backend, [dy.shape, dy.shape], (outs) => {
    if (n === 0) return;
    const at = [dy, gate, up, s, ...outs].map((x) => offsetOf(backend, x));
    splitRun(backend, kernels, 'swiGluGrad', n, n, (start, count) => [...at, start, start + count]);
  });
}

/** The name of the causal attention-probabilities kernel (registered on wasm by {@link installWasmKernels}). */
export const CAUSAL_SOFTMAX = 'CausalSoftmax';

/**
 * The kernel {@link CAUSAL_SOFTMAX} (kernels/causalSoftmax.ts): inputs `q` [B, KV, R, hd] (scaled by 1/√hd), `kT`
 * [B, KV, hd, Tk] (the keys transposed), optionally `bias` [B, 1, 1, Tk] (key padding); attributes `t` (tokens per
 * query group: R = G·t) and `past` (cached keys before them). Output P [B, KV, R, Tk] = softmax(q·kᵀ + bias) over the
 * keys j ≤ past + (r mod t) of row r, 0 beyond: the causal mask is the loop bound, so the masked half is never
 * computed. No gradient of its own: `causalAttention` (model/attention) wraps it with the softmax's.
 */
function causalSoftmaxKernel(args: KernelArgs): TensorInfo {
  const backend = args.backend as WasmBackendInternals;
  const { q, kT, bias } = args.inputs as Record<string, TensorInfo | undefined>;
  const { t, past } = args.attrs as { t: number; past: number };
  if (!q || !kT || q.shape.length !== 4 || kT.shape.length !== 4) {
    throw new Error(`${CAUSAL_SOFTMAX}: q [B, KV, R, hd] and kT [B, KV, hd, Tk] are required`);
  }
  const [b, kvh, rows, hd] = q.shape;
  const tk = kT.shape[3];
  if (kT.shape[0] !== b || kT.shape[1] !== kvh || kT.shape[2] !== hd || rows % t !== 0 || past + t !== tk) {
    throw new Error(`${CAUSAL_SOFTMAX}: q [${q.shape}], kT [${kT.shape}], t ${t} and past ${past} do not agree`);
  }
  if (bias && bias.shape.join() !== [b, 1, 1, tk].join()) {
    throw new Error(`${CAUSAL_SOFTMAX}: bias must be [${[b, 1, 1, tk]}], got [${bias.shape}]`);
  }
  for (const x of [q, kT, bias]) {
    if (x && x.dtype !== 'float32') throw new Error(`${CAUSAL_SOFTMAX}: float32 inputs only, got ${x.dtype}`);
  }
  const kernels = ownKernels(backend);
  if (!kernels) throw new Error(`${CAUSAL_SOFTMAX}: the wasm backend's memory was not found`);
  const [out] = splitOutputs(backend, [[b, kvh, rows, tk]], ([o]) => {
    // [B, KV, R, Tk]
    if (size(o!.shape) === 0) return;
    const at = (x: TensorInfo) => offsetOf(backend, x);
    // batch rows [start, start + count): the byte offsets of their first row
    splitRun(backend, kernels, 'causalSoftmax', b, b * kvh * rows * tk, (start, count) => [
      at(q) + 4 * start * kvh * rows * hd,
      at(kT) + 4 * start * kvh * hd * tk,
      bias ? at(bias) + 4 * start * tk : 0,
      at(o!) + 4 * start * kvh * rows * tk,
      count,
      kvh,
      rows,
      t,
      past,
      tk,
      hd,
    ]);
  });
  return out!;
}

/** The name of the causal attention backward kernel (registered on wasm by {@link installWasmKernels}). */
export const CAUSAL_ATTENTION_BACKWARD = 'CausalAttentionBackward';

/**
 * The kernel {@link CAUSAL_ATTENTION_BACKWARD} (kernels/causalAttentionBackward.ts): the gradients of out = P·v,
 * P = {@link CAUSAL_SOFTMAX}'s probabilities, with respect to the scaled queries, the keys and the values, over the
 * keys each query row sees. Inputs `q` [B, KV, R, hd], `k` [B, KV, Tk, hd], `vT` [B, KV, hd, Tk], `p` [B, KV, R, Tk],
 * `dy` [B, KV, R, hd]; attributes `t`, `past` as for {@link CAUSAL_SOFTMAX}. Outputs dq [B, KV, R, hd], dk and dv
 * [B, KV, Tk, hd].
 */
function causalAttentionBackwardKernel(args: KernelArgs): TensorInfo[] {
  const backend = args.backend as WasmBackendInternals;
  const { q, k, vT, p, dy } = args.inputs as Record<string, TensorInfo | undefined>;
  const { t, past } = args.attrs as { t: number; past: number };
  if (!q || !k || !vT || !p || !dy || q.shape.length !== 4) {
    throw new Error(`${CAUSAL_ATTENTION_BACKWARD}: q, k, vT, p and dy are required`);
  }
  const [b, kvh, rows, hd] = q.shape;
  const tk = k.shape[2];
  const agree =
    k.shape.join() === [b, kvh, tk, hd].join() &&
    vT.shape.join() === [b, kvh, hd, tk].join() &&
    p.shape.join() === [b, kvh, rows, tk].join() &&
    dy.shape.join() === q.shape.join() &&
    rows % t === 0 &&
    past + t === tk;
  if (!agree) {
    throw new Error(
      `${CAUSAL_ATTENTION_BACKWARD}: q [${q.shape}], k [${k.shape}], vT [${vT.shape}], p [${p.shape}], ` +
        `dy [${dy.shape}], t ${t} and past ${past} do not agree`,
    );
  }
  for (const x of [q, k, vT, p, dy]) {
    if (x.dtype !== 'float32') throw new Error(`${CAUSAL_ATTENTION_BACKWARD}: float32 inputs only, got ${x.dtype}`);
  }
  const kernels = ownKernels(backend);
  if (!kernels) throw new Error(`${CAUSAL_ATTENTION_BACKWARD}: the wasm backend's memory was not found`);
  // dq [B, KV, R, hd], dk and dv [B, KV, Tk, hd], and scratch: one row of dP per thread
  const shapes = [q.shape, k.shape, k.shape, [2 * Math.max(tk, 1)]];
  const [dq, dk, dv, scratchRows] = splitOutputs(backend, shapes, ([gq, gk, gv, rowsOfDp]) => {
    const scratch = offsetOf(backend, rowsOfDp!);
    if (size(q.shape) > 0 && tk > 0) {
      const at = (x: TensorInfo) => offsetOf(backend, x);
      // batch rows [start, start + count), each half with its own scratch row
      const rowsOf = (x: TensorInfo, start: number) => at(x) + 4 * start * kvh * rows * hd; // [B, KV, R, hd]
      const keysOf = (x: TensorInfo, start: number) => at(x) + 4 * start * kvh * tk * hd; // [B, KV, Tk, hd]
      splitRun(backend, kernels, 'causalAttentionBackward', b, b * kvh * rows * tk, (start, count) => [
        rowsOf(q, start),
        keysOf(k, start),
        keysOf(vT, start),
        at(p) + 4 * start * kvh * rows * tk,
        rowsOf(dy, start),
        rowsOf(gq!, start),
        keysOf(gk!, start),
        keysOf(gv!, start),
        scratch + (start === 0 ? 0 : 4 * tk),
        count,
        kvh,
        rows,
        t,
        past,
        tk,
        hd,
      ]);
    }
  });
  backend.disposeData(scratchRows!.dataId);
  return [dq!, dk!, dv!];
}

/** The own kernels that a caller picks by name (the others replace stock kernels). */
export type OwnKernelName =
  | typeof SOFTMAX_BACKWARD
  | typeof DECODE_ATTENTION
  | typeof RMS_NORM
  | typeof ROPE_APPEND
  | typeof SWIGLU
  | typeof SWIGLU_GRAD
  | typeof ADAMW
  | typeof LOG_SUM_EXP_PARTS
  | typeof NLL_GRAD
  | typeof ROPE
  | typeof CAUSAL_PRODUCT
  | typeof CAUSAL_SOFTMAX
  | typeof CAUSAL_ATTENTION_BACKWARD;

/** Whether an own kernel ({@link OwnKernelName}) is registered on the active backend. */
export function ownKernelAvailable(name: OwnKernelName): boolean {
  return tf.getBackend() === 'wasm' && tf.getKernel(name, 'wasm') !== undefined;
}

/**
 * A permutation as a swap of two adjacent axis groups, dst[o, j, i, :] = src[o, i, j, :] with src [outer, a, b, inner],
 * after dropping axes of size 1 and merging axes that stay neighbours; null when it is another permutation.
 */
export function swapOfAxisGroups(shape: readonly number[], perm: readonly number[]): SwapOfAxes | null {
  const kept = perm.filter((p) => shape[p] !== 1); // axes of size 1 do not move data
  // runs of input axes that stay consecutive in the output
  const runs: number[][] = [];
  for (const p of kept) {
    const last = runs[runs.length - 1];
    if (last && last[last.length - 1] + 1 === p) last.push(p);
    else runs.push([p]);
  }
  const sizeOf = (run: number[]) => run.reduce((n, p) => n * shape[p], 1);
  const order = runs.map((r) => r[0]); // each run by its first input axis, in output order
  const sorted = [...order].sort((x, y) => x - y);
  const rank = order.map((o) => sorted.indexOf(o)); // the permutation of the runs
  // the runs' permutation must be the identity but for one adjacent swap
  const swapped = rank.findIndex((r, i) => r !== i);
  if (swapped < 0) return { outer: 1, a: 1, b: 1, inner: 1, identity: true };
  const ok = rank.every((r, i) => (i === swapped ? r === i + 1 : i === swapped + 1 ? r === i - 1 : r === i));
  if (!ok) return null;
  const outer = runs.slice(0, swapped).reduce((n, r) => n * sizeOf(r), 1);
  const inner = runs.slice(swapped + 2).reduce((n, r) => n * sizeOf(r), 1);
  // output order: runs[swapped] (input group B) then runs[swapped + 1] (input group A)
  return { outer, a: sizeOf(runs[swapped + 1]), b: sizeOf(runs[swapped]), inner, identity: false };
}

/** A transpose as {@link swapOfAxisGroups} reads it. */
export interface SwapOfAxes {
  outer: number;
  a: number;
  b: number;
  inner: number;
  /** No data moves (only axes of size 1 move, or none): a copy. */
  identity: boolean;
}

/**
 * `Transpose` for float32 permutations that swap two adjacent axis groups (every transpose of a Llama step), by
 * kernels/swapAxes.ts in cache-sized tiles; others go to the stock kernel.
 */
function swapAxesTranspose(args: KernelArgs): TensorInfo {
  const backend = args.backend as WasmBackendInternals;
  const x = args.inputs.x!;
  const { perm } = args.attrs as { perm: number[] };
  const swap = x.dtype === 'float32' ? swapOfAxisGroups(x.shape, perm) : null;
  const kernels = swap && !swap.identity ? ownKernels(backend) : null;
  if (!swap || swap.identity || !kernels) return runStock('Transpose', args);
  const [out] = splitOutputs(backend, [perm.map((p) => x.shape[p]!)], ([o]) => {
    if (size(x.shape) === 0) return;
    const block = 4 * swap.a * swap.b * swap.inner; // bytes per outer index
    const [src, dst] = [offsetOf(backend, x), offsetOf(backend, o!)];
    splitRun(backend, kernels, 'swapAxes', swap.outer, size(x.shape), (start, count) => [
      src + start * block,
      dst + start * block,
      count,
      swap.a,
      swap.b,
      swap.inner,
    ]);
  });
  swapAxesCount++;
  return out!;
}

/**
 * `Exp` for float32 by kernels/exp.ts (SIMD, within 2 ulp; tfjs-backend-wasm calls the C library once per float); other
 * dtypes go to the stock kernel.
 */
function simdExp(args: KernelArgs): TensorInfo {
  const backend = args.backend as WasmBackendInternals;
  const x = args.inputs.x!;
  const kernels = x.dtype === 'float32' ? ownKernels(backend) : null;
  if (!kernels) return runStock('Exp', args);
  const n = size(x.shape);
  const [out] = splitOutputs(backend, [x.shape], ([o]) => {
    if (n === 0) return;
    // in blocks of 4 floats, so that the SIMD lanes and the tail fall where they would in one call
    const [src, dst] = [offsetOf(backend, x), offsetOf(backend, o!)];
    const blocks = Math.ceil(n / 4);
    splitRun(backend, kernels, 'exp', blocks, n, (start, count) => [
      src + 16 * start,
      dst + 16 * start,
      Math.min(4 * count, n - 4 * start),
    ]);
  });
  return out!;
}

/**
 * `GatherV2` along one axis with no batch axes, for float32 and int32 (4-byte elements): the indices are checked as the
 * stock kernel checks them, then kernels/gatherSum.ts copies whole slices (an embedding row, a row of the rotary
 * tables) where the stock kernel goes element by element. Other cases run the stock kernel.
 */
function sliceGather(args: KernelArgs): TensorInfo {
  const backend = args.backend as WasmBackendInternals & { readSync(dataId: object): ArrayLike<number> };
  const { x, indices } = args.inputs as { x: TensorInfo; indices: TensorInfo };
  const { axis, batchDims } = args.attrs as { axis: number; batchDims: number };
  const kernels = ownKernels(backend);
  if (!kernels || batchDims !== 0 || (x.dtype !== 'float32' && x.dtype !== 'int32') || indices.dtype !== 'int32') {
    return runStock('GatherV2', args);
  }
  const at = tf.util.parseAxisParam(axis, x.shape)[0]!;
  const dim = x.shape[at]!;
  const ids = backend.readSync(indices.dataId);
  for (let i = 0; i < ids.length; i++) {
    const id = ids[i]!;
    if (!(id >= 0 && id <= dim - 1)) throw new Error(`GatherV2: the index value ${id} is not in [0, ${dim - 1}]`);
  }
  const outer = size(x.shape.slice(0, at));
  const slice = size(x.shape.slice(at + 1));
  const out = backend.makeOutput([...x.shape.slice(0, at), ...indices.shape, ...x.shape.slice(at + 1)], x.dtype);
  if (outer * ids.length * slice > 0) {
    const [src, idx, dst] = [offsetOf(backend, x), offsetOf(backend, indices), offsetOf(backend, out)];
    kernels.gatherSlices(src, idx, dst, outer, dim, ids.length, slice);
  }
  return out;
}

/**
 * `Sum` over leading axes of a float32 tensor (a weight gradient summed over the batch's rows) by kernels/gatherSum.ts,
 * which sums columns where they lie, in the order of the stock kernel's sequential sum over its transposed copy (the
 * same bits), half the columns on the helper thread. Other reductions run the stock kernel.
 */
function leadingSum(args: KernelArgs): TensorInfo {
  const backend = args.backend as WasmBackendInternals;
  const x = args.inputs.x!;
  const { axis, keepDims } = args.attrs as { axis: number | number[]; keepDims: boolean };
  const kernels = x.dtype === 'float32' ? ownKernels(backend) : null;
  // the leading axes in their order: the stock kernel sums axes given in another order in that order
  const axes = tf.util.parseAxisParam(axis, x.shape);
  const leading = axes.length > 0 && axes.length < x.shape.length && axes.every((a, i) => a === i);
  if (!kernels || !leading) return runStock('Sum', args);
  const rows = size(x.shape.slice(0, axes.length));
  const rest = x.shape.slice(axes.length);
  const cols = size(rest);
  const [out] = splitOutputs(backend, [keepDims ? [...axes.map(() => 1), ...rest] : rest], ([o]) => {
    if (cols === 0) return;
    const [src, dst] = [offsetOf(backend, x), offsetOf(backend, o!)];
    // columns go to the threads in blocks of 16 (the kernel's widest step), so each falls where it would in one call
    const blocks = Math.ceil(cols / 16);
    splitRun(backend, kernels, 'columnSum', blocks, rows * cols, (start, count) => [
      src,
      dst,
      rows,
      cols,
      16 * start,
      Math.min(cols, 16 * (start + count)),
    ]);
  });
  return out!;
}

/** The stock wasm kernels that {@link installWasmKernels} replaced, by name (restored by uninstall). */
const stockKernels = new Map<string, tf.KernelConfig>();

/** Runs the stock wasm kernel `name` that an own kernel replaced (for the cases the own one leaves to it). */
function runStock(name: string, args: KernelArgs): TensorInfo {
  return stockKernels.get(name)!.kernelFunc(args) as TensorInfo;
}

/** Replaces the stock wasm kernel `name` with `kernelFunc`, keeping the stock one for {@link runStock}. */
function replaceStock(name: string, kernelFunc: tf.KernelFunc): void {
  stockKernels.set(name, tf.getKernel(name, 'wasm')!);
  tf.unregisterKernel(name, 'wasm');
  tf.registerKernel({ kernelName: name, backendName: 'wasm', kernelFunc });
}
let swapAxesCount = 0;

/** How many transposes {@link swapAxesTranspose} has done in this process (for tests). */
export function swapAxesCalls(): number {
  return swapAxesCount;
}

/**
 * A `Cast` to the input's own dtype (TF.js's gradients cast float32 to float32) that shares the input's buffer like
 * {@link sharedIdentity}, where the stock kernel copies it; other casts run the stock kernel.
 */
function sharedCast(args: KernelArgs): TensorInfo {
  const x = args.inputs.x!;
  if (x.dtype !== (args.attrs as { dtype: string }).dtype) return runStock('Cast', args);
  return sharedIdentity(args);
}

/** An `Identity` that shares the input's buffer (a reference count more) instead of copying it. */
function sharedIdentity(args: KernelArgs): TensorInfo {
  const x = args.inputs.x!;
  if (x.dtype === 'string') return runStock('Identity', args);
  (args.backend as WasmBackendInternals).incRef(x.dataId);
  return { dataId: x.dataId, shape: x.shape, dtype: x.dtype };
}

/** The own wasm kernels, by the names `TRACT_WASM_OFF` uses. */
export const WASM_KERNELS = {
  matmul: 'BatchMatMul: engine/wasmKernels (transposed operands, batches, shared weights)',
  transposed: 'Aᵀ·B with a narrow B: kernels/transposedProduct.ts',
  rows: 'products with few rows (decoding steps) on the calling thread: kernels/rowsProduct.ts',
  gemm:
    "large products (linear layers and their gradients), operands read in place, and causal attention's products " +
    'without the masked part: kernels/gemm.ts',
  transpose: 'Transpose of two adjacent axis groups in cache-sized tiles: kernels/swapAxes.ts',
  exp: 'Exp (float32) four lanes at a time: kernels/exp.ts',
  gather: 'GatherV2 along one axis, a slice at a time: kernels/gatherSum.ts',
  sum: 'Sum over leading axes, columns where they lie: kernels/gatherSum.ts',
  adamw: 'AdamW update of a variable in one pass: kernels/adamw.ts (training/optimizer)',
  rope: 'the rotary embedding in one pass each way, its rotation as moves: kernels/rope.ts (model/rope)',
  mlp: "the SwiGLU gate's gradient in one pass: kernels/swiGlu.ts (model/llama, training)",
  ce: 'the cross-entropy over the logits, one pass forward and one back (with exp): kernels/crossEntropy.ts',
  helper:
    'a second thread for the own kernels (half of causal attention, transposes, Exp, GEMMs, sums, AdamW): ' +
    'engine/kernelHelper',
  causal:
    'causal attention, masked keys skipped: probabilities (kernels/causalSoftmax.ts) and the backward pass ' +
    '(kernels/causalAttentionBackward.ts)',
  softmax: 'softmax gradient: kernels/softmaxBackward.ts (engine/ops softmaxLastAxis)',
  identity: 'Identity, and Cast to the same dtype: shared buffer instead of a copy',
  decode: 'decoding-step attention in one call: kernels/decodeAttention.ts',
  step:
    'decoding step: RMSNorm, rotary embedding with the cache append, SwiGLU gate, one call each (with decode): ' +
    'kernels/rmsNorm.ts, ropeAppend.ts, swiGlu.ts',
} as const;
export type WasmKernelName = keyof typeof WASM_KERNELS;

/**
 * The own kernels to leave off, from `TRACT_WASM_OFF` (a comma-separated list of {@link WASM_KERNELS} names, or
 * `all`); `TRACT_WASM_STOCK_MATMUL=1` (older name) means `all`.
 * @throws naming the variable and the unknown name
 */
export function wasmKernelsOff(env: Record<string, string | undefined>): Set<WasmKernelName> {
  const names = Object.keys(WASM_KERNELS) as WasmKernelName[];
  if (env.TRACT_WASM_STOCK_MATMUL === '1') return new Set(names);
  const text = env.TRACT_WASM_OFF?.trim() ?? '';
  if (text === '') return new Set();
  if (text === 'all') return new Set(names);
  const off = new Set<WasmKernelName>();
  for (const part of text.split(',').map((p) => p.trim())) {
    if (!(names as string[]).includes(part)) {
      throw new Error(`TRACT_WASM_OFF: unknown kernel '${part}' (expected all or a list of: ${names.join(', ')})`);
    }
    off.add(part as WasmKernelName);
  }
  return off;
}

/**
 * Installs the own wasm kernels except those in `off` (called by `initBackend` when it picks wasm) and returns a
 * line per kernel for `tract info`. Installing again first restores the stock kernels.
 */
export function installWasmKernels(off: ReadonlySet<WasmKernelName> = new Set()): string[] {
  uninstallWasmKernels();
  // why each own kernel stays off, for those that do
  const offBecause = new Map<WasmKernelName, string>();
  for (const n of off) offBecause.set(n, 'TRACT_WASM_OFF');
  // these run inside the engine's BatchMatMul
  if (off.has('matmul')) for (const n of ['transposed', 'rows', 'gemm'] as const) offBecause.set(n, 'TRACT_WASM_OFF');
  // the module of kernels/*.ts needs the backend's memory; without it (another tfjs-backend-wasm layout) its kernels
  // stay off, and tract info says so
  const missing = ownKernels(tf.backend() as unknown as WasmBackendInternals) === null;
  const own: WasmKernelName[] = [
    'transposed',
    'rows',
    'gemm',
    'transpose',
    'exp',
    'gather',
    'sum',
    'adamw',
    'rope',
    'mlp',
    'ce',
    'causal',
    'softmax',
    'decode',
    'step',
  ];
  for (const n of own) {
    if (missing && !offBecause.has(n)) offBecause.set(n, "the backend's memory was not found");
  }
  const memory = (tf.backend() as unknown as WasmBackendInternals).wasm?.wasmMemory;
  const shared = typeof SharedArrayBuffer !== 'undefined' && memory?.buffer instanceof SharedArrayBuffer;
  if (!shared && !offBecause.has('helper')) offBecause.set('helper', 'one thread: the single-threaded build runs');
  useKernelHelper(!offBecause.has('helper'));
  if (!off.has('matmul')) installFastWasmMatMul();
  useTransposedProduct(!off.has('transposed') && !missing);
  useRowsProduct(!off.has('rows') && !missing);
  useOwnGemm(!off.has('gemm') && !missing);
  if (!offBecause.has('softmax')) {
    tf.registerKernel({ kernelName: SOFTMAX_BACKWARD, backendName: 'wasm', kernelFunc: softmaxBackwardKernel });
  }
  if (!offBecause.has('decode')) {
    tf.registerKernel({ kernelName: DECODE_ATTENTION, backendName: 'wasm', kernelFunc: decodeAttentionKernel });
  }
  if (!offBecause.has('step')) {
    tf.registerKernel({ kernelName: RMS_NORM, backendName: 'wasm', kernelFunc: rmsNormKernel });
    tf.registerKernel({ kernelName: ROPE_APPEND, backendName: 'wasm', kernelFunc: ropeAppendKernel });
    tf.registerKernel({ kernelName: SWIGLU, backendName: 'wasm', kernelFunc: swiGluKernel });
  }
  tf.registerKernel({ kernelName: CAUSAL_PRODUCT, backendName: 'wasm', kernelFunc: causalProductKernel });
  if (!offBecause.has('mlp')) {
    tf.registerKernel({ kernelName: SWIGLU_GRAD, backendName: 'wasm', kernelFunc: swiGluGradKernel });
  }
  if (!offBecause.has('rope')) {
    tf.registerKernel({ kernelName: ROPE, backendName: 'wasm', kernelFunc: ropeKernel });
  }
  // the cross-entropy kernels compute e^x as the own Exp does, so they stand or fall with it
  if (offBecause.has('exp') && !offBecause.has('ce')) offBecause.set('ce', 'Exp is off (TRACT_WASM_OFF=exp)');
  if (!offBecause.has('ce')) {
    tf.registerKernel({ kernelName: LOG_SUM_EXP_PARTS, backendName: 'wasm', kernelFunc: logSumExpPartsKernel });
    tf.registerKernel({ kernelName: NLL_GRAD, backendName: 'wasm', kernelFunc: nllGradKernel });
  }
  if (!offBecause.has('adamw')) tf.registerKernel({ kernelName: ADAMW, backendName: 'wasm', kernelFunc: adamwKernel });
  if (!offBecause.has('causal')) {
    tf.registerKernel({ kernelName: CAUSAL_SOFTMAX, backendName: 'wasm', kernelFunc: causalSoftmaxKernel });
    tf.registerKernel({
      kernelName: CAUSAL_ATTENTION_BACKWARD,
      backendName: 'wasm',
      kernelFunc: causalAttentionBackwardKernel,
    });
  }
  if (!offBecause.has('exp')) replaceStock('Exp', simdExp);
  if (!offBecause.has('gather')) replaceStock('GatherV2', sliceGather);
  if (!offBecause.has('sum')) replaceStock('Sum', leadingSum);
  if (!offBecause.has('transpose')) replaceStock('Transpose', swapAxesTranspose);
  if (!off.has('identity')) {
    replaceStock('Identity', sharedIdentity);
    replaceStock('Cast', sharedCast);
  }
  return (Object.keys(WASM_KERNELS) as WasmKernelName[]).map((n) => {
    const why = offBecause.get(n);
    return `${WASM_KERNELS[n]}${why ? ` [off (${why}): stock TF.js]` : ''}`;
  });
}

/** Restores every stock kernel that {@link installWasmKernels} replaced. */
export function uninstallWasmKernels(): void {
  uninstallFastWasmMatMul();
  if (tf.getKernel(SOFTMAX_BACKWARD, 'wasm')) tf.unregisterKernel(SOFTMAX_BACKWARD, 'wasm');
  for (const name of [
    DECODE_ATTENTION,
    RMS_NORM,
    ROPE_APPEND,
    SWIGLU,
    SWIGLU_GRAD,
    ADAMW,
    LOG_SUM_EXP_PARTS,
    NLL_GRAD,
    ROPE,
    CAUSAL_PRODUCT,
    CAUSAL_SOFTMAX,
    CAUSAL_ATTENTION_BACKWARD,
  ]) {
    if (tf.getKernel(name, 'wasm')) tf.unregisterKernel(name, 'wasm');
  }
  for (const [name, config] of stockKernels) {
    tf.unregisterKernel(name, 'wasm');
    tf.registerKernel(config);
  }
  stockKernels.clear();
  useTransposedProduct(true);
  useRowsProduct(true);
  useOwnGemm(true);
  useKernelHelper(true);
}

/**
 * Replaces the wasm backend's `BatchMatMul` kernel with {@link fastBatchMatMul} (idempotent).
 * Part of {@link installWasmKernels}; tests and benchmarks switch it alone.
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
    kernelFunc: fastBatchMatMul,
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
