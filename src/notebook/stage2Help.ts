/**
 * Notebook 10, "when does stage 2 help?": for each TinyJudge v4 slip rate (`data.shift`) of a suite,
 * TRACT's gain in Pearson r over A.1 (its own stage 1, CoT-RAFT on reference CoTs) and over A.2
 * (self-CoTs with CE only), each with a paired-bootstrap 95% interval, beside what was measured of the
 * shift itself: the stage-1 self-CoT clause accuracy and the distribution-shift RMSE gap (stage 1 on
 * its own CoTs minus on the reference CoTs, on training inputs).
 *
 * @module notebook/stage2Help
 */
import { IN_DOMAIN, type RunSummary, type Split } from '../results/formats';
import { intervalScatter, type XIntervalPoint } from '../report/figures';
import type { Figure } from '../report/plotly';
import { distributionShiftRmse } from '../tract/distributionShift';
import { pairedPearsonDiff } from '../tract/suiteTables';
import { notebookResultsDir, type SuiteResults } from './suites';

/** A difference of Pearson r with its paired-bootstrap 95% interval and p-value. */
export interface Gain {
  value: number;
  lo: number;
  hi: number;
  p: number;
}

/** One slip rate of a shift sweep. */
export interface Stage2HelpRow {
  shift: number;
  /** The TRACT run and its two comparisons. */
  tract: string;
  overA1: Gain | null;
  overA2: Gain | null;
  /** Stage-1 self-CoTs: mean fraction of clauses right, and fraction with every clause right. */
  clauseAccuracy: number;
  allCorrect: number;
  /** Stage-1 RMSE on training inputs with its own CoTs and with the reference CoTs (NaN without the cached models). */
  rmseSelf: number;
  rmseReference: number;
}

const NONE: Gain | null = null;

function gain(a: RunSummary, b: RunSummary | undefined, split: Split, samples: number): Gain | null {
  if (!b) return NONE;
  const r = pairedPearsonDiff(a, b, split, samples, `stage2-help/${split}/${b.runId}`);
  return r ? { value: r.diff, lo: r.lower, hi: r.upper, p: r.pValue } : NONE;
}

/**
 * The rows of a shift sweep (seed 0), one per slip rate that has a TRACT run. The RMSE gap needs the
 * stage models in the step cache (`resultsDir`); without them it is NaN and `log` says why.
 */
export async function stage2Help(
  res: Pick<SuiteResults, 'runs'>,
  opts: { split?: Split; resultsDir?: string; n?: number; log?: (line: string) => void } = {},
): Promise<Stage2HelpRow[]> {
  const split = opts.split ?? IN_DOMAIN;
  const log = opts.log ?? ((line: string) => console.log(line));
  const runs = res.runs[0] ?? [];
  const shiftOf = (r: RunSummary) => r.config.data.shift ?? 0;
  const rows: Stage2HelpRow[] = [];
  for (const shift of [...new Set(runs.map(shiftOf))].sort((a, b) => a - b)) {
    const at = runs.filter((r) => shiftOf(r) === shift);
    const tract = at.find((r) => r.metrics.method === 'tract');
    if (!tract?.metrics.selfCot) continue;
    const samples = tract.config.eval.bootstrapSamples;
    const row: Stage2HelpRow = {
      shift,
      tract: tract.runId,
      overA1: gain(
        tract,
        at.find((r) => r.metrics.method === 'cot-raft-ref'),
        split,
        samples,
      ),
      overA2: gain(
        tract,
        at.find((r) => r.metrics.method === 'self-cot-ce'),
        split,
        samples,
      ),
      clauseAccuracy: tract.metrics.selfCot.clauseAccuracy,
      allCorrect: tract.metrics.selfCot.allCorrect,
      rmseSelf: NaN,
      rmseReference: NaN,
    };
    try {
      const n = Math.min(opts.n ?? 200, tract.config.data.train);
      const d = await distributionShiftRmse({ run: tract, n, resultsDir: opts.resultsDir ?? notebookResultsDir() });
      const rmse = (cots: string) => d.rows.find((r) => r.model === 'stage1' && r.cots === cots)?.rmse ?? NaN;
      row.rmseSelf = rmse('stage1-self');
      row.rmseReference = rmse('reference');
    } catch (err) {
      log(`shift ${shift}: no RMSE gap (${(err as Error).message})`);
    }
    rows.push(row);
  }
  return rows;
}

function fmtGain(g: Gain | null): string {
  return g ? `${g.value.toFixed(3)} [${g.lo.toFixed(3)}, ${g.hi.toFixed(3)}] (p = ${g.p.toFixed(3)})` : 'n/a';
}

function fmt(x: number): string {
  return Number.isFinite(x) ? x.toFixed(3) : 'n/a';
}

/** The rows as a Markdown table. */
export function stage2HelpTable(rows: readonly Stage2HelpRow[]): string {
  const lines = [
    '| data.shift | self-CoT clause accuracy | all clauses right | stage-1 RMSE own / reference | ' +
      'TRACT − A.1 (Δr) | TRACT − A.2 (Δr) |',
    '|---:|---:|---:|---|---|---|',
    ...rows.map(
      (r) =>
        `| ${r.shift} | ${fmt(r.clauseAccuracy)} | ${fmt(r.allCorrect)} | ` +
        `${fmt(r.rmseSelf)} / ${fmt(r.rmseReference)} | ` +
        `${fmtGain(r.overA1)} | ${fmtGain(r.overA2)} |`,
    ),
  ];
  return `${lines.join('\n')}\n`;
}

/** TRACT's gains (with intervals) against the self-CoT clause accuracy, or against the RMSE gap. */
export function stage2HelpFigure(rows: readonly Stage2HelpRow[], x: 'clauseAccuracy' | 'rmseGap'): Figure {
  const xOf = (r: Stage2HelpRow) => (x === 'clauseAccuracy' ? r.clauseAccuracy : r.rmseSelf - r.rmseReference);
  const points: XIntervalPoint[] = rows.flatMap((r) =>
    (
      [
        ['TRACT − A.1 (its stage 1)', r.overA1],
        ['TRACT − A.2 (CE on self-CoTs)', r.overA2],
      ] as const
    ).flatMap(([series, g]) =>
      g ? [{ x: xOf(r), series, value: g.value, lo: g.lo, hi: g.hi, text: `shift ${r.shift}` }] : [],
    ),
  );
  const xTitle =
    x === 'clauseAccuracy'
      ? 'clause accuracy of the stage-1 self-CoTs'
      : 'stage-1 RMSE gap on training inputs (own CoTs − reference CoTs)';
  return intervalScatter(points, {
    title: 'When does stage 2 help? Gain in Pearson r (95% paired-bootstrap intervals)',
    xTitle,
    yTitle: 'Δ Pearson r',
  });
}

/**
 * A reading of the rows computed from them: at which slip rates TRACT's gain over A.1 and over A.2 is
 * significant (95% interval above or below 0), and how the gain moves with the self-CoT clause accuracy.
 */
export function stage2HelpReading(rows: readonly Stage2HelpRow[]): string {
  if (rows.length === 0) return 'No slip rate has a TRACT run: nothing to read.\n';
  const lines: string[] = [];
  for (const [name, key] of [
    ['A.1 (its stage 1)', 'overA1'],
    ['A.2 (CE on self-CoTs)', 'overA2'],
  ] as const) {
    const said = rows.map((r) => {
      const g = r[key];
      if (!g) return `shift ${r.shift}: n/a`;
      const verdict = g.lo > 0 ? 'TRACT better' : g.hi < 0 ? 'TRACT worse' : 'no significant difference';
      return `shift ${r.shift} (clause accuracy ${fmt(r.clauseAccuracy)}): ${g.value.toFixed(3)}, ${verdict}`;
    });
    lines.push(`- TRACT − ${name}: ${said.join('; ')}.`);
  }
  const withGain = rows.filter((r) => r.overA1 && Number.isFinite(r.clauseAccuracy));
  if (withGain.length >= 3) {
    const lowest = withGain.reduce((a, b) => (b.clauseAccuracy < a.clauseAccuracy ? b : a));
    const highest = withGain.reduce((a, b) => (b.clauseAccuracy > a.clauseAccuracy ? b : a));
    lines.push(
      `- From the most accurate self-CoTs (${fmt(highest.clauseAccuracy)}, shift ${highest.shift}) to the least ` +
        `(${fmt(lowest.clauseAccuracy)}, shift ${lowest.shift}) the gain over A.1 goes from ` +
        `${highest.overA1?.value.toFixed(3)} to ${lowest.overA1?.value.toFixed(3)}.`,
    );
  }
  return `${lines.join('\n')}\n`;
}
