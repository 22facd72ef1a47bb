import { strict as assert } from 'node:assert';
import { type Stage2HelpRow, stage2HelpReading, stage2HelpTable } from '../../src/notebook/stage2Help';

const row = (shift: number, a1: number, tract: number, gainA1: [number, number, number]): Stage2HelpRow => ({
  shift,
  tract: `tract-${shift}`,
  overA1: { value: gainA1[0], lo: gainA1[1], hi: gainA1[2], p: 0.01 },
  overA2: null,
  clauseAccuracy: 1 - shift,
  allCorrect: 1 - 2 * shift,
  rmseSelf: 0.5,
  rmseReference: 0.02,
  spread: { a1, tract, a2: 1, labels: 1.2 },
});

describe('notebook/stage2Help reading', () => {
  const rows = [
    row(0, 1.2, 1.2, [0.001, -0.002, 0.004]),
    row(0.1, 1.1, 0.9, [0.05, 0.02, 0.08]),
    row(0.2, 0, 0, [0.1, 0.01, 0.2]),
  ];

  it('names constant readouts and leaves their rates out of the verdict on stage 2', () => {
    const text = stage2HelpReading(rows);
    assert.match(
      text,
      /Constant readouts \(prediction sd below 0\.05 of the labels' sd\): shift 0\.2 \(A\.1, TRACT\)\./,
    );
    assert.match(
      text,
      /Where neither TRACT nor A\.1 is constant \(2 of 3 rates\), TRACT − A\.1 is 0\.001 at shift 0, /,
    );
    assert.match(text, /0\.050 at shift 0\.1: significantly above 0 at shift 0\.1\./);
    assert.match(text, /shift 0\.2 \(clause accuracy 0\.800\): 0\.100, TRACT better/);
  });

  it('says when stage 2 beats its stage 1 nowhere, and tabulates the spreads', () => {
    const none = stage2HelpReading([row(0, 1.2, 1.2, [-0.01, -0.03, 0.01])]);
    assert.match(none, /stage 2 beats its stage 1 significantly at none of them/);
    assert.doesNotMatch(none, /Constant readouts/);
    assert.match(
      stage2HelpTable(rows),
      /\| 0\.2 \| 0\.800 \| 0\.600 \| 0\.500 \/ 0\.020 \| 0\.000 \/ 0\.000 \/ 1\.000 \(1\.200\) \|/,
    );
  });
});
