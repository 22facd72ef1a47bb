import { strict as assert } from 'node:assert';
import golden from '../fixtures/rng-golden.json';
import { Rng } from '../../src/engine/rng';
import { assertClose } from '../../src/engine/asserts';

// Golden sequences from an independent Python mirror: tools/make_rng_golden.py.
describe('engine/rng', () => {
  for (const c of golden.cases) {
    it(`reproduces the golden sequences for seed ${JSON.stringify(c.seed)}`, () => {
      const rng = new Rng(c.seed);
      assert.equal(rng.key, c.key);
      assert.deepEqual(
        Array.from({ length: 8 }, () => rng.nextUint32()),
        c.uint32,
      );
      assertClose(
        Array.from({ length: 4 }, () => rng.uniform()),
        c.uniform,
        { atol: 0, rtol: 0 },
      );
      assert.deepEqual(
        Array.from({ length: 12 }, () => rng.int(10)),
        c.int10,
      );
      assertClose(
        Array.from({ length: 4 }, () => rng.normal()),
        c.normal,
        { atol: 1e-15, rtol: 1e-13 },
      );
      assert.deepEqual(rng.shuffle([0, 1, 2, 3, 4, 5, 6, 7, 8, 9]), c.shuffle10);
    });
  }

  it('forks by label, independently of the parent stream position', () => {
    const root = new Rng(42);
    for (const [label, key] of Object.entries(golden.forks42)) assert.equal(root.fork(label).key, key);
    const drained = new Rng(42);
    for (let i = 0; i < 100; i++) drained.nextUint32();
    for (const [label, first] of Object.entries(golden.forkFirst42)) {
      assert.equal(drained.fork(label).nextUint32(), first);
    }
    const nested = new Rng(42).fork('a').fork('b');
    assert.deepEqual([nested.nextUint32(), nested.nextUint32(), nested.nextUint32()], golden.nested42ab);
    assert.notEqual(root.fork('a').key, root.fork('b').key);
  });

  it('saves and restores its state exactly', () => {
    const a = new Rng('resume');
    a.uniform();
    const saved = JSON.parse(JSON.stringify(a.state()));
    const expected = [a.nextUint32(), a.nextUint32(), a.int(7)];
    const b = Rng.fromState(saved);
    assert.deepEqual([b.nextUint32(), b.nextUint32(), b.int(7)], expected);
    assert.equal(b.fork('x').key, new Rng('resume').fork('x').key);
  });

  it('draws uniform, int and categorical values with the right frequencies', () => {
    const rng = new Rng(7);
    const n = 40000;
    const counts = [0, 0, 0];
    let sum = 0;
    let sumSq = 0;
    for (let i = 0; i < n; i++) {
      counts[rng.categorical([0.2, 0, 0.8])]++;
      const z = rng.normal(1, 2);
      sum += z;
      sumSq += z * z;
    }
    assert.equal(counts[1], 0, 'a zero weight is never drawn');
    assertClose(counts[0] / n, 0.2, { atol: 0.01 }); // sd of the frequency is 0.002
    const mean = sum / n;
    assertClose(mean, 1, { atol: 0.05 }); // sd of the mean is 0.01
    assertClose(Math.sqrt(sumSq / n - mean * mean), 2, { atol: 0.05 });
    for (let i = 0; i < 1000; i++) {
      const u = rng.uniform(-1, 3);
      assert.ok(u >= -1 && u < 3);
      const k = rng.int(3);
      assert.ok(Number.isInteger(k) && k >= 0 && k < 3);
    }
  });

  it('shuffles without modifying its input and keeps every element', () => {
    const items = [1, 2, 3, 4, 5, 6];
    const out = new Rng(1).shuffle(items);
    assert.deepEqual(items, [1, 2, 3, 4, 5, 6]);
    assert.deepEqual([...out].sort(), items);
  });

  it('rejects bad seeds and arguments with clear errors', () => {
    assert.throws(() => new Rng(-1), /non-negative safe integer/);
    assert.throws(() => new Rng(1.5), /non-negative safe integer/);
    assert.throws(() => new Rng(0).int(0), /Rng.int/);
    assert.throws(() => new Rng(0).categorical([0, 0]), /all weights are zero/);
    assert.throws(() => new Rng(0).categorical([1, -1]), /weights\[1\]/);
    assert.throws(() => new Rng(0).categorical([1, NaN]), /weights\[1\]/);
  });
});
