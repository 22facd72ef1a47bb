import assert from 'node:assert/strict';
import { readPaperResults } from '../../src/data/paperResults';
import { paperAgreement, paperMethodOf } from '../../src/notebook/paperAgreement';
import type { SuiteResults } from '../../src/notebook/suites';
import { paperAverageR } from '../../src/report/paperTables';
import type { RunSummary, SplitMetrics } from '../../src/results/formats';
import { DEFAULT_EXPERIMENT } from '../../src/tract/config';
import { METHODS } from '../../src/tract/methods';

const paper = readPaperResults('data/reference/tract-paper-results.csv');

/** A run whose RAIL predictions are the gold scores plus `noise` × a fixed pattern. */
function run(method: string, noise: number, lambda = 1): RunSummary {
  const split = { n: 10, nInvalid: 0, pearson: 0, pearsonLo: 0, pearsonHi: 0, spearman: 0, kendall: 0, rmse: 0 };
  const metrics = (s: SplitMetrics) => ({ rail: s, standard: s, massOutside: 0, clauseAccuracy: NaN });
  return {
    runId: `${method}-${noise}`,
    dir: '',
    config: { ...DEFAULT_EXPERIMENT, objective: { ...DEFAULT_EXPERIMENT.objective, lambda } },
    predictions: ['test', 'test-ood'].flatMap((s) =>
      Array.from({ length: 40 }, (_, i) => {
        const g = 1 + (i % 5);
        return {
          id: `${s}-${i}`,
          split: s,
          gold: g,
          goldExact: g,
          readouts: [],
          rail: g + (((i * 7) % 5) - 2) * noise,
          standard: null,
        };
      }),
    ),
    metrics: {
      method,
      paperId: METHODS[method].paperId,
      decoding: 'cot-rail',
      primary: 'rail',
      selfCot: null,
      stages: [],
      lambdaRampSteps: 0,
      splits: { test: metrics(split), 'test-ood': metrics(split) },
    },
  };
}

function suite(runs: RunSummary[][]): SuiteResults {
  return {
    suiteFile: 's.json',
    profile: 'full',
    seeds: runs.length,
    compare: 'tract',
    outDir: 'x',
    loaded: true,
    table: '',
    runs,
    runDirs: [],
  };
}

describe('notebook/paperAgreement', () => {
  it("averages the paper's r over its four benchmarks, with each method's decoding", () => {
    // CE w/o CoT: FB Bench 0.890, FLASK 0.355, Vicuna 0.429, MT Bench 0.279 (the paper's text)
    assert.ok(Math.abs(paperAverageR(paper, { method: 'ce-no-cot' }) - (0.89 + 0.355 + 0.429 + 0.279) / 4) < 1e-12);
    assert.ok(Number.isNaN(paperAverageR(paper, { method: 'no-such-method' })));
    assert.deepEqual(paperMethodOf(run('tract', 0, 2)), { method: 'tract-lambda-2', nCot: 1 });
  });

  it('says agrees, reversed or not significant from the pooled paired bootstrap against the sign in the paper', () => {
    // the paper has TRACT above A.1 and RAFT above CE w/o CoT
    const seeds = [
      [run('tract', 0), run('cot-raft-ref', 1), run('raft', 1), run('ce-no-cot', 0), run('self-cot-ce', 0)],
      [run('tract', 0), run('cot-raft-ref', 1), run('raft', 1), run('ce-no-cot', 0), run('self-cot-ce', 0)],
    ];
    const text = paperAgreement(suite(seeds), paper, [
      ['tract', 'cot-raft-ref'],
      ['raft', 'ce-no-cot'],
      ['tract', 'self-cot-ce'],
    ]);
    const lines = text.trim().split('\n');
    assert.match(
      lines[0],
      /^- \*\*TRACT \[T\] − CoT-RAFT, reference CoTs only \[A\.1\]\*\*: paper Avg r 0\.649 vs 0\.556/,
    );
    assert.match(lines[0], /here over 2 seeds: in domain Δr \+0\.\d{3} .*\*\*agrees\*\*/);
    assert.match(lines[1], /in domain Δr −0\.\d{3} .*\*\*reversed\*\*/);
    assert.match(lines[2], /in domain Δr \+0\.000 \[\+0\.000, \+0\.000\] \(p = 1\.000\): not significant here/);
    assert.throws(() => paperAgreement(suite(seeds), paper, [['tract', 'mixed-cot']]), /no run labelled 'mixed-cot'/);
  });
});
