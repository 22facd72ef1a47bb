// Cells of notebooks/04-self-vs-reference-cot.ipynb: edit here, then
//   npx tsx tools/make_notebook.ts notebooks/cells/04-self-vs-reference-cot.ts && npm run notebooks:write -- notebooks/04-self-vs-reference-cot.ipynb

// %% [markdown]
// # 04 · Self-generated vs reference CoTs: A.1 vs TRACT, and the distribution shift
//
// **Paper claims.**
//
// * Ablation A.1 (docs/method.md §9.3): CoT-RAFT on the annotation (GPT-4) CoTs only, which is TRACT's stage 1
//   alone, is well below TRACT with CoT-RAIL. Training a second time on the model's own CoTs is what brings the gain
//   (the paper's averages are printed with our comparison at the end).
// * The reason given (§8, "Other analyses", numbers UNCONFIRMED): a distribution shift. On **training** inputs the
//   stage-1 model scores with **RMSE 0.12** when its score is read after the GPT-4 CoTs it was trained on, but
//   **0.63** after CoTs it writes itself, which is what it meets at inference. The stage-2 model, trained on its
//   own kind of CoTs, gives **0.45 and 0.45** (read here as: after reference CoTs, after its own CoTs). The authors'
//   log has the TRACT model with self-CoTs on 500 training-split examples at RMSE 0.4497.
//
// **Experiment**: suite `experiments/suites/default.json`, runs `cot-raft-ref` (A.1,
// `experiments/tinyjudge/cot-raft-ref.json`) and `tract` (T); then `distributionShiftRmse`
// (`src/tract/distributionShift.ts`) on the TRACT run's cached stage models: teacher-force a CoT, append
// " So the overall score is ", read RAIL, and take the RMSE against the integer training score, on the first
// min(500, training-set size) training examples (500 as in the authors' log; 32 under the `ci` profile).

// %%
import { readPaperResults } from './src/data/paperResults';
import { describeBackend, initBackend } from './src/engine/backend';
import { distributionShiftRmse, type DistributionShiftResult } from './src/tract/distributionShift';
import {
  distributionShiftFigure, distributionShiftTable, findRun, loadOrRunSuite, notebookProfile, notebookResultsDir, paperAgreement, plateauTable, runModelPath, showFigure, showMarkdown,
  stagePlateaus, suiteBars, suiteReading, suiteRunTable,
} from './src/notebook/index';

const res = await loadOrRunSuite({ suite: 'default', profile: notebookProfile() });

// %% [markdown]
// ## A.1 (reference CoTs only) vs TRACT

// %%
const labels = ['cot-raft-ref', 'tract'];
showMarkdown(suiteRunTable(res, { labels: labels, compare: 'tract' }));

// %%
await showFigure(suiteBars(res, { labels: labels }));

// %% [markdown]
// ## Distribution shift: RMSE on training inputs after reference, self-generated and own CoTs
//
// Five conditions: the stage-1 model after the reference CoTs and after its own CoTs (the cached self-CoTs that
// stage 2 trained on), the stage-2 model after the reference CoTs, after stage 1's CoTs (its own training CoTs) and
// after CoTs it samples now (the experiment's self-CoT sampling settings). Needs the step cache
// (`results/cache/stages`); nothing is computed when the cache is gone.

// %%
const tractRun = findRun(res, 'tract');
let shift: DistributionShiftResult | null = null;
if (runModelPath(tractRun) !== null) {
  console.log(describeBackend(await initBackend()));
  const t0 = Date.now();
  shift = await distributionShiftRmse({ run: tractRun, n: Math.min(500, tractRun.config.data.train), resultsDir: notebookResultsDir() });
  console.log(`computed in ${((Date.now() - t0) / 1000).toFixed(1)} s`);
  showMarkdown(distributionShiftTable(shift));
} else {
  console.log(`the TRACT run ${tractRun.dir} has no stage models in results/cache: rerun the suite to rebuild them`);
}

// %%
if (shift) await showFigure(distributionShiftFigure(shift, res.profile));

// %% [markdown]
// ## The squared-error plateau, stage by stage and seed by seed
//
// CoT-RAFT trains the score digit only through (Σ k·p(k) − y)². When the model puts all of the digit's probability on
// one score token, the expected score is the same whole number for every example, the gradient of the other digits
// vanishes, and the logged squared error becomes a whole number of 1/batch (`src/training/plateau.ts`). The table
// reads every RAFT and CoT-RAFT stage of the suite's runs from their `train-log.csv`: how many steps sat on that
// plateau, where the last stretch of it ended, and how the run ended (teacher-forced validation r, in-domain test r).

// %%
showMarkdown(plateauTable(stagePlateaus(res)));

// %% [markdown]
// ## Reading of the numbers above (computed from the loaded metrics)

// %%
showMarkdown(suiteReading(res, { labels: labels, compare: 'tract' }));
if (shift) {
  const rmse = Object.fromEntries(shift.rows.map((r) => [r.cots + '/' + r.model, r.rmse]));
  console.log(`distribution shift (${shift.rows[0].n} training examples): stage 1 ${rmse['reference/stage1'].toFixed(3)} after reference CoTs vs ${rmse['stage1-self/stage1'].toFixed(3)} after its own CoTs`
    + ` (${rmse['stage1-self/stage1'] > rmse['reference/stage1'] ? 'worse on its own CoTs, as in the paper' : 'not worse on its own CoTs, unlike the paper'});`
    + ` stage 2 after its own CoTs ${rmse['stage2-own/stage2'].toFixed(3)} (${rmse['stage2-own/stage2'] < rmse['stage1-self/stage1'] ? 'below' : 'not below'} stage 1 on its own CoTs).`);
}

// %% [markdown]
// ## Against the paper (computed from the loaded metrics and the authors' log)
//
// For each pair, the paper's average Pearson r over its four benchmarks (from
// `data/reference/tract-paper-results.csv`) beside our paired-bootstrap Δr per split, pooled over the suite's seeds.
// **agrees**: our difference is significant and has the paper's sign; **reversed**: significant with the opposite
// sign. The written analysis of the full-profile runs, with the reasons, is in `docs/results.md`.

// %%
showMarkdown(paperAgreement(res, readPaperResults('data/reference/tract-paper-results.csv'), [['tract', 'cot-raft-ref']]));
