// Cells of notebooks/02-no-cot.ipynb: edit here, then
//   npx tsx tools/make_notebook.ts notebooks/cells/02-no-cot.ts && npm run notebooks:write -- notebooks/02-no-cot.ipynb

// %% [markdown]
// # 02 · Without CoT: cross-entropy vs RAFT on the score alone
//
// **Paper claim** (docs/method.md §9.1): without any chain of thought, training the score with the
// regression-aware loss (RAFT: squared error of the expected score Σ k·p(k), read with RAIL) beats cross-entropy on
// the score token (CE w/o CoT) on every benchmark: Pearson r FB Bench 0.932 vs 0.890, FLASK 0.509 vs 0.355, Vicuna
// 0.567 vs 0.429, MT Bench 0.483 vs 0.279; **Avg r 0.623 vs 0.488** (ρ 0.605 vs 0.483). RAFT alone is the paper's
// strongest baseline (TRACT: 0.650). Both rows come from the paper's text (they are not in the authors' run log),
// and whether the CE row was read with standard decoding or RAIL is not stated (§8, B1).
//
// **Experiment**: suite `experiments/suites/default.json`, runs `ce-no-cot` (B1, `experiments/tinyjudge/ce-no-cot.json`)
// and `raft` (B3, `experiments/tinyjudge/raft.json`), both on the score-only prompt and read with RAIL, with the
// untrained `seed` for reference. Profile from `TRACT_PROFILE`; the runs are shared with notebook 01.

// %%
import { loadOrRunSuite, notebookProfile, showFigure, showMarkdown, suiteFigure, suiteReading, suiteRunTable } from './src/notebook/index';

const res = await loadOrRunSuite({ suite: 'default', profile: notebookProfile() });

// %% [markdown]
// ## CE w/o CoT and RAFT (and the untrained seed)
//
// Pearson r with its 95% bootstrap interval, ρ, τ, RMSE, then the paired bootstrap of RAFT against the others.

// %%
showMarkdown(suiteRunTable(res, { labels: ['seed', 'ce-no-cot', 'raft'], compare: 'raft' }));

// %% [markdown]
// ## Predicted vs gold
//
// Each point is a test example: RAIL prediction (y) against the mean of the three annotators (x), in-domain and
// out-of-domain, with r in the legend.

// %%
await showFigure(suiteFigure(res, 'scatter-ce-no-cot'));

// %%
await showFigure(suiteFigure(res, 'scatter-raft'));

// %% [markdown]
// ## Reading of the numbers above (computed from the loaded metrics)

// %%
showMarkdown(suiteReading(res, { labels: ['ce-no-cot', 'raft'], compare: 'raft' }));

// %% [markdown]
// ## What the full-profile results show
//
// `results/default-full`: CE w/o CoT reaches in-domain **r 0.654 [0.587, 0.712]** (RMSE 1.028) and RAFT **0.025
// [-0.082, 0.142]**; the paired bootstrap puts CE ahead (RAFT − CE = -0.629 [-0.762, -0.494], p = 0.002). The RAFT
// scatter shows why: its RAIL prediction is 3.000 for every test example (to three decimals), a horizontal line near
// the label mean, so its RMSE (1.353) equals that of predicting the mean training label (1.353). The squared error of
// the expected score was met by a constant, not by discriminating. CE on the digit does learn a spread of
// predictions (1.3-4.5 in domain). Out of domain neither is distinguishable from zero (CE -0.022 [-0.131, 0.076],
// RAFT 0.103 [-0.012, 0.209]; p = 0.13). The paper's ordering (RAFT 0.623 > CE 0.488 Avg r) does not hold with this
// seed model and budget. Nothing was tuned to change that.
