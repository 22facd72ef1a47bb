/**
 * Does a training micro-batch fit the WebGPU adapter's buffer limits?
 *
 * Every TF.js tensor on the `webgpu` backend is one GPU buffer, bound whole to a compute shader, so the
 * largest activation of a step must fit both `maxBufferSize` and `maxStorageBufferBindingSize` (often
 * 128 MiB to 4 GiB). Exceeding them fails inside a step with a device error; this check runs before the
 * first step and names a micro-batch size (with more gradient accumulation, the same effective batch)
 * that fits.
 *
 * @module engine/webgpuMemory
 */
import * as tf from '@tensorflow/tfjs';
import { webGpuAdapter } from './webgpu';

/** The sizes that decide the largest activation of a Llama training step. */
export interface BatchShape {
  batchSize: number;
  seqLen: number;
  vocabSize: number;
  dim: number;
  hiddenDim: number;
  nHeads: number;
  /** Micro-batches per optimizer step now (default 1). */
  gradAccum?: number;
}

/** The adapter limits the check uses (bytes). */
export interface BufferLimits {
  maxBufferSize: number;
  maxStorageBufferBindingSize: number;
}

const MIB = 2 ** 20;

/** The largest float32 tensors of one example (bytes): logits, attention scores, MLP hidden, residual. */
function perExample(s: BatchShape): { name: string; bytes: number }[] {
  return [
    { name: 'logits', bytes: s.seqLen * s.vocabSize * 4 }, // [T, V] per example
    { name: 'attention scores', bytes: s.nHeads * s.seqLen * s.seqLen * 4 }, // [H, T, T]
    { name: 'MLP hidden', bytes: s.seqLen * s.hiddenDim * 4 }, // [T, hidden]
    { name: 'residual', bytes: s.seqLen * s.dim * 4 }, // [T, dim]
  ];
}

/**
 * Throws a clear error when a micro-batch of `shape` needs a buffer larger than `limits` allow.
 *
 * @example
 * ```ts
 * checkWebGpuFit({ batchSize: 64, seqLen: 64, vocabSize: 512, dim: 64, hiddenDim: 172, nHeads: 8 },
 *   { maxBufferSize: 2 ** 20, maxStorageBufferBindingSize: 2 ** 20 });
 * // throws: "... batchSize 64 × seqLen 64 needs a 8 MiB logits buffer ... use batchSize 8 with gradAccum 8 ..."
 * ```
 */
export function checkWebGpuFit(shape: BatchShape, limits: BufferLimits): void {
  const limit = Math.min(limits.maxBufferSize, limits.maxStorageBufferBindingSize);
  const parts = perExample(shape);
  const worst = parts.reduce((a, b) => (b.bytes > a.bytes ? b : a));
  const need = worst.bytes * shape.batchSize;
  if (need <= limit) return;
  const head =
    `webgpu: batchSize ${shape.batchSize} × seqLen ${shape.seqLen} needs a ${(need / MIB).toFixed(0)} MiB ` +
    `${worst.name} buffer, over the adapter's limit of ${(limit / MIB).toFixed(0)} MiB ` +
    '(min of maxBufferSize and maxStorageBufferBindingSize)';
  const fits = Math.floor(limit / worst.bytes);
  if (fits < 1) {
    throw new Error(`${head}; even one example does not fit: shorten the sequences (maxSeqLen) or use wasm`);
  }
  let micro = Math.min(fits, shape.batchSize);
  while (shape.batchSize % micro !== 0) micro--; // a divisor keeps the effective batch the same
  const accum = (shape.gradAccum ?? 1) * (shape.batchSize / micro);
  throw new Error(`${head}; use batchSize ${micro} with gradAccum ${accum} (the same effective batch)`);
}

/** {@link checkWebGpuFit} against the active adapter when the active backend is `webgpu`; else nothing. */
export function checkBatchFitsBackend(shape: BatchShape): void {
  const adapter = webGpuAdapter();
  if (tf.getBackend() !== 'webgpu' || adapter === null) return;
  checkWebGpuFit(shape, adapter.limits);
}
