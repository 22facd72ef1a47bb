/**
 * The `webgpu` backend: TF.js's WebGPU kernels (`@tensorflow/tfjs-backend-webgpu`) on Dawn, Google's
 * WebGPU implementation, through its Node binding (the `webgpu` npm package, binary inside the package).
 *
 * Dawn runs on Vulkan (NVIDIA, AMD, Intel on Linux and Windows), Direct3D 12 and Metal. On a machine without
 * a GPU it can still find a *software* adapter: SwiftShader, a Vulkan driver that runs on the CPU (Debian's
 * `chromium` package ships it with a private Vulkan loader). A software adapter is about as slow as the
 * pure-JS `cpu` backend, so it is used only when asked for (`TRACT_BACKEND=webgpu`): it exists to test the
 * GPU code path on machines without a GPU, not to compute on them.
 *
 * Everything here loads lazily: a machine without the `webgpu` package (an optional dependency) simply
 * reports why the backend was skipped.
 *
 * Environment (all optional):
 *  - `TRACT_VULKAN_LOADER`: path of a Vulkan loader (`libvulkan.so.1`) to use when the system has none;
 *    default: the copy beside Debian chromium's binary, `/usr/lib/chromium/libvulkan.so.1`, when present.
 *  - `TRACT_SWIFTSHADER_ICD`: the SwiftShader ICD manifest used for a forced software adapter;
 *    default `/usr/lib/chromium/vk_swiftshader_icd.json`. `VK_ICD_FILENAMES`, when set, is left alone.
 *
 * @module engine/webgpu
 */
import { existsSync, readdirSync } from 'node:fs';
import { constants as osConstants } from 'node:os';
import * as path from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { installWebGpuKernelFixes } from './webgpuKernels';
import { patchWebGpuReadSync } from './webgpuSync';

/** What the backend report says about the WebGPU adapter in use. */
export interface WebGpuAdapterReport {
  /** `adapter.info.vendor` (e.g. `nvidia`, `google` for SwiftShader). */
  vendor: string;
  /** `adapter.info.architecture` (e.g. `ampere`, `swiftshader`). */
  architecture: string;
  /** `adapter.info.device` and `description`, joined (e.g. `SwiftShader Device (Subzero)`). */
  description: string;
  /** `hardware`, or `software` for a fallback adapter (a CPU implementation such as SwiftShader). */
  kind: 'hardware' | 'software';
  /** Limits that decide which batches fit (bytes). */
  limits: { maxBufferSize: number; maxStorageBufferBindingSize: number };
  /** How Dawn reached the adapter (Vulkan loader and ICD used, when this module set them). */
  setup: string[];
}

/** The subset of the WebGPU API this module calls (Dawn's objects satisfy it). */
interface GpuAdapterLike {
  info?: { vendor?: string; architecture?: string; device?: string; description?: string; isFallbackAdapter?: boolean };
  isFallbackAdapter?: boolean;
  features: { has(name: string): boolean };
  limits: Record<string, number>;
  requestDevice(descriptor?: object): Promise<unknown>;
}
interface GpuLike {
  requestAdapter(options?: object): Promise<GpuAdapterLike | null>;
}
interface DawnModule {
  create(flags: string[]): GpuLike;
  globals: Record<string, unknown>;
}
interface TfjsWebGpuModule {
  WebGPUBackend: new (device: unknown, adapterInfo?: unknown) => tf.KernelBackend;
}

/** A `require` that TypeScript and bundlers leave alone, for optional packages. */
function optionalRequire(name: string): unknown {
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  return require(name);
}

function firstLine(err: unknown): string {
  return (err instanceof Error ? err.message : String(err)).split('\n')[0];
}

/** Debian chromium's private Vulkan loader and SwiftShader ICD (`apt-get install chromium`). */
const CHROMIUM_DIR = '/usr/lib/chromium';
const VULKAN_ICD_DIRS = ['/etc/vulkan/icd.d', '/usr/local/share/vulkan/icd.d', '/usr/share/vulkan/icd.d'];
const LOADER_DIRS = [
  '/lib/x86_64-linux-gnu',
  '/usr/lib/x86_64-linux-gnu',
  '/lib/aarch64-linux-gnu',
  '/usr/lib/aarch64-linux-gnu',
  '/usr/lib64',
  '/usr/lib',
  '/lib64',
  '/usr/local/lib',
];

/** Is a system Vulkan loader (`libvulkan.so.1`) on the default library path or `LD_LIBRARY_PATH`? */
function systemLoader(env: Record<string, string | undefined>): string | null {
  const dirs = [...(env.LD_LIBRARY_PATH ?? '').split(':').filter(Boolean), ...LOADER_DIRS];
  for (const dir of dirs) {
    const file = path.join(dir, 'libvulkan.so.1');
    if (existsSync(file)) return file;
  }
  return null;
}

/** Vulkan ICD manifests (installed GPU drivers) the loader would find without `VK_ICD_FILENAMES`. */
function systemIcds(env: Record<string, string | undefined>): string[] {
  const dataDirs = (env.XDG_DATA_DIRS ?? '')
    .split(':')
    .filter(Boolean)
    .map((d) => path.join(d, 'vulkan/icd.d'));
  const found: string[] = [];
  for (const dir of [...new Set([...VULKAN_ICD_DIRS, ...dataDirs])]) {
    try {
      for (const f of readdirSync(dir)) if (f.endsWith('.json')) found.push(path.join(dir, f));
    } catch {
      // no such folder
    }
  }
  return found;
}

let loaderPreloaded: string | null = null;

/**
 * Loads a Vulkan loader library into the process, so that Dawn's later `dlopen("libvulkan.so.1")` finds it
 * by its soname (the library path of a running process cannot be changed). `process.dlopen` is meant for
 * Node addons and throws "did not self-register" for a plain library; `RTLD_NODELETE` keeps it loaded.
 */
function preloadLoader(file: string): string | null {
  if (loaderPreloaded === file) return null;
  const RTLD_NODELETE = 0x1000; // glibc; not in os.constants.dlopen
  const flags = osConstants.dlopen.RTLD_NOW | osConstants.dlopen.RTLD_GLOBAL | RTLD_NODELETE;
  try {
    process.dlopen({ exports: {} } as NodeJS.Module, file, flags);
  } catch (err) {
    if (!/self-register/.test(firstLine(err))) return `could not load the Vulkan loader ${file} (${firstLine(err)})`;
  }
  loaderPreloaded = file;
  return null;
}

/** Why Dawn cannot find a Vulkan adapter on Linux before trying (Dawn's own messages go to stderr). */
function linuxVulkanSetup(
  env: Record<string, string | undefined>,
  allowSoftware: boolean,
  setup: string[],
): string | null {
  const driverNamed = Boolean(env.VK_ICD_FILENAMES || env.VK_DRIVER_FILES);
  if (!allowSoftware && !driverNamed && systemIcds(env).length === 0) {
    return 'no Vulkan driver (ICD) is installed, so no hardware adapter';
  }
  let loader = systemLoader(env);
  if (loader === null) {
    const candidate = env.TRACT_VULKAN_LOADER ?? path.join(CHROMIUM_DIR, 'libvulkan.so.1');
    if (!existsSync(candidate)) {
      return 'no Vulkan loader (libvulkan.so.1): install libvulkan1 with a GPU driver, or chromium for SwiftShader';
    }
    const failure = preloadLoader(candidate);
    if (failure) return failure;
    loader = candidate;
    setup.push(`Vulkan loader ${candidate}`);
  }
  if (driverNamed || systemIcds(env).length > 0) return null;
  const icd = env.TRACT_SWIFTSHADER_ICD ?? path.join(CHROMIUM_DIR, 'vk_swiftshader_icd.json');
  if (!existsSync(icd)) return `no Vulkan driver is installed and no SwiftShader ICD at ${icd}`;
  // The Vulkan loader reads this when Dawn creates its instance, so setting it here is in time.
  process.env.VK_ICD_FILENAMES = icd;
  setup.push(`VK_ICD_FILENAMES=${icd} (SwiftShader, software)`);
  return null;
}

/** The adapter chosen by {@link registerWebGpu}, kept for reports and for {@link webGpuLimits}. */
let active: WebGpuAdapterReport | null = null;

let activeDevice: { destroy(): void } | null = null;
/** The skip reason once a probe found only a software adapter (not probed again for the default order). */
let softwareOnly: string | null = null;

/**
 * Unregisters the `webgpu` backend and destroys its device, so that Dawn stops polling the event loop
 * and the process can exit; the next `initBackend` finds the adapter again. Switch to another backend first.
 */
export function releaseWebGpu(): void {
  if (tf.findBackendFactory('webgpu')) tf.removeBackend('webgpu');
  activeDevice?.destroy();
  activeDevice = null;
  active = null;
}

/** The adapter report of the registered `webgpu` backend, or null when none was registered. */
export function webGpuAdapter(): WebGpuAdapterReport | null {
  return active;
}

function describeAdapter(adapter: GpuAdapterLike, setup: string[]): WebGpuAdapterReport {
  const info = adapter.info ?? {};
  const fallback = adapter.isFallbackAdapter ?? info.isFallbackAdapter ?? false;
  const software = fallback || /swiftshader|llvmpipe|lavapipe/i.test(`${info.architecture} ${info.description}`);
  return {
    vendor: info.vendor || 'unknown',
    architecture: info.architecture || 'unknown',
    description: [info.device, info.description].filter(Boolean).join(', ') || 'unknown',
    kind: software ? 'software' : 'hardware',
    limits: {
      maxBufferSize: adapter.limits.maxBufferSize,
      maxStorageBufferBindingSize: adapter.limits.maxStorageBufferBindingSize,
    },
    setup,
  };
}

function softwareReason(a: WebGpuAdapterReport): string {
  return `only a software adapter (${a.vendor} ${a.architecture}); set TRACT_BACKEND=webgpu to use it`;
}

/**
 * Finds a WebGPU adapter through Dawn and registers TF.js's `webgpu` backend on it (not yet active).
 *
 * @param allowSoftware accept a software (fallback) adapter; true only when the user forced `webgpu`.
 * @returns null on success, or the reason the backend cannot be used (for the backend report).
 */
export async function registerWebGpu(
  allowSoftware: boolean,
  env: Record<string, string | undefined> = process.env,
): Promise<string | null> {
  if (active && (allowSoftware || active.kind === 'hardware') && tf.findBackendFactory('webgpu')) return null;
  if (!allowSoftware && (softwareOnly || active?.kind === 'software')) {
    return softwareOnly ?? softwareReason(active as WebGpuAdapterReport);
  }
  let dawn: DawnModule;
  let tfjsWebGpu: TfjsWebGpuModule;
  try {
    dawn = optionalRequire('webgpu') as DawnModule;
  } catch (err) {
    return `the optional package webgpu (Dawn) is not installed or failed to load (${firstLine(err)})`;
  }
  try {
    tfjsWebGpu = optionalRequire('@tensorflow/tfjs-backend-webgpu') as TfjsWebGpuModule;
  } catch (err) {
    return `@tensorflow/tfjs-backend-webgpu failed to load (${firstLine(err)})`;
  }
  patchWebGpuReadSync(tfjsWebGpu.WebGPUBackend);
  installWebGpuKernelFixes();
  const setup: string[] = [];
  if (process.platform === 'linux') {
    const failure = linuxVulkanSetup(env, allowSoftware, setup);
    if (failure) return failure;
  }
  // TF.js's kernels use the WebGPU constants (GPUBufferUsage, GPUMapMode, ...) as globals.
  Object.assign(globalThis, dawn.globals);
  let adapter: GpuAdapterLike | null;
  let instance: GpuLike;
  try {
    instance = dawn.create([]);
    adapter = await instance.requestAdapter({ powerPreference: 'high-performance' });
  } catch (err) {
    return `Dawn could not request an adapter (${firstLine(err)})`;
  }
  if (adapter === null) return `Dawn found no adapter${setup.length ? ` (${setup.join('; ')})` : ''}`;
  const report = describeAdapter(adapter, setup);
  if (report.kind === 'software' && !allowSoftware) {
    softwareOnly = softwareReason(report);
    return softwareOnly;
  }
  const chosen = adapter;
  const gpu = instance;
  // TF.js's WebGPUBackend checks `navigator.gpu` (Node 20 has no navigator; Node 21+ has one without gpu).
  const nav = (globalThis as { navigator?: { gpu?: unknown } }).navigator;
  if (nav === undefined) Object.defineProperty(globalThis, 'navigator', { value: { gpu }, configurable: true });
  else if (!nav.gpu) Object.defineProperty(nav, 'gpu', { value: gpu, configurable: true });
  const factory = async () => {
    const limits = chosen.limits;
    const requiredFeatures = chosen.features.has('timestamp-query') ? ['timestamp-query'] : [];
    const device = await chosen.requestDevice({
      requiredFeatures,
      requiredLimits: {
        maxComputeWorkgroupStorageSize: limits.maxComputeWorkgroupStorageSize,
        maxComputeWorkgroupsPerDimension: limits.maxComputeWorkgroupsPerDimension,
        maxStorageBufferBindingSize: limits.maxStorageBufferBindingSize,
        maxBufferSize: limits.maxBufferSize,
        maxComputeWorkgroupSizeX: limits.maxComputeWorkgroupSizeX,
        maxComputeInvocationsPerWorkgroup: limits.maxComputeInvocationsPerWorkgroup,
      },
    });
    activeDevice = device as { destroy(): void };
    return new tfjsWebGpu.WebGPUBackend(device, chosen.info);
  };
  if (tf.findBackendFactory('webgpu')) tf.removeBackend('webgpu');
  tf.registerBackend('webgpu', factory, 0);
  active = report;
  return null;
}

/**
 * The WebGPU adapter this machine offers, software ones included, for `tract info`: registers the `webgpu`
 * backend (without activating it) when an adapter is found.
 *
 * @returns the adapter report, or the reason there is none.
 */
export async function probeWebGpuAdapter(): Promise<{ adapter: WebGpuAdapterReport } | { reason: string }> {
  const reason = await registerWebGpu(true);
  const adapter = webGpuAdapter();
  return reason === null && adapter ? { adapter } : { reason: reason ?? 'no adapter' };
}

/** Kernel replacements on webgpu, for the backend report. */
export const WEBGPU_KERNEL_NOTES = [
  'readSync: engine/webgpuSync (staging buffer + Dawn event pump; the stock one needs OffscreenCanvas)',
  'AddN: engine/webgpuKernels (chunked to maxStorageBuffersPerShaderStage)',
];

/** One line for logs: `SwiftShader (google swiftshader, software; max buffer 1024 MiB, ...)`. */
export function describeAdapterReport(a: WebGpuAdapterReport): string {
  const mib = (n: number) => `${Math.round(n / 2 ** 20)} MiB`;
  return (
    `adapter ${a.vendor} ${a.architecture} (${a.kind}; ${a.description}; ` +
    `maxBufferSize ${mib(a.limits.maxBufferSize)}, ` +
    `maxStorageBufferBindingSize ${mib(a.limits.maxStorageBufferBindingSize)})`
  );
}
