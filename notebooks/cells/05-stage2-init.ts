// Cells of notebooks/05-stage2-init.ipynb: edit here, then
//   npx tsx tools/make_notebook.ts notebooks/cells/05-stage2-init.ts && npm run notebooks:write -- notebooks/05-stage2-init.ipynb

// %% [markdown]
// # 05 · Where stage 2 starts (A.3), and the other ablations (A.4-A.6)
//
// **Paper claim** (tract-method.md §5, §9.3): stage 2 must restart from the **seed** model. Initialising it from the
// stage-1 model instead (A.3) drops Avg r from **0.650 to 0.515** (FB 0.674, FLASK 0.448, Vicuna 0.505, MT 0.432;
// CoT-RAIL). The ablation table also has (rows mapped from the authors' log, unconfirmed as paper rows, §8):
// A.4 CoT-RAFT then CE only in stage 2, **0.628**; A.5 sequential CE then RAFT instead of the joint loss, **0.526**;
// A.6 reference and self CoTs mixed in one stage-2 set, **0.592**. The paper's takeaways: "Stage 2 must restart from
// the seed model. Joint CE+RAFT beats sequential training."
//
// **Experiment**: suite `experiments/suites/ablations.json`: `cot-raft-ref` (A.1 = TRACT's stage 1), `tract` (T),
// `tract-stage2-from-stage1` (A.3), `cot-raft-then-ce` (A.4), `ce-then-raft` (A.5), `mixed-cot` (A.6), experiment
// files in `experiments/tinyjudge/`. Profile from `TRACT_PROFILE`; TRACT's stages are shared with the default suite.

// %%
import { readPaperResults } from './src/data/paperResults';
import { paperAblationTable, readOurRuns } from './src/report/paperTables';
import { loadOrRunSuite, notebookProfile, showFigure, showMarkdown, showTable, suiteBars, suiteReading, suiteRunTable } from './src/report/notebook';

const res = await loadOrRunSuite({ suite: 'ablations', profile: notebookProfile() });

// %% [markdown]
// ## Our ablation table
//
// One row per run, then the paired bootstrap of TRACT against each ablation.

// %%
showMarkdown(suiteRunTable(res));

// %%
showFigure(suiteBars(res));

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
// ## What the full-profile results show
//
// Not yet available: the full-profile run of this suite (`npx tract run --suite experiments/suites/ablations.json
// --profile full`, tables in `results/ablations-full/`) had not finished when this notebook was written, and its outputs
// above are those of the `ci` profile. This cell is to be replaced by a description of the full-profile numbers
// once the run is complete (then rerun with `TRACT_PROFILE=full npm run notebooks:write -- notebooks/05-stage2-init.ipynb`).
