/**
 * Readings of a suite for a notebook: its runs told apart by label, tables and bars of a selection
 * of runs, a short data-driven reading of them, and the readouts of one prediction.
 *
 * @module notebook/readings
 */
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { readJson } from '../io/json';
import { IN_DOMAIN, SPLITS, type Prediction, type RunSummary, type Table } from '../results/formats';
import { compareRun, uniqueLabels } from '../results/labels';
import { ablationBars, type Figure, type IntervalPoint } from '../report/figures';
import { figuresForResults, primaryPearson } from '../report/resultFigures';
import { toMarkdown } from '../report/tables';
import { profileFile } from '../tract/profiles';
import { buildTables, DEFAULT_COMPARE, mean, sd, type SuiteTables } from '../tract/suiteTables';
import type { SuiteResults } from './suites';

/** A run of a suite with a label that tells it apart from the suite's other runs, and its config. */
export interface LabeledRun extends RunSummary {
  /**
   * The row label of the suite's results table (`results/labels.ts` runLabel): the method id, plus λ
   * and/or the number of CoTs where runs of the same method differ in them (`tract (λ=0.5)`).
   */
  label: string;
  seed: number;
}

/**
 * The runs of a suite by seed, each with its config (config.resolved.json) and the label of its
 * row in the suite's results table (see {@link LabeledRun.label}); runs that would still share a
 * label get their run id appended.
 */
export function labeledRuns(res: Pick<SuiteResults, 'runs'>): LabeledRun[][] {
  return res.runs.map((runs, seed) => {
    const labels = uniqueLabels(runs);
    return runs.map((r, i) => ({ ...r, seed, label: labels[i] }));
  });
}

/** The run of seed 0 with this label; the error lists the labels there are. */
export function findRun(res: Pick<SuiteResults, 'runs'>, label: string): LabeledRun {
  const runs = labeledRuns(res)[0] ?? [];
  const run = runs.find((r) => r.label === label);
  if (!run) throw new Error(`no run labelled '${label}' (runs: ${runs.map((r) => r.label).join(', ')})`);
  return run;
}

/**
 * The label a suite's comparisons are made against: the run of the suite's `compare` method
 * (default 'tract') with the default λ and one CoT, else the first run of that method
 * (`results/labels.ts` compareRun).
 */
export function compareLabel(res: Pick<SuiteResults, 'runs' | 'compare' | 'suiteFile'>): string {
  const runs = labeledRuns(res)[0] ?? [];
  const run = compareRun(
    runs,
    runs.map((r) => r.label),
    res.compare,
    DEFAULT_COMPARE,
  );
  if (!run) throw new Error(`${res.suiteFile}: no run of the compared method '${res.compare}'`);
  return run.label;
}

/** Options of {@link suiteRunTable} and {@link suiteReading}. */
export interface RunSelection {
  /** Labels of the runs to show, in this order (default: all, in suite order). */
  labels?: string[];
  /** The run the others are compared with by paired bootstrap (default {@link compareLabel}). */
  compare?: string;
}

function selectRuns(res: SuiteResults, labels?: string[]): LabeledRun[][] {
  const all = labeledRuns(res);
  if (!labels) return all;
  for (const l of labels)
    if (!all[0]?.some((r) => r.label === l))
      throw new Error(`no run labelled '${l}' (runs: ${(all[0] ?? []).map((r) => r.label).join(', ')})`);
  return all.map((runs) =>
    labels.map((l) => runs.find((r) => r.label === l)).filter((r): r is LabeledRun => r !== undefined),
  );
}

/**
 * `buildTables` over runs renamed to their labels (so that a selection keeps the labels the whole suite gives its
 * runs).
 */
function labeledTables(res: SuiteResults, sel: RunSelection): SuiteTables & { compare: string } {
  const runs = selectRuns(res, sel.labels);
  const compare = sel.compare ?? compareLabel(res);
  const renamed = runs.map((rs) => rs.map((r) => ({ ...r, metrics: { ...r.metrics, method: r.label } })));
  const samples = runs[0][0].config.eval.bootstrapSamples;
  return { ...buildTables(renamed, [], compare, res.profile, samples), compare };
}

/**
 * The results table (Markdown) of the chosen runs, one row per run (labels from
 * {@link labeledRuns}), the paired-bootstrap verdicts of `compare` against each of them, and with
 * `secondary` the other metrics, as `tract run` builds them (without the trivial-baseline rows: see
 * the suite's table.md for those).
 */
export function suiteRunTable(res: SuiteResults, sel: RunSelection & { secondary?: boolean } = {}): string {
  const { results, secondary, verdicts } = labeledTables(res, sel);
  const parts = [results, ...(verdicts.rows.length ? [verdicts] : []), ...(sel.secondary ? [secondary] : [])];
  return parts.map(toMarkdown).join('\n');
}

/**
 * Bars of the primary readout's Pearson r with its 95% bootstrap interval, per split, for the
 * chosen runs of seed 0 (labels from {@link labeledRuns}).
 */
export function suiteBars(res: SuiteResults, sel: Pick<RunSelection, 'labels'> & { title?: string } = {}): Figure {
  const runs = selectRuns(res, sel.labels)[0];
  const points: IntervalPoint[] = runs.flatMap((r) =>
    SPLITS.map((split) => ({ label: r.label, group: split, ...primaryPearson(r.metrics, split) })),
  );
  const fig = ablationBars(points, {
    intervalNote: '95% bootstrap intervals',
    yTitle: 'Pearson r (primary readout)',
    title: sel.title,
  });
  if (sel.title === undefined && fig.layout.title)
    fig.layout.title.text = `${fig.layout.title.text}, ${res.profile} profile`;
  return fig;
}

/**
 * One of the suite's paper figures (`report/resultFigures.ts` figuresForResults of its results folder) by name,
 * e.g. `lambda-sweep`, `scatter-raft`.
 */
export function suiteFigure(res: Pick<SuiteResults, 'outDir'>, name: string): Figure {
  const figs = figuresForResults(res.outDir);
  const f = figs.find((x) => x.name === name);
  if (!f) throw new Error(`${res.outDir}: no figure '${name}' (figures: ${figs.map((x) => x.name).join(', ')})`);
  return f.figure;
}

/**
 * A warning for profiles other than `full` (its training steps and examples, read from
 * `experiments/profiles/<name>.json`), or null for `full`.
 */
export function profileWarning(profile: string, root = '.'): string | null {
  const file = profileFile(join(root, 'experiments'), profile);
  if (file === null) return null;
  let what = '';
  if (existsSync(file)) {
    const p = readJson(file) as { train?: { steps?: number }; data?: { train?: number } };
    const parts = [
      p.train?.steps !== undefined ? `${p.train.steps} training steps` : '',
      p.data?.train !== undefined ? `${p.data.train} training examples` : '',
    ].filter(Boolean);
    if (parts.length) what = ` (${parts.join(' on ')})`;
  }
  return (
    `**Warning: profile '${profile}'${what}.** These numbers only show that the code runs; ` +
    'they say nothing about the methods. The full-profile results are described in the next cell.'
  );
}

function interval(p: { value: number; lo: number; hi: number }): string {
  return Number.isFinite(p.value) ? `${p.value.toFixed(3)} [${p.lo.toFixed(3)}, ${p.hi.toFixed(3)}]` : 'n/a';
}

/**
 * The per-split lines of {@link suiteReading} for several seeds: the run with the highest mean primary r, the
 * compared run's mean, each with its sd and its value on every seed (intervals are left to the pooled paired
 * bootstrap, which accounts for both the items and the seeds).
 */
function seedsReading(bySeed: readonly LabeledRun[][], compare: string): string[] {
  const labels = bySeed[0].map((r) => r.label);
  const lines: string[] = [];
  for (const split of SPLITS) {
    const name = split === IN_DOMAIN ? 'In-domain' : 'Out-of-domain';
    const stats = labels.map((label) => {
      const xs = bySeed.map((rs) => {
        const r = rs.find((x) => x.label === label);
        return r ? primaryPearson(r.metrics, split).value : Number.NaN;
      });
      const m = mean(xs);
      return {
        label,
        m,
        text: `${m.toFixed(3)} ± ${sd(xs).toFixed(3)} (seeds: ${xs.map((x) => x.toFixed(3)).join(', ')})`,
      };
    });
    const valid = stats.filter((x) => Number.isFinite(x.m)).sort((a, b) => b.m - a.m);
    const parts: string[] = [];
    if (valid.length === 0) parts.push('no run has a valid r on every seed');
    else {
      parts.push(`highest mean r over ${bySeed.length} seeds: **${valid[0].label}** ${valid[0].text}`);
      const ref = stats.find((x) => x.label === compare);
      if (ref && ref !== valid[0]) parts.push(`${compare}: ${ref.text}`);
      else if (valid[1]) parts.push(`next: ${valid[1].label} ${valid[1].text}`);
    }
    lines.push(`- ${name}: ${parts.join('; ')}.`);
  }
  return lines;
}

/**
 * A short reading of the chosen runs computed from their metrics (Markdown): the profile warning
 * (not `full`; `warning: false` leaves it out), per split the run with the highest primary Pearson r and whether
 * its 95% interval overlaps the compared run's, runs without valid predictions (with several seeds: the highest
 * mean r and the compared run's, with sd and per-seed values), and the paired-bootstrap verdicts of the compared
 * run against each other run (pooled over seeds).
 */
export function suiteReading(res: SuiteResults, sel: RunSelection & { warning?: boolean } = {}): string {
  const { verdicts, compare } = labeledTables(res, sel);
  const bySeed = selectRuns(res, sel.labels);
  const runs = bySeed[0];
  const lines: string[] = [];
  const warn = sel.warning === false ? null : profileWarning(res.profile);
  if (warn) lines.push(warn, '');
  const ref = runs.find((r) => r.label === compare);
  if (bySeed.length > 1) lines.push(...seedsReading(bySeed, compare));
  for (const split of bySeed.length > 1 ? [] : SPLITS) {
    const name = split === IN_DOMAIN ? 'In-domain' : 'Out-of-domain';
    const pts = runs.map((r) => ({ r, p: primaryPearson(r.metrics, split) }));
    const valid = pts.filter((x) => Number.isFinite(x.p.value)).sort((a, b) => b.p.value - a.p.value);
    const n = runs[0]?.metrics.splits[split]?.[runs[0].metrics.primary]?.n;
    const parts: string[] = [];
    if (valid.length === 0) parts.push('no run has a valid r');
    else {
      const best = valid[0];
      parts.push(`highest r: **${best.r.label}** ${interval(best.p)}`);
      const other = best.r.label === compare ? valid[1] : ref && pts.find((x) => x.r === ref);
      if (other && Number.isFinite(other.p.value)) {
        const overlap = best.p.lo <= other.p.hi && other.p.lo <= best.p.hi;
        const who = best.r.label === compare ? 'next' : compare;
        const otherName = other.r.label === compare ? '' : `${other.r.label} `;
        parts.push(`${who}: ${otherName}${interval(other.p)}; the intervals ${overlap ? 'overlap' : 'do not overlap'}`);
      } else if (ref && best.r !== ref) parts.push(`${compare}: n/a`);
    }
    const none = pts
      .filter((x) => !Number.isFinite(x.p.value))
      .map((x) => `${x.r.label} (${x.r.metrics.splits[split]?.[x.r.metrics.primary]?.nInvalid ?? '?'} invalid)`);
    if (none.length) parts.push(`no valid r: ${none.join(', ')}`);
    lines.push(`- ${name}${n !== undefined ? ` (n = ${n})` : ''}: ${parts.join('; ')}.`);
  }
  const pooled = bySeed.length > 1 ? `, pooled over ${bySeed.length} seeds` : '';
  if (verdicts.notes.length)
    lines.push(
      `- Paired bootstrap of ${compare} against each run${pooled} (Δr intervals in the table above):`,
      ...verdicts.notes.map((v) => `  - ${v}`),
    );
  return `${lines.join('\n')}\n`;
}

/**
 * Bars of a table's cells (e.g. a paper table of `report/paperTables.ts`): one bar per row and
 * column of the given metric, grouped by column group; intervals where the cells have them.
 * @param opts.groups column groups to show (default all); opts.labelColumns which label columns name a row
 *   (default [0])
 */
export function tableBars(
  table: Table,
  opts: { groups?: string[]; metric?: string; labelColumns?: number[]; title?: string; yTitle?: string } = {},
): Figure {
  const metric = opts.metric ?? 'pearson';
  const cols = table.columns
    .map((c, j) => ({ ...c, j }))
    .filter((c) => c.metric === metric && (!opts.groups || opts.groups.includes(c.group)));
  if (cols.length === 0)
    throw new Error(
      `${table.title}: no '${metric}' columns${opts.groups ? ` in groups ${opts.groups.join(', ')}` : ''}`,
    );
  const label = (labels: string[]) => (opts.labelColumns ?? [0]).map((i) => labels[i]).join(', ');
  const points: IntervalPoint[] = table.rows.flatMap((row) =>
    cols.map((c) => {
      const cell = row.cells[c.j];
      return {
        label: label(row.labels),
        group: c.group,
        value: cell ? cell.value : NaN,
        lo: cell?.lo ?? NaN,
        hi: cell?.hi ?? NaN,
      };
    }),
  );
  return ablationBars(points, { title: opts.title ?? table.title, yTitle: opts.yTitle });
}

function fmt(x: number | null | undefined): string {
  return typeof x === 'number' && Number.isFinite(x) ? x.toPrecision(3) : 'n/a';
}

/**
 * A Markdown table of one prediction's readouts: per CoT the score probabilities p(1..K) under the
 * full softmax, the mass outside the score tokens, the RAIL score Σ k·p(k) and the standard-decoding
 * sample (n/a when the sampled token is not a digit), then the mean row when there are several CoTs.
 */
export function readoutTable(pred: Prediction): string {
  const k = pred.readouts[0]?.probs.length ?? 5;
  const cot = pred.readouts.some((r) => r.cot !== null);
  const head = [
    cot ? 'CoT' : 'readout',
    ...(cot ? ['clauses right'] : []),
    ...Array.from({ length: k }, (_, i) => `p(${i + 1})`),
    'outside',
    'RAIL',
    'standard',
  ];
  const rows = pred.readouts.map((r, i) => [
    String(i + 1),
    ...(cot ? [r.clauseCorrect === undefined ? 'n/a' : String(r.clauseCorrect)] : []),
    ...r.probs.map(fmt),
    fmt(r.massOutside),
    fmt(r.rail),
    r.standard === null ? 'n/a' : String(r.standard),
  ]);
  if (pred.readouts.length > 1) {
    const n = pred.readouts.length;
    const mean = (f: (r: Prediction['readouts'][number]) => number) => pred.readouts.reduce((s, r) => s + f(r), 0) / n;
    rows.push([
      '**mean**',
      ...(cot ? [''] : []),
      ...Array.from({ length: k }, (_, j) => fmt(mean((r) => r.probs[j]))),
      fmt(mean((r) => r.massOutside)),
      `**${fmt(pred.rail)}**`,
      pred.standard === null ? 'n/a' : fmt(pred.standard),
    ]);
  }
  const line = (cells: string[]) => `| ${cells.join(' | ')} |`;
  return (
    [line(head), line(head.map((_, i) => (i < (cot ? 2 : 1) ? '---' : '---:'))), ...rows.map(line)].join('\n') +
    `\n\ngold ${pred.goldExact} (label ${fmt(pred.gold)})\n`
  );
}
