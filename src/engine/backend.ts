/**
 * Picks the TF.js backend the toolkit computes on, and says why.
 *
 * Order of preference (first that loads wins):
 *  1. `tensorflow-gpu`: `@tensorflow/tfjs-node-gpu` (libtensorflow with CUDA; a user's GPU machine),
 *  2. `webgpu`: `@tensorflow/tfjs-backend-webgpu` on Dawn (`engine/webgpu.ts`), only with a hardware adapter
 *     unless forced by `TRACT_BACKEND=webgpu` (then a software adapter such as SwiftShader will do),
 *  3. `tensorflow`: `@tensorflow/tfjs-node` (libtensorflow on the CPU),
 *  4. `wasm`: `@tensorflow/tfjs-backend-wasm` (XNNPACK + SIMD; the CPU default here),
 *  5. `cpu`: the pure-JavaScript reference backend (slow, always present).
 *
 * The two native packages cannot be installed on machines without access to their download host,
 * so they are never dependencies of this package: they are loaded by a guarded `require` when the
 * user has installed them. The environment variable `TRACT_BACKEND` overrides everything; naming a
 * backend that cannot load is an error, not a silent fallback. On wasm, the project's own kernels are
 * installed (`engine/wasmKernels.ts`: BatchMatMul, the transposed product, the softmax gradient, the
 * decoding-step attention, a sharing Identity); `TRACT_WASM_OFF=all` or a comma-separated list of their
 * names keeps the stock ones.
 *
 * @module engine/backend
 */
import * as tf from '@tensorflow/tfjs';
import { installWasmKernels, wasmKernelsOff } from './wasmKernels';
import { initWasmBackend, type WasmBuildReport } from './wasmThreads';
import {
  describeAdapterReport,
  registerWebGpu,
  WEBGPU_KERNEL_NOTES,
  webGpuAdapter,
  type WebGpuAdapterReport,
} from './webgpu';

/** The backends the toolkit knows, in default order of preference. */
export const BACKENDS = ['tensorflow-gpu', 'webgpu', 'tensorflow', 'wasm', 'cpu'] as const;
export type BackendName = (typeof BACKENDS)[number];

/** What {@link initBackend} chose and why it skipped the others. */
export interface BackendReport {
  /** The backend now active. */
  chosen: BackendName;
  /** The name TF.js uses for it (`tf.getBackend()`). */
  tfName: string;
  /** Why this one: preference order, `prefer` option or `TRACT_BACKEND`. */
  reason: string;
  /** Backends tried before it, each with the reason it was not used. */
  skipped: { name: BackendName; reason: string }[];
  /** `@tensorflow/tfjs-core` version. */
  tfjsVersion: string;
  /** On wasm: which build runs (threaded or not), with how many threads, and why. */
  wasm?: WasmBuildReport;
  /** Kernel replacements in effect (e.g. the fast wasm BatchMatMul). */
  kernels: string[];
  /** The WebGPU adapter (vendor, architecture, hardware or software, limits) when `chosen` is `webgpu`. */
  adapter?: WebGpuAdapterReport;
}

export interface InitBackendOptions {
  /** A backend or an ordered list to try; default: {@link BACKENDS}. */
  prefer?: BackendName | readonly BackendName[];
  /** Environment to read `TRACT_BACKEND` from (default `process.env`); for tests. */
  env?: Record<string, string | undefined>;
}

/** A `require` that TypeScript and bundlers leave alone, for optional native packages. */
function optionalRequire(name: string): unknown {
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  return require(name);
}

function errorText(err: unknown): string {
  const text = err instanceof Error ? err.message : String(err);
  return text.split('\n')[0];
}

/** The wasm build that initialised (set by {@link tryBackend}). */
let wasmBuild: WasmBuildReport | null = null;

/** Tries to make one backend active; returns the reason for failure, or null on success. */
async function tryBackend(
  name: BackendName,
  named: boolean,
  env: Record<string, string | undefined>,
): Promise<string | null> {
  switch (name) {
    case 'webgpu': {
      const failure = await registerWebGpu(named);
      if (failure) return failure;
      const ok = await tf.setBackend('webgpu').catch(() => false);
      return ok ? null : 'the webgpu backend did not initialise (Dawn could not create a device)';
    }
    case 'tensorflow-gpu':
    case 'tensorflow': {
      const pkg = name === 'tensorflow-gpu' ? '@tensorflow/tfjs-node-gpu' : '@tensorflow/tfjs-node';
      try {
        optionalRequire(pkg);
      } catch (err) {
        return `${pkg} is not installed or failed to load (${errorText(err)})`;
      }
      // Both packages register their backend under the TF.js name 'tensorflow'.
      const ok = await tf.setBackend('tensorflow').catch(() => false);
      return ok ? null : `${pkg} loaded but its 'tensorflow' backend did not initialise`;
    }
    case 'wasm': {
      let wasm: Parameters<typeof initWasmBackend>[0];
      try {
        wasm = optionalRequire('@tensorflow/tfjs-backend-wasm') as typeof wasm;
      } catch (err) {
        return `@tensorflow/tfjs-backend-wasm failed to load (${errorText(err)})`;
      }
      const build = await initWasmBackend(wasm, env);
      if (typeof build === 'string') return build;
      wasmBuild = build;
      return null;
    }
    case 'cpu': {
      const ok = await tf.setBackend('cpu').catch(() => false);
      return ok ? null : 'the cpu backend did not initialise';
    }
  }
}

function parseBackendName(value: string, source: string): BackendName {
  const name = value.trim() as BackendName;
  if (!(BACKENDS as readonly string[]).includes(name)) {
    throw new Error(`${source}: unknown backend '${value}' (expected one of ${BACKENDS.join(', ')})`);
  }
  return name;
}

/**
 * Chooses and activates a TF.js backend.
 *
 * @example
 * ```ts
 * const report = await initBackend();            // best available
 * await initBackend({ prefer: 'cpu' });          // the slow exact reference, for tests
 * // TRACT_BACKEND=cpu npm start                 // override from the shell
 * ```
 * @throws if `TRACT_BACKEND` names an unknown backend or one that cannot load, or if no
 *   backend in `prefer` can load.
 */
export async function initBackend(options: InitBackendOptions = {}): Promise<BackendReport> {
  const env = options.env ?? process.env;
  const forced = env.TRACT_BACKEND?.trim();
  let order: BackendName[];
  let reason: string;
  if (forced) {
    order = [parseBackendName(forced, 'TRACT_BACKEND')];
    reason = `TRACT_BACKEND=${forced}`;
  } else if (options.prefer !== undefined) {
    const list = typeof options.prefer === 'string' ? [options.prefer] : [...options.prefer];
    if (list.length === 0) throw new Error('initBackend: prefer is an empty list');
    order = list.map((n) => parseBackendName(n, 'initBackend prefer'));
    reason = `first loadable of prefer=[${order.join(', ')}]`;
  } else {
    order = [...BACKENDS];
    reason = 'first loadable in the default order';
  }
  const skipped: BackendReport['skipped'] = [];
  for (const name of order) {
    // A software WebGPU adapter only when webgpu was asked for by name (TRACT_BACKEND or prefer).
    const failure = await tryBackend(name, Boolean(forced) || options.prefer !== undefined, env);
    if (failure === null) {
      const kernels: string[] = [];
      if (name === 'wasm') kernels.push(...installWasmKernels(wasmKernelsOff(env)));
      if (name === 'webgpu') kernels.push(...WEBGPU_KERNEL_NOTES);
      const report: BackendReport = {
        chosen: name,
        tfName: tf.getBackend(),
        reason,
        skipped,
        tfjsVersion: tf.version_core,
        kernels,
      };
      if (name === 'wasm' && wasmBuild) report.wasm = wasmBuild;
      const adapter = name === 'webgpu' ? webGpuAdapter() : null;
      if (adapter) report.adapter = adapter;
      return report;
    }
    skipped.push({ name, reason: failure });
  }
  const details = skipped.map((s) => `${s.name}: ${s.reason}`).join('; ');
  throw new Error(`initBackend: no backend could be initialised (${reason}): ${details}`);
}

/** One line for logs: `backend wasm (first loadable in the default order; skipped: ...)`. */
export function describeBackend(report: BackendReport): string {
  const skipped = report.skipped.map((s) => `${s.name}: ${s.reason}`).join('; ');
  const kernels = report.kernels.length ? `; kernels: ${report.kernels.join('; ')}` : '';
  const adapter = report.adapter ? `; ${describeAdapterReport(report.adapter)}` : '';
  const w = report.wasm;
  const build = w ? `; ${w.build} build, ${w.threads} thread(s): ${w.reason}` : '';
  const skippedText = skipped ? `; skipped ${skipped}` : '';
  return `backend ${report.chosen} (${report.reason}${build}${adapter}${skippedText}${kernels})`;
}
