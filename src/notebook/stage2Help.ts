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
import { runShift } from '../tract/distributionShift';
import { mean, pairedPearsonDiff, primaryOf } from '../tract/suiteTables';
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
  /**
   * Standard deviation of each judge's predictions on the split (primary readout), and of the split's labels. A
   * judge left on the squared-error plateau predicts one score for every input: its spread is about 0.
   */
  spread: { a1: number; tract: number; a2: number; labels: number };
}

const NONE: Gain | null = null;

function gain(a: RunSummary, b: RunSummary | undefined, split: Split, samples: number): Gain | null {
  if (!b) return NONE;
  const r = pairedPearsonDiff(a, b, split, samples, `stage2-help/${split}/${b.runId}`);
  return r ? { value: r.diff, lo: r.lower, hi: r.upper, p: r.pValue } : NONE;
}

/**
 * The rows of a shift sweep (seed 0), one per slip rate that has a TRACT run. The RMSE gap is the suite's own
 * shift measurement of that run (`tract/distributionShift.ts` runShift: cached, or measured from the stage models
 * in the step cache, `resultsDir`); without them it is NaN and `log` says why.
 */
export async function stage2Help(
  res: Pick<SuiteResults, 'runs'>,
  opts: { split?: Split; resultsDir?: string; log?: (line: string) => void } = {},
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
    const a1 = at.find((r) => r.metrics.method === 'cot-raft-ref');
    const a2 = at.find((r) => r.metrics.method === 'self-cot-ce');
    const row: Stage2HelpRow = {
      shift,
      tract: tract.runId,
      overA1: gain(tract, a1, split, samples),
      overA2: gain(tract, a2, split, samples),
      clauseAccuracy: tract.metrics.selfCot.clauseAccuracy,
      allCorrect: tract.metrics.selfCot.allCorrect,
      rmseSelf: NaN,
      rmseReference: NaN,
      spread: {
        a1: predictionSd(a1, split),
        tract: predictionSd(tract, split),
        a2: predictionSd(a2, split),
        labels: populationSd(primaryOf(tract, split).gold),
      },
    };
    try {
      const measured = await runShift(tract, opts.resultsDir ?? notebookResultsDir(), log);
      row.rmseSelf = measured.stage1.rmseSelf;
      row.rmseReference = measured.stage1.rmseReference;
    } catch (err) {
      log(`shift ${shift}: no RMSE gap (${(err as Error).message})`);
    }
    rows.push(row);
  }
  return rows;
}

/** Population standard deviation (NaN when empty); `suiteTables.ts` sd is the sample one, over seeds. */
function populationSd(xs: readonly number[]): number {
  if (xs.length === 0) return Number.NaN;
  const m = mean(xs);
  return Math.sqrt(xs.reduce((a, b) => a + (b - m) ** 2, 0) / xs.length);
}

/** The spread of a run's valid predictions on a split, read as the run's primary readout. */
function predictionSd(run: RunSummary | undefined, split: Split): number {
  if (!run) return Number.NaN;
  return populationSd(
    primaryOf(run, split).pred.filter((x): x is number => typeof x === 'number' && Number.isFinite(x)),
  );
}

/** A readout this much narrower than the labels counts as constant (the plateau). */
const CONSTANT_SPREAD = 0.05;

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
      'prediction sd, A.1 / TRACT / A.2 (labels) | TRACT − A.1 (Δr) | TRACT − A.2 (Δr) |',
    '|---:|---:|---:|---|---|---|---|',
    ...rows.map(
      (r) =>
        `| ${r.shift} | ${fmt(r.clauseAccuracy)} | ${fmt(r.allCorrect)} | ` +
        `${fmt(r.rmseSelf)} / ${fmt(r.rmseReference)} | ` +
        `${fmt(r.spread.a1)} / ${fmt(r.spread.tract)} / ${fmt(r.spread.a2)} (${fmt(r.spread.labels)}) | ` +
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
  const constant = rows.flatMap((r) => {
    const judges = (
      [
        ['A.1', r.spread.a1],
        ['TRACT', r.spread.tract],
        ['A.2', r.spread.a2],
      ] as const
    ).filter(([, x]) => x < CONSTANT_SPREAD * r.spread.labels);
    return judges.length > 0 ? [`shift ${r.shift} (${judges.map(([name]) => name).join(', ')})`] : [];
  });
  if (constant.length > 0) {
    lines.push(
      `- Constant readouts (prediction sd below ${CONSTANT_SPREAD} of the labels' sd): ${constant.join('; ')}. ` +
        'These judges give almost the same expected score to every input, as a squared-error stage that never ' +
        'left the plateau does; their r comes from small differences around that constant, and a difference ' +
        'involving them compares plateaus rather than what stage 2 learnt from the self-CoTs.',
    );
  }
  const varying = rows.filter(
    (r) => r.overA1 && [r.spread.a1, r.spread.tract].every((x) => x >= CONSTANT_SPREAD * r.spread.labels),
  );
  if (varying.length > 0) {
    const better = varying.filter((r) => (r.overA1 as Gain).lo > 0);
    lines.push(
      `- Where neither TRACT nor A.1 is constant (${varying.length} of ${rows.length} rates), TRACT − A.1 is ` +
        `${varying.map((r) => `${(r.overA1 as Gain).value.toFixed(3)} at shift ${r.shift}`).join(', ')}: ` +
        (better.length === 0
          ? 'stage 2 beats its stage 1 significantly at none of them.'
          : `significantly above 0 at shift ${better.map((r) => r.shift).join(', ')}.`),
    );
  }
  return `${lines.join('\n')}\n`;
}
