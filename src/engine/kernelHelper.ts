/**
 * A second thread for the own wasm kernels (kernels/*.ts). In the threaded wasm build (`TRACT_THREADS` ≥ 2) the
 * backend's memory is shared, so a Node worker can instantiate the same kernels module on the same memory and compute
 * half of a kernel's work (half the batch) while the main thread computes the other half, or run the same kernel
 * beside it where the kernel shares its work out itself (the GEMM's atomic counter). XNNPACK's own thread pool sits
 * idle meanwhile: the own kernels and XNNPACK's ops run one after the other.
 *
 * The two threads talk through a small shared control block with `Atomics.wait` / `Atomics.notify` (a request number,
 * the kernel's name as an index, its numeric arguments, a done number and a failure flag), so a call costs a wake-up
 * of some microseconds: callers split only kernels with enough work. If the worker dies, `run` throws and
 * `failure()` says why; the caller (engine/wasmKernels `splitRun`, `shareRun`) then stops using the helper and
 * computes the kernel afresh alone, into new outputs: the old ones stay allocated, since a helper given up for being
 * late may still write to them. A dead worker cannot say so while the main thread waits, so that is noticed only after
 * {@link HELPER_TIMEOUT_MS}.
 *
 * @module engine/kernelHelper
 */
import { Worker } from 'node:worker_threads';

/** The most numeric arguments a kernel takes. */
const MAX_ARGS = 24;

/** Control block layout (Int32 slots; the arguments are Float64s after them). */
const REQUEST = 0;
const DONE = 1;
const KERNEL = 2;
const ARG_COUNT = 3;
const FAILED = 4;
const STOP = -1;
const ARGS_BYTE_OFFSET = 64;
/**
 * How long the main thread waits for the helper's part of one kernel before giving the helper up: 60 s, or
 * `TRACT_HELPER_TIMEOUT_MS` (for tests of a helper that is given up while it still computes).
 */
const HELPER_TIMEOUT_MS = helperTimeout(process.env.TRACT_HELPER_TIMEOUT_MS);

function helperTimeout(text: string | undefined): number {
  if (text === undefined || text.trim() === '') return 60_000;
  const ms = Number(text);
  if (!(ms >= 0)) throw new Error(`TRACT_HELPER_TIMEOUT_MS: '${text}' is not a number of milliseconds ≥ 0`);
  return ms;
}

/** The worker: instantiates the kernels on the shared memory and serves requests until told to stop. */
const WORKER_SOURCE = `
const { workerData } = require('node:worker_threads');
const { memory, bytes, control, names } = workerData;
const kernels = new WebAssembly.Instance(new WebAssembly.Module(bytes), { env: { memory } }).exports;
const ctl = new Int32Array(control);
const args = new Float64Array(control, ${ARGS_BYTE_OFFSET}, ${MAX_ARGS});
let seen = 0;
for (;;) {
  Atomics.wait(ctl, ${REQUEST}, seen);
  const request = Atomics.load(ctl, ${REQUEST});
  if (request === ${STOP}) break;
  seen = request;
  try {
    kernels[names[ctl[${KERNEL}]]](...Array.from(args.subarray(0, ctl[${ARG_COUNT}])));
    ctl[${FAILED}] = 0;
  } catch (err) {
    ctl[${FAILED}] = 1;
  }
  Atomics.store(ctl, ${DONE}, request);
  Atomics.notify(ctl, ${DONE});
}
`;

/** A helper thread running kernels of one module on one shared memory. */
export class KernelHelper {
  private readonly worker: Worker;
  private readonly ctl: Int32Array;
  private readonly args: Float64Array;
  private readonly names: readonly string[];
  private request = 0;
  private dead: string | null = null;

  /**
   * @param memory the backend's shared `WebAssembly.Memory`
   * @param bytes the kernels module (the shared-memory variant)
   * @param names the exports the helper may run
   */
  constructor(memory: object, bytes: Uint8Array, names: readonly string[]) {
    const control = new SharedArrayBuffer(ARGS_BYTE_OFFSET + 8 * MAX_ARGS);
    this.ctl = new Int32Array(control);
    this.args = new Float64Array(control, ARGS_BYTE_OFFSET, MAX_ARGS);
    this.names = names;
    this.worker = new Worker(WORKER_SOURCE, { eval: true, workerData: { memory, bytes, control, names } });
    this.worker.unref(); // never keeps the process alive
    this.worker.on('error', (err) => (this.dead = `the kernel helper thread failed: ${err.message}`));
    this.worker.on('exit', (code) => (this.dead ??= `the kernel helper thread exited (code ${code})`));
  }

  /** Why the helper cannot run kernels, or null while it can. */
  failure(): string | null {
    return this.dead;
  }

  /**
   * Runs `name(...args)` on the helper while `mine` runs here, and returns when both are done.
   * @throws when the helper dies or its kernel throws (after `mine` has run)
   */
  run(name: string, args: readonly number[], mine: () => void): void {
    // an error in `mine` is rethrown after the helper's half is done (and `failure()` stays null then)
    const kernel = this.names.indexOf(name);
    if (kernel < 0 || args.length > MAX_ARGS) throw new Error(`KernelHelper: cannot run ${name}`);
    if (this.dead) throw new Error(this.dead);
    this.ctl[KERNEL] = kernel;
    this.ctl[ARG_COUNT] = args.length;
    this.args.set(args);
    const request = ++this.request;
    Atomics.store(this.ctl, REQUEST, request);
    Atomics.notify(this.ctl, REQUEST);
    let mineFailed: unknown = null;
    try {
      mine();
    } catch (err) {
      mineFailed = err;
    }
    this.waitFor(request, name);
    if (mineFailed) throw mineFailed;
    if (this.ctl[FAILED]) throw new Error(`KernelHelper: ${name} failed on the helper thread`);
  }

  /**
   * Waits for the helper's half of request `request`. A helper that dies cannot say so while this thread waits (its
   * events need this thread's event loop), so a kernel that takes over {@link HELPER_TIMEOUT_MS} counts as lost.
   */
  private waitFor(request: number, name: string): void {
    const start = Date.now();
    while (Atomics.load(this.ctl, DONE) !== request) {
      Atomics.wait(this.ctl, DONE, request - 1, Math.min(1000, HELPER_TIMEOUT_MS));
      if (Atomics.load(this.ctl, DONE) !== request && Date.now() - start > HELPER_TIMEOUT_MS) {
        this.dead = `the kernel helper thread did not finish ${name} within ${HELPER_TIMEOUT_MS / 1000} s`;
        throw new Error(this.dead);
      }
    }
  }

  /** Stops the worker. */
  stop(): void {
    Atomics.store(this.ctl, REQUEST, STOP);
    Atomics.notify(this.ctl, REQUEST);
  }
}
