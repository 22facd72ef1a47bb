// Cells of notebooks/05-stage2-init.ipynb: edit here, then
//   npx tsx tools/make_notebook.ts notebooks/cells/05-stage2-init.ts && npm run notebooks:write -- notebooks/05-stage2-init.ipynb

// %% [markdown]
// # 05 · Where stage 2 starts (A.3), and the other ablations (A.4-A.6)
//
// **Paper claim** (docs/method.md §5, §9.3): stage 2 must restart from the **seed** model; initialising it from the
// stage-1 model instead (A.3) costs a large part of TRACT's average r. The ablation table also has (rows mapped from
// the authors' log, unconfirmed as paper rows, §8): A.4 CoT-RAFT then CE only in stage 2; A.5 sequential CE then
// RAFT instead of the joint loss; A.6 reference and self CoTs mixed in one stage-2 set, all below TRACT. The
// paper's takeaways: "Stage 2 must restart from the seed model. Joint CE+RAFT beats sequential training." The
// paper's table is rebuilt below from the authors' log.
//
// **Experiment**: suite `experiments/suites/ablations.json`: `cot-raft-ref` (A.1 = TRACT's stage 1), `tract` (T),
// `tract-stage2-from-stage1` (A.3), `cot-raft-then-ce` (A.4), `ce-then-raft` (A.5), `mixed-cot` (A.6), experiment
// files in `experiments/tinyjudge/`. Profile from `TRACT_PROFILE`; TRACT's stages are shared with the default suite.

// %%
import { readPaperResults } from './src/data/paperResults';
import { paperAblationTable, readOurRuns } from './src/report/paperTables';
import { loadOrRunSuite, paperAgreement, notebookProfile, showFigure, showMarkdown, showTable, suiteBars, suiteReading, suiteRunTable } from './src/notebook/index';

const res = await loadOrRunSuite({ suite: 'ablations', profile: notebookProfile() });

// %% [markdown]
// ## Our ablation table
//
// One row per run, the paired bootstrap of TRACT against each ablation, then the other metrics.

// %%
showMarkdown(suiteRunTable(res, { secondary: true }));

// %%
await showFigure(suiteBars(res));

// %% [markdown]
// ## The paper's ablation table beside ours
//
// Every trained CoT judge of the authors' log under CoT-RAIL and standard decoding, with our run of the same
// method where our primary readout is the row's decoding.

// %%
showTable(paperAblationTable(readPaperResults('data/reference/tract-paper-results.csv'), readOurRuns(res.outDir)));

// %% [markdown]
// ## Reading of the numbers above (computed from the loaded metrics)
//
// First A.3 against TRACT alone, then all runs.

// %%
showMarkdown(suiteReading(res, { labels: ['tract-stage2-from-stage1', 'tract'], compare: 'tract' }));

// %%
showMarkdown(suiteReading(res, { warning: false }));

// %% [markdown]
// ## Against the paper (computed from the loaded metrics and the authors' log)
//
// For each pair, the paper's average Pearson r over its four benchmarks (from
// `data/reference/tract-paper-results.csv`) beside our paired-bootstrap Δr per split, pooled over the suite's seeds.
// **agrees**: our difference is significant and has the paper's sign; **reversed**: significant with the opposite
// sign. The written analysis of the full-profile runs, with the reasons, is in `docs/results.md`.

// %%
showMarkdown(
  paperAgreement(res, readPaperResults('data/reference/tract-paper-results.csv'), [
    ['tract', 'tract-stage2-from-stage1'],
    ['tract', 'cot-raft-then-ce'],
    ['tract', 'ce-then-raft'],
    ['tract', 'mixed-cot'],
    ['tract', 'cot-raft-ref'],
  ]),
);
