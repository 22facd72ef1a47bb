/**
 * A suite's results folder (`results/<suite>[-<profile>]/`): `summary.json` (which runs, which
 * profile and seeds, the compared method), its one writer and its one reader, and the completeness
 * report that says why a folder cannot be read back. The tables beside it (`table.md`, `.csv`,
 * `.tex`, `verdicts.csv`) are written by `report/suiteTables.ts`.
 *
 * @module results/suiteFolder
 */
import { existsSync, mkdirSync } from 'node:fs';
import { isAbsolute, join, resolve } from 'node:path';
import { readJson, writeJson } from '../io/json';
import type { SuiteRunEntry, SuiteSummary } from './formats';
import { readRunFolder, runFolderProblem, type RunData } from './runFolder';

/** One run of a suite, read back. */
export interface SuiteRun extends RunData {
  seed: number;
}

/** A suite results folder: its summary and the runs it lists. */
export interface SuiteData {
  dir: string;
  /** The suite file it ran (as recorded). */
  suiteFile: string;
  profile: string;
  seeds: number;
  /** The method (or run label) the suite compares against the others. */
  compare: string;
  wallSeconds?: number;
  runs: SuiteRun[];
}

/** The summary file of a suite folder. */
export function summaryFile(dir: string): string {
  return join(dir, 'summary.json');
}

/** Writes `summary.json` (atomically). */
export function writeSuiteSummary(dir: string, summary: SuiteSummary): void {
  mkdirSync(dir, { recursive: true });
  writeJson(summaryFile(dir), summary);
}

/** The compared method of a summary written before it was recorded: the suite file's, else 'tract'. */
function legacyCompare(suiteFile: string | undefined): string {
  if (typeof suiteFile === 'string' && existsSync(suiteFile)) {
    const c = readJson<{ compare?: unknown }>(suiteFile).compare;
    if (typeof c === 'string') return c;
  }
  return 'tract';
}

/** Reads and checks `summary.json`. */
export function readSuiteSummary(dir: string): SuiteSummary {
  const file = summaryFile(dir);
  const s = readJson<Partial<SuiteSummary>>(file);
  if (!Array.isArray(s.runs) || s.runs.length === 0) throw new Error(`${file}: field 'runs' missing or empty`);
  s.runs.forEach((e, i) => {
    if (typeof e.runId !== 'string' || typeof e.method !== 'string' || typeof e.seed !== 'number') {
      throw new Error(`${file}: runs[${i}] needs 'seed' (number), 'method' and 'runId'`);
    }
  });
  if (typeof s.profile !== 'string') throw new Error(`${file}: field 'profile' missing or not a string`);
  return {
    profile: s.profile,
    seeds: typeof s.seeds === 'number' ? s.seeds : new Set(s.runs.map((r) => r.seed)).size,
    suite: typeof s.suite === 'string' ? s.suite : '',
    compare: typeof s.compare === 'string' ? s.compare : legacyCompare(s.suite),
    runs: s.runs,
    ...(typeof s.wallSeconds === 'number' ? { wallSeconds: s.wallSeconds } : {}),
    ...(typeof s.jobs === 'number' ? { jobs: s.jobs } : {}),
    ...(typeof s.threads === 'number' ? { threads: s.threads } : {}),
  };
}

/** Where a listed run lives: `<suite dir>/../runs/<runId>` first, then the `dir` recorded in summary.json. */
export function suiteRunDir(suiteDir: string, entry: Pick<SuiteRunEntry, 'runId' | 'dir'>): string {
  const candidates = [join(suiteDir, '..', 'runs', entry.runId)];
  if (typeof entry.dir === 'string') candidates.push(isAbsolute(entry.dir) ? entry.dir : resolve(entry.dir));
  return candidates.find((d) => existsSync(join(d, 'metrics.json'))) ?? candidates[candidates.length - 1];
}

/** What a reader may require of a suite folder. */
export interface SuiteExpectation {
  profile?: string;
  seeds?: number;
}

/**
 * The completeness report of a suite folder: null when `summary.json` exists, matches `expect`, and
 * every run it lists has a complete folder; otherwise the first reason it does not.
 */
export function suiteFolderProblem(dir: string, expect: SuiteExpectation = {}): string | null {
  const file = summaryFile(dir);
  if (!existsSync(file)) return `no ${file}`;
  let s: SuiteSummary;
  try {
    s = readSuiteSummary(dir);
  } catch (err) {
    return (err as Error).message;
  }
  if (expect.profile !== undefined && s.profile !== expect.profile) {
    return `${file} is for profile '${s.profile}', not '${expect.profile}'`;
  }
  if (expect.seeds !== undefined && s.seeds !== expect.seeds)
    return `${file} has ${s.seeds} seed(s), not ${expect.seeds}`;
  for (const r of s.runs) {
    const problem = runFolderProblem(suiteRunDir(dir, r));
    if (problem) return problem;
  }
  return null;
}

/** Reads a suite results folder: `summary.json` and every run it lists (see `readRunFolder`). */
export function readSuiteFolder(dir: string, expect: SuiteExpectation = {}): SuiteData {
  const problem = suiteFolderProblem(dir, expect);
  if (problem) throw new Error(`${dir}: cannot read the suite's results: ${problem}`);
  const s = readSuiteSummary(dir);
  const runs = s.runs.map((e) => ({ ...readRunFolder(suiteRunDir(dir, e)), seed: e.seed }));
  return {
    dir,
    suiteFile: s.suite,
    profile: s.profile,
    seeds: s.seeds,
    compare: s.compare,
    runs,
    ...(s.wallSeconds !== undefined ? { wallSeconds: s.wallSeconds } : {}),
  };
}

/** The runs of a suite by seed (seeds in increasing order, runs in suite order). */
export function runsBySeed<T extends { seed: number }>(runs: readonly T[]): T[][] {
  const seeds = [...new Set(runs.map((r) => r.seed))].sort((a, b) => a - b);
  return seeds.map((s) => runs.filter((r) => r.seed === s));
}
