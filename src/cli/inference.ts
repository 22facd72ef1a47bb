/**
 * The model commands of the CLI: `tract info`, `tract logits`, `tract generate`, and the sampling
 * options they share with `tract eval`.
 *
 * @module cli/inference
 */
import * as tf from '@tensorflow/tfjs';
import { resolveGenerationConfig, type GenerationConfig } from '../decoding/generationConfig';
import { generate } from '../decoding/generate';
import { describeBackend, initBackend } from '../engine/backend';
import { describeAdapterReport, probeWebGpuAdapter } from '../engine/webgpu';
import { loadModel } from '../model/checkpoint';
import {
  type CommandSpec,
  type OptionSpec,
  UsageError,
  type Values,
  intOption,
  numberOption,
  parseIntegerList,
  requireString,
} from './args';

/** The sampling options of `generate` and `eval`. */
export const SAMPLING_OPTIONS: Record<string, OptionSpec> = {
  temperature: { value: 'T', help: 'sampling temperature, >= 0 (0: greedy)' },
  'top-p': { value: 'P', help: 'nucleus sampling: keep the smallest set of tokens with probability >= P, in (0, 1]' },
  'repetition-penalty': { value: 'R', help: 'penalty on tokens already in the sequence, > 0 (1: none)' },
};

/** The sampling options that were given, range-checked (temperature >= 0, top-p in (0,1], penalty > 0). */
export function samplingOptions(values: Values): { temperature?: number; topP?: number; repetitionPenalty?: number } {
  return {
    temperature: numberOption(values, 'temperature', { min: 0 }),
    topP: numberOption(values, 'top-p', { above: 0, max: 1 }),
    repetitionPenalty: numberOption(values, 'repetition-penalty', { above: 0 }),
  };
}

/** Loads a model for a command; a missing path is a usage error. */
export function loadForCli(values: Values) {
  const path = requireString(values, 'model');
  try {
    return loadModel(path);
  } catch (err) {
    if (/no such file or folder/.test((err as Error).message)) throw new UsageError((err as Error).message);
    throw err;
  }
}

/** `tract info`. */
export const infoCommand: CommandSpec = {
  summary: 'show the TF.js backend chosen on this machine (and why) and the library versions',
  options: { json: { help: 'print one JSON object' } },
  async run(values) {
    const report = await initBackend();
    // The WebGPU adapter even when not chosen (a software one is used only with TRACT_BACKEND=webgpu).
    const webgpu = report.adapter ? { adapter: report.adapter } : await probeWebGpuAdapter();
    const info = { node: process.version, tfjs: tf.version_core, backend: report, webgpu };
    const gpuLine =
      'adapter' in webgpu ? `webgpu ${describeAdapterReport(webgpu.adapter)}` : `webgpu: ${webgpu.reason}`;
    console.log(
      values.json
        ? JSON.stringify(info)
        : `node ${info.node}, tfjs ${info.tfjs}\n${describeBackend(report)}\n${gpuLine}`,
    );
  },
};

const MODEL_OPTION: OptionSpec = {
  value: 'DIR',
  help: 'model folder (Hugging Face format, our checkpoints, llama2.c) or llama2.c .bin file',
};

/** `tract logits`. */
export const logitsCommand: CommandSpec = {
  summary: 'print the logits at the last position of a token sequence',
  options: {
    model: MODEL_OPTION,
    tokens: { value: 'IDS', help: 'comma-separated token ids, e.g. 1,403,407' },
    json: { help: 'print {tokens, lastLogits} as JSON' },
  },
  suggest: (arg) => (/^[\d,]+$/.test(arg) ? `--tokens ${arg}` : `--model ${arg}`),
  async run(values) {
    const ids = parseIntegerList(requireString(values, 'tokens'), 'tokens');
    requireString(values, 'model');
    await initBackend();
    const { model } = loadForCli(values);
    const vocab = model.config.vocabSize;
    const bad = ids.findIndex((id) => id >= vocab);
    if (bad >= 0) {
      model.dispose();
      throw new UsageError(`--tokens item ${bad + 1}: id ${ids[bad]} is not below the vocabulary size ${vocab}`);
    }
    const logits = model.forward([ids]); // [1, T, V]
    const last = Array.from(logits.slice([0, ids.length - 1, 0], [1, 1, -1]).dataSync()); // [V]
    logits.dispose();
    model.dispose();
    if (values.json) console.log(JSON.stringify({ tokens: ids, lastLogits: last }));
    else console.log(last.map((v) => v.toFixed(6)).join(' '));
  },
};

/** `tract generate`. */
export const generateCommand: CommandSpec = {
  summary: 'continue a prompt with a model',
  options: {
    model: MODEL_OPTION,
    prompt: { value: 'TEXT', help: 'the prompt (a prompt that starts with "-": --prompt=-TEXT)' },
    'max-new-tokens': { value: 'N', help: 'tokens to generate at most (default 64)' },
    ...SAMPLING_OPTIONS,
    'top-k': { value: 'K', help: 'keep the K most likely tokens, 0: all' },
    seed: { value: 'S', help: 'seed of the sampling stream, an integer >= 0' },
    stop: { value: 'STR', multiple: true, help: 'stop when the continuation contains STR' },
    json: { help: 'print the prompt and the generation as JSON' },
  },
  suggest: (arg) => `--prompt '${arg}'`,
  async run(values) {
    const prompt = requireString(values, 'prompt');
    requireString(values, 'model');
    const overrides: Partial<GenerationConfig> = { maxNewTokens: intOption(values, 'max-new-tokens', 0) ?? 64 };
    const sampling = samplingOptions(values);
    const ints = { topK: intOption(values, 'top-k', 0), seed: intOption(values, 'seed', 0) };
    for (const [key, v] of Object.entries({ ...sampling, ...ints })) {
      if (v !== undefined) (overrides as Record<string, number>)[key] = v;
    }
    if (values.stop) overrides.stop = values.stop as string[];
    let config: GenerationConfig;
    try {
      config = resolveGenerationConfig(overrides);
    } catch (err) {
      throw new UsageError((err as Error).message.replace(/^generation config: /, ''));
    }
    await initBackend();
    const { model, tokenizer } = loadForCli(values);
    const [out] = await generate(model, tokenizer, [prompt], config);
    model.dispose();
    if (values.json) console.log(JSON.stringify({ prompt, ...out }));
    else console.log(`${prompt}${out.text}`);
  },
};
