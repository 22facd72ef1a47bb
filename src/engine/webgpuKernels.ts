/**
 * Kernel fixes for TF.js's `webgpu` backend (tfjs-backend-webgpu 4.22), installed by `engine/webgpu.ts`.
 *
 * - `AddN`: the stock kernel binds every input as its own storage buffer in one shader, so `tf.addN` of
 *   more inputs than the device's `maxStorageBuffersPerShaderStage` (8 on many adapters, SwiftShader
 *   included; the output takes one) fails validation and yields garbage. The gradient-norm clip sums one
 *   term per trainable variable. This kernel sums in chunks that fit, then sums the partial sums.
 *
 * @module engine/webgpuKernels
 */
import * as tf from '@tensorflow/tfjs';

type KernelArgs = Parameters<tf.KernelFunc>[0];

/** The fields of tfjs-backend-webgpu's `WebGPUBackend` this file uses. */
interface WebGpuBackendLike {
  device: { limits: { maxStorageBuffersPerShaderStage: number } };
  disposeData(dataId: object): void;
}

let installed = false;

/** Replaces the webgpu `AddN` kernel with a chunked one (idempotent). */
export function installWebGpuKernelFixes(): void {
  if (installed) return;
  const stock = tf.getKernel('AddN', 'webgpu');
  if (!stock) return; // tfjs-backend-webgpu not loaded
  installed = true;
  const stockFunc = stock.kernelFunc;
  const chunkedAddN = (args: KernelArgs): tf.TensorInfo => {
    const backend = args.backend as unknown as WebGpuBackendLike;
    const chunk = Math.max(2, backend.device.limits.maxStorageBuffersPerShaderStage - 1);
    let inputs = args.inputs as unknown as tf.TensorInfo[];
    const made: tf.TensorInfo[] = [];
    while (inputs.length > chunk) {
      const partial: tf.TensorInfo[] = [];
      for (let i = 0; i < inputs.length; i += chunk) {
        const group = inputs.slice(i, i + chunk);
        if (group.length === 1) {
          partial.push(group[0]);
          continue;
        }
        const sum = stockFunc({ ...args, inputs: group as unknown as tf.NamedTensorInfoMap }) as tf.TensorInfo;
        made.push(sum);
        partial.push(sum);
      }
      inputs = partial;
    }
    const out = stockFunc({ ...args, inputs: inputs as unknown as tf.NamedTensorInfoMap }) as tf.TensorInfo;
    for (const t of made) if (t !== out) backend.disposeData(t.dataId);
    return out;
  };
  tf.unregisterKernel('AddN', 'webgpu');
  tf.registerKernel({ kernelName: 'AddN', backendName: 'webgpu', kernelFunc: chunkedAddN as tf.KernelFunc });
}
