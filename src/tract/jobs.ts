/**
 * Parallel jobs across a suite: the experiments of a suite (every seed) run in worker processes,
 * `jobs` at a time, each worker with `cores / jobs` wasm threads (jobs × threads never exceeds the cores).
 *
 * Experiments that can share a cached step are put in one group, and a group runs in one worker, in
 * suite order: two processes never compute the same step at once. Two experiments share a step only
 * through a stage trained from the seed model (every later step's key contains that stage's key) or
 * through the evaluation of the seed model itself, so groups are the connected sets of experiments
 * whose seed-initialised stages (or seed evaluations) have the same inputs. Everything else about the
 * cache holds across processes by construction: step outputs are content-addressed, written atomically
 * and finished by a manifest (`tract/pipeline.ts`). Where the suite knows which steps are cached already
 * (`JobItem.pending`), only the steps still to compute link experiments.
 *
 * The parent holds the results folder's lock (`io/lock.ts`, `tract/suite.ts` runSuite); workers never
 * take it. Each worker computes whole experiments with `runExperiment` and sends their summaries back
 * (structured clone, so every number arrives bit for bit); the results are those of `--jobs 1`, which
 * runs the same experiments in this process (a test compares the two).
 *
 * @module tract/jobs
 */
import { type ChildProcess, fork } from 'node:child_process';
import { availableParallelism } from 'node:os';
import { join } from 'node:path';
import type { BackendReport } from '../engine/backend';
import type { ExperimentConfig, RunSummary } from '../results/formats';
import { type Labelable, runVariant } from '../results/labels';
import { methodSpec } from './methods';
import { type PipelineContext, runExperiment, stageObjective } from './pipeline';

/** One experiment of a suite, with the seed it runs under. */
export interface JobItem {
  seed: number;
  cfg: ExperimentConfig;
  /**
   * The keys of the item's steps not yet in the step cache (`pipeline.ts` pendingKeys). When given, items
   * are grouped by these alone: steps already cached are only read, so experiments that share nothing
   * else run in parallel (seed 1 of the ablations beside the default suite's cached seed 1).
   */
  pending?: readonly string[];
}

/** How a suite's experiments are spread over processes. */
export interface JobPlan {
  /** Worker processes that run at once (1: everything in this process). */
  jobs: number;
  /** wasm threads per worker (with `jobs` 1: this process's own). */
  threads: number;
  /** Groups of item indexes (suite order inside a group), largest first. */
  groups: number[][];
}

/** What a worker is sent: the experiments of one group. */
export interface JobRequest {
  name: string;
  items: { index: number; cfg: ExperimentConfig }[];
  resultsDir: string;
  /** Whether to forward non-final training progress lines. */
  progress: boolean;
  /**
   * The item whose run the suite's distribution shift measures (`distributionShift.ts` suiteShift), when
   * it is in this group: the worker measures it (into the step cache) right after that run, beside the
   * other jobs, and the parent's own measurement then reads the cache.
   */
  shiftItem?: number;
  /** Reuse matching run folders without their cached steps (`PipelineContext.reuseRunFolders`). */
  reuseRunFolders?: boolean;
}

/** What a worker sends back. */
export type JobMessage =
  | { type: 'log'; line: string }
  | { type: 'train'; line: string; final: boolean }
  | { type: 'result'; index: number; summary: RunSummary }
  | { type: 'done' }
  | { type: 'error'; message: string };

/** The signatures through which an experiment can share cached steps with another (see the module comment). */
export function shareSignatures(cfg: ExperimentConfig): string[] {
  const method = methodSpec(cfg.method);
  const common = { model: cfg.model, data: cfg.data, seed: cfg.seed };
  if (method.stages.length === 0) return [JSON.stringify({ ...common, evalOfSeed: cfg.eval, prompt: method.prompt })];
  return method.stages
    .filter((s) => s.init === 'seed' && s.data !== 'self' && s.data !== 'mixed')
    .map((s) =>
      JSON.stringify({
        ...common,
        stageData: s.data,
        objective: stageObjective(s.objective, cfg),
        maxLen: cfg.maxLen,
        train: cfg.train,
      }),
    );
}

/** Work of a group, roughly: its distinct stages and evaluations (for largest-first scheduling). */
function groupCost(items: JobItem[], group: number[]): number {
  const stages = new Set(group.flatMap((i) => shareSignatures(items[i].cfg)));
  return stages.size + group.reduce((n, i) => n + methodSpec(items[i].cfg.method).stages.length + 1, 0);
}

/**
 * Groups of experiments that may compute a common step, largest first, suite order inside: the union of their
 * pending keys where every item has them, else of their shared signatures ({@link shareSignatures}).
 */
export function jobGroups(items: JobItem[]): number[][] {
  const byPending = items.every((item) => item.pending !== undefined);
  const parent = items.map((_, i) => i);
  const find = (i: number): number => {
    let r = i;
    while (parent[r] !== r) r = parent[r];
    return r;
  };
  const owner = new Map<string, number>();
  items.forEach((item, i) => {
    for (const sig of byPending ? (item.pending as readonly string[]) : shareSignatures(item.cfg)) {
      const j = owner.get(sig);
      if (j === undefined) owner.set(sig, i);
      else parent[find(i)] = find(j);
    }
  });
  const groups = new Map<number, number[]>();
  items.forEach((_, i) => {
    const root = find(i);
    groups.set(root, [...(groups.get(root) ?? []), i]);
  });
  return [...groups.values()].sort((a, b) => groupCost(items, b) - groupCost(items, a) || a[0] - b[0]);
}

/**
 * The plan for `requested` jobs (default 1; `tract run --jobs` defaults to the cores) on `cores` cores: at
 * most one job per group and per core; each job gets `floor(cores / jobs)` threads, or fewer when
 * `TRACT_THREADS` asks.
 */
export function planJobs(
  items: JobItem[],
  requested: number | undefined,
  ownThreads: number,
  cores = availableParallelism(),
  env: Record<string, string | undefined> = process.env,
): JobPlan {
  const groups = jobGroups(items);
  const jobs = Math.max(1, Math.min(requested ?? 1, cores, groups.length));
  if (jobs === 1) return { jobs, threads: ownThreads, groups };
  const asked = Number(env.TRACT_THREADS);
  const share = Math.max(1, Math.floor(cores / jobs));
  return { jobs, threads: Number.isInteger(asked) && asked >= 1 ? Math.min(asked, share) : share, groups };
}

/**
 * A short name of a group for its progress lines: its methods, the setting that tells them apart from
 * the suite's other runs of the same methods (`results/labels.ts`: `shift=0.3`, `λ=2`), and its seeds:
 * `cot-raft-ref+tract s0`, `cot-raft-ref+tract (shift=0.3) s0`.
 */
export function groupName(items: JobItem[], group: number[]): string {
  const seeds = [...new Set(group.map((i) => items[i].seed))];
  const all = items.filter((it) => it.seed === items[group[0]].seed).map(labelable);
  const variants = group.map((i) => runVariant(labelable(items[i]), all));
  const methods = group.map((i) => items[i].cfg.method);
  const shared = variants.every((v) => v === variants[0]);
  const runs = shared
    ? `${methods.join('+')}${variants[0] ? ` (${variants[0]})` : ''}`
    : methods.map((m, k) => (variants[k] ? `${m} (${variants[k]})` : m)).join('+');
  return `${runs} s${seeds.join(',')}`;
}

/** A job item as `results/labels.ts` labels runs. */
function labelable(item: JobItem): Labelable {
  return { metrics: { method: item.cfg.method }, config: item.cfg };
}

/** Options of {@link runJobs}. */
export interface RunJobsOptions {
  resultsDir: string;
  backend: BackendReport | null;
  log: (line: string) => void;
  trainLog?: (line: string, final: boolean) => void;
  /** The item whose run the suite's shift measures (see {@link JobRequest.shiftItem}); workers only. */
  shiftItem?: number;
  /** Reuse matching run folders without their cached steps (`PipelineContext.reuseRunFolders`). */
  reuseRunFolders?: boolean;
}

/** Runs the items in this process, one after another (the `--jobs 1` path). */
async function runHere(items: JobItem[], profile: string, opts: RunJobsOptions): Promise<RunSummary[]> {
  const out: RunSummary[] = [];
  for (const { seed, cfg } of items) {
    opts.log(`== ${cfg.method} (seed ${seed}, profile ${profile})`);
    const ctx: PipelineContext = {
      resultsDir: opts.resultsDir,
      backend: opts.backend,
      log: opts.log,
      trainLog: opts.trainLog,
      reuseRunFolders: opts.reuseRunFolders,
    };
    out.push(await runExperiment(cfg, ctx));
  }
  return out;
}

/** Starts one worker process with `threads` wasm threads. */
function startWorker(threads: number): ChildProcess {
  return fork(join(__dirname, 'jobWorker.ts'), [], {
    execArgv: ['--require', require.resolve('tsx/cjs')],
    env: { ...process.env, TRACT_THREADS: String(threads) },
    serialization: 'advanced',
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
  });
}

/** Runs one group in `worker`; resolves when the worker says it is done. */
function runGroup(
  worker: ChildProcess,
  request: JobRequest,
  out: (RunSummary | undefined)[],
  opts: RunJobsOptions,
): Promise<void> {
  return new Promise((resolve, reject) => {
    const tag = `[${request.name}]`;
    const onMessage = (m: JobMessage) => {
      if (m.type === 'log') opts.log(`${tag} ${m.line}`);
      else if (m.type === 'train') {
        if (opts.trainLog) opts.trainLog(`${tag} ${m.line}`, m.final);
        else if (m.final) opts.log(`${tag} ${m.line}`);
      } else if (m.type === 'result') out[m.index] = m.summary;
      else if (m.type === 'done' || m.type === 'error') {
        worker.off('message', onMessage);
        worker.off('exit', onExit);
        if (m.type === 'done') resolve();
        else reject(new Error(`job ${request.name}: ${m.message}`));
      }
    };
    const onExit = (code: number | null, signal: string | null) => {
      worker.off('message', onMessage);
      reject(new Error(`job ${request.name}: worker exited (${signal ?? `code ${code}`})`));
    };
    if (!worker.connected) {
      reject(new Error(`job ${request.name}: worker exited (code ${worker.exitCode})`));
      return;
    }
    worker.on('message', onMessage);
    worker.once('exit', onExit);
    worker.send(request);
  });
}

/**
 * Runs every item (in worker processes when the plan has more than one job) and returns their
 * summaries in item order.
 */
export async function runJobs(
  items: JobItem[],
  plan: JobPlan,
  profile: string,
  opts: RunJobsOptions,
): Promise<RunSummary[]> {
  if (plan.jobs === 1) return runHere(items, profile, opts);
  opts.log(`running ${plan.groups.length} groups of experiments in ${plan.jobs} jobs × ${plan.threads} thread(s)`);
  const out: (RunSummary | undefined)[] = items.map(() => undefined);
  const queue = [...plan.groups];
  const workers: ChildProcess[] = [];
  const lane = async () => {
    const worker = startWorker(plan.threads);
    worker.on('error', (err) => opts.log(`worker ${worker.pid}: ${err.message}`));
    workers.push(worker);
    for (let group = queue.shift(); group !== undefined; group = queue.shift()) {
      const name = groupName(items, group);
      opts.log(`[${name}] started (profile ${profile})`);
      const request: JobRequest = {
        name,
        items: group.map((index) => ({ index, cfg: items[index].cfg })),
        resultsDir: opts.resultsDir,
        progress: opts.trainLog !== undefined,
        reuseRunFolders: opts.reuseRunFolders,
        ...(opts.shiftItem !== undefined && group.includes(opts.shiftItem) ? { shiftItem: opts.shiftItem } : {}),
      };
      await runGroup(worker, request, out, opts);
      opts.log(`[${name}] finished`);
    }
  };
  try {
    await Promise.all(Array.from({ length: plan.jobs }, lane));
  } catch (err) {
    queue.length = 0;
    throw err;
  } finally {
    for (const w of workers) if (w.exitCode === null && w.signalCode === null) w.kill();
  }
  const missing = out.indexOf(undefined);
  if (missing >= 0) throw new Error(`job results incomplete: no result for ${items[missing].cfg.method}`);
  return out as RunSummary[];
}
