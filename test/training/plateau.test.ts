/**
 * training/plateau: the constant-score plateau read from a training log, on hand-made logs whose
 * plateau steps are known (a score term of 26/16 is on it for batch 16, 1.6251 is not).
 */
import { strict as assert } from 'node:assert';
import { scorePlateau } from '../../src/training/plateau';

/** A log from a pattern: '#' a step on the plateau (k/16), '.' a step off it. */
function log(pattern: string): { step: number; score: number }[] {
  return [...pattern].map((c, i) => ({ step: i + 1, score: c === '#' ? (20 + (i % 9)) / 16 : 1.2345 + i * 1e-4 }));
}

describe('training/plateau', () => {
  it('finds a dense stretch and where it ends, ignoring isolated coincidences', () => {
    const pattern = `${'.'.repeat(30)}${'#'.repeat(25)}.#.##.###${'.'.repeat(40)}#${'.'.repeat(30)}`;
    const p = scorePlateau(log(pattern), 16);
    assert.equal(p.steps, pattern.length);
    assert.equal(p.onSteps, 25 + 6 + 1);
    assert.equal(p.lastStep, 30 + 25 + 9, 'the last on-step of the stretch (the isolated one at step 105 is not)');
    assert.equal(p.endedOn, false);
  });

  it('a stage that never leaves it ended on it; one that never meets it has none', () => {
    const stuck = scorePlateau(log(`${'.'.repeat(10)}${'#'.repeat(50)}`), 16);
    assert.deepEqual(stuck, { onSteps: 50, steps: 60, lastStep: 60, endedOn: true });
    const never = scorePlateau(log('.'.repeat(60)), 16);
    assert.deepEqual(never, { onSteps: 0, steps: 60, lastStep: null, endedOn: false });
  });

  it('depends on the batch: 26/16 is a plateau value for batch 16 and 8, not for batch 5', () => {
    const rows = Array.from({ length: 30 }, (_, i) => ({ step: i + 1, score: 26 / 16 }));
    assert.equal(scorePlateau(rows, 16).onSteps, 30);
    assert.equal(scorePlateau(rows, 8).onSteps, 30);
    assert.equal(scorePlateau(rows, 5).onSteps, 0);
    assert.throws(() => scorePlateau(rows, 0), /batch must be a whole number >= 1, got 0/);
    // a zero score term (a perfect batch) is not the plateau, nor is a missing value
    assert.equal(
      scorePlateau(
        [
          { step: 1, score: 0 },
          { step: 2, score: Number.NaN },
        ],
        16,
      ).onSteps,
      0,
    );
  });
});
