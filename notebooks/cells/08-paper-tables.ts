// Cells of notebooks/08-paper-tables.ipynb: edit here, then
//   npx tsx tools/make_notebook.ts notebooks/cells/08-paper-tables.ts && npm run notebooks:write -- notebooks/08-paper-tables.ipynb

// %% [markdown]
// # 08 · The paper's four tables, rebuilt from the reference CSV
//
// **Source** (docs/method.md §9.1-9.5): `data/reference/tract-paper-results.csv`, made by
// `tools/make_paper_reference.ts` from the authors' run log (`results.csv` of the official repository, one row
// per inference run), each row mapped to the paper's method (§8); the two main-table rows missing from the log
// (CE w/o CoT, RAFT) come from the paper's text. Averages are computed from the per-benchmark values, never typed
// in; where the paper prints another rounding a note says so (the tables' notes).
//
// The claims the tables carry: TRACT has the best average in the main table; in the ablations every variant is below
// TRACT and CoT-RAIL beats standard decoding for every model with both readouts; the λ sweep peaks between λ = 0.2
// and 1; five CoTs help standard decoding and Prometheus-2-7B far more than TRACT with CoT-RAIL. Each table below
// carries the numbers, computed from the file.
//
// **No training here.** Our columns are the default suite's runs for the current profile
// (`results/default-<profile>`, from `experiments/suites/default.json`) when they are on disk; otherwise the
// tables show the paper's numbers alone. The same tables come from `npx tract report paper --ours results/default-full`.

// %%
import { readPaperResults } from './src/data/paperResults';
import { paperAblationTable, paperLambdaTable, paperMainTable, paperNCotTable, readOurRuns } from './src/report/paperTables';
import { notebookProfile, notebookResultsDir, paperAgreement, readSuiteResults, showFigure, showMarkdown, showTable, suiteFilePath, suiteOutDir, suiteReading, tableBars } from './src/notebook/index';

const rows = readPaperResults('data/reference/tract-paper-results.csv');
const profile = notebookProfile();
const ours = readSuiteResults(suiteOutDir(suiteFilePath('default'), profile, notebookResultsDir()), { profile: profile });
const oursRuns = typeof ours === 'string' ? undefined : readOurRuns(ours.outDir);
console.log(`${rows.length} reference rows; our default suite for profile '${profile}': ${typeof ours === 'string' ? `not used (${ours})` : `${ours.outDir}`}`);

// %% [markdown]
// ## Main table (§9.1)

// %%
const main = paperMainTable(rows, oursRuns);
showTable(main);

// %%
await showFigure(tableBars(main, { groups: ['FB Bench', 'FLASK', 'Vicuna Bench', 'MT Bench', 'Avg'], title: 'The paper\'s main table: Pearson r per benchmark (Mistral-7B)' }));

// %% [markdown]
// ## Ablations (§9.3)

// %%
showTable(paperAblationTable(rows, oursRuns));

// %% [markdown]
// ## λ sweep (§9.4)

// %%
showTable(paperLambdaTable(rows));

// %% [markdown]
// ## Number of sampled CoTs (§9.5)

// %%
showTable(paperNCotTable(rows));

// %% [markdown]
// ## Reading of our columns (computed from the loaded metrics)
//
// The paper's numbers above do not depend on the profile; our columns do.

// %%
if (typeof ours === 'string') console.log(`no runs of ours beside the paper's (${ours}); run notebook 01 or \`npx tract run --profile ${profile}\` first`);
else showMarkdown(suiteReading(ours, { labels: ['ce-no-cot', 'ce-cot', 'raft', 'tract'] }));

// %% [markdown]
// ## Our columns against the paper (computed)
//
// For each pair of methods in our default suite: the paper's average r (from the file above) beside our
// paired-bootstrap Δr per split, pooled over the suite's seeds. The ablations are compared in notebook 05, the λ sweep
// in 06 and the number of CoTs in 07; `docs/results.md` has the written analysis.

// %%
if (typeof ours !== 'string')
  showMarkdown(
    paperAgreement(ours, rows, [
      ['tract', 'raft'],
      ['tract', 'ce-cot'],
      ['raft', 'ce-no-cot'],
      ['tract', 'cot-raft-ref'],
      ['tract', 'self-cot-ce'],
    ]),
  );
