// Cells of notebooks/02-no-cot.ipynb: edit here, then
//   npx tsx tools/make_notebook.ts notebooks/cells/02-no-cot.ts && npm run notebooks:write -- notebooks/02-no-cot.ipynb

// %% [markdown]
// # 02 · Without CoT: cross-entropy vs RAFT on the score alone
//
// **Paper claim** (docs/method.md §9.1): without any chain of thought, training the score with the
// regression-aware loss (RAFT: squared error of the expected score Σ k·p(k), read with RAIL) beats cross-entropy on
// the score token (CE w/o CoT) on every benchmark, and RAFT alone is the paper's strongest baseline. Both rows come
// from the paper's text (they are not in the authors' run log), and whether the CE row was read with standard
// decoding or RAIL is not stated (§8, B1). The paper's averages are printed with our comparison at the end.
//
// **Experiment**: suite `experiments/suites/default.json`, runs `ce-no-cot` (B1, `experiments/tinyjudge/ce-no-cot.json`)
// and `raft` (B3, `experiments/tinyjudge/raft.json`), both on the score-only prompt and read with RAIL, with the
// untrained `seed` for reference. Profile from `TRACT_PROFILE`; the runs are shared with notebook 01.

// %%
import { readPaperResults } from './src/data/paperResults';
import { loadOrRunSuite, paperAgreement, notebookProfile, showFigure, showMarkdown, suiteFigure, suiteReading, suiteRunTable } from './src/notebook/index';

const res = await loadOrRunSuite({ suite: 'default', profile: notebookProfile() });

// %% [markdown]
// ## CE w/o CoT and RAFT (and the untrained seed)
//
// Pearson r with its 95% bootstrap interval, the paired bootstrap of RAFT against the others, then ρ, τ, RMSE.

// %%
showMarkdown(suiteRunTable(res, { labels: ['seed', 'ce-no-cot', 'raft'], compare: 'raft', secondary: true }));

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
// ## Against the paper (computed from the loaded metrics and the authors' log)
//
// For each pair, the paper's average Pearson r over its four benchmarks (from
// `data/reference/tract-paper-results.csv`) beside our paired-bootstrap Δr per split, pooled over the suite's seeds.
// **agrees**: our difference is significant and has the paper's sign; **reversed**: significant with the opposite
// sign. The written analysis of the full-profile runs, with the reasons, is in `docs/results.md`.

// %%
showMarkdown(paperAgreement(res, readPaperResults('data/reference/tract-paper-results.csv'), [['raft', 'ce-no-cot']]));
