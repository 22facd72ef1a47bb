/**
 * A suite: several experiments (one per method) under one profile and one or more seeds, then the
 * results table with bootstrap intervals, trivial baselines and paired-bootstrap verdicts of TRACT
 * against every other method. `npm start` runs `experiments/suites/default.json`.
 *
 * @module tract/suite
 */
import { existsSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { JudgeTokens } from '../data/judgeTokens';
import type { BackendReport } from '../engine/backend';
import { pairedBootstrapDiff } from '../metrics/bootstrap';
import { dropInvalid, pearson } from '../metrics/correlation';
import { loadModelTokenizer } from '../model/checkpoint';
import { readJson } from '../io/json';
import {
  IN_DOMAIN, OUT_OF_DOMAIN, SPLIT_NAMES, SPLITS,
  type Cell, type ExperimentConfig, type Prediction, type RunSummary, type SplitMetrics, type Table,
} from '../results/formats';
import { compareRun, runLabel } from '../results/labels';
import { writeSuiteSummary } from '../results/suiteFolder';
import { DEFAULT_EXPERIMENT, loadExperiment, readLayer } from './config';
import { splitMetrics } from './evaluate';
import { experimentData, runExperiment } from './pipeline';
import { checkProfile, FULL_PROFILE, profileFile } from './profiles';

/** The suite `tract run` and `npm start` run when none is given. */
export const DEFAULT_SUITE = 'experiments/suites/default.json';

/** A suite file: experiments (paths relative to the suite file) and the method TRACT is compared to. */
export interface SuiteFile {
  description: string;
  experiments: string[];
  /** The method whose paired-bootstrap verdicts against the others are reported (default 'tract'). */
  compare?: string;
}

export interface SuiteOptions {
  suiteFile: string;
  /** Profile name: experiments/profiles/<name>.json applied over each experiment (none for 'full'). */
  profile: string;
  seeds: number;
  resultsDir: string;
  /** Folder of summary.json (and of the tables the caller writes with report/suiteTables.ts). */
  outDir: string;
  backend: BackendReport | null;
  log: (line: string) => void;
  trainLog?: (line: string, final: boolean) => void;
}

/** Loads a suite file and the experiments it lists, with the profile and seed applied. */
export function loadSuite(suiteFile: string, profile: string, seed: number): { suite: SuiteFile; configs: ExperimentConfig[] } {
  if (!existsSync(suiteFile)) throw new Error(`${suiteFile}: no such suite file`);
  const suite = readJson<SuiteFile>(suiteFile);
  if (!Array.isArray(suite.experiments) || suite.experiments.length === 0) throw new Error(`${suiteFile}: 'experiments' must list experiment files`);
  const root = resolve(dirname(suiteFile), '..');
  const layers: { name: string; layer: Record<string, unknown> }[] = [];
  checkProfile(root, profile);
  const file = profileFile(root, profile);
  if (file !== null) layers.push(readLayer(file));
  layers.push({ name: `--seed ${seed}`, layer: { seed } });
  const configs = suite.experiments.map((e) => loadExperiment(resolve(dirname(suiteFile), e), ...layers));
  return { suite, configs };
}

/** Constant (training mean) and prompt-length (least squares on train) predictors. */
function trivialBaselines(cfg: ExperimentConfig, samples: number): { name: string; splits: Record<string, SplitMetrics> }[] {
  const data = experimentData(cfg);
  const jt = new JudgeTokens(loadModelTokenizer(resolve(cfg.model)));
  const len = (p: string) => jt.prompt(p).length;
  const xs = data.train.map((e) => len(e.prompt));
  const ys = data.train.map((e) => e.label);
  const mx = xs.reduce((a, b) => a + b, 0) / xs.length;
  const my = ys.reduce((a, b) => a + b, 0) / ys.length;
  const slope = xs.reduce((s, x, i) => s + (x - mx) * (ys[i] - my), 0) / Math.max(1e-12, xs.reduce((s, x) => s + (x - mx) ** 2, 0));
  const out = [
    { name: 'mean of train labels', predict: () => my },
    { name: 'prompt length (least squares)', predict: (p: string) => my + slope * (len(p) - mx) },
  ];
  return out.map(({ name, predict }) => ({
    name,
    splits: Object.fromEntries(
      SPLITS.map((split) => {
        const ex = split === IN_DOMAIN ? data.test : data.testOod;
        return [split, splitMetrics(ex.map((e) => predict(e.prompt)), ex.map((e) => e.label), samples, `trivial/${split}`)];
      }),
    ),
  }));
}

function mean(xs: number[]): number {
  return xs.reduce((a, b) => a + b, 0) / xs.length;
}

function sd(xs: number[]): number {
  if (xs.length < 2) return NaN;
  const m = mean(xs);
  return Math.sqrt(xs.reduce((s, x) => s + (x - m) ** 2, 0) / (xs.length - 1));
}

/** The primary readout of each prediction. */
function primaryOf(run: RunSummary, split: string): { ids: string[]; pred: (number | null)[]; gold: number[] } {
  const ps = run.predictions.filter((p: Prediction) => p.split === split);
  return { ids: ps.map((p) => p.id), pred: ps.map((p) => (run.metrics.primary === 'rail' ? p.rail : p.standard)), gold: ps.map((p) => p.gold) };
}

/** The λ and number of CoTs that pick a method's compared run (the experiment defaults). */
export const DEFAULT_COMPARE = Object.freeze({
  lambda: DEFAULT_EXPERIMENT.objective.lambda,
  nCot: DEFAULT_EXPERIMENT.eval.nCot,
});

/** Builds the results table and the verdict table from runs (grouped by method over seeds). */
export function buildTables(runsBySeed: RunSummary[][], trivial: { name: string; splits: Record<string, SplitMetrics> }[], compare: string, profile: string, samples: number): { results: Table; verdicts: Table } {
  const metrics = ['pearson', 'spearman', 'kendall', 'rmse', 'nInvalid'];
  const columns = SPLITS.flatMap((split) => metrics.map((m) => ({ group: SPLIT_NAMES[split], metric: m, split })));
  // rows are runs labelled by method (plus λ / CoTs where runs of one method differ), grouped over seeds
  const labelled = runsBySeed.map((runs) => runs.map((r) => ({ label: runLabel(r, runs), run: r })));
  const methods = [...new Set(labelled.flatMap((runs) => runs.map((r) => r.label)))];
  const nSeeds = runsBySeed.length;
  const rows = methods.map((m) => {
    const runs = labelled.map((rs) => rs.find((r) => r.label === m)?.run).filter((r): r is RunSummary => r !== undefined);
    const first = runs[0].metrics;
    const cells = columns.map((c): Cell => {
      const vals = runs.map((r) => (r.metrics.splits[c.split][r.metrics.primary] as unknown as Record<string, number>)[c.metric]);
      if (nSeeds === 1) {
        const s = first.splits[c.split][first.primary];
        return c.metric === 'pearson' ? { value: s.pearson, lo: s.pearsonLo, hi: s.pearsonHi } : { value: vals[0] };
      }
      return { value: mean(vals), sd: sd(vals) };
    });
    const decoding = first.primary === 'rail' ? (first.decoding === 'rail' ? 'RAIL' : 'CoT-RAIL') : 'standard';
    return { labels: [m, first.paperId, decoding], cells };
  });
  for (const t of trivial) {
    rows.push({
      labels: [t.name, '-', 'trivial'],
      cells: columns.map((c) => {
        const s = t.splits[c.split];
        return c.metric === 'pearson' ? { value: s.pearson, lo: s.pearsonLo, hi: s.pearsonHi } : { value: (s as unknown as Record<string, number>)[c.metric] };
      }),
    });
  }
  const ramp = runsBySeed[0].find((r) => r.metrics.lambdaRampSteps > 0);
  const notes = [
    `Profile '${profile}', ${nSeeds} seed(s); ${nSeeds === 1 ? 'r with its 95% percentile bootstrap interval' : 'mean ± sd over seeds'}; labels are means of three noisy annotators.`,
    'Each method is read with its primary decoding (RAIL for score-only methods, standard decoding for ce-cot as in the paper, CoT-RAIL otherwise); metrics.json of every run holds both readouts.',
    'invalid = standard-decoding outputs that are not a score digit (dropped from the correlations and counted here).',
  ];
  for (const { label, run: r } of labelled[0]) {
    const sc = r.metrics.selfCot;
    if (sc) notes.push(`${label}: stage-2 training CoTs (self-generated by stage 1): clause accuracy ${sc.clauseAccuracy.toFixed(3)}, well-formed ${sc.wellFormed.toFixed(3)}, all clauses right ${sc.allCorrect.toFixed(3)}, cut at "So the overall" ${sc.cut}/${sc.n}, empty ${sc.empty}.`);
  }
  for (const { label, run: r } of labelled[0]) {
    const ca = r.metrics.splits[IN_DOMAIN].clauseAccuracy;
    const caOod = r.metrics.splits[OUT_OF_DOMAIN].clauseAccuracy;
    if (Number.isFinite(ca)) {
      notes.push(`${label}: clause accuracy of its evaluation CoTs ${ca.toFixed(3)} in-domain, ${caOod.toFixed(3)} out-of-domain.`);
    }
  }
  if (ramp) notes.push(`Format warm-up ON: λ ramps from 0 to its value over the first ${ramp.metrics.lambdaRampSteps} steps of every CoT-RAFT stage.`);
  if (profile !== FULL_PROFILE) notes.push(`The '${profile}' profile shows the machinery with short training; its numbers are weak by design. See --profile full.`);

  // paired bootstrap: `compare` against every other method, per split (first seed)
  const verdictRows: Table['rows'] = [];
  const verdictNotes: string[] = [];
  const runs0 = labelled[0];
  const baseRun = compareRun(runs0.map((r) => r.run), runs0.map((r) => r.label), compare, DEFAULT_COMPARE);
  const base = runs0.find((r) => r.run === baseRun);
  for (const { label: otherLabel, run: other } of base ? runs0.filter((r) => r !== base) : []) {
    const label = `${base!.label} vs ${otherLabel}`;
    const cells: (Cell | null)[] = [];
    const said: string[] = [];
    for (const split of SPLITS) {
      const a = primaryOf(base!.run, split);
      const b = primaryOf(other, split);
      const byId = new Map(b.ids.map((id, i) => [id, b.pred[i]]));
      const pb = a.ids.map((id) => byId.get(id) ?? null);
      const both = dropInvalid(a.pred.map((x, i) => (pb[i] === null ? null : x)), a.gold);
      if (both.x.length < 3) {
        cells.push(null);
        said.push('n/a');
        continue;
      }
      const keptB = both.kept.map((i) => pb[i] as number);
      const res = pairedBootstrapDiff(pearson, both.y, both.x, keptB, { samples, seed: `paired/${split}/${otherLabel}` });
      cells.push({ value: res.diff, lo: res.lower, hi: res.upper });
      said.push(`${res.verdict.replace('A', base!.label).replace('B', otherLabel)} (p = ${res.pValue.toFixed(3)})`);
    }
    verdictRows.push({ labels: [label], cells });
    verdictNotes.push(`${label}: in-domain ${said[0]}; out-of-domain ${said[1]}`);
  }
  const verdicts: Table = {
    title: `Paired bootstrap: Pearson r of ${base?.label ?? compare} minus each run (95% interval), with the verdict per split`,
    labelColumns: ['comparison'],
    columns: [{ group: 'in-domain Δ', metric: 'pearson' }, { group: 'out-of-domain Δ', metric: 'pearson' }],
    rows: verdictRows,
    bold: false,
    notes: verdictNotes,
  };
  return {
    results: { title: `TinyJudge results (${profile} profile)`, labelColumns: ['method', 'paper', 'decoding'], columns: columns.map(({ group, metric }) => ({ group, metric })), rows, notes },
    verdicts,
  };
}

/** The result of {@link runSuite}. */
export interface SuiteRunResult {
  /** Runs by seed, each in suite order. */
  runs: RunSummary[][];
  /** The results table and the paired-bootstrap verdicts, as data (`report/suiteTables.ts` writes them). */
  tables: { results: Table; verdicts: Table };
  /** The folder summary.json was written to. */
  outDir: string;
}

/**
 * Runs a suite (every experiment of every seed; cached steps are reused), writes its `summary.json`
 * to `outDir`, and returns its runs and tables.
 */
export async function runSuite(opts: SuiteOptions): Promise<SuiteRunResult> {
  const t0 = Date.now();
  const runsBySeed: RunSummary[][] = [];
  let compare = 'tract';
  let firstCfg: ExperimentConfig | null = null;
  for (let s = 0; s < opts.seeds; s++) {
    const { suite, configs } = loadSuite(opts.suiteFile, opts.profile, s);
    compare = suite.compare ?? 'tract';
    firstCfg ??= configs[0];
    const runs: RunSummary[] = [];
    for (const cfg of configs) {
      opts.log(`== ${cfg.method} (seed ${s}, profile ${opts.profile})`);
      const ctx = { resultsDir: opts.resultsDir, backend: opts.backend, log: opts.log, trainLog: opts.trainLog };
      runs.push(await runExperiment(cfg, ctx));
    }
    runsBySeed.push(runs);
  }
  const samples = (firstCfg as ExperimentConfig).eval.bootstrapSamples;
  const trivial = trivialBaselines(firstCfg as ExperimentConfig, samples);
  const tables = buildTables(runsBySeed, trivial, compare, opts.profile, samples);
  const runs = runsBySeed.flatMap((rs, seed) => rs.map((r) => ({ seed, method: r.metrics.method, runId: r.runId, dir: r.dir })));
  const wallSeconds = (Date.now() - t0) / 1000;
  writeSuiteSummary(opts.outDir, { profile: opts.profile, seeds: opts.seeds, suite: opts.suiteFile, compare, runs, wallSeconds });
  return { runs: runsBySeed, tables, outDir: opts.outDir };
}
