/**
 * The multi-threaded wasm build under Node. `@tensorflow/tfjs-backend-wasm` ships a threaded SIMD
 * binary (XNNPACK on a pthread pool of Web Workers), but under Node it never runs: its thread
 * check fails there, its worker script and main script are handed over as `Blob` object URLs, which
 * Node's `worker_threads` cannot load, and the pool is capped at half the logical cores (one thread
 * on two cores). This module loads it anyway, from files:
 *
 * - during backend initialisation, `Blob` is replaced by a class that keeps the text, and
 *   `URL.createObjectURL` of such a blob writes it to a temporary file and returns the file's path;
 *   the worker script is rewritten to import the main script from its file (which also gets the
 *   bundle's `require` aliases it refers to);
 * - `os.cpus()` reports twice the requested threads while the module initialises, so the backend's
 *   cap (half the logical cores, at most 8) lets the requested number through.
 *
 * `TRACT_THREADS` sets the number of threads (default: all cores); `TRACT_THREADS=1` runs the
 * single-threaded SIMD build, and so does any failure of the threaded one (the reason is reported).
 *
 * @module engine/wasmThreads
 */
import { mkdtempSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs';

/** Which wasm build runs, with how many threads, and why. */
export interface WasmBuildReport {
  build: 'threaded-simd' | 'simd';
  threads: number;
  reason: string;
}

/** The part of `@tensorflow/tfjs-backend-wasm` used here. */
interface WasmModule {
  setThreadsCount(n: number): void;
  getThreadsCount(): number;
}

/** The threads `TRACT_THREADS` asks for (default: every logical core). */
export function requestedThreads(env: Record<string, string | undefined>): number {
  const text = env.TRACT_THREADS?.trim();
  if (!text) return Math.max(1, os.cpus().length);
  if (!/^[1-9][0-9]*$/.test(text)) throw new Error(`TRACT_THREADS must be a whole number >= 1, got '${text}'`);
  return Number(text);
}

/** The bundle's `require` aliases that its threaded factory refers to (tf-backend-wasm.node.js). */
const PRELUDE =
  "var require$$0 = require('fs'), require$$1 = require('path'), require$$3 = require('perf_hooks'), " +
  "require$$4 = require('os'); var commonjsGlobal = globalThis;\n";

/** Replaces `Blob` and `URL.createObjectURL` so that the threaded build's scripts load from files. */
function installFileBlobs(dir: string): () => void {
  let n = 0;
  let mainScript: string | null = null;
  const RealBlob = globalThis.Blob;
  const realCreate = URL.createObjectURL.bind(URL);
  class FileBlob {
    readonly path: string;
    readonly text: string;
    constructor(parts: unknown[]) {
      this.text = parts.map(String).join('');
      this.path = join(dir, `script-${n++}.js`);
      if (this.text.startsWith('var WasmBackendModuleThreadedSimd')) {
        writeFileSync(this.path, PRELUDE + this.text);
        mainScript = this.path;
      }
    }
  }
  const createObjectURL = (blob: unknown): string => {
    if (!(blob instanceof FileBlob)) return realCreate(blob as Blob);
    if (mainScript === null) throw new Error('wasm threads: the worker script came before the main script');
    const worker = blob.text
      .replace('typeof e.data.urlOrBlob=="string"', 'true')
      .replace('importScripts(e.data.urlOrBlob)', `importScripts(${JSON.stringify(mainScript)})`);
    writeFileSync(blob.path, worker);
    return blob.path;
  };
  (globalThis as { Blob: unknown }).Blob = FileBlob;
  URL.createObjectURL = createObjectURL as typeof URL.createObjectURL;
  return () => {
    (globalThis as { Blob: unknown }).Blob = RealBlob;
  };
}

/**
 * Initialises the wasm backend with `threads` threads (1: the single-threaded SIMD build).
 * @returns null on success, else why it failed
 */
async function setWasmBackend(wasm: WasmModule, threads: number): Promise<string | null> {
  const flags = tf.env();
  flags.set('WASM_HAS_SIMD_SUPPORT', true);
  flags.set('WASM_HAS_MULTITHREAD_SUPPORT', threads > 1);
  wasm.setThreadsCount(threads);
  if (threads === 1)
    return (await tf.setBackend('wasm').catch(() => false)) ? null : 'the wasm backend did not initialise';
  const restoreBlob = installFileBlobs(mkdtempSync(join(os.tmpdir(), 'tract-wasm-threads-')));
  const realCpus = os.cpus;
  const cpu = realCpus()[0];
  os.cpus = () => Array.from({ length: 2 * threads }, () => cpu);
  try {
    return (await tf.setBackend('wasm').catch((err: unknown) => String(err))) === true
      ? null
      : 'the threaded wasm build did not initialise';
  } finally {
    os.cpus = realCpus;
    restoreBlob();
  }
}

/** The Emscripten thread pool of the active wasm backend. */
interface PThreadPool {
  runningWorkers: { unref(): void }[];
  unusedWorkers: { unref(): void }[];
}

/**
 * Lets the process exit while the pool's workers live: XNNPACK's threads wait for work forever, and
 * a referenced worker would keep Node's event loop (and so every CLI command) from ending.
 */
function unrefWorkers(): void {
  const pool = (tf.backend() as unknown as { wasm?: { PThread?: PThreadPool } }).wasm?.PThread;
  for (const w of [...(pool?.runningWorkers ?? []), ...(pool?.unusedWorkers ?? [])]) w.unref();
}

/**
 * Makes `wasm` the active backend with the threads `TRACT_THREADS` asks for, falling back to the
 * single-threaded build when the threaded one fails.
 * @returns the build report, or a string: why no wasm build initialised
 */
export async function initWasmBackend(
  wasm: WasmModule,
  env: Record<string, string | undefined>,
): Promise<WasmBuildReport | string> {
  const threads = requestedThreads(env);
  const factory = tf.findBackendFactory('wasm');
  if (threads > 1) {
    const failure = await setWasmBackend(wasm, threads);
    if (failure === null) {
      unrefWorkers();
      const got = wasm.getThreadsCount();
      return {
        build: 'threaded-simd',
        threads: got,
        reason: `${threads} thread(s) requested (TRACT_THREADS or all cores)`,
      };
    }
    // start again from a fresh registration for the single-threaded build
    tf.removeBackend('wasm');
    if (factory) tf.registerBackend('wasm', factory);
    const single = await setWasmBackend(wasm, 1);
    if (single !== null) return `${failure}; the single-threaded build failed too (${single})`;
    return { build: 'simd', threads: 1, reason: `the threaded build failed (${failure})` };
  }
  const failure = await setWasmBackend(wasm, 1);
  return failure ?? { build: 'simd', threads: 1, reason: 'TRACT_THREADS=1' };
}
