/**
 * Synchronous GPU-to-CPU reads (`dataSync`, `arraySync`) for TF.js's `webgpu` backend in Node.
 *
 * TF.js 4.22 reads a WebGPU buffer synchronously by drawing it onto an `OffscreenCanvas`, which Node does
 * not have ("OffscreenCanvas is not defined"). The toolkit reads scalars such as losses with `dataSync`,
 * so this module gives the backend a `readSync` that works in Node:
 *  1. copy the tensor's buffer into a mappable staging buffer and submit (as the async `read` does);
 *  2. call `mapAsync` and, instead of returning to the event loop, pump Dawn's event processing here until
 *     the buffer is mapped.
 *
 * Dawn's Node binding processes GPU events (map callbacks among them) in a callback it schedules with the
 * global `setImmediate` whenever a request is outstanding (`src/dawn/node/binding/AsyncRunner.cpp` in Dawn).
 * {@link installDawnEventPump} wraps `setImmediate` so that those callbacks (native functions with no
 * arguments) are remembered; {@link pumpDawnUntil} runs them in a loop. Each one runs once: the copy
 * queued on the real event loop is skipped when this module already ran it, and vice versa.
 *
 * @module engine/webgpuSync
 */
import * as tf from '@tensorflow/tfjs';

/** A native `setImmediate` callback from Dawn that has not run yet. */
interface PendingTick {
  fn: () => void;
  done: boolean;
}

const pending: PendingTick[] = [];
let installed = false;

function isNative(fn: unknown): fn is () => void {
  return typeof fn === 'function' && /\{\s*\[native code\]\s*\}$/.test(Function.prototype.toString.call(fn));
}

/** Wraps the global `setImmediate` once, remembering Dawn's event-processing callbacks. */
export function installDawnEventPump(): void {
  if (installed) return;
  installed = true;
  const real = globalThis.setImmediate;
  const wrapped = (fn: (...args: unknown[]) => void, ...args: unknown[]) => {
    if (args.length > 0 || !isNative(fn)) return real(fn, ...args);
    const tick: PendingTick = { fn, done: false };
    pending.push(tick);
    return real(() => {
      if (tick.done) return;
      tick.done = true;
      pending.splice(pending.indexOf(tick), 1);
      tick.fn();
    });
  };
  // Keep `setImmediate.__promisify__` and friends.
  globalThis.setImmediate = Object.assign(wrapped, real) as typeof setImmediate;
}

/**
 * Runs Dawn's pending event callbacks until `ready()` holds.
 *
 * @throws after `timeoutMs` (a GPU that never answers), or when Dawn has nothing scheduled.
 */
export function pumpDawnUntil(ready: () => boolean, timeoutMs = 120_000): void {
  const start = Date.now();
  const pause = new Int32Array(new SharedArrayBuffer(4));
  let spins = 0;
  while (!ready()) {
    const batch = pending.splice(0, pending.length);
    if (batch.length === 0) throw new Error('webgpu readSync: Dawn scheduled no event processing');
    for (const tick of batch) {
      if (tick.done) continue;
      tick.done = true;
      tick.fn();
    }
    if (++spins > 64) Atomics.wait(pause, 0, 0, 0.05); // let the GPU threads run on a small machine
    if (Date.now() - start > timeoutMs) throw new Error(`webgpu readSync: no answer in ${timeoutMs} ms`);
  }
}

/** The fields of tfjs-backend-webgpu's `WebGPUBackend` (4.22) that the synchronous read uses. */
interface WebGpuBackendInternals {
  tensorMap: {
    get(dataId: object): { values: tf.backend_util.BackendValues | null; dtype: tf.DataType; resource: unknown };
  };
  bufferManager: {
    acquireBuffer(size: number, usage: number): GpuBufferLike;
    releaseBuffer(buffer: GpuBufferLike): void;
  };
  commandEncoder: { copyBufferToBuffer(a: unknown, ao: number, b: unknown, bo: number, size: number): void };
  ensureCommandEncoderReady(): void;
  endComputePassEncoder(): void;
  submitQueue(): void;
  convertAndCacheOnCPU(dataId: object, values: tf.backend_util.BackendValues): tf.backend_util.BackendValues;
}
interface GpuBufferLike {
  size: number;
  mapState: string;
  mapAsync(mode: number): Promise<void>;
  getMappedRange(): ArrayBuffer;
  unmap(): void;
}

/** WebGPU's `GPUBufferUsage` and `GPUMapMode` constants (Dawn puts them on `globalThis`). */
const COPY_DST = 0x0008;
const MAP_READ = 0x0001;
const MODE_READ = 0x0001;

/**
 * Replaces `readSync` of the given `WebGPUBackend` class with the staging-buffer read above.
 * Complex tensors keep the stock path (the toolkit has none).
 */
export function patchWebGpuReadSync(backendClass: { prototype: object }): void {
  const proto = backendClass.prototype as { readSync(dataId: object): tf.backend_util.BackendValues };
  const marker = Symbol.for('tract.webgpuReadSync');
  if ((proto as Record<symbol, boolean>)[marker]) return;
  (proto as Record<symbol, boolean>)[marker] = true;
  const stock = proto.readSync;
  installDawnEventPump();
  proto.readSync = function readSync(this: WebGpuBackendInternals, dataId: object) {
    const data = this.tensorMap.get(dataId);
    if (data.values != null || data.dtype === 'string' || data.dtype === 'complex64') {
      return stock.call(this, dataId);
    }
    const buffer = data.resource as GpuBufferLike;
    const staging = this.bufferManager.acquireBuffer(buffer.size, COPY_DST | MAP_READ);
    this.ensureCommandEncoderReady();
    this.endComputePassEncoder();
    this.commandEncoder.copyBufferToBuffer(buffer, 0, staging, 0, buffer.size);
    this.submitQueue();
    let failed: unknown = null;
    let bytes: ArrayBuffer | null = null;
    staging.mapAsync(MODE_READ).then(
      () => {},
      (err) => {
        failed = err;
      },
    );
    pumpDawnUntil(() => {
      if (failed) throw failed;
      if (staging.mapState !== 'mapped') return false;
      try {
        bytes = staging.getMappedRange().slice(0);
      } catch {
        return false; // the binding has not seen the map callback yet
      }
      return true;
    });
    staging.unmap();
    this.bufferManager.releaseBuffer(staging);
    const values = tf.util.convertBackendValuesAndArrayBuffer(bytes as unknown as ArrayBuffer, data.dtype);
    return this.convertAndCacheOnCPU(dataId, values);
  };
}
