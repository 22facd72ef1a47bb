/**
 * A tiny TRACT project for the fault tests: the shipped experiment files, a one-experiment suite
 * (TRACT: two stages, self-CoTs, evaluation) and a profile small enough that a whole `tract run`
 * takes a few seconds, plus helpers that run the CLI as a child process and read what a run left.
 */
import { spawn } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export const ROOT = join(__dirname, '..', '..');

/** The tiny profile: 8 training examples, 2 steps per stage with a checkpoint after each, 4 + 4 test items. */
export const TINY_PROFILE = {
  data: { train: 8, val: 4, test: 4, testOod: 4 },
  maxLen: 256,
  train: { steps: 2, batchSize: 4, evalEvery: 0, checkpointEvery: 1, logEvery: 1 },
  objective: { lambdaRampSteps: 0 },
  selfCot: { maxNewTokens: 12 },
  eval: { maxNewTokens: 12, bootstrapSamples: 20, batchSize: 4 },
};

/** Makes the project in a new temporary folder; returns the suite file. */
export function makeProject(): { base: string; suite: string } {
  const base = mkdtempSync(join(tmpdir(), 'tract-faults-'));
  cpSync(join(ROOT, 'experiments', 'tinyjudge'), join(base, 'experiments', 'tinyjudge'), { recursive: true });
  mkdirSync(join(base, 'experiments', 'profiles'), { recursive: true });
  mkdirSync(join(base, 'experiments', 'suites'), { recursive: true });
  writeFileSync(join(base, 'experiments', 'profiles', 'tiny.json'), JSON.stringify(TINY_PROFILE));
  const suite = join(base, 'experiments', 'suites', 'one.json');
  writeFileSync(
    suite,
    JSON.stringify({ description: 'TRACT alone', compare: 'tract', experiments: ['../tinyjudge/tract.json'] }),
  );
  return { base, suite };
}

/** The result of a child `tract` process. */
export interface Child {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
}

/** Runs `bin/tract.js` with `args` in the project root (so `models/stories260K` resolves), with extra environment. */
export function tract(args: string[], env: Record<string, string> = {}): Promise<Child> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [join(ROOT, 'bin', 'tract.js'), ...args], {
      cwd: ROOT,
      env: { ...process.env, ...env },
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d) => (stdout += d));
    child.stderr.on('data', (d) => (stderr += d));
    child.on('close', (code, signal) => resolve({ code, signal, stdout, stderr }));
  });
}

/** `tract run` of the project's suite with the tiny profile into `results` (tables in `results/out`). */
export function runSuite(
  suite: string,
  results: string,
  env: Record<string, string> = {},
  extra: string[] = [],
): Promise<Child> {
  const out = join(results, 'out');
  return tract(['run', '--suite', suite, '--profile', 'tiny', '--results', results, '--out', out, ...extra], env);
}

/** Fields that record how a run went, not what it computed: wall-clock timings and whether a step was reused. */
const HOW = new Set(['tokensPerSec', 'seconds', 'reused']);

/** A JSON text without the {@link HOW} fields, at any depth. */
function withoutHow(text: string): string {
  return JSON.stringify(
    JSON.parse(text, (k, v) => (HOW.has(k) ? undefined : v)),
    null,
    1,
  );
}

/** A CSV text without the {@link HOW} columns. */
function csvWithoutHow(text: string): string {
  const rows = text
    .trim()
    .split('\n')
    .map((l) => l.split(','));
  const keep = rows[0].map((h, i) => (HOW.has(h) ? -1 : i)).filter((i) => i >= 0);
  return rows.map((r) => keep.map((i) => r[i]).join(',')).join('\n');
}

/**
 * What a finished run left that must not depend on how it got there: the table, and the run's
 * metrics, predictions, training log and config (timings and reuse flags left out).
 */
export function outcome(results: string): Record<string, string> {
  const summary = JSON.parse(readFileSync(join(results, 'out', 'summary.json'), 'utf8')) as {
    runs: { runId: string }[];
  };
  const out: Record<string, string> = { 'table.md': readFileSync(join(results, 'out', 'table.md'), 'utf8') };
  for (const { runId } of summary.runs) {
    for (const f of ['metrics.json', 'predictions.jsonl', 'train-log.csv', 'config.resolved.json']) {
      const file = join(results, 'runs', runId, f);
      if (!existsSync(file)) {
        out[`${runId}/${f}`] = '(missing)';
        continue;
      }
      const text = readFileSync(file, 'utf8');
      out[`${runId}/${f}`] = f.endsWith('.json') ? withoutHow(text) : f.endsWith('.csv') ? csvWithoutHow(text) : text;
    }
  }
  return out;
}
