import { strict as assert } from 'node:assert';
import {
  ablationBars,
  calibrationBins,
  calibrationPlot,
  formatSigned,
  goldScoreShares,
  lambdaSweep,
  meanScoreProbs,
  methodLabel,
  PALETTE,
  predictedVsGold,
  railDistribution,
  trainingCurves,
  type Figure,
  type IntervalPoint,
} from '../../src/report/figures';
import type { Prediction } from '../../src/results/formats';

/** A prediction with one readout. */
function pred(id: string, split: string, gold: number, probs: number[], standard: number | null): Prediction {
  const rail = probs.reduce((s, q, k) => s + (k + 1) * q, 0);
  return {
    id,
    split,
    gold,
    goldExact: Math.round(gold),
    readouts: [{ cot: null, probs, massOutside: 1 - probs.reduce((a, b) => a + b, 0), rail, standard }],
    rail,
    standard,
  };
}

/** Every figure must be plain JSON (NaN would become null in a notebook's display). */
function assertPlainJson(fig: Figure): void {
  assert.deepEqual(JSON.parse(JSON.stringify(fig)), fig);
}

const close = (a: number, b: number) => assert.ok(Math.abs(a - b) < 1e-12, `${a} vs ${b}`);

describe('report/figures', () => {
  it('names methods as "id (paperId)" and splits as in the table', () => {
    assert.equal(methodLabel('tract'), 'tract (T)');
    assert.equal(methodLabel('ce-no-cot'), 'ce-no-cot (B1)');
    assert.equal(methodLabel('seed'), 'seed'); // paperId '-'
    assert.equal(methodLabel('not-a-method'), 'not-a-method');
    assert.equal(formatSigned(-0.204, 2), '\u22120.20');
    assert.equal(formatSigned(NaN, 2), 'n/a');
  });

  describe('calibrationBins', () => {
    it('equal-count: sorted runs of ⌊i·n/bins⌋..⌊(i+1)·n/bins⌋−1, nulls dropped', () => {
      // sorted by prediction: (1,1) (2,1) | (3,2) (4,2) | (5,3) (6,9)
      const bins = calibrationBins([6, null, 1, 3, 2, 5, 4], [9, 5, 1, 2, 1, 3, 2], { bins: 3, mode: 'equal-count' });
      assert.deepEqual(bins, [
        { lo: 1, hi: 2, n: 2, meanPred: (1 + 2) / 2, meanGold: (1 + 1) / 2 },
        { lo: 3, hi: 4, n: 2, meanPred: (3 + 4) / 2, meanGold: (2 + 2) / 2 },
        { lo: 5, hi: 6, n: 2, meanPred: (5 + 6) / 2, meanGold: (3 + 9) / 2 },
      ]);
      // n = 7, 3 bins: cuts at ⌊7/3⌋ = 2 and ⌊14/3⌋ = 4, so sizes 2, 2, 3
      const seven = calibrationBins([1, 2, 3, 4, 5, 6, 7], [1, 1, 1, 1, 1, 1, 1], { bins: 3, mode: 'equal-count' });
      assert.deepEqual(
        seven.map((b) => b.n),
        [2, 2, 3],
      );
      assert.equal(seven[2].meanPred, (5 + 6 + 7) / 3);
      // equal-count is the default
      assert.deepEqual(
        calibrationBins([1, 2, 3, 4], [1, 2, 3, 4], { bins: 2 }).map((b) => b.meanPred),
        [1.5, 3.5],
      );
    });

    it('equal-width: [lo, hi) intervals of the range, the last closed, empty bins left out', () => {
      // range [1, 5], 4 bins of width 1: [1,2) holds 1 and 1.5; [2,3) is empty; [3,4) holds 3; [4,5] holds 5
      const bins = calibrationBins([1, 1.5, 3, 5], [2, 3, 3, 4], { bins: 4, mode: 'equal-width' });
      assert.deepEqual(bins, [
        { lo: 1, hi: 2, n: 2, meanPred: (1 + 1.5) / 2, meanGold: (2 + 3) / 2 },
        { lo: 3, hi: 4, n: 1, meanPred: 3, meanGold: 3 },
        { lo: 4, hi: 5, n: 1, meanPred: 5, meanGold: 4 },
      ]);
      // a given range drops predictions outside it
      assert.deepEqual(calibrationBins([0, 1, 2], [1, 1, 2], { bins: 1, mode: 'equal-width', range: [1, 2] }), [
        { lo: 1, hi: 2, n: 2, meanPred: 1.5, meanGold: 1.5 },
      ]);
    });

    it('rejects bad input', () => {
      assert.throws(() => calibrationBins([1, 2], [1], {}), /2 predictions but 1 labels/);
      assert.throws(() => calibrationBins([1], [1], { bins: 0 }), /positive integer/);
      assert.deepEqual(calibrationBins([null], [1]), []);
    });

    it('calibrationPlot draws the bins, one line per series, and the diagonal', () => {
      const fig = calibrationPlot([{ name: 'a', pred: [1, 2, 3, 4], gold: [2, 2, 4, 4] }], { bins: 2 });
      assert.deepEqual(fig.data[0].x, [1.5, 3.5]);
      assert.deepEqual(fig.data[0].y, [2, 4]);
      assert.deepEqual(fig.data[0].customdata, [2, 2]);
      assert.deepEqual(
        [fig.data[1].x, fig.data[1].y],
        [
          [1, 5],
          [1, 5],
        ],
      );
      assert.match(fig.layout.title!.text, /calibration \(2 equal-count bins\)/);
      assertPlainJson(fig);
    });
  });

  it('ablationBars: one trace per split, error bars span exactly [lo, hi], NaN is a gap', () => {
    const points: IntervalPoint[] = [
      { label: 'raft (B3)', group: 'test', value: 0.2, lo: -0.1, hi: 0.45 },
      { label: 'tract (T)', group: 'test', value: 0.6, lo: 0.5, hi: 0.9 },
      { label: 'raft (B3)', group: 'test-ood', value: 0.1, lo: 0.05, hi: 0.3 },
      { label: 'tract (T)', group: 'test-ood', value: NaN, lo: NaN, hi: NaN },
    ];
    const fig = ablationBars(points);
    assert.equal(fig.data.length, 2);
    assert.deepEqual(
      fig.data.map((t) => t.name),
      ['in-domain', 'out-of-domain'],
    );
    for (const trace of fig.data) {
      assert.equal(trace.type, 'bar');
      assert.deepEqual(trace.x, ['raft (B3)', 'tract (T)']);
      const err = trace.error_y as { array: number[]; arrayminus: number[]; symmetric: boolean };
      assert.equal(err.symmetric, false);
      const group = trace.name === 'in-domain' ? 'test' : 'test-ood';
      trace.x.forEach((label, i) => {
        const p = points.find((q) => q.label === label && q.group === group)!;
        if (!Number.isFinite(p.value)) {
          assert.equal(trace.y[i], null);
          return;
        }
        close(trace.y[i]! + err.array[i], p.hi);
        close(trace.y[i]! - err.arrayminus[i], p.lo);
      });
    }
    assert.equal(fig.layout.barmode, 'group');
    assert.equal((fig.layout.yaxis as { title: { text: string } }).title.text, 'Pearson r');
    assertPlainJson(fig);
  });

  it('predictedVsGold: points are the inputs (gold on x), invalid ones dropped and counted', () => {
    const preds = [
      pred('a', 'test', 1, [1, 0, 0, 0, 0], 1),
      pred('b', 'test', 3, [0, 0, 1, 0, 0], null),
      pred('c', 'test', 5, [0, 0, 0, 0.5, 0.5], 4),
      pred('d', 'test-ood', 2, [0, 1, 0, 0, 0], 2),
    ];
    const fig = predictedVsGold(preds, { readout: 'standard', method: 'ce-cot' });
    assert.deepEqual(fig.data[0].x, [1, 5]);
    assert.deepEqual(fig.data[0].y, [1, 4]);
    assert.deepEqual(fig.data[0].text, ['a', 'c']);
    assert.match(fig.data[0].name!, /^in-domain \(r = 1\.00, n = 2, 1 invalid\)$/);
    assert.deepEqual(fig.data[1].x, [2]);
    assert.match(fig.data[1].name!, /^out-of-domain \(r = n\/a, n = 1\)$/);
    assert.equal(fig.data[2].name, 'y = x');
    assert.equal(fig.layout.title!.text, 'ce-cot (B2): standard decoding vs gold');
    const rail = predictedVsGold(preds, { readout: 'rail', splits: ['test'] });
    assert.equal(rail.data.length, 2); // one split and the diagonal
    assert.deepEqual(rail.data[0].y, [1, 3, 4.5]);
    assertPlainJson(fig);
  });

  it('trainingCurves: CE and score loss against the step, one line per stage in each panel', () => {
    const rows = [
      { stage: 'stage1', step: 1, ce: 3, score: 1 },
      { stage: 'stage1', step: 2, ce: 2, score: NaN },
      { stage: 'stage2', step: 1, ce: 2.5, score: 0.5 },
    ];
    const fig = trainingCurves(rows, { method: 'tract' });
    assert.equal(fig.data.length, 4);
    const [ce1, sc1, ce2, sc2] = fig.data;
    assert.deepEqual([ce1.x, ce1.y, ce1.yaxis], [[1, 2], [3, 2], 'y']);
    assert.deepEqual([sc1.x, sc1.y, sc1.yaxis], [[1, 2], [1, null], 'y2']);
    assert.deepEqual([ce2.name, ce2.y, sc2.y], ['stage2', [2.5], [0.5]]);
    assert.equal(sc1.showlegend, false);
    assert.equal((ce1.line as { color: string }).color, (sc1.line as { color: string }).color);
    assert.notEqual((ce1.line as { color: string }).color, (ce2.line as { color: string }).color);
    assertPlainJson(fig);
  });

  it('railDistribution, meanScoreProbs and goldScoreShares', () => {
    const preds = [pred('a', 'test', 1, [0.5, 0.5, 0, 0, 0], 1), pred('b', 'test', 3, [0, 0.2, 0.6, 0.1, 0.1], 3)];
    preds[1].readouts.push({ ...preds[1].readouts[0], probs: [0, 0, 0.2, 0.4, 0.4] });
    // prediction b averages its two readouts: [0, 0.1, 0.4, 0.25, 0.25]
    const mean = meanScoreProbs(preds);
    [(0.5 + 0) / 2, (0.5 + 0.1) / 2, (0 + 0.4) / 2, (0 + 0.25) / 2, (0 + 0.25) / 2].forEach((v, k) => {
      close(mean[k], v);
    });
    assert.deepEqual(goldScoreShares(preds), [0.5, 0, 0.5, 0, 0]);
    const fig = railDistribution([
      { name: 'mean', probs: mean },
      { name: 'one', probs: preds[0].readouts[0].probs },
    ]);
    assert.deepEqual(fig.data[0].x, [1, 2, 3, 4, 5]);
    assert.deepEqual(fig.data[1].y, [0.5, 0.5, 0, 0, 0]);
    assert.deepEqual(
      fig.data.map((t) => (t.marker as { color: string }).color),
      [PALETTE[0], PALETTE[1]],
    );
    assert.throws(() => goldScoreShares([{ ...preds[0], goldExact: 7 }]), /goldExact 7 outside 1\.\.5/);
    assertPlainJson(fig);
  });

  it('lambdaSweep: sorted by λ per split on a log axis with a tick per λ, splits dodged, error bars [lo, hi]', () => {
    const pts = [
      { lambda: 5, split: 'test', value: 0.4, lo: 0.3, hi: 0.5 },
      { lambda: 0.1, split: 'test', value: 0.2, lo: 0.1, hi: 0.35 },
      { lambda: 1, split: 'test', value: 0.5, lo: 0.45, hi: 0.6 },
    ];
    const fig = lambdaSweep(pts, { method: 'tract' });
    assert.deepEqual(fig.data[0].x, [0.1, 1, 5]); // one split: no dodge
    const two = lambdaSweep([...pts, { lambda: 1, split: 'test-ood', value: 0.1, lo: 0, hi: 0.2 }]);
    close((two.data[0].x as number[])[1], 10 ** -0.01);
    close((two.data[1].x as number[])[0], 10 ** 0.01);
    assert.deepEqual((two.data[1].customdata as number[][])[0], [1, 0, 0.2]);
    assert.throws(() => lambdaSweep([{ ...pts[0], lambda: 0 }]), /λ must be positive/);
    assert.deepEqual(fig.data[0].y, [0.2, 0.5, 0.4]);
    const err = fig.data[0].error_y as { array: number[]; arrayminus: number[] };
    close(0.2 + err.array[0], 0.35);
    close(0.2 - err.arrayminus[0], 0.1);
    assert.deepEqual((fig.layout.xaxis as { tickvals: number[] }).tickvals, [0.1, 1, 5]);
    assert.equal((fig.layout.xaxis as { type: string }).type, 'log');
    assertPlainJson(fig);
  });

  it('title and size overrides; colours come from the palette', () => {
    const fig = railDistribution([{ name: 'x', probs: [1, 0, 0, 0, 0] }], { title: '', width: 300, height: 200 });
    assert.equal(fig.layout.title, undefined);
    assert.deepEqual([fig.layout.width, fig.layout.height], [300, 200]);
    assert.equal(railDistribution([{ name: 'x', probs: [1] }], { title: 'T' }).layout.title!.text, 'T');
    assert.equal(new Set(PALETTE).size, 8);
  });
});
