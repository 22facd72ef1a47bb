// Cells of notebooks/07-n-cot.ipynb: edit here, then
//   npx tsx tools/make_notebook.ts notebooks/cells/07-n-cot.ts && npm run notebooks:write -- notebooks/07-n-cot.ipynb

// %% [markdown]
// # 07 · One vs five sampled CoTs at inference (A.8)
//
// **Paper data** (docs/method.md §9.5, authors' log, Mistral; with n CoTs the prediction is the mean of the per-CoT
// predictions): TRACT with CoT-RAIL gains almost nothing from five CoTs, while standard decoding and the other judges
// gain a lot (Prometheus-2-7B overtakes TRACT at n = 5). "CoT-RAIL with one CoT nearly saturates TRACT", consistent
// with TRACT being strongest "with limited inference-time compute". How the paper reports n > 1 is UNCONFIRMED. The
// log's numbers are rebuilt below.
//
// **Experiment**: suite `experiments/suites/n-cot.json`: the TRACT model trained once (`experiments/tinyjudge/tract.json`,
// shared with the default suite) judged with 1 CoT and with 5 CoTs (`tract-ncot5.json`). Profile from `TRACT_PROFILE`.

// %%
import { readPaperResults } from './src/data/paperResults';
import { paperNCotTable } from './src/report/paperTables';
import { loadOrRunSuite, paperAgreement, notebookProfile, showFigure, showMarkdown, showTable, suiteBars, suiteReading, suiteRunTable } from './src/notebook/index';

const res = await loadOrRunSuite({ suite: 'n-cot', profile: notebookProfile() });

// %% [markdown]
// ## Our runs: 1 vs 5 CoTs
//
// One row per run (CoT-RAIL, the mean over the CoTs), then the paired bootstrap of 1 CoT against 5.

// %%
showMarkdown(suiteRunTable(res, { secondary: true }));

// %%
await showFigure(suiteBars(res));

// %% [markdown]
// ## The paper's numbers (authors' log)

// %%
showTable(paperNCotTable(readPaperResults('data/reference/tract-paper-results.csv')));

// %% [markdown]
// ## Reading of the numbers above (computed from the loaded metrics)

// %%
showMarkdown(suiteReading(res));

// %% [markdown]
// ## Against the paper (computed from the loaded metrics and the authors' log)
//
// For each pair, the paper's average Pearson r over its four benchmarks (from
// `data/reference/tract-paper-results.csv`) beside our paired-bootstrap Δr per split, pooled over the suite's seeds.
// **agrees**: our difference is significant and has the paper's sign; **reversed**: significant with the opposite
// sign. The written analysis of the full-profile runs, with the reasons, is in `docs/results.md`.

// %%
showMarkdown(
  paperAgreement(res, readPaperResults('data/reference/tract-paper-results.csv'), [['tract (5 CoTs)', 'tract (1 CoT)']]),
);
