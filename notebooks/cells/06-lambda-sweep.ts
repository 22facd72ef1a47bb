// Cells of notebooks/06-lambda-sweep.ipynb: edit here, then
//   npx tsx tools/make_notebook.ts notebooks/cells/06-lambda-sweep.ts && npm run notebooks:write -- notebooks/06-lambda-sweep.ipynb

// %% [markdown]
// # 06 · The weight λ of the score loss
//
// **Paper data** (docs/method.md §9.4; the sweep is in the authors' run log only, and that the paper shows it is
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
import { loadOrRunSuite, notebookProfile, showFigure, showMarkdown, showTable, suiteFigure, suiteReading, suiteRunTable } from './src/notebook/index';

const res = await loadOrRunSuite({ suite: 'lambda-sweep', profile: notebookProfile() });

// %% [markdown]
// ## Our sweep
//
// One row per λ, then the paired bootstrap of λ = 1 against each other λ.

// %%
showMarkdown(suiteRunTable(res));

// %%
await showFigure(suiteFigure(res, 'lambda-sweep'));

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
// `results/lambda-sweep-full` (λ = 1 is the default suite's TRACT run):
//
// * **From λ = 0.1 to 1 nothing measurable changes.** In-domain r is 0.978-0.979 (λ = 1 against 0.1: p = 0.78;
//   against 0.5: p = 0.12), and out of domain 0.130-0.213 with overlapping intervals (p ≥ 0.18 against λ = 1).
// * **Above 1 the score term starts to hurt.** λ = 2 is slightly but significantly below λ = 1 in domain (0.971
//   [0.962, 0.978]; Δ 0.008 [0.003, 0.015], p = 0.002). λ = 5 breaks the judge: in-domain r 0.181 [0.068, 0.287],
//   out of domain 0.007, in-domain RMSE 1.679. The notes show how. At λ = 5 the stage-1 model's self-CoTs have all
//   clauses right in 82.8% of cases (99.9% at λ = 1), and the final judge's evaluation CoTs have a clause accuracy
//   of 0.417 in domain. A heavy squared-error term costs the CoT.
// * **Against the paper**: its sweep fails at the other end. λ = 0.1 is its worst (Avg r 0.496, FB Bench 0.668), and a
//   large λ mostly lowers MT Bench (0.436 at λ = 5; average 0.595). Here a small λ does not fail, because on TinyJudge
//   the CE on the CoT alone already determines the score (CE w/ CoT reaches the same 0.979, notebook 01). The
//   large-λ end fails harder. Both agree that λ near 1 is safe.
