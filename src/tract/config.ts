/**
 * Experiment configs as data: JSON files with `extends`, `version` and `description`, merged over
 * frozen defaults, then checked against the schema of `tract/configSchema.ts`. Unknown keys, wrong
 * types and values out of range are errors that name the file (or override layer) and the key path
 * (nanoGPT's `configurator.py` rule; the opposite of silently ignoring a typo), all of them at once.
 *
 * @module tract/config
 */
import { existsSync, readFileSync } from 'node:fs';
import { dirname, isAbsolute, relative, resolve } from 'node:path';
import { DEFAULT_TINYJUDGE } from '../data/tinyJudge';
import { TRACT_COT_SAMPLING } from '../decoding/generationConfig';
import { parseJson } from '../io/json';
import type { ExperimentConfig, SamplingConfig } from '../results/formats';
import { DEFAULT_TRAIN } from '../training/trainer';
import { ConfigError, checkSchema, EXPERIMENT_SCHEMA, keyPath, showValue } from './configSchema';

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
  data: {
    kind: 'tinyjudge' as const,
    seed: String(DEFAULT_TINYJUDGE.seed),
    train: 3000,
    val: 200,
    test: 300,
    testOod: 300,
    annotatorNoise: 0.3,
    generator: 'v3' as 'v2' | 'v3',
  },
  maxLen: 320,
  train: { ...DEFAULT_TRAIN },
  objective: { lambda: 1, lambdaRampSteps: 0, reduction: 'mean' as const },
  selfCot: { ...TRACT_SAMPLING, maxNewTokens: 96, seed: Number(TRACT_COT_SAMPLING.seed) },
  eval: {
    ...TRACT_SAMPLING,
    maxNewTokens: 96,
    nCot: 1,
    seed: Number(TRACT_COT_SAMPLING.seed),
    bootstrapSamples: 1000,
    batchSize: 32,
  },
});

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** An override layer (a profile, `--seed`): a name for error messages and the keys it sets. */
export interface ConfigLayer {
  name: string;
  layer: Record<string, unknown>;
}

/** A path as error messages show it: relative to the working folder when inside it, else absolute. */
export function shownPath(file: string): string {
  const rel = relative(process.cwd(), resolve(file));
  return rel === '' ? '.' : rel.startsWith('..') || isAbsolute(rel) ? resolve(file) : rel;
}

/** The merged config so far and, for each key path a layer set, the layer's name. */
interface Merge {
  value: Record<string, unknown>;
  source: Map<string, string>;
  problems: string[];
}

/**
 * Deep-merges `layer` over `into` (objects key by key, anything else replaced), recording which layer
 * set each key path. Types and keys are left to the schema, except that an object of the defaults
 * can only be replaced by an object (`'eval' must be an object`).
 */
function mergeLayer(
  into: Merge,
  target: Record<string, unknown>,
  layer: Record<string, unknown>,
  name: string,
  keys: string[] = [],
): void {
  for (const [k, v] of Object.entries(layer)) {
    const at = [...keys, k];
    if (isObject(target[k])) {
      if (!isObject(v)) into.problems.push(`${name}: ${keyPath(at)}: must be an object, got ${showValue(v)}`);
      else mergeLayer(into, target[k] as Record<string, unknown>, v, name, at);
      continue;
    }
    target[k] = structuredClone(v);
    into.source.set(keyPath(at), name);
  }
}

/** The layer that set a key path (or the closest enclosing one), else `fallback`. */
function sourceOf(source: Map<string, string>, keys: (string | number)[], fallback: string): string {
  for (let n = keys.length; n > 0; n--) {
    const name = source.get(keyPath(keys.slice(0, n)));
    if (name !== undefined) return name;
  }
  return fallback;
}

/**
 * The JSON value of a config file (an experiment or a suite; `name`: as shown in errors, `what`: the kind of file).
 * @throws a `ConfigError` when the file is missing or is not valid JSON.
 */
export function readConfigJson(path: string, name: string, what: string): unknown {
  if (!existsSync(path)) throw new ConfigError([`${name}: no such ${what}`]);
  try {
    return parseJson(readFileSync(path, 'utf8'), name);
  } catch (err) {
    throw new ConfigError([(err as Error).message]);
  }
}

/** Reads a config file and the chain of files it extends (paths relative to each file). */
function readLayers(file: string, seen: string[] = []): ConfigLayer[] {
  const path = resolve(file);
  const name = shownPath(path);
  if (seen.includes(path))
    throw new ConfigError([`${name}: 'extends' cycle (${[...seen, path].map(shownPath).join(' → ')})`]);
  const json = readConfigJson(path, name, 'experiment file');
  if (!isObject(json))
    throw new ConfigError([`${name}: an experiment file must hold a JSON object, got ${showValue(json)}`]);
  const { extends: parent, ...layer } = json;
  if (parent !== undefined && typeof parent !== 'string') {
    throw new ConfigError([`${name}: extends: must be a file name (a string), got ${showValue(parent)}`]);
  }
  const parentFile = parent as string | undefined; // checked above (narrowed here for tslab's TypeScript too)
  const chain = parentFile === undefined ? [] : readLayers(resolve(dirname(path), parentFile), [...seen, path]);
  return [...chain, { name, layer }];
}

/** The result of {@link checkExperiment}: the config when it is valid, and every problem found. */
export type ExperimentCheck = { config: ExperimentConfig; problems: [] } | { config: null; problems: string[] };

/**
 * Resolves an experiment file like {@link loadExperiment} but returns its problems (every one, as
 * `file: key.path: problem` lines naming the file or override layer that set the key) instead of
 * throwing.
 */
export function checkExperiment(file: string, ...overrides: ConfigLayer[]): ExperimentCheck {
  let layers: ConfigLayer[];
  try {
    layers = readLayers(file);
  } catch (err) {
    if (err instanceof ConfigError) return { config: null, problems: [...err.problems] };
    throw err;
  }
  const merge: Merge = {
    value: structuredClone(DEFAULT_EXPERIMENT) as unknown as Record<string, unknown>,
    source: new Map(),
    problems: [],
  };
  for (const { name, layer } of [...layers, ...overrides]) mergeLayer(merge, merge.value, layer, name);
  const checked = checkSchema(EXPERIMENT_SCHEMA, merge.value);
  const top = shownPath(file);
  const problems = [...merge.problems];
  if (!checked.ok) {
    for (const p of checked.problems)
      problems.push(`${sourceOf(merge.source, p.keys, top)}: ${p.path || '(file)'}: ${p.problem}`);
  }
  const config = checked.value as unknown as ExperimentConfig;
  // `ceIncludesScoreToken: false` is the default spelt out: dropped, so that the resolved config (and the run id
  // hashed from it) is the one without the key
  if (config?.objective?.ceIncludesScoreToken === false) delete config.objective.ceIncludesScoreToken;
  if (problems.length === 0 && checked.ok) return { config, problems: [] };
  return { config: null, problems };
}

/**
 * Loads an experiment file, applying its `extends` chain and then `overrides` (e.g. a profile), and
 * checks the result against `tract/configSchema.ts` EXPERIMENT_SCHEMA (types, ranges, enums, known
 * methods, no unknown keys).
 * @throws a {@link ConfigError} listing every problem as `file: key.path: problem`, where `file` is
 *   the experiment file, the file it extends, or the override layer that set the key
 */
export function loadExperiment(file: string, ...overrides: ConfigLayer[]): ExperimentConfig {
  const r = checkExperiment(file, ...overrides);
  if (r.config === null) throw new ConfigError(r.problems);
  return r.config;
}

/** Reads an override layer (a profile file; `extends` allowed): its keys are checked when it is applied. */
export function readLayer(file: string): ConfigLayer {
  const layers = readLayers(file);
  const layer = layers.reduce<Record<string, unknown>>((acc, l) => deepMerge(acc, l.layer), {});
  return { name: shownPath(file), layer };
}

function deepMerge(a: Record<string, unknown>, b: Record<string, unknown>): Record<string, unknown> {
  const out = { ...a };
  for (const [k, v] of Object.entries(b))
    out[k] = isObject(v) && isObject(out[k]) ? deepMerge(out[k] as Record<string, unknown>, v) : v;
  return out;
}
