import { strict as assert } from 'node:assert';
import { compareRun, runLabel, runSlug, runVariant, uniqueLabels } from '../../src/results/labels';

const run = (method: string, lambda = 1, nCot = 1, runId = `${method}-${lambda}-${nCot}`) => ({
  runId,
  metrics: { method },
  config: { objective: { lambda, lambdaRampSteps: 0, reduction: 'mean' as const }, eval: { nCot } } as never,
});

describe('results/labels', () => {
  it('a method alone is labelled by its id; λ and CoTs are added only where runs of it differ in them', () => {
    const runs = [run('raft'), run('tract', 0.5), run('tract', 1), run('tract', 1, 5)];
    assert.deepEqual(
      runs.map((r) => runLabel(r, runs)),
      ['raft', 'tract (λ=0.5, 1 CoT)', 'tract (λ=1, 1 CoT)', 'tract (λ=1, 5 CoTs)'],
    );
    assert.deepEqual(
      runs.map((r) => runSlug(r, runs)),
      ['raft', 'tract-lambda-0.5-1cot', 'tract-lambda-1-1cot', 'tract-lambda-1-5cot'],
    );
    assert.equal(runVariant(runs[0], runs), '');
  });

  it('1 vs 5 CoTs: the labels and file names differ (the n-CoT suite once gave two figures one name)', () => {
    const runs = [run('tract', 1, 1), run('tract', 1, 5)];
    assert.deepEqual(
      runs.map((r) => runLabel(r, runs)),
      ['tract (1 CoT)', 'tract (5 CoTs)'],
    );
    const slugs = runs.map((r) => runSlug(r, runs));
    assert.deepEqual(slugs, ['tract-1cot', 'tract-5cot']);
  });

  it('runs that cannot be told apart get their run id', () => {
    const runs = [run('tract', 1, 1, 'a'), run('tract', 1, 1, 'b')];
    assert.deepEqual(uniqueLabels(runs), ['tract [a]', 'tract [b]']);
  });

  it('compareRun: a label first, else the method with the default λ and CoTs, else its first run', () => {
    const runs = [run('raft'), run('tract', 0.5), run('tract', 1), run('tract', 2)];
    const labels = runs.map((r) => runLabel(r, runs));
    const d = { lambda: 1, nCot: 1 };
    assert.equal(compareRun(runs, labels, 'tract (λ=2)', d), runs[3]);
    assert.equal(compareRun(runs, labels, 'tract', d), runs[2]);
    assert.equal(compareRun(runs, labels, 'tract', { lambda: 7, nCot: 1 }), runs[1]);
    assert.equal(compareRun(runs, labels, 'trcat', d), undefined);
  });
});

describe('results/labels: TinyJudge v4 slip rates', () => {
  it('runs of one method at several data.shift values are told apart', () => {
    const at = (shift: number) => ({
      runId: `t${shift}`,
      metrics: { method: 'tract' },
      config: { objective: { lambda: 1 }, eval: { nCot: 1 }, data: { shift } } as never,
    });
    const runs = [at(0), at(0.1)];
    assert.deepEqual(
      runs.map((r) => runLabel(r, runs)),
      ['tract (shift=0)', 'tract (shift=0.1)'],
    );
  });
});
