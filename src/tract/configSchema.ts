/**
 * The schemas of experiment and suite files (zod): types, ranges and enums of a resolved
 * {@link ExperimentConfig} and of a suite file, with unknown keys as errors, checked when the files
 * are loaded (before anything trains). Problems are reported as `key.path: problem` lines in the
 * repository's style (`objective.lambda: must be >= 0, got -3`); `tract/config.ts` and
 * `tract/suite.ts` put the file in front.
 *
 * The training and sampling ranges mirror the checks that run when a stage starts
 * (`training/trainer.ts` resolveTrainConfig, `decoding/generationConfig.ts`
 * resolveGenerationConfig); both are also called here, so a check added there is caught at load
 * time too.
 *
 * @module tract/configSchema
 */
import { TINYJUDGE_GENERATORS } from '../data/tinyJudge';
import { z } from 'zod';
import { resolveGenerationConfig } from '../decoding/generationConfig';
import type { SamplingConfig } from '../results/formats';
import { resolveTrainConfig, type TrainConfig } from '../training/trainer';
import { METHODS } from './methods';

/** An integer >= `min`. */
const int = (min: number) => z.number().int().min(min);

/** A known method id (`tract/methods.ts` METHODS). */
const methodId = z.string().superRefine((id, ctx) => {
  if (!Object.hasOwn(METHODS, id)) {
    ctx.addIssue({ code: 'custom', message: `unknown method '${id}' (known: ${Object.keys(METHODS).join(', ')})` });
  }
});

/** Runs a stage-start check on a value that passed the schema, as an issue instead of a throw. */
function stageCheck<T>(check: (value: T) => unknown): (value: T, ctx: z.RefinementCtx) => void {
  return (value, ctx) => {
    if (ctx.issues.length > 0) return; // the schema's own message says it better
    try {
      check(value);
    } catch (err) {
      ctx.addIssue({ code: 'custom', message: `rejected when the stage starts: ${(err as Error).message}` });
    }
  };
}

const samplingShape = {
  maxNewTokens: int(1),
  temperature: z.number().min(0),
  topP: z.number().gt(0).max(1),
  repetitionPenalty: z.number().gt(0),
};

const checkSampling = stageCheck<SamplingConfig>((s) =>
  resolveGenerationConfig({
    maxNewTokens: s.maxNewTokens,
    temperature: s.temperature,
    topP: s.topP,
    repetitionPenalty: s.repetitionPenalty,
  }),
);

/** `train`: the ranges of `training/trainer.ts` resolveTrainConfig, and that function itself. */
const trainSchema = z
  .strictObject({
    steps: int(1),
    epochs: z.number().min(0),
    batchSize: int(1),
    gradAccum: int(1),
    lr: z.number().gt(0),
    warmupRatio: z.number().min(0).lt(1),
    weightDecay: z.number().min(0),
    beta1: z.number().min(0).lt(1),
    beta2: z.number().min(0).lt(1),
    maxGradNorm: z.number().min(0),
    evalEvery: int(0),
    checkpointEvery: int(0),
    logEvery: int(1),
    seed: z.union([z.number(), z.string()]),
    bucketWindow: int(1),
  })
  .superRefine(stageCheck<TrainConfig>(resolveTrainConfig));

/** A resolved experiment (`config.resolved.json`): every key, with its type and range. */
export const EXPERIMENT_SCHEMA = z.strictObject({
  version: int(1),
  description: z.string(),
  method: methodId,
  model: z.string().min(1),
  seed: int(0),
  data: z
    .strictObject({
      kind: z.literal('tinyjudge'),
      seed: z.string(),
      train: int(1),
      val: int(1),
      test: int(1),
      testOod: int(1),
      annotatorNoise: z.number().min(0).max(1),
      generator: z.enum(TINYJUDGE_GENERATORS),
      shift: z.number().min(0).max(1).optional(),
    })
    .refine((d) => !d.shift || d.generator === 'v4', { message: 'shift > 0 needs generator v4', path: ['shift'] }),
  maxLen: int(1),
  train: trainSchema,
  objective: z.strictObject({
    lambda: z.number().min(0),
    lambdaRampSteps: int(0),
    reduction: z.enum(['mean', 'officialParity']),
    ceIncludesScoreToken: z.boolean().optional(),
  }),
  selfCot: z.strictObject({ ...samplingShape, seed: z.number().int() }).superRefine(checkSampling),
  eval: z
    .strictObject({
      ...samplingShape,
      nCot: int(1),
      seed: z.number().int(),
      bootstrapSamples: int(10),
      batchSize: int(1),
    })
    .superRefine(checkSampling),
});

/**
 * A suite file. That `compare` is a method of the suite's experiments and that the experiment files
 * exist is checked by `tract/suite.ts` loadSuite, which reads them.
 */
export const SUITE_SCHEMA = z.strictObject({
  description: z.string(),
  experiments: z.array(z.string().min(1)).min(1),
  compare: z.string().min(1).optional(),
});

/** One problem: the key path (`train.lr`, `experiments[2]`; '' for the whole file) and what is wrong. */
export interface ConfigProblem {
  path: string;
  /** The path as keys and indices (as zod reports it). */
  keys: (string | number)[];
  problem: string;
}

/** `a.b[2].c` from `['a', 'b', 2, 'c']`. */
export function keyPath(keys: readonly PropertyKey[]): string {
  return keys.map((k, i) => (typeof k === 'number' ? `[${k}]` : i === 0 ? String(k) : `.${String(k)}`)).join('');
}

/** A value as an error message shows it: numbers as written (Infinity, NaN too), the rest as JSON, cut short. */
export function showValue(v: unknown): string {
  if (typeof v === 'number') return String(v);
  if (v === undefined) return 'nothing';
  const s = JSON.stringify(v) ?? String(v);
  return s.length > 60 ? `${s.slice(0, 57)}...` : s;
}

const ARTICLE: Record<string, string> = { int: 'an integer', array: 'an array', object: 'an object' };

/** The problem text of one zod issue (not unrecognized keys: {@link describeIssues} expands those). */
function problemText(issue: z.core.$ZodIssue & { input?: unknown }): string {
  const got = `got ${showValue(issue.input)}`;
  switch (issue.code) {
    case 'invalid_type':
      if (issue.input === undefined) return 'missing (required)';
      if (issue.expected === 'number' && typeof issue.input === 'number') return `must be a finite number, ${got}`;
      return `must be ${ARTICLE[issue.expected] ?? `a ${issue.expected}`}, ${got}`;
    case 'too_small':
      if (issue.origin === 'array') return `must list at least ${issue.minimum} item(s)`;
      if (issue.origin === 'string') return 'must not be empty';
      return `must be ${issue.inclusive ? '>=' : '>'} ${issue.minimum}, ${got}`;
    case 'too_big':
      return `must be ${issue.inclusive ? '<=' : '<'} ${issue.maximum}, ${got}`;
    case 'invalid_value': {
      const vs = issue.values.map((v) => (typeof v === 'string' ? `'${v}'` : String(v)));
      return `must be ${vs.length === 1 ? vs[0] : `one of ${vs.join(', ')}`}, ${got}`;
    }
    case 'invalid_union': {
      const types = issue.errors.map((e) => (e.length === 1 && e[0].code === 'invalid_type' ? e[0].expected : null));
      if (types.every((t) => t !== null))
        return `must be ${types.map((t) => ARTICLE[t] ?? `a ${t}`).join(' or ')}, ${got}`;
      return issue.message;
    }
    default:
      return issue.message;
  }
}

/**
 * The problems of a zod error as `path: problem` items; an unknown key is one item per key, listing the
 * keys known at its place (`known(parentKeys)`).
 */
export function describeIssues(error: z.ZodError, known: (keys: (string | number)[]) => string[]): ConfigProblem[] {
  const out: ConfigProblem[] = [];
  for (const issue of error.issues) {
    const keys = issue.path.map((k) => (typeof k === 'number' ? k : String(k)));
    if (issue.code === 'unrecognized_keys') {
      const list = known(keys).join(', ');
      for (const k of issue.keys) {
        const at = [...keys, k];
        out.push({ path: keyPath(at), keys: at, problem: `unknown key${list ? ` (known: ${list})` : ''}` });
      }
    } else {
      out.push({ path: keyPath(keys), keys, problem: problemText(issue) });
    }
  }
  return out;
}

/** The keys a strict object schema knows at a key path (empty when the path is not an object of the schema). */
export function knownKeys(schema: z.ZodType, keys: (string | number)[]): string[] {
  let s: z.ZodType = schema;
  for (const k of keys) {
    const shape = (s as { shape?: Record<string, z.ZodType> }).shape;
    if (!shape || typeof k !== 'string' || !(k in shape)) return [];
    s = shape[k];
  }
  const shape = (s as { shape?: Record<string, z.ZodType> }).shape;
  return shape ? Object.keys(shape) : [];
}

/** Checks `value` against `schema`: the parsed value, or the problems found (all of them). */
export function checkSchema<T>(schema: z.ZodType<T>, value: unknown): SchemaCheck<T> {
  const r = schema.safeParse(value, { reportInput: true });
  if (r.success) return { ok: true, value: r.data, problems: [] };
  return { ok: false, value: null, problems: describeIssues(r.error, (keys) => knownKeys(schema, keys)) };
}

/**
 * The result of {@link checkSchema}: the value when it is valid (`ok`), else its problems. (One shape
 * with `problems` always present, so that it narrows under tslab's non-strict TypeScript too.)
 */
export interface SchemaCheck<T> {
  ok: boolean;
  value: T | null;
  problems: ConfigProblem[];
}

/**
 * An error listing config problems, one `file: key: problem` line each: the line itself when there is
 * one, else a count and the lines.
 */
export class ConfigError extends Error {
  constructor(readonly problems: readonly string[]) {
    super(
      problems.length === 1
        ? problems[0]
        : `${problems.length} config problems:\n${problems.map((p) => `  ${p}`).join('\n')}`,
    );
    this.name = 'ConfigError';
  }
}
