import { strict as assert } from 'node:assert';
import { assertClose } from '../../src/engine/asserts';
import { Rng } from '../../src/engine/rng';
import {
  bootstrapCI,
  pairedBootstrapDiff,
  pairedBootstrapDiffOverSeeds,
  quantileSorted,
} from '../../src/metrics/bootstrap';
import { pearson, rmse } from '../../src/metrics/correlation';

/** A synthetic benchmark: mean-of-three gold labels and a judge with noise sd `noise`. */
function judgeData(n: number, noise: number, seed: number) {
  const rng = new Rng(seed);
  const gold = Array.from({ length: n }, () => (1 + rng.int(5) + 1 + rng.int(5) + 1 + rng.int(5)) / 3);
  const pred = gold.map((g) => g + rng.normal(0, noise));
  return { gold, pred };
}

describe('metrics/bootstrap', () => {
  it('quantileSorted interpolates linearly (numpy default)', () => {
    // positions (n-1)q: 0.25 * 3 = 0.75 → 1 + 0.75 * (2 - 1)
    assertClose(quantileSorted([1, 2, 3, 4], 0.25), 1.75);
    assertClose(quantileSorted([1, 2, 3, 4], 0.5), 2.5);
    assertClose(quantileSorted([1, 2, 3, 4], 1), 4);
  });

  it('bootstrapCI brackets the estimate, is reproducible by seed, and narrows with n', () => {
    const small = judgeData(80, 0.8, 1);
    const big = judgeData(2000, 0.8, 1);
    const a = bootstrapCI(pearson, small.pred, small.gold, { samples: 500, seed: 3 });
    const b = bootstrapCI(pearson, small.pred, small.gold, { samples: 500, seed: 3 });
    assert.deepEqual(a, b);
    assert.equal(a.estimate, pearson(small.pred, small.gold));
    assert.ok(a.lower < a.estimate && a.estimate < a.upper, JSON.stringify(a));
    const wide = bootstrapCI(pearson, big.pred, big.gold, { samples: 500, seed: 3 });
    // the width shrinks roughly like 1/sqrt(n): 80 → 2000 is a factor 5
    assert.ok(wide.upper - wide.lower < (a.upper - a.lower) / 3, `${wide.upper - wide.lower} vs ${a.upper - a.lower}`);
    const other = bootstrapCI(pearson, small.pred, small.gold, { samples: 500, seed: 4 });
    assert.notEqual(other.lower, a.lower);
  });

  it('bootstrapCI covers the true correlation at about its level', () => {
    // population r for pred = gold + N(0, s²): sd(gold)/sqrt(var(gold) + s²); var(mean of 3 uniform{1..5}) = 2/3
    const trueR = Math.sqrt(2 / 3) / Math.sqrt(2 / 3 + 0.8 ** 2);
    let covered = 0;
    const trials = 60;
    for (let t = 0; t < trials; t++) {
      const d = judgeData(150, 0.8, 100 + t);
      const ci = bootstrapCI(pearson, d.pred, d.gold, { samples: 300, seed: t });
      if (ci.lower <= trueR && trueR <= ci.upper) covered++;
    }
    // 95% nominal; binomial sd over 60 trials ≈ 0.028: accept 0.85-1
    assert.ok(covered / trials >= 0.85, `coverage ${covered}/${trials}`);
  });

  it('counts resamples where the metric is undefined instead of hiding them', () => {
    // mostly constant predictions: some resamples are constant and pearson is NaN there
    const pred = [3, 3, 3, 3, 3, 3, 3, 4];
    const gold = [1, 2, 3, 4, 5, 1, 2, 5];
    const ci = bootstrapCI(pearson, pred, gold, { samples: 200, seed: 0 });
    // P(resample misses the single 4) = (7/8)^8 ≈ 0.34
    assert.ok(ci.nUndefined > 40 && ci.nUndefined < 100, `nUndefined ${ci.nUndefined}`);
  });

  it('pairedBootstrapDiff finds a better judge and none between equal ones', () => {
    const rng = new Rng(9);
    const { gold, pred: good } = judgeData(320, 0.4, 5);
    const bad = gold.map((g) => g + rng.normal(0, 1.5));
    const res = pairedBootstrapDiff(pearson, gold, good, bad, { samples: 1000, seed: 1 });
    assert.equal(res.verdict, 'A better');
    assert.ok(res.lower > 0 && res.pValue < 0.01, JSON.stringify(res));
    assertClose(res.diff, pearson(good, gold) - pearson(bad, gold), { atol: 1e-15 });
    const flipped = pairedBootstrapDiff(pearson, gold, bad, good, { samples: 1000, seed: 1 });
    assert.equal(flipped.verdict, 'B better');
    // RMSE: lower is better, so the verdict follows the direction
    assert.equal(
      pairedBootstrapDiff(rmse, gold, good, bad, { samples: 500, seed: 1, higherIsBetter: false }).verdict,
      'A better',
    );
    const same = pairedBootstrapDiff(pearson, gold, good, good, { samples: 200, seed: 1 });
    assert.equal(same.verdict, 'no significant difference');
    assert.equal(same.diff, 0);
    assert.equal(same.pValue, 1);
  });

  it('pairedBootstrapDiffOverSeeds: one seed is pairedBootstrapDiff; several average the per-seed differences', () => {
    const rng = new Rng(11);
    const { gold, pred: good } = judgeData(200, 0.4, 6);
    const bad = gold.map((g) => g + rng.normal(0, 1.5));
    const one = pairedBootstrapDiff(pearson, gold, good, bad, { samples: 300, seed: 'x' });
    assert.deepEqual(pairedBootstrapDiffOverSeeds(pearson, gold, [good], [bad], { samples: 300, seed: 'x' }), one);
    // two identical seeds: the mean of two equal differences is that difference, resample by resample
    const twice = pairedBootstrapDiffOverSeeds(pearson, gold, [good, good], [bad, bad], { samples: 300, seed: 'x' });
    assertClose([twice.diff, twice.lower, twice.upper], [one.diff, one.lower, one.upper], { atol: 1e-15 });
    // seed 2 reversed: the point estimate is the mean of +d and -d, and the pooled verdict finds no difference
    const mixed = pairedBootstrapDiffOverSeeds(pearson, gold, [good, bad], [bad, good], { samples: 300, seed: 'x' });
    assertClose(mixed.diff, 0, { atol: 1e-15 });
    assert.equal(mixed.verdict, 'no significant difference');
    // three seeds by hand: diff = mean over seeds of r(A_s) - r(B_s)
    const mid = gold.map((g) => g + rng.normal(0, 0.8));
    const three = pairedBootstrapDiffOverSeeds(pearson, gold, [good, mid, bad], [bad, bad, mid], { samples: 50 });
    const byHand =
      (pearson(good, gold) -
        pearson(bad, gold) +
        (pearson(mid, gold) - pearson(bad, gold)) +
        (pearson(bad, gold) - pearson(mid, gold))) /
      3;
    assertClose(three.diff, byHand, { atol: 1e-15 });
    assert.throws(
      () => pairedBootstrapDiffOverSeeds(pearson, gold, [good], [bad, bad]),
      /same positive number of seeds/,
    );
    assert.throws(
      () => pairedBootstrapDiffOverSeeds(pearson, gold, [good, good], [bad, bad.slice(1)]),
      /predB seed 1 vs gold/,
    );
  });

  it('pairedBootstrapDiff keeps a false-positive rate near its level on equally good judges', () => {
    let positives = 0;
    const trials = 40;
    for (let t = 0; t < trials; t++) {
      const rng = new Rng(1000 + t);
      const { gold } = judgeData(200, 0, 2000 + t);
      const a = gold.map((g) => g + rng.normal(0, 1));
      const b = gold.map((g) => g + rng.normal(0, 1));
      if (pairedBootstrapDiff(pearson, gold, a, b, { samples: 300, seed: t }).verdict !== 'no significant difference')
        positives++;
    }
    assert.ok(positives / trials <= 0.15, `false positives ${positives}/${trials}`);
  });

  it('rejects bad options and inputs', () => {
    assert.throws(
      () => bootstrapCI(pearson, [1, 2, 3], [1, 2, 3], { samples: 0 }),
      /samples must be a positive integer/,
    );
    assert.throws(() => bootstrapCI(pearson, [1, 2, 3], [1, 2, 3], { level: 1 }), /level must be in \(0, 1\)/);
    assert.throws(
      () => pairedBootstrapDiff(pearson, [1, 2, 3], [1, 2, NaN], [1, 2, 3]),
      /predA vs gold.*x\[2\] is NaN/,
    );
    assert.throws(() => pairedBootstrapDiff(pearson, [1, 2, 3], [1, 2, 3], [1, 2]), /predB vs gold.*different lengths/);
  });
});
