/**
 * Where each squared-error training stage of a suite sat on the constant-score plateau
 * (`training/plateau.ts`), beside how the run ended: the numbers behind docs/results.md's reading that the
 * plateau, not the CoTs, decides TRACT's stage 2 on TinyJudge.
 *
 * @module notebook/plateaus
 */
import { join } from 'node:path';
import { IN_DOMAIN } from '../results/formats';
import { readTrainLog } from '../results/runFolder';
import { scorePlateau, type ScorePlateau } from '../training/plateau';
import { methodSpec } from '../tract/methods';
import { labeledRuns } from './readings';
import type { SuiteResults } from './suites';

/** One RAFT or CoT-RAFT stage of a run. */
export interface StagePlateau {
  label: string;
  seed: number;
  stage: string;
  objective: string;
  plateau: ScorePlateau;
  /** Teacher-forced validation r at the stage's last validation (NaN when the stage logged none). */
  finalValR: number;
  /** The run's in-domain test r with its primary readout. */
  testR: number;
}

/** The squared-error stages of a suite's runs (every seed), read from their train-log.csv files. */
export function stagePlateaus(res: Pick<SuiteResults, 'runs'>): StagePlateau[] {
  const out: StagePlateau[] = [];
  for (const runs of labeledRuns(res)) {
    for (const run of runs) {
      const spec = methodSpec(run.metrics.method);
      const log = readTrainLog(join(run.dir, 'train-log.csv'));
      const batch = run.config.train.batchSize * run.config.train.gradAccum;
      for (const stage of spec.stages) {
        if (stage.objective !== 'raft' && stage.objective !== 'cotRaft') continue;
        const rows = log.filter((r) => r.stage === stage.name);
        const vals = rows.map((r) => r.columns.eval_valPearson).filter((v) => Number.isFinite(v));
        out.push({
          label: run.label,
          seed: run.seed,
          stage: stage.name,
          objective: stage.objective,
          plateau: scorePlateau(rows, batch),
          finalValR: vals.length > 0 ? vals[vals.length - 1] : Number.NaN,
          testR: run.metrics.splits[IN_DOMAIN][run.metrics.primary].pearson,
        });
      }
    }
  }
  return out;
}

/** A Markdown table of {@link stagePlateaus}, one row per stage, by seed. */
export function plateauTable(rows: readonly StagePlateau[]): string {
  const f = (x: number) => (Number.isFinite(x) ? x.toFixed(3) : 'n/a');
  const lines = [
    '| run | seed | stage | objective | steps on the plateau | last plateau step | final validation r | ' +
      'in-domain test r |',
    '|---|---|---|---|---|---|---|---|',
  ];
  for (const r of rows) {
    const p = r.plateau;
    const last = p.lastStep === null ? 'none' : p.endedOn ? `${p.lastStep} (never left)` : String(p.lastStep);
    const cells = [
      r.label,
      r.seed,
      r.stage,
      r.objective,
      `${p.onSteps} of ${p.steps}`,
      last,
      f(r.finalValR),
      f(r.testR),
    ];
    lines.push(`| ${cells.join(' | ')} |`);
  }
  lines.push(
    '',
    '- A step is on the plateau when its logged squared-error term is a whole number of 1/batch: the expected ' +
      'score was one whole number for every example (`src/training/plateau.ts`). "Last plateau step": the end of ' +
      'the last stretch in which at least half of 20 consecutive steps are on it.',
  );
  return lines.join('\n');
}
