// Cells of notebooks/03-ce-only.ipynb: edit here, then
//   npx tsx tools/make_notebook.ts notebooks/cells/03-ce-only.ts && npm run notebooks:write -- notebooks/03-ce-only.ipynb

// %% [markdown]
// # 03 · Self-generated CoTs with cross-entropy only (A.2) vs TRACT
//
// **Paper claim** (docs/method.md §9.3, ablation A.2): training both stages with plain cross-entropy on the
// self-generated CoTs (no regression term, CoT-RAIL readout) is below TRACT but above CE with the reference CoTs.
// The paper's takeaway: "self-generated CoTs help only when combined with the regression loss". The paper's averages
// are printed with our comparison at the end.
//
// **Experiment**: suite `experiments/suites/default.json`, runs `self-cot-ce` (A.2: CE on reference CoTs, self-CoTs from
// that model, CE from the seed on them; `experiments/tinyjudge/self-cot-ce.json`) and `tract` (T), with `ce-cot`
// (B2: CE on reference CoTs, standard decoding; A.2's stage 1) for reference. Profile from `TRACT_PROFILE`; the runs
// are shared with notebook 01.

// %%
import { readPaperResults } from './src/data/paperResults';
import { loadOrRunSuite, paperAgreement, notebookProfile, showFigure, showMarkdown, suiteBars, suiteReading, suiteRunTable } from './src/notebook/index';

const res = await loadOrRunSuite({ suite: 'default', profile: notebookProfile() });

// %% [markdown]
// ## CE on reference CoTs, CE on self-CoTs (A.2), TRACT
//
// The notes under the table give the quality of the self-generated training CoTs of both two-stage methods (clause
// accuracy against the story, well-formedness) and of the CoTs each method writes at evaluation.

// %%
const labels = ['ce-cot', 'self-cot-ce', 'tract'];
showMarkdown(suiteRunTable(res, { labels: labels, compare: 'tract' }));

// %%
await showFigure(suiteBars(res, { labels: labels }));

// %% [markdown]
// ## Reading of the numbers above (computed from the loaded metrics)

// %%
showMarkdown(suiteReading(res, { labels: ['self-cot-ce', 'tract'], compare: 'tract' }));

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
    ['tract', 'self-cot-ce'],
    ['self-cot-ce', 'ce-cot'],
  ]),
);
