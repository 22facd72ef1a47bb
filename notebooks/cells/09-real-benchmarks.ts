// Cells of notebooks/09-real-benchmarks.ipynb: edit here, then
//   npx tsx tools/make_notebook.ts notebooks/cells/09-real-benchmarks.ts && npm run notebooks:write -- notebooks/09-real-benchmarks.ipynb

// %% [markdown]
// # 09 · The real benchmarks: Vicuna Bench and MT Bench, and a local model on them
//
// **Paper data** (docs/method.md §10, §9.1): Vicuna Bench and MT Bench each have 80 prompts × 4 responders, three
// GPT-4 scores per example, label = their mean (the counts and label means are computed below). On them the paper's
// Mistral-7B TRACT judge is the best of its table (the paper's values are printed beside ours below).
// The files are shipped in `data/benchmarks/` (`SHIPPED_BENCHMARKS`); FB Bench and FLASK are too large to ship.
//
// **Experiment**: `evaluateBenchmark` (`src/tract/benchmarkEval.ts`) with the stories260K seed model, CoT-RAIL, one
// CoT of at most 24 tokens, as `npx tract eval --model models/stories260K --benchmark vicuna --benchmark mt-bench
// --max-new-tokens 24 --batch-size 16`. Under the `full` profile every record is judged (that run's folders,
// `results/runs/eval-vicuna-*` and `results/runs/eval-mt-bench-*`, are read back when they exist); under any other
// profile only the first 4 records of each benchmark.
//
// **Say it plainly:** stories260K is a 260K-parameter model trained on children's stories with a 512-token
// vocabulary and a 512-token context. It cannot judge anything, and every benchmark prompt is longer than its
// context: each one is cut to its last ~470 tokens (the rubric and "###Feedback:" stay, the instruction and most of
// the response go). This notebook checks that the data and the evaluation path work end to end; its correlations
// say nothing about judging.

// %%
import { loadPrometheusBenchmark, SHIPPED_BENCHMARKS } from './src/data/benchmarks';
import { readPaperResults } from './src/data/paperResults';
import { JudgeTokens } from './src/data/judgeTokens';
import { predictedVsGold } from './src/report/figures';
import { loadModelTokenizer } from './src/model/checkpoint';
import { benchmarkTable } from './src/tract/benchmarkEval';
import { benchmarkOverview, benchmarkOverviewTable, loadOrEvaluateBenchmark, notebookProfile, showFigure, showMarkdown, showTable } from './src/notebook/index';

const profile = notebookProfile();
const benchmarks = Object.keys(SHIPPED_BENCHMARKS);
const evals = [];
for (const benchmark of benchmarks) {
  evals.push(await loadOrEvaluateBenchmark({ model: 'models/stories260K', benchmark: benchmark, maxNewTokens: 24, batchSize: 16, limit: profile === 'full' ? undefined : 4 }));
}

// %% [markdown]
// ## The data: record counts, labels, prompt lengths under stories260K's tokenizer
//
// Prompt tokens count the BOS, as the evaluation encodes them (no chat template for a base model); the budget is
// the model's 512-token context minus the CoT and the forced " So the overall score is ".

// %%
const jt = new JudgeTokens(loadModelTokenizer('models/stories260K'));
showMarkdown(benchmarkOverviewTable(benchmarks.map((b, i) => benchmarkOverview(b, loadPrometheusBenchmark(SHIPPED_BENCHMARKS[b]).records, jt, evals[i].metrics.truncated.promptBudget))));

// %% [markdown]
// ## stories260K judged on them (CoT-RAIL, one CoT)

// %%
showTable(benchmarkTable(evals.map((e) => e.metrics)));

// %%
await showFigure(predictedVsGold(evals.flatMap((e) => e.predictions), { readout: 'rail', readoutLabel: 'CoT-RAIL', title: 'stories260K on Vicuna Bench and MT Bench: CoT-RAIL vs the mean GPT-4 score' }));

// %% [markdown]
// ## Reading of the numbers above (computed from the loaded metrics)

// %%
if (profile !== 'full') showMarkdown(`**Warning: profile '${profile}': only the first 4 records of each benchmark were judged.** The numbers below only show that the evaluation runs. The full evaluation is described in the next cell.`);
for (const e of evals) {
  const m = e.metrics;
  console.log(`${m.benchmark}: ${m.judged} of ${m.records} records judged (${e.loaded ? 'read from' : 'computed into'} ${e.dir}); ${m.truncated.count} prompts cut from the left to ${m.truncated.promptBudget} tokens;`
    + ` mean RAIL ${(e.predictions.reduce((s, p) => s + p.rail, 0) / e.predictions.length).toFixed(3)} against a mean label ${(e.predictions.reduce((s, p) => s + p.gold, 0) / e.predictions.length).toFixed(3)};`
    + ` ${(100 * m.massOutside).toFixed(1)}% of the probability outside the five digits; r = ${Number.isFinite(m.rail.pearson) ? m.rail.pearson.toFixed(3) : 'n/a'}.`);
}

// %% [markdown]
// ## What the full evaluation shows
//
// Under the `full` profile all records of both benchmarks are judged (run folders `results/runs/eval-vicuna-*` and
// `results/runs/eval-mt-bench-*`; combined table `results/eval-stories260K/table.md`). The overview above shows
// that every prompt is longer than stories260K's context, so every one is cut from the left; the line per benchmark
// above gives the probability left outside the five digits after the forced " So the overall score is ". With almost
// all of it outside, CoT-RAIL (no renormalisation) predicts near 0 on a 1-5 scale, its RMSE is about the mean label,
// standard decoding almost never samples a digit, and Pearson r shows no agreement: a story model cannot read the
// task. The paper's TRACT on the same two benchmarks, from the authors' log:

// %%
const paperRows = readPaperResults('data/reference/tract-paper-results.csv');
for (const e of evals) {
  const paper = paperRows.find((r) => r.method === 'tract' && r.decoding === 'cot-rail' && r.nCot === 1 && r.benchmark === e.metrics.benchmark);
  const ours = e.metrics.rail;
  console.log(`${e.metrics.benchmark}: stories260K r ${ours.pearson.toFixed(3)} [${ours.pearsonLo.toFixed(3)}, ${ours.pearsonHi.toFixed(3)}] on ${e.metrics.judged} records; paper's TRACT (Mistral-7B) r ${paper ? paper.pearson.toFixed(3) : 'n/a'}`);
}

// %% [markdown]
// Any judge that `loadModel` reads (an HF-format folder, one of our checkpoints) goes through the same path with
// `npx tract eval --model <folder> --benchmark vicuna --benchmark mt-bench`.
