import { strict as assert } from 'node:assert';
import { readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import {
  availableProfiles, loadOrRunSuite, notebookProfile, readoutTable, readSuiteResults, runModelPath, showMarkdown, showTable, suiteFilePath, suiteOutDir,
} from '../../src/report/notebook';
import type { Prediction } from '../../src/tract/evaluate';

const F = 'test/fixtures/notebook';

/** Every file under a folder with its modification time, to show that nothing was written. */
function snapshot(dir: string): string[] {
  return readdirSync(dir, { recursive: true, encoding: 'utf8' }).sort().map((f) => `${f} ${statSync(join(dir, f)).mtimeMs}`);
}

describe('report/notebook', () => {
  it('notebookProfile: TRACT_PROFILE, default full, only known profiles', () => {
    assert.deepEqual(availableProfiles(F), ['full', 'tiny']);
    assert.equal(notebookProfile({ env: {}, root: F }), 'full');
    assert.equal(notebookProfile({ env: { TRACT_PROFILE: '' }, root: F }), 'full');
    assert.equal(notebookProfile({ env: { TRACT_PROFILE: 'tiny' }, root: F }), 'tiny');
    assert.equal(notebookProfile({ env: { TRACT_PROFILE: 'full' }, root: F }), 'full');
    assert.throws(() => notebookProfile({ env: { TRACT_PROFILE: 'quick' }, root: F }), /TRACT_PROFILE=quick: unknown profile \(known: full, tiny\)/);
    assert.throws(() => notebookProfile({ env: { TRACT_PROFILE: '../x' }, root: F }), /unknown profile/);
    // the project's own profiles
    assert.equal(notebookProfile({ env: { TRACT_PROFILE: 'ci' } }), 'ci');
    assert.equal(notebookProfile({ env: { TRACT_PROFILE: 'quick' } }), 'quick');
  });

  it('names suite files and results folders as tract run does', () => {
    assert.equal(suiteFilePath('default'), 'experiments/suites/default.json');
    assert.equal(suiteFilePath('x/y.json'), 'x/y.json');
    assert.equal(suiteOutDir('experiments/suites/default.json', 'quick'), 'results/default');
    assert.equal(suiteOutDir('experiments/suites/default.json', 'full'), 'results/default-full');
    assert.equal(suiteOutDir('experiments/suites/ablations.json', 'ci', 'elsewhere'), 'elsewhere/ablations-ci');
  });

  it('loadOrRunSuite reads complete results without computing', async () => {
    const before = snapshot(F);
    const lines: string[] = [];
    const res = await loadOrRunSuite({ suite: 'default', profile: 'ci', resultsDir: join(F, 'results'), log: (l) => lines.push(l) });
    assert.equal(res.loaded, true);
    assert.equal(res.outDir, join(F, 'results', 'default-ci'));
    assert.equal(res.profile, 'ci');
    assert.equal(res.seeds, 1);
    assert.equal(res.suiteFile, 'experiments/suites/default.json');
    assert.match(res.table, /\| tract \| 0\.900 \|/);
    assert.deepEqual(res.runDirs, [`${F}/results/runs/seed-0000aaaa`, `${F}/results/runs/tract-0000bbbb`]);
    assert.equal(res.runs.length, 1);
    assert.deepEqual(res.runs[0].map((r) => [r.runId, r.metrics.method, r.predictions.length]), [['seed-0000aaaa', 'seed', 4], ['tract-0000bbbb', 'tract', 4]]);
    assert.equal(res.runs[0][1].metrics.splits.test.rail.pearson, 0.9);
    assert.equal(res.runs[0][1].predictions[3].split, 'test-ood');
    assert.match(lines.join('\n'), /results read from .*default-ci \(nothing computed\)/);
    assert.deepEqual(snapshot(F), before);
  });

  it('readSuiteResults says why results are incomplete', () => {
    const dir = join(F, 'results', 'default-ci');
    assert.match(readSuiteResults(dir, { profile: 'full' }) as string, /is for profile 'ci', not 'full'/);
    assert.match(readSuiteResults(dir, { profile: 'ci', seeds: 3 }) as string, /has 1 seed\(s\), not 3/);
    assert.equal(typeof readSuiteResults(dir, { profile: 'ci', seeds: 1 }), 'object');
    assert.match(readSuiteResults(join(F, 'results', 'incomplete-ci'), { profile: 'ci' }) as string, /no .*raft-0000cccc\/metrics\.json/);
    assert.match(readSuiteResults(join(F, 'results', 'none-ci'), { profile: 'ci' }) as string, /no .*none-ci\/summary\.json/);
  });

  it('runModelPath: the last stage in the cache, or the seed model', async () => {
    const res = await loadOrRunSuite({ suite: 'default', profile: 'ci', resultsDir: join(F, 'results'), log: () => {} });
    const [seed, tract] = res.runs[0];
    assert.equal(runModelPath(tract, join(F, 'results')), join(F, 'results', 'cache', 'stages', 'k2', 'model'));
    assert.equal(runModelPath(tract, 'elsewhere'), null);
    assert.equal(runModelPath(seed), 'models/stories260K');
  });

  it('readoutTable: probabilities, mass outside, RAIL and standard per CoT, then the mean', () => {
    const r = (probs: number[], standard: number | null, clauseCorrect: number) => ({
      cot: 'x', probs, massOutside: 1 - probs.reduce((a, b) => a + b, 0), rail: probs.reduce((s, p, i) => s + (i + 1) * p, 0), standard, clauseCorrect,
    });
    const pred: Prediction = {
      id: 'test-0', split: 'test', gold: 4.667, goldExact: 5, rail: 4.2, standard: 5,
      readouts: [r([0, 0, 0, 0.1, 0.9], 5, 4), r([0, 0, 0.2, 0.2, 0.5], null, 3)],
    };
    const lines = readoutTable(pred).split('\n');
    assert.equal(lines[0], '| CoT | clauses right | p(1) | p(2) | p(3) | p(4) | p(5) | outside | RAIL | standard |');
    assert.equal(lines[1], '| --- | --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |');
    assert.equal(lines[2], '| 1 | 4 | 0.00 | 0.00 | 0.00 | 0.100 | 0.900 | 0.00 | 4.90 | 5 |');
    assert.equal(lines[3], '| 2 | 3 | 0.00 | 0.00 | 0.200 | 0.200 | 0.500 | 0.100 | 3.90 | n/a |');
    assert.equal(lines[4], '| **mean** |  | 0.00 | 0.00 | 0.100 | 0.150 | 0.700 | 0.0500 | **4.20** | 5.00 |');
    assert.match(readoutTable(pred), /gold 5 \(label 4\.67\)/);
  });

  it('show* print to the console outside a kernel', () => {
    const out: string[] = [];
    const log = console.log;
    console.log = (s: string) => out.push(s);
    try {
      showMarkdown('**hi**');
      showTable({ title: 'T', labelColumns: ['m'], columns: [{ group: 'g', metric: 'pearson' }], rows: [{ labels: ['a'], cells: [{ value: 0.5 }] }], notes: [] });
    } finally {
      console.log = log;
    }
    assert.equal(out[0], '**hi**');
    assert.match(out[1], /\| a \| \*\*0\.500\*\* \|/);
  });
});
