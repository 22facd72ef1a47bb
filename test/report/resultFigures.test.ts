import { strict as assert } from 'node:assert';
import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { displayLabel, figuresForResults, pearsonPoints } from '../../src/report/resultFigures';
import { parseTrainLog, readRunFolder, type RunData } from '../../src/results/runFolder';
import { readSuiteFolder } from '../../src/results/suiteFolder';

// test/fixtures/report: four hand-made runs (runs/<id>/) and two suites listing them
// (suite-main: raft, ce-cot, tract; suite-sweep: tract with λ = 0.5 and λ = 1).
const FIX = join(__dirname, '..', 'fixtures', 'report');
const RUN = join(FIX, 'runs', 'fx-tract-a1');

describe('results folders and report/resultFigures', () => {
  describe('parseTrainLog', () => {
    it('reads rows by column name; an empty cell is NaN', () => {
      const rows = parseTrainLog(
        'stage,step,loss,ce,score,eval_valPearson\nstage1,1,3,2,1,\nstage2,5,1.5,1.2,0.3,0.7\n',
        'log.csv',
      );
      assert.equal(rows.length, 2);
      assert.deepEqual(
        { ...rows[1], columns: undefined },
        { stage: 'stage2', step: 5, loss: 1.5, ce: 1.2, score: 0.3, columns: undefined },
      );
      assert.ok(Number.isNaN(rows[0].columns.eval_valPearson));
      assert.equal(rows[1].columns.eval_valPearson, 0.7);
    });

    it('a header-only log (no training) has no rows', () => {
      assert.deepEqual(parseTrainLog('stage\n', 'seed.csv'), []);
    });

    it('errors name the file, the line and the column', () => {
      assert.throws(() => parseTrainLog('', 'a.csv'), /a\.csv: empty/);
      assert.throws(() => parseTrainLog('step,loss\n1,2\n', 'a.csv'), /a\.csv: first column is 'step'/);
      assert.throws(() => parseTrainLog('stage,step,loss,ce\ns,1,2,3\n', 'a.csv'), /a\.csv: no 'score' column/);
      assert.throws(
        () => parseTrainLog('stage,step,loss,ce,score\ns,1,2,3\n', 'a.csv'),
        /a\.csv: line 2 has 4 fields, the header has 5/,
      );
      assert.throws(
        () => parseTrainLog('stage,step,loss,ce,score\ns,x,2,3,4\n', 'a.csv'),
        /a\.csv: line 2: step 'x' is not a number/,
      );
    });
  });

  it('readRunFolder reads metrics, predictions, the train log and the config', () => {
    const run = readRunFolder(RUN);
    assert.equal(run.runId, 'fx-tract-a1');
    assert.equal(run.metrics.method, 'tract');
    assert.equal(run.metrics.splits.test.rail.pearsonLo, 0.4);
    assert.equal(run.predictions.length, 8);
    assert.equal(run.predictions[2].standard, null);
    assert.deepEqual(
      run.trainLog.map((r) => `${r.stage}:${r.step}`),
      ['stage1:1', 'stage1:2', 'stage2:1', 'stage2:2'],
    );
    assert.equal(run.config.objective.lambda, 1);
  });

  describe('readRunFolder errors name the file and the field', () => {
    let dir: string;
    beforeEach(() => {
      dir = join(mkdtempSync(join(tmpdir(), 'tract-rundata-')), 'run');
      cpSync(RUN, dir, { recursive: true });
    });
    afterEach(() => rmSync(join(dir, '..'), { recursive: true, force: true }));
    /** Rewrites one JSON file of the run folder in place; `T` names the fields the edit touches. */
    const edit = <T>(file: string, f: (o: T) => void) => {
      const o = JSON.parse(readFileSync(join(dir, file), 'utf8')) as T;
      f(o);
      writeFileSync(join(dir, file), JSON.stringify(o));
    };

    it('missing files', () => {
      rmSync(join(dir, 'train-log.csv'));
      assert.throws(
        () => readRunFolder(dir),
        (e: Error) => e.message === `${join(dir, 'train-log.csv')}: no such file`,
      );
      rmSync(join(dir, 'metrics.json'));
      assert.throws(() => readRunFolder(dir), /metrics\.json: no such file/);
    });

    it('bad metrics.json, predictions.jsonl and config', () => {
      edit('metrics.json', (m: { splits: Record<string, { rail?: number }> }) => delete m.splits['test-ood'].rail);
      assert.throws(() => readRunFolder(dir), /metrics\.json: field 'splits\.test-ood\.rail' missing/);
      edit('metrics.json', (m: { primary: string }) => {
        m.primary = 'best';
      });
      assert.throws(() => readRunFolder(dir), /metrics\.json: field 'primary' is "best"/);
      cpSync(join(RUN, 'metrics.json'), join(dir, 'metrics.json'));
      writeFileSync(
        join(dir, 'predictions.jsonl'),
        '{"id":"a","split":"test","gold":3,"rail":2,"standard":null,"readouts":[{"probs":[1]}]}\n' +
          '{"id":"b","split":"test","rail":2}\n',
      );
      assert.throws(() => readRunFolder(dir), /predictions\.jsonl: record 2: field 'gold' missing/);
      cpSync(join(RUN, 'predictions.jsonl'), join(dir, 'predictions.jsonl'));
      edit('config.resolved.json', (c: { objective?: unknown }) => delete c.objective);
      assert.throws(() => readRunFolder(dir), /config\.resolved\.json: field 'objective\.lambda' missing/);
    });
  });

  it('readSuiteFolder finds the listed runs beside the suite folder', () => {
    const suite = readSuiteFolder(join(FIX, 'suite-main'));
    assert.deepEqual(
      suite.runs.map((r) => r.runId),
      ['fx-raft-b2', 'fx-ce-cot-c3', 'fx-tract-a1'],
    );
    assert.equal(suite.compare, 'tract');
    assert.equal(suite.profile, 'fixture');
    assert.equal(suite.runs[1].metrics.primary, 'standard');
  });

  it(
    'figuresForResults(suite): ablation bars from metrics.json, ' +
      'per-method figures, details of the compared method',
    () => {
      const figs = figuresForResults(join(FIX, 'suite-main'));
      assert.deepEqual(
        figs.map((f) => f.name),
        [
          'ablation-pearson',
          'scatter-raft',
          'calibration-raft',
          'scatter-ce-cot',
          'calibration-ce-cot',
          'scatter-tract',
          'calibration-tract',
          'training-tract',
          'rail-distribution-tract',
        ],
      );
      const bars = figs[0].figure;
      assert.deepEqual(bars.data[0].x, ['raft (B3)', 'ce-cot (B2)', 'tract (T)']);
      assert.deepEqual(bars.data[0].y, [0.2, 0.1, 0.6]); // test split, metrics.json
      assert.deepEqual(bars.data[1].y, [0.1, null, 0.3]); // ce-cot's out-of-domain r is NaN (null in JSON)
      const err = bars.data[0].error_y as { array: number[]; arrayminus: number[] };
      assert.ok(Math.abs(0.6 + err.array[2] - 0.8) < 1e-12 && Math.abs(0.6 - err.arrayminus[2] - 0.4) < 1e-12);
      assert.match(bars.layout.title!.text, /95% bootstrap intervals\), fixture profile/);
      // ce-cot reads standard decoding: its invalid prediction is dropped from the scatter
      const ceScatter = figs.find((f) => f.name === 'scatter-ce-cot')!.figure;
      assert.equal(ceScatter.data[0].x.length, 3);
      assert.match(ceScatter.layout.title!.text, /standard decoding vs gold/);
      assert.match(figs.find((f) => f.name === 'scatter-tract')!.figure.layout.title!.text, /CoT-RAIL vs gold/);
    },
  );

  it('figuresForResults(λ sweep suite): the sweep, labels with λ, details of the default λ', () => {
    const figs = figuresForResults(join(FIX, 'suite-sweep'));
    assert.deepEqual(
      figs.map((f) => f.name),
      [
        'ablation-pearson',
        'lambda-sweep',
        'scatter-tract-lambda-0.5',
        'calibration-tract-lambda-0.5',
        'scatter-tract-lambda-1',
        'calibration-tract-lambda-1',
        'training-tract-lambda-1',
        'rail-distribution-tract-lambda-1',
      ],
    );
    const sweep = figs[1].figure;
    // two splits, dodged by ±2% on the log axis; the real λ is in customdata
    assert.deepEqual(sweep.data[0].x, [0.5 * 10 ** -0.01, 10 ** -0.01]);
    assert.deepEqual(
      (sweep.data[0].customdata as number[][]).map((c) => c[0]),
      [0.5, 1],
    );
    assert.deepEqual(sweep.data[0].y, [0.5, 0.6]);
    assert.deepEqual(figs[0].figure.data[0].x, ['tract (T) (λ=0.5)', 'tract (T) (λ=1)']);
  });

  it('figuresForResults(run folder) and a folder that is neither', () => {
    assert.deepEqual(
      figuresForResults(RUN).map((f) => f.name),
      ['scatter-tract', 'calibration-tract', 'training-tract', 'rail-distribution-tract'],
    );
    assert.throws(
      () => figuresForResults(FIX),
      /neither a run folder \(no metrics\.json\) nor a suite results folder \(no summary\.json\)/,
    );
  });

  it('pearsonPoints: several seeds give mean ± sd over seeds', () => {
    const run = readRunFolder(RUN);
    const withR = (r: number): RunData => ({
      ...run,
      metrics: {
        ...run.metrics,
        splits: {
          ...run.metrics.splits,
          test: { ...run.metrics.splits.test, rail: { ...run.metrics.splits.test.rail, pearson: r } },
        },
      },
    });
    const { points, intervalNote } = pearsonPoints([[withR(0.2)], [withR(0.4)], [withR(0.6)]]);
    assert.equal(intervalNote, 'mean ± sd over 3 seeds');
    const p = points.find((q) => q.group === 'test')!;
    // mean 0.4, sd = sqrt((0.04 + 0 + 0.04) / 2) = 0.2
    assert.ok(
      Math.abs(p.value - 0.4) < 1e-12 && Math.abs(p.lo - 0.2) < 1e-12 && Math.abs(p.hi - 0.6) < 1e-12,
      JSON.stringify(p),
    );
    assert.equal(displayLabel(run, [run]), 'tract (T)');
  });
});
