/**
 * LoRA adapters (Hu et al., 2021) on the linear layers of a {@link LlamaModel}:
 *
 *     y = x W + (dropout(x) A B) · alpha / rank,     A [in, r] ~ U(±1/√in),  B [r, out] = 0
 *
 * TRACT fine-tunes with LoRA on all linear layers (`lora_target: all`, rank 8, alpha 16, dropout 0
 * as LLaMA-Factory's defaults; docs/method.md §7), which are the defaults here. While adapters are
 * attached only they train; {@link mergeLora} folds them into the base weights.
 *
 * Saved adapters use PEFT's layout (`adapter_config.json` + `adapter_model.safetensors` with
 * `base_model.model.<module>.lora_A.weight` [r, in] and `lora_B.weight` [out, r]).
 *
 * @module model/lora
 */
import * as tf from '@tensorflow/tfjs';
import { existsSync, mkdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Rng } from '../engine/rng';
import { linearPath, linearShape, type LinearName } from './layout';
import type { LlamaModel } from './llama';
import { DEFAULT_LORA, LoraAdapters, type LoraConfig } from './loraAdapters';
import { SafetensorsFile, writeSafetensors, type RawTensor } from './safetensors';
import { writeFileAtomic } from '../io/atomic';

export { DEFAULT_LORA, LoraAdapters, type LoraConfig };

/**
 * Attaches fresh adapters (A random, B zero, so the model's outputs are unchanged) and freezes the
 * base weights. Returns the adapters (also at `model.lora`).
 */
export function attachLora(
  model: LlamaModel,
  config: Partial<LoraConfig> = {},
  seed: number | string = 0,
): LoraAdapters {
  if (model.lora) throw new Error('attachLora: the model already has adapters (merge or detach them first)');
  const lora = new LoraAdapters({ ...DEFAULT_LORA, ...config }, seed);
  const rng = new Rng(seed).fork('lora/init');
  const r = lora.config.rank;
  for (let l = 0; l < model.config.nLayers; l++) {
    for (const name of lora.config.targets) {
      const path = linearPath(l, name);
      const [inDim, outDim] = linearShape(model.config, name);
      const bound = 1 / Math.sqrt(inDim); // PEFT: kaiming_uniform_(a=√5) gives U(±1/√in)
      const a = tf.tidy(() =>
        tf.variable(tf.randomUniform([inDim, r], -bound, bound, 'float32', rng.fork(path).tfSeed()), true),
      );
      const b = tf.tidy(() => tf.variable(tf.zeros([r, outDim]), true));
      lora.adapters.set(path, [a, b]);
    }
  }
  for (const p of model.params.values()) p.trainable = false;
  model.lora = lora;
  return lora;
}

/** Removes the adapters without merging; the base weights train again. Returns the adapters. */
export function detachLora(model: LlamaModel): LoraAdapters | null {
  const lora = model.lora;
  model.lora = null;
  for (const p of model.params.values()) p.trainable = true;
  return lora;
}

/** Folds the adapters into the base weights (W += A B · alpha/r) and frees them. */
export function mergeLora(model: LlamaModel): void {
  const lora = model.lora;
  if (!lora) throw new Error('mergeLora: the model has no adapters');
  for (const [path, [a, b]] of lora.adapters) {
    const w = model.params.get(`${path}.weight`)!;
    w.assign(tf.tidy(() => tf.add(w, tf.mul(tf.matMul(a, b), lora.scale))));
  }
  detachLora(model);
  lora.dispose();
}

const PEFT_PREFIX = 'base_model.model.';

/** Saves adapters in PEFT's layout under `dir` (created if needed); files are written atomically. */
export function saveLora(lora: LoraAdapters, dir: string): void {
  mkdirSync(dir, { recursive: true });
  const tensors = new Map<string, RawTensor>();
  for (const [path, [a, b]] of lora.adapters) {
    const at = tf.tidy(() => tf.transpose(a)); // [r, in]
    const bt = tf.tidy(() => tf.transpose(b)); // [out, r]
    tensors.set(`${PEFT_PREFIX}${path}.lora_A.weight`, { shape: at.shape, data: at.dataSync() as Float32Array });
    tensors.set(`${PEFT_PREFIX}${path}.lora_B.weight`, { shape: bt.shape, data: bt.dataSync() as Float32Array });
    tf.dispose([at, bt]);
  }
  writeSafetensors(join(dir, 'adapter_model.safetensors'), tensors);
  const cfg = {
    peft_type: 'LORA',
    task_type: 'CAUSAL_LM',
    r: lora.config.rank,
    lora_alpha: lora.config.alpha,
    lora_dropout: lora.config.dropout,
    target_modules: lora.config.targets,
    bias: 'none',
  };
  writeFileAtomic(join(dir, 'adapter_config.json'), `${JSON.stringify(cfg, null, 2)}\n`);
}

/** Loads PEFT-layout adapters from `dir` and attaches them to `model`. */
export function loadLora(model: LlamaModel, dir: string): LoraAdapters {
  const cfgPath = join(dir, 'adapter_config.json');
  const stPath = join(dir, 'adapter_model.safetensors');
  for (const p of [cfgPath, stPath]) if (!existsSync(p)) throw new Error(`loadLora: missing ${p}`);
  const cfg = JSON.parse(readFileSync(cfgPath, 'utf8')) as Record<string, unknown>;
  if (cfg.peft_type !== 'LORA') throw new Error(`${cfgPath}: peft_type is ${String(cfg.peft_type)}, expected LORA`);
  const targets = cfg.target_modules as LinearName[];
  const lora = attachLora(model, {
    rank: Number(cfg.r),
    alpha: Number(cfg.lora_alpha),
    dropout: Number(cfg.lora_dropout ?? 0),
    targets,
  });
  const file = new SafetensorsFile(stPath);
  for (const [path, [a, b]] of lora.adapters) {
    for (const [suffix, v] of [
      ['lora_A', a],
      ['lora_B', b],
    ] as const) {
      const name = `${PEFT_PREFIX}${path}.${suffix}.weight`;
      if (!file.entries.has(name)) {
        detachLora(model);
        lora.dispose();
        throw new Error(`${stPath}: missing tensor '${name}'`);
      }
      const raw = file.read(name);
      const expected = [v.shape[1], v.shape[0]];
      if (raw.shape.join(',') !== expected.join(',')) {
        detachLora(model);
        lora.dispose();
        throw new Error(`${stPath}: tensor '${name}' has shape [${raw.shape}], expected [${expected}]`);
      }
      v.assign(tf.tidy(() => tf.transpose(tf.tensor(raw.data, raw.shape, 'float32'))));
    }
  }
  return lora;
}
