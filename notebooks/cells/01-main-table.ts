// Cells of notebooks/01-main-table.ipynb: edit here, then
//   npx tsx tools/make_notebook.ts notebooks/cells/01-main-table.ts && npm run notebooks:write -- notebooks/01-main-table.ipynb

// %% [markdown]
// # 01 · Main table: TRACT against the baselines
//
// **Paper claim** (docs/method.md §9.1, Mistral-7B-Instruct-v0.2): TRACT (CoT-RAFT in both stages, stage 2 on
// self-generated CoTs, CoT-RAIL readout) has the best average Pearson r over the four benchmarks, ahead of RAFT (the
// regression-aware loss without a CoT), CE with and without a CoT, and Prometheus-2-7B. The paper's table is
// rebuilt below from the authors' log; the paper reports one seed and no significance tests (§10).
//
// **Experiment**: suite `experiments/suites/default.json` (experiment files in `experiments/tinyjudge/`): the
// untrained seed, CE w/o CoT (B1), RAFT (B3), CE w/ CoT (B2), CoT-RAFT on reference CoTs (A.1, = TRACT's stage 1),
// self-CoT with CE only (A.2) and TRACT (T), on TinyJudge with the stories260K seed model. Profile from
// `TRACT_PROFILE` (`full` when unset; CI uses `ci`). Results folder: `results/default-<profile>`.

// %%
import { readPaperResults } from './src/data/paperResults';
import { paperMainTable, readOurRuns } from './src/report/paperTables';
import { loadOrRunSuite, notebookProfile, paperAgreement, showFigure, showMarkdown, showTable, suiteFigure, suiteReading } from './src/notebook/index';

const res = await loadOrRunSuite({ suite: 'default', profile: notebookProfile() });

// %% [markdown]
// ## Our results table
//
// Pearson r with its 95% percentile bootstrap interval (mean ± sd over seeds when there are several), in-domain and
// out-of-domain (held-out slot values, the analogue of Feedback Bench's unseen rubrics), the other metrics (Spearman
// ρ, Kendall τ, RMSE, invalid standard-decoding outputs) in a second table, then the paired-bootstrap verdicts of
// TRACT against every other method.

// %%
showMarkdown(res.table);

// %%
await showFigure(suiteFigure(res, 'ablation-pearson'));

// %% [markdown]
// ## The paper's main table beside ours
//
// The paper's rows from `data/reference/tract-paper-results.csv` (the authors' run log; CE w/o CoT and RAFT from
// the paper's text), with our in-domain and out-of-domain r of the same method where our primary decoding is the
// row's. The benchmarks differ, so compare orderings, not values.

// %%
showTable(paperMainTable(readPaperResults('data/reference/tract-paper-results.csv'), readOurRuns(res.outDir)));

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
  paperAgreement(res, readPaperResults('data/reference/tract-paper-results.csv'), [
    ['tract', 'raft'],
    ['tract', 'ce-cot'],
    ['tract', 'ce-no-cot'],
    ['tract', 'cot-raft-ref'],
    ['tract', 'self-cot-ce'],
    ['raft', 'ce-no-cot'],
  ]),
);
