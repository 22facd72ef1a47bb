/**
 * notebook/plateaus: the plateau table of a suite's squared-error stages, from hand-written training logs
 * (TRACT: stage 1 never on the plateau, stage 2 on it for steps 11-50 of 80; the seed run has no stage).
 */
import { strict as assert } from 'node:assert';
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { plateauTable, stagePlateaus } from '../../src/notebook/plateaus';
import type { SuiteResults } from '../../src/notebook/suites';
import type { RunSummary } from '../../src/results/formats';

function fakeRun(dir: string, method: string, log: string[], testR: number): RunSummary {
  mkdirSync(dir, { recursive: true });
  writeFileSync(join(dir, 'train-log.csv'), `stage,step,loss,ce,score,eval_valPearson\n${log.join('\n')}\n`);
  const split = { rail: { pearson: testR }, standard: { pearson: Number.NaN } };
  return {
    runId: `${method}-0000`,
    dir,
    predictions: [],
    config: { method, train: { batchSize: 16, gradAccum: 1 }, objective: { lambda: 1 }, eval: { nCot: 1 } },
    metrics: { method, primary: 'rail', splits: { test: split, 'test-ood': split }, stages: [] },
  } as unknown as RunSummary;
}

describe('notebook/plateaus', () => {
  it('reads each RAFT/CoT-RAFT stage of every run: steps on the plateau, its end, final validation r', () => {
    const base = mkdtempSync(join(tmpdir(), 'tract-plateau-'));
    const stage1 = Array.from(
      { length: 80 },
      (_, i) => `stage1,${i + 1},1,0.5,${0.3003 + i * 1e-3},${i === 79 ? 0.99 : ''}`,
    );
    const stage2 = Array.from({ length: 80 }, (_, i) => {
      const score = i >= 10 && i < 50 ? (16 + (i % 5)) / 16 : 0.777 + i * 1e-4; // on it for steps 11-50
      return `stage2,${i + 1},1,0.5,${score},${i === 39 ? 0.2 : i === 79 ? 0.85 : ''}`;
    });
    const res = {
      runs: [
        [
          fakeRun(join(base, 'seed'), 'seed', [], 0.01),
          fakeRun(join(base, 'tract'), 'tract', [...stage1, ...stage2], 0.8),
        ],
      ],
    } as Pick<SuiteResults, 'runs'>;
    const rows = stagePlateaus(res);
    assert.deepEqual(
      rows.map((r) => [r.label, r.stage, r.objective, r.plateau.onSteps, r.plateau.lastStep, r.finalValR, r.testR]),
      [
        ['tract', 'stage1', 'cotRaft', 0, null, 0.99, 0.8],
        ['tract', 'stage2', 'cotRaft', 40, 50, 0.85, 0.8],
      ],
    );
    const table = plateauTable(rows);
    assert.match(table, /\| tract \| 0 \| stage2 \| cotRaft \| 40 of 80 \| 50 \| 0\.850 \| 0\.800 \|/);
    assert.match(table, /\| tract \| 0 \| stage1 \| cotRaft \| 0 of 80 \| none \| 0\.990 \| 0\.800 \|/);
  });
});
