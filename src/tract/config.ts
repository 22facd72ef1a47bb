/**
 * Experiment configs as data: JSON files with `extends`, `version` and `description`, merged over
 * frozen defaults. Unknown keys and wrong types are errors that name the file and the key path
 * (nanoGPT's `configurator.py` rule; the opposite of silently ignoring a typo).
 *
 * @module tract/config
 */
import { existsSync, readFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { DEFAULT_TINYJUDGE } from '../data/tinyJudge';
import { TRACT_COT_SAMPLING } from '../decoding/generationConfig';
import type { ExperimentConfig, SamplingConfig } from '../results/formats';
import { DEFAULT_TRAIN } from '../training/trainer';
import { methodSpec } from './methods';

/**
 * TRACT's CoT sampling (temperature, top-p, repetition penalty) from its one definition,
 * `decoding/generationConfig.ts` TRACT_COT_SAMPLING; TinyJudge CoTs are short, so the token limit is
 * set per experiment.
 */
export const TRACT_SAMPLING: Readonly<Omit<SamplingConfig, 'maxNewTokens'>> = Object.freeze({
  temperature: TRACT_COT_SAMPLING.temperature,
  topP: TRACT_COT_SAMPLING.topP,
  repetitionPenalty: TRACT_COT_SAMPLING.repetitionPenalty,
});

/** The defaults every experiment file is merged over. */
export const DEFAULT_EXPERIMENT: Readonly<ExperimentConfig> = Object.freeze({
  version: 1,
  description: '',
  method: 'tract',
  model: 'models/stories260K',
  seed: 0,
  data: { kind: 'tinyjudge' as const, seed: String(DEFAULT_TINYJUDGE.seed), train: 3000, val: 200, test: 300, testOod: 300, annotatorNoise: 0.3, generator: 'v3' as 'v2' | 'v3' },
  maxLen: 320,
  train: { ...DEFAULT_TRAIN },
  objective: { lambda: 1, lambdaRampSteps: 0, reduction: 'mean' as const },
  selfCot: { ...TRACT_SAMPLING, maxNewTokens: 96, seed: Number(TRACT_COT_SAMPLING.seed) },
  eval: { ...TRACT_SAMPLING, maxNewTokens: 96, nCot: 1, seed: Number(TRACT_COT_SAMPLING.seed), bootstrapSamples: 1000, batchSize: 32 },
});

type Json = null | boolean | number | string | Json[] | { [k: string]: Json };

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** Deep-merges `layer` over `base`, checking keys and types against `shape` (the defaults). */
function mergeChecked(base: Record<string, unknown>, layer: Record<string, unknown>, shape: Record<string, unknown>, where: string, path = ''): Record<string, unknown> {
  const out: Record<string, unknown> = { ...base };
  for (const [k, v] of Object.entries(layer)) {
    const keyPath = path ? `${path}.${k}` : k;
    if (!(k in shape)) throw new Error(`${where}: unknown key '${keyPath}' (known: ${Object.keys(shape).join(', ')})`);
    const d = shape[k];
    if (isObject(d)) {
      if (!isObject(v)) throw new Error(`${where}: '${keyPath}' must be an object, got ${JSON.stringify(v)}`);
      out[k] = mergeChecked(isObject(base[k]) ? (base[k] as Record<string, unknown>) : (d as Record<string, unknown>), v, d as Record<string, unknown>, where, keyPath);
    } else {
      const okType = k === 'seed' && path === 'train' ? typeof v === 'number' || typeof v === 'string' : typeof v === typeof d;
      if (!okType) throw new Error(`${where}: '${keyPath}' must be a ${typeof d}, got ${JSON.stringify(v)}`);
      out[k] = v;
    }
  }
  return out;
}

/** Reads a config file and the chain of files it extends (paths relative to each file). */
function readLayers(file: string, seen: string[] = []): { file: string; layer: Record<string, unknown> }[] {
  const path = resolve(file);
  if (seen.includes(path)) throw new Error(`${file}: 'extends' cycle (${[...seen, path].join(' → ')})`);
  if (!existsSync(path)) throw new Error(`${file}: no such experiment file`);
  let json: Json;
  try {
    json = JSON.parse(readFileSync(path, 'utf8')) as Json;
  } catch (err) {
    throw new Error(`${file}: not valid JSON (${(err as Error).message})`);
  }
  if (!isObject(json)) throw new Error(`${file}: an experiment file must hold a JSON object`);
  const { extends: parent, ...layer } = json;
  const chain = parent === undefined ? [] : readLayers(resolve(dirname(path), String(parent)), [...seen, path]);
  return [...chain, { file, layer }];
}

/**
 * Loads an experiment file, applying its `extends` chain and then `overrides` (e.g. a profile).
 * @throws naming the file and key for unknown keys, wrong types, unknown methods.
 */
export function loadExperiment(file: string, ...overrides: { name: string; layer: Record<string, unknown> }[]): ExperimentConfig {
  let merged: Record<string, unknown> = JSON.parse(JSON.stringify(DEFAULT_EXPERIMENT));
  for (const { file: f, layer } of readLayers(file)) merged = mergeChecked(merged, layer, DEFAULT_EXPERIMENT as unknown as Record<string, unknown>, f);
  for (const o of overrides) merged = mergeChecked(merged, o.layer, DEFAULT_EXPERIMENT as unknown as Record<string, unknown>, o.name);
  const cfg = merged as unknown as ExperimentConfig;
  try {
    methodSpec(cfg.method);
  } catch (err) {
    throw new Error(`${file}: ${(err as Error).message}`);
  }
  if (!Number.isInteger(cfg.version) || cfg.version < 1) throw new Error(`${file}: version must be a positive integer`);
  if (!(cfg.eval.nCot >= 1)) throw new Error(`${file}: eval.nCot must be >= 1`);
  return cfg;
}

/** Reads an override layer (a profile file): keys are checked when it is applied. */
export function readLayer(file: string): { name: string; layer: Record<string, unknown> } {
  const layers = readLayers(file);
  const layer = layers.reduce<Record<string, unknown>>((acc, l) => deepMerge(acc, l.layer), {});
  return { name: file, layer };
}

function deepMerge(a: Record<string, unknown>, b: Record<string, unknown>): Record<string, unknown> {
  const out = { ...a };
  for (const [k, v] of Object.entries(b)) out[k] = isObject(v) && isObject(out[k]) ? deepMerge(out[k] as Record<string, unknown>, v) : v;
  return out;
}
