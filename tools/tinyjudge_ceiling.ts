/**
 * The best any judge can do on a TinyJudge v4 configuration, by arithmetic on the generator's
 * ground truth: the oracle that knows which criteria a story meets and predicts the annotators'
 * expected score, 1 + Σ (met ? 1 − s : s) with s the slip rate (`data.shift`). Prints its RMSE
 * against the training scores (single annotators, the target stage 2 trains on) and its Pearson r
 * and RMSE against the test labels (means of three annotators), per split.
 *
 *   npx tsx tools/tinyjudge_ceiling.ts [experiments/tinyjudge/base.json] [--n-train 500]
 */
import { parseArgs } from 'node:util';
import { generateTinyJudge, type TinyJudgeExample } from '../src/data/tinyJudge';
import { pearson, rmse } from '../src/metrics/correlation';
import { loadExperiment } from '../src/tract/config';

const { values, positionals } = parseArgs({
  allowPositionals: true,
  options: { 'n-train': { type: 'string', default: '500' } },
});
const cfg = loadExperiment(positionals[0] ?? 'experiments/tinyjudge/base.json');
const { kind: _kind, ...data } = cfg.data;
if (data.generator !== 'v4')
  throw new Error(`${positionals[0] ?? 'base.json'}: data.generator is ${data.generator}, not v4`);
const s = data.shift ?? 0;
const d = generateTinyJudge(data);
const oracle = (e: TinyJudgeExample) => 1 + e.criteria.reduce((a, c) => a + (c.met ? 1 - s : s), 0);
const train = d.train.slice(0, Number(values['n-train']));
console.log(`TinyJudge ${data.generator}, seed ${data.seed}, data.shift ${s}`);
console.log(
  `train (first ${train.length}): oracle RMSE ${rmse(
    train.map(oracle),
    train.map((e) => e.goldExact),
  ).toFixed(3)} ` +
    `against the single annotator's score (training mean: ${rmse(
      train.map(() => train.reduce((a, e) => a + e.goldExact, 0) / train.length),
      train.map((e) => e.goldExact),
    ).toFixed(3)})`,
);
for (const [name, split] of [
  ['in-domain test', d.test],
  ['out-of-domain test', d.testOod],
] as const) {
  const p = split.map(oracle);
  const y = split.map((e) => e.label);
  console.log(`${name} (${split.length}): oracle r ${pearson(p, y).toFixed(3)}, RMSE ${rmse(p, y).toFixed(3)}`);
}
