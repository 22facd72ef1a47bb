import { strict as assert } from 'node:assert';
import { mkdirSync, mkdtempSync, readdirSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadPrometheusBenchmark, SHIPPED_BENCHMARKS, type BenchmarkRecord } from '../../src/data/benchmarks';
import type { JudgeTokens } from '../../src/data/judgeTokens';
import {
  benchmarkOverview,
  benchmarkOverviewTable,
  compareLabel,
  distributionShiftFigure,
  distributionShiftTable,
  findRun,
  labeledRuns,
  loadOrEvaluateBenchmark,
  loadOrRunSuite,
  notebookProfile,
  notebookResultsDir,
  staleRuns,
  profileWarning,
  readoutTable,
  readSuiteResults,
  runModelPath,
  showFigure,
  showMarkdown,
  showTable,
  suiteBars,
  suiteFigure,
  suiteFilePath,
  suiteReading,
  suiteRunTable,
  tableBars,
  type SuiteResults,
} from '../../src/notebook';
import { DEFAULT_EXPERIMENT } from '../../src/tract/config';
import { availableProfiles } from '../../src/tract/profiles';
import { expectedRunIds } from '../../src/tract/suite';
import { suiteOutDir } from '../../src/results/paths';
import type { DistributionShiftResult } from '../../src/tract/distributionShift';
import { splitMetrics } from '../../src/tract/evaluate';
import { useBackend } from '../helpers/backends';
import type { Prediction, Table } from '../../src/results/formats';

const F = 'test/fixtures/notebook';
const ROOT = join(__dirname, '..', '..');

/**
 * A run of a fake suite: method, λ, CoTs, and how far its predictions are from the labels per split (0 = exact;
 * null = all invalid).
 */
interface FakeRun {
  method: string;
  lambda?: number;
  nCot?: number;
  noise: [number | null, number | null];
}

/**
 * A suite folder in `root` as `runSuite` writes it (summary.json, table.md, runs/<id>/ with
 * metrics.json, predictions.jsonl, config.resolved.json, train-log.csv), read back with readSuiteResults.
 * Predictions: gold 1..5 twice per split; prediction = gold + noise·(fixed zig-zag), so a larger noise gives a lower r.
 */
function fakeSuite(root: string, runs: FakeRun[], profile = 'ci'): SuiteResults {
  const gold = [1, 2, 3, 4, 5, 1, 2, 3, 4, 5, 3, 3];
  const zig = [1.5, -1, 0.5, -1.5, 1, -0.5, 2, -2, 0.7, -0.7, 1.2, -1.2];
  const summary = runs.map((r, i) => {
    const runId = `${r.method}-${String(i).padStart(8, '0')}`;
    const dir = join(root, 'runs', runId);
    mkdirSync(dir, { recursive: true });
    const preds: Prediction[] = [];
    const splits: Record<string, unknown> = {};
    (['test', 'test-ood'] as const).forEach((split, s) => {
      const noise = r.noise[s];
      const ps = gold.map((g, j) => {
        const rail = noise === null ? 0 : g + noise * zig[j];
        return {
          id: `${split}-${j}`,
          split,
          gold: g,
          goldExact: g,
          rail,
          standard: noise === null ? null : Math.round(rail),
          readouts: [{ cot: null, probs: [0.2, 0.2, 0.2, 0.2, 0.2], massOutside: 0, rail, standard: null }],
        };
      });
      preds.push(...ps);
      const m = splitMetrics(
        ps.map((p) => (noise === null ? null : p.rail)),
        gold,
        50,
        `fake/${split}`,
      );
      splits[split] = { rail: m, standard: m, massOutside: 0, clauseAccuracy: null };
    });
    const metrics = {
      method: r.method,
      paperId: r.method === 'tract' ? 'T' : 'B3',
      decoding: 'cot-rail',
      primary: 'rail',
      splits,
      selfCot: null,
      stages: [],
      lambdaRampSteps: 0,
    };
    const config = {
      ...DEFAULT_EXPERIMENT,
      method: r.method,
      objective: { ...DEFAULT_EXPERIMENT.objective, lambda: r.lambda ?? 1 },
      eval: { ...DEFAULT_EXPERIMENT.eval, nCot: r.nCot ?? 1, bootstrapSamples: 50 },
    };
    writeFileSync(join(dir, 'metrics.json'), JSON.stringify(metrics));
    writeFileSync(join(dir, 'predictions.jsonl'), `${preds.map((p) => JSON.stringify(p)).join('\n')}\n`);
    writeFileSync(join(dir, 'config.resolved.json'), JSON.stringify(config));
    writeFileSync(join(dir, 'train-log.csv'), 'stage,step,loss,ce,score\nstage1,1,2,1.5,0.5\n');
    return { seed: 0, method: r.method, runId, dir };
  });
  const outDir = join(root, `suite-${profile}`);
  mkdirSync(outDir, { recursive: true });
  writeFileSync(
    join(outDir, 'summary.json'),
    JSON.stringify({ profile, seeds: 1, suite: 'experiments/suites/default.json', runs: summary }),
  );
  writeFileSync(join(outDir, 'table.md'), '(table)\n');
  const res = readSuiteResults(outDir, { profile });
  if (typeof res === 'string') throw new Error(res);
  return res;
}

/** Every file under a folder with its modification time, to show that nothing was written. */
function snapshot(dir: string): string[] {
  return readdirSync(dir, { recursive: true, encoding: 'utf8' })
    .sort()
    .map((f) => `${f} ${statSync(join(dir, f)).mtimeMs}`);
}

describe('notebook', () => {
  it('staleRuns: results whose run ids the current experiment files do not give are not read as the suite', () => {
    const suiteFile = 'experiments/suites/n-cot.json';
    const ids = expectedRunIds(suiteFile, 'ci', 2);
    assert.equal(ids.length, 2);
    assert.notDeepEqual(ids[0], ids[1]); // the seed is part of the run's settings
    const res = (runIds: string[][]) =>
      ({ outDir: 'o', seeds: runIds.length, runs: runIds.map((rs) => rs.map((runId) => ({ runId }))) }) as never;
    assert.equal(staleRuns(res(ids), suiteFile, 'ci'), null);
    assert.match(
      staleRuns(res([ids[0], [ids[1][0], 'tract-00000000']]), suiteFile, 'ci') ?? '',
      new RegExp(
        `^o holds runs made with other settings than ${suiteFile} gives now \\(seed 1: no run ${ids[1][1]}\\)$`,
      ),
    );
  });

  it('notebookResultsDir: TRACT_RESULTS, default results (as tract run)', () => {
    assert.equal(notebookResultsDir({}), 'results');
    assert.equal(notebookResultsDir({ TRACT_RESULTS: ' ' }), 'results');
    assert.equal(notebookResultsDir({ TRACT_RESULTS: 'results/ci' }), 'results/ci');
  });

  it('notebookProfile: TRACT_PROFILE, default full, only known profiles', () => {
    assert.deepEqual(availableProfiles(join(F, 'experiments')), ['full', 'tiny']);
    assert.equal(notebookProfile({ env: {}, root: F }), 'full');
    assert.equal(notebookProfile({ env: { TRACT_PROFILE: '' }, root: F }), 'full');
    assert.equal(notebookProfile({ env: { TRACT_PROFILE: 'tiny' }, root: F }), 'tiny');
    assert.equal(notebookProfile({ env: { TRACT_PROFILE: 'full' }, root: F }), 'full');
    assert.throws(
      () => notebookProfile({ env: { TRACT_PROFILE: 'quick' }, root: F }),
      /TRACT_PROFILE=quick: unknown profile \(known: full, tiny\)/,
    );
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
    const res = await loadOrRunSuite({
      suite: 'default',
      profile: 'ci',
      resultsDir: join(F, 'results'),
      log: (l) => lines.push(l),
      checkSettings: false, // the fixture's run ids are made up (staleRuns is tested above)
    });
    assert.equal(res.loaded, true);
    assert.equal(res.outDir, join(F, 'results', 'default-ci'));
    assert.equal(res.profile, 'ci');
    assert.equal(res.seeds, 1);
    assert.equal(res.suiteFile, 'experiments/suites/default.json');
    assert.match(res.table, /\| tract \| 0\.900 \|/);
    assert.deepEqual(res.runDirs, [`${F}/results/runs/seed-0000aaaa`, `${F}/results/runs/tract-0000bbbb`]);
    assert.equal(res.runs.length, 1);
    assert.deepEqual(
      res.runs[0].map((r) => [r.runId, r.metrics.method, r.predictions.length]),
      [
        ['seed-0000aaaa', 'seed', 4],
        ['tract-0000bbbb', 'tract', 4],
      ],
    );
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
    assert.match(
      readSuiteResults(join(F, 'results', 'incomplete-ci'), { profile: 'ci' }) as string,
      /raft-0000cccc: no .*metrics\.json/,
    );
    assert.match(
      readSuiteResults(join(F, 'results', 'none-ci'), { profile: 'ci' }) as string,
      /no .*none-ci\/summary\.json/,
    );
  });

  it('runModelPath: the last stage in the cache, or the seed model', async () => {
    const res = await loadOrRunSuite({
      suite: 'default',
      profile: 'ci',
      resultsDir: join(F, 'results'),
      log: () => {},
      checkSettings: false,
    });
    const [seed, tract] = res.runs[0];
    assert.equal(runModelPath(tract, join(F, 'results')), join(F, 'results', 'cache', 'stages', 'k2', 'model'));
    assert.equal(runModelPath(tract, 'elsewhere'), null);
    assert.equal(runModelPath(seed), 'models/stories260K');
  });

  it('readoutTable: probabilities, mass outside, RAIL and standard per CoT, then the mean', () => {
    const r = (probs: number[], standard: number | null, clauseCorrect: number) => ({
      cot: 'x',
      probs,
      massOutside: 1 - probs.reduce((a, b) => a + b, 0),
      rail: probs.reduce((s, p, i) => s + (i + 1) * p, 0),
      standard,
      clauseCorrect,
    });
    const pred: Prediction = {
      id: 'test-0',
      split: 'test',
      gold: 4.667,
      goldExact: 5,
      rail: 4.2,
      standard: 5,
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

  it('show* print to the console outside a kernel', async () => {
    const out: string[] = [];
    const log = console.log;
    console.log = (s: string) => out.push(s);
    try {
      showMarkdown('**hi**');
      showTable({
        title: 'T',
        labelColumns: ['m'],
        columns: [{ group: 'g', metric: 'pearson' }],
        rows: [{ labels: ['a'], cells: [{ value: 0.5 }] }],
        notes: [],
      });
      await showFigure({ data: [{ name: 'in-domain' }, { name: 'OOD' }], layout: { title: { text: 'Bars' } } });
    } finally {
      console.log = log;
    }
    assert.equal(out[0], '**hi**');
    assert.match(out[1], /\| a \| \*\*0\.500\*\* \|/);
    assert.equal(out[2], '[figure] Bars (in-domain, OOD)');
  });

  describe('runs of a suite: labels, tables, bars, reading', () => {
    const root = mkdtempSync(join(tmpdir(), 'tract-nb-'));
    const sweep = fakeSuite(join(root, 'sweep'), [
      { method: 'tract', lambda: 0.5, noise: [0.8, 0.3] },
      { method: 'tract', lambda: 1, noise: [0.1, 0.6] },
      { method: 'tract', lambda: 1, nCot: 5, noise: [0.05, 0.6] },
      { method: 'raft', noise: [null, 0.2] },
    ]);

    it('labeledRuns tells runs of one method apart by λ and number of CoTs; findRun; compareLabel', () => {
      assert.deepEqual(
        labeledRuns(sweep)[0].map((r) => r.label),
        ['tract (λ=0.5, 1 CoT)', 'tract (λ=1, 1 CoT)', 'tract (λ=1, 5 CoTs)', 'raft'],
      );
      assert.equal(findRun(sweep, 'raft').config.method, 'raft');
      assert.throws(() => findRun(sweep, 'tract'), /no run labelled 'tract' \(runs: tract \(λ=0\.5, 1 CoT\), .*raft\)/);
      // default λ and one CoT (the suite file, default.json, compares 'tract')
      assert.equal(compareLabel(sweep), 'tract (λ=1, 1 CoT)');
      const plain = fakeSuite(join(root, 'plain'), [
        { method: 'raft', noise: [0.5, 0.5] },
        { method: 'tract', noise: [0.1, 0.1] },
      ]);
      assert.deepEqual(
        labeledRuns(plain)[0].map((r) => r.label),
        ['raft', 'tract'],
      );
      assert.equal(compareLabel(plain), 'tract');
      // runs that nothing tells apart keep their run id
      const twins = fakeSuite(join(root, 'twins'), [
        { method: 'raft', noise: [0.5, 0.5] },
        { method: 'raft', noise: [0.4, 0.4] },
      ]);
      assert.deepEqual(
        labeledRuns(twins)[0].map((r) => r.label),
        ['raft [raft-00000000]', 'raft [raft-00000001]'],
      );
    });

    it('suiteRunTable: one row per run, verdicts of the compared run against the others', () => {
      const md = suiteRunTable(sweep);
      assert.match(md, /\| TRACT \(λ=0\.5, 1 CoT\) \| T \| tract \(λ=0\.5, 1 CoT\) \| /);
      assert.match(md, /\| TRACT \(λ=1, 5 CoTs\) \| T \| tract \(λ=1, 5 CoTs\) \| /);
      assert.match(md, /\| RAFT \| B3 \| raft \| n\/a \|/);
      assert.doesNotMatch(md, /\*\*Other metrics/);
      assert.match(suiteRunTable(sweep, { secondary: true }), /\*\*Other metrics[\s\S]*\| raft \| CoT-RAIL \| /);
      assert.match(md, /\| tract \(λ=1, 1 CoT\) vs tract \(λ=0\.5, 1 CoT\) \| /);
      assert.doesNotMatch(md, /mean of train labels/);
      const two = suiteRunTable(sweep, { labels: ['raft', 'tract (λ=0.5, 1 CoT)'], compare: 'raft' });
      assert.doesNotMatch(two, /λ=1/);
      assert.match(two, /\| raft vs tract \(λ=0\.5, 1 CoT\) \| /);
      assert.throws(() => suiteRunTable(sweep, { labels: ['nope'] }), /no run labelled 'nope'/);
    });

    it('suiteBars: Pearson r and its interval per run and split', () => {
      const fig = suiteBars(sweep, { labels: ['tract (λ=0.5, 1 CoT)', 'raft'] });
      assert.deepEqual(
        fig.data.map((t) => t.name),
        ['in-domain', 'out-of-domain'],
      );
      assert.deepEqual(fig.data[0].x, ['tract (λ=0.5, 1 CoT)', 'raft']);
      const m = findRun(sweep, 'tract (λ=0.5, 1 CoT)').metrics.splits.test.rail;
      assert.equal(fig.data[0].y[0], m.pearson);
      assert.equal(fig.data[0].y[1], null); // raft in-domain: no valid prediction
      assert.match(fig.layout.title!.text, /95% bootstrap intervals.*ci profile/);
    });

    it(
      'suiteReading: warning off full, best run per split and whether its interval overlaps the compared run, ' +
        'verdicts',
      () => {
        const text = suiteReading(sweep);
        assert.match(text, /^\*\*Warning: profile 'ci' \(3 training steps on 32 training examples\)\.\*\*/);
        assert.match(
          text,
          new RegExp(
            [
              /- In-domain \(n = 12\): highest r: \*\*tract \(λ=1, 5 CoTs\)\*\* [\d.]+ \[[\d.]+, [\d.]+\]; /,
              /tract \(λ=1, 1 CoT\): [\d.]+ \[[\d.]+, [\d.]+\]; the intervals overlap; /,
              /no valid r: raft \(12 invalid\)\./,
            ]
              .map((r) => r.source)
              .join(''),
          ),
        );
        assert.match(text, /- Out-of-domain \(n = 12\): highest r: \*\*raft\*\*/);
        assert.match(text, /Paired bootstrap of tract \(λ=1, 1 CoT\) against each run/);
        assert.match(
          text,
          / {2}- tract \(λ=1, 1 CoT\) vs tract \(λ=0\.5, 1 CoT\): in-domain .* \(p = [\d.]+\); out-of-domain/,
        );
        // the compared run is the best: the next one is named
        const two = suiteReading(sweep, { labels: ['tract (λ=0.5, 1 CoT)', 'tract (λ=1, 1 CoT)'] });
        assert.match(
          two,
          /- In-domain \(n = 12\): highest r: \*\*tract \(λ=1, 1 CoT\)\*\* [^;]+; next: tract \(λ=0\.5, 1 CoT\) [\d.]+/,
        );
        const full = fakeSuite(
          join(root, 'full'),
          [
            { method: 'raft', noise: [0.5, 0.5] },
            { method: 'tract', noise: [0.1, 0.1] },
          ],
          'full',
        );
        assert.doesNotMatch(suiteReading(full), /Warning/);
        assert.doesNotMatch(suiteReading(sweep, { warning: false }), /Warning/);
        // several seeds: means with sd and the value of every seed, verdicts pooled
        const seeds2 = suiteReading({ ...sweep, seeds: 2, runs: [sweep.runs[0], sweep.runs[0]] }, { warning: false });
        assert.match(
          seeds2,
          /- In-domain: highest mean r over 2 seeds: \*\*tract \(λ=1, 5 CoTs\)\*\* ([\d.]+) ± 0\.000 \(seeds: \1, \1\)/,
        );
        assert.match(seeds2, /; tract \(λ=1, 1 CoT\): ([\d.]+) ± 0\.000 \(seeds: \1, \1\)\./);
        assert.match(seeds2, /Paired bootstrap of tract \(λ=1, 1 CoT\) against each run, pooled over 2 seeds/);
        assert.doesNotMatch(seeds2, /intervals overlap/);
      },
    );

    it('suiteFigure: a named figure of the results folder', () => {
      const plain = fakeSuite(join(root, 'fig'), [
        { method: 'raft', noise: [0.5, 0.5] },
        { method: 'tract', noise: [0.1, 0.1] },
      ]);
      assert.equal(suiteFigure(plain, 'scatter-raft').data[0].type, 'scatter');
      assert.ok(suiteFigure(plain, 'ablation-pearson'));
      assert.throws(() => suiteFigure(plain, 'nope'), /no figure 'nope' \(figures: ablation-pearson, scatter-raft, /);
    });
  });

  it('profileWarning: null for full, steps and examples of the profile otherwise', () => {
    assert.equal(profileWarning('full'), null);
    assert.match(profileWarning('ci')!, /profile 'ci' \(3 training steps on 32 training examples\)/);
    assert.match(profileWarning('tiny', F)!, /profile 'tiny'/);
  });

  it('tableBars: cells of one metric as grouped bars, intervals kept', () => {
    const t: Table = {
      title: 'T',
      labelColumns: ['method', 'decoding'],
      notes: [],
      columns: [
        { group: 'A', metric: 'pearson' },
        { group: 'A', metric: 'rmse' },
        { group: 'B', metric: 'pearson' },
      ],
      rows: [
        { labels: ['x', 'rail'], cells: [{ value: 0.5 }, { value: 1 }, { value: 0.6, lo: 0.4, hi: 0.7 }] },
        { labels: ['y', 'std'], cells: [{ value: 0.2 }, null, null] },
      ],
    };
    const fig = tableBars(t);
    assert.deepEqual(
      fig.data.map((d) => d.name),
      ['A', 'B'],
    );
    assert.deepEqual(fig.data[0].x, ['x', 'y']);
    assert.deepEqual(fig.data[0].y, [0.5, 0.2]);
    assert.deepEqual(fig.data[1].y, [0.6, null]);
    const err = fig.data[1].error_y as { array: number[]; arrayminus: number[] };
    assert.ok(Math.abs(err.array[0] - 0.1) < 1e-12 && Math.abs(err.arrayminus[0] - 0.2) < 1e-12);
    assert.equal(fig.layout.title!.text, 'T');
    assert.deepEqual(tableBars(t, { groups: ['B'], labelColumns: [0, 1] }).data[0].x, ['x, rail', 'y, std']);
    assert.throws(() => tableBars(t, { metric: 'kendall' }), /no 'kendall' columns/);
  });

  it('distributionShiftTable and distributionShiftFigure: ours beside the paper', () => {
    const res: DistributionShiftResult = {
      ids: ['train-0', 'train-1'],
      target: [1, 3],
      rows: [
        {
          model: 'stage1',
          cots: 'reference',
          condition: 'stage 1 · reference CoTs',
          n: 2,
          rmse: 0.25,
          meanRail: 2,
          meanTarget: 2,
          paper: 0.12,
          rail: [1.25, 2.75],
        },
        {
          model: 'stage2',
          cots: 'stage1-self',
          condition: 'stage 2 · stage-1 CoTs (its training CoTs)',
          n: 2,
          rmse: 0.5,
          meanRail: 2,
          meanTarget: 2,
          paper: null,
          rail: [1.5, 2.5],
        },
      ],
      sources: { stage1: 's1/model', stage2: 's2/model', selfCots: 'x.jsonl' },
    };
    const md = distributionShiftTable(res).split('\n');
    assert.equal(md[2], '| stage 1 · reference CoTs | 2 | 0.250 | 2.00 | 2.00 | 0.12 |');
    assert.equal(md[3], '| stage 2 · stage-1 CoTs (its training CoTs) | 2 | 0.500 | 2.00 | 2.00 | n/a |');
    const fig = distributionShiftFigure(res, 'ci');
    assert.deepEqual(
      fig.data.map((d) => d.name),
      ['TinyJudge (ours, ci)', 'paper (Mistral-7B)'],
    );
    assert.deepEqual(fig.data[0].y, [0.25, 0.5]);
    assert.deepEqual(fig.data[1].y, [0.12, null]);
    assert.deepEqual(fig.data[0].x, ['stage 1 · reference CoTs', 'stage 2 · stage-1 CoTs (its training CoTs)']);
    assert.match((fig.layout.xaxis as { title: { text: string } }).title.text, /^condition: /);
  });

  it('benchmarkOverview: records, labels and prompt lengths under a tokenizer', () => {
    const jt = { prompt: (t: string) => t.split(' ') } as unknown as JudgeTokens;
    const rec = (prompt: string, label: number) => ({ prompt, label }) as BenchmarkRecord;
    const o = benchmarkOverview('b', [rec('a b c  ', 4), rec('a', 2), rec('a b c d e', 3), rec('a b', 5)], jt, 3);
    assert.deepEqual(o, {
      benchmark: 'b',
      records: 4,
      labelMean: 3.5,
      labelMin: 2,
      labelMax: 5,
      promptTokens: { min: 1, median: 2, p95: 3, max: 5 },
      overBudget: 1,
      budget: 3,
    });
    assert.match(
      benchmarkOverviewTable([o]),
      /\| b \| 4 \| 3\.500 \| 2\.00–5\.00 \| 1 \/ 2 \/ 3 \/ 5 \| 1 of 4 \(budget 3\) \|/,
    );
    assert.throws(() => benchmarkOverview('b', [], jt, 3), /b: no records/);
  });

  it('loadOrEvaluateBenchmark: computes once, then reads the run back without writing', async function () {
    this.timeout(120000);
    await useBackend('wasm');
    const resultsDir = mkdtempSync(join(tmpdir(), 'tract-nb-eval-'));
    const opts = {
      model: join(ROOT, 'models', 'stories260K'),
      benchmark: 'vicuna',
      limit: 2,
      maxNewTokens: 4,
      batchSize: 2,
      bootstrapSamples: 20,
      resultsDir,
      backend: null,
      log: () => {},
    };
    const first = await loadOrEvaluateBenchmark(opts);
    assert.equal(first.loaded, false);
    assert.equal(first.metrics.judged, 2);
    const before = snapshot(resultsDir);
    const lines: string[] = [];
    const again = await loadOrEvaluateBenchmark({ ...opts, log: (l) => lines.push(l) });
    assert.equal(again.loaded, true);
    assert.equal(again.dir, first.dir);
    assert.deepEqual(again.predictions, first.predictions);
    assert.equal(again.metrics.judged, 2);
    assert.equal(again.metrics.rail.n, first.metrics.rail.n);
    assert.match(lines.join('\n'), /\[eval vicuna\] results read from .* \(nothing computed\)/);
    assert.deepEqual(snapshot(resultsDir), before);
    // other settings: another run
    const other = await loadOrEvaluateBenchmark({ ...opts, seed: 7 });
    assert.equal(other.loaded, false);
    assert.notEqual(other.dir, first.dir);
    assert.equal(loadPrometheusBenchmark(join(ROOT, SHIPPED_BENCHMARKS.vicuna)).records.length, 320);
  });
});
