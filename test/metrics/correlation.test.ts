import { strict as assert } from 'node:assert';
import fixture from '../fixtures/scipy-correlations.json';
import { assertClose } from '../../src/engine/asserts';
import {
  dropInvalid,
  kendallTauB,
  kendallTest,
  pearson,
  pearsonTest,
  rankAverage,
  rmse,
  spearman,
} from '../../src/metrics/correlation';

describe('metrics/correlation', () => {
  it('matches hand arithmetic on x=[1,2,3,4], y=[1,3,2,4]', () => {
    const x = [1, 2, 3, 4];
    const y = [1, 3, 2, 4];
    // deviations (-1.5,-0.5,0.5,1.5) and (-1.5,0.5,-0.5,1.5): sxy = 2.25-0.25-0.25+2.25 = 4, sxx = syy = 5
    assertClose(pearson(x, y), 4 / 5, { atol: 1e-15 });
    assertClose(spearman(x, y), 4 / 5, { atol: 1e-15 }); // ranks equal the values
    // 6 pairs, one discordant (2,3): (5 - 1) / 6
    assertClose(kendallTauB(x, y), (5 - 1) / 6, { atol: 1e-15 });
    // squared errors 0, 1, 1, 0
    assertClose(rmse(x, y), Math.sqrt(2 / 4), { atol: 1e-15 });
  });

  it('ranks ties by their average rank', () => {
    assertClose(rankAverage([3, 1, 3, 2, 3]), [4, 1, 4, 2, 4]);
    assertClose(rankAverage([2, 2]), [1.5, 1.5]);
  });

  it('computes tau-b with ties by hand', () => {
    // x = [1,1,2], y = [1,2,2]: pairs (0,1) tie in x, (1,2) tie in y, (0,2) concordant
    // tau-b = (1 - 0) / sqrt((3 - 1) * (3 - 1)) = 1/2
    assertClose(kendallTauB([1, 1, 2], [1, 2, 2]), 1 / 2, { atol: 1e-15 });
  });

  describe('against scipy 1.10 (test/fixtures/scipy-correlations.json)', () => {
    for (const c of fixture.cases) {
      it(`${c.name} (n = ${c.x.length})`, () => {
        const opts = { atol: 1e-12, rtol: 1e-10 };
        assertClose(pearson(c.x, c.y), c.pearson, opts);
        assertClose(spearman(c.x, c.y), c.spearman, opts);
        assertClose(kendallTauB(c.x, c.y), c.kendallTauB, opts);
        assertClose(rmse(c.x, c.y), c.rmse, opts);
        const pt = pearsonTest(c.x, c.y);
        assertClose(pt.statistic, c.pearson, opts);
        // p-values down to 1e-264: relative agreement matters
        assertClose(pt.pvalue, c.pearsonP, { atol: 1e-300, rtol: 1e-8, message: 'pearson p' });
        const kt = kendallTest(c.x, c.y);
        assertClose(kt.statistic, c.kendallTauB, opts);
        assertClose(kt.pvalue, c.kendallP, { atol: 1e-300, rtol: 1e-8, message: `kendall p (${kt.method})` });
      });
    }

    it('uses the exact Kendall p-value exactly where scipy does', () => {
      const method = (name: string) => {
        const c = fixture.cases.find((k) => k.name === name)!;
        return kendallTest(c.x, c.y).method;
      };
      assert.equal(method('noties-20-exact'), 'exact');
      assert.equal(method('noties-50-one-discordant'), 'exact');
      assert.equal(method('noties-34-asymptotic'), 'asymptotic');
      assert.equal(method('int-vs-int-40'), 'asymptotic');
    });
  });

  it('returns NaN for a constant input, as scipy does', () => {
    assert.ok(Number.isNaN(pearson([4, 4, 4], [1, 2, 3])));
    assert.ok(Number.isNaN(spearman([1, 2, 3], [2, 2, 2])));
    assert.ok(Number.isNaN(kendallTauB([3, 3, 3], [1, 2, 3])));
    const t = pearsonTest([4, 4, 4], [1, 2, 3]);
    assert.ok(Number.isNaN(t.statistic) && Number.isNaN(t.pvalue));
    assert.equal(rmse([4, 4], [4, 4]), 0);
  });

  it('follows scipy for n = 2 (r = ±1, p = 1)', () => {
    assert.deepEqual(pearsonTest([1, 2], [5, 3]), { statistic: -1, pvalue: 1 });
  });

  it('throws a clear error for NaN, infinite values and different lengths', () => {
    assert.throws(() => pearson([1, 2, 3], [1, 2]), /pearson: x and y have different lengths \(3 vs 2\)/);
    assert.throws(() => spearman([1, NaN, 3], [1, 2, 3]), /spearman: x\[1\] is NaN .*dropInvalid/);
    assert.throws(() => kendallTauB([1, 2, 3], [1, 2, Infinity]), /kendallTauB: y\[2\] is Infinity/);
    assert.throws(() => rmse([], []), /rmse: needs at least 1 pairs/);
    assert.throws(() => pearson([1], [1]), /at least 2 pairs/);
  });

  it('dropInvalid keeps valid pairs and counts what it dropped', () => {
    const kept = dropInvalid([1, NaN, 3, null, 5, 6], [1, 2, 3, 4, undefined, Infinity]);
    assert.deepEqual(kept, { x: [1, 3], y: [1, 3], kept: [0, 2], dropped: 4, droppedIndices: [1, 3, 4, 5] });
    assert.throws(() => dropInvalid([1], [1, 2]), /different lengths/);
  });
});
