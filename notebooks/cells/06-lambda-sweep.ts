// Cells of notebooks/06-lambda-sweep.ipynb: edit here, then
//   npx tsx tools/make_notebook.ts notebooks/cells/06-lambda-sweep.ts && npm run notebooks:write -- notebooks/06-lambda-sweep.ipynb

// %% [markdown]
// # 06 · The weight λ of the score loss
//
// **Paper data** (tract-method.md §9.4; the sweep is in the authors' run log only, and that the paper shows it is
// UNCONFIRMED): TRACT with weight λ on the squared-error term in both stages, CoT-RAIL, one CoT. Avg r:
// λ = 0.1 → **0.496**, 0.2 → 0.643, "5e_5" (ambiguous suffix) → 0.656, **1 (TRACT) → 0.650**, 2 → 0.632, 5 → 0.595,
// 10 → 0.618. FB Bench rises with λ (0.668 → 0.937) while MT Bench peaks at 0.2-1 (0.579, 0.555) and falls to 0.436 at
// λ = 5: too little regression weight loses the score, too much costs out-of-domain agreement.
//
// **Experiment**: suite `experiments/suites/lambda-sweep.json`: TRACT with λ = 0.1, 0.5, 1, 2, 5
// (`experiments/tinyjudge/tract-lambda-*.json`; λ = 1 is `tract.json`, shared with the default suite). Profile from
// `TRACT_PROFILE`.

// %%
import { readPaperResults } from './src/data/paperResults';
import { paperLambdaTable } from './src/report/paperTables';
import { loadOrRunSuite, notebookProfile, showFigure, showMarkdown, showTable, suiteFigure, suiteReading, suiteRunTable } from './src/report/notebook';

const res = await loadOrRunSuite({ suite: 'lambda-sweep', profile: notebookProfile() });

// %% [markdown]
// ## Our sweep
//
// One row per λ, then the paired bootstrap of λ = 1 against each other λ.

// %%
showMarkdown(suiteRunTable(res));

// %%
showFigure(suiteFigure(res, 'lambda-sweep'));

// %% [markdown]
// ## The paper's sweep (authors' log)

// %%
showTable(paperLambdaTable(readPaperResults('data/reference/tract-paper-results.csv')));

// %% [markdown]
// ## Reading of the numbers above (computed from the loaded metrics)

// %%
showMarkdown(suiteReading(res));

// %% [markdown]
// ## What the full-profile results show
//
// Not yet available: the full-profile run of this suite (`npx tract run --suite experiments/suites/lambda-sweep.json
// --profile full`, tables in `results/lambda-sweep-full/`) had not finished when this notebook was written, and its outputs
// above are those of the `ci` profile. This cell is to be replaced by a description of the full-profile numbers
// once the run is complete (then rerun with `TRACT_PROFILE=full npm run notebooks:write -- notebooks/06-lambda-sweep.ipynb`).
