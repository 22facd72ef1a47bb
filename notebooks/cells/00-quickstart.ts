// Cells of notebooks/00-quickstart.ipynb: edit here, then
//   npx tsx tools/make_notebook.ts notebooks/cells/00-quickstart.ts && npm run notebooks:write -- notebooks/00-quickstart.ipynb

// %% [markdown]
// # 00 · Quickstart: one TinyJudge example judged with CoT-RAIL
//
// **TRACT** (Chiang, Lee & Lukasik, ACL 2025) trains an LLM judge that writes a chain of thought (CoT) and then
// a score. Both of its stages fine-tune with **CoT-RAFT**: token cross-entropy on the CoT plus λ times the squared
// error between the gold score and the model's expected score. Stage 1 learns from reference CoTs; the stage-1
// model then writes its own CoTs for the training prompts, and stage 2 starts again from the seed model and learns
// from those self-generated CoTs (docs/method.md §5).
//
// **Claim shown here** (docs/method.md §2.3, CoT-RAIL): the judge's score is not a sampled digit but the
// expected score after a sampled CoT, ŷ = Σₖ k · p(k | prompt, CoT, " So the overall score is "), with p the
// softmax over the **full** vocabulary (not renormalised, so mass on other tokens pulls ŷ toward 0).
//
// **Experiment**: `experiments/tinyjudge/seed.json` (method `seed`: the untrained stories260K model, no training),
// evaluation settings from `experiments/tinyjudge/base.json`. Nothing is trained in this notebook; it runs in
// seconds under any `TRACT_PROFILE`.

// %%
import { describeBackend, initBackend } from './src/engine/backend';
import { loadModel } from './src/model/checkpoint';
import { loadExperiment } from './src/tract/config';
import { generateTinyJudge } from './src/data/tinyJudge';
import { JudgeTokens } from './src/data/judgeTokens';
import { judgeExamples } from './src/tract/evaluate';
import { railDistribution } from './src/report/figures';
import { notebookProfile, notebookResultsDir, readoutTable, readSuiteResults, runModelPath, showFigure, showMarkdown, suiteOutDir } from './src/notebook/index';

console.log(describeBackend(await initBackend()));

// %% [markdown]
// ## One TinyJudge example
//
// A TinyJudge item is a four-sentence story and a rubric of four yes/no items; the exact score is 1 plus the
// items met, and the evaluation label is the mean of three noisy annotators. The reference CoT has one clause
// per item: the asked value, the story's value, the decision.

// %%
const cfg = loadExperiment('experiments/tinyjudge/seed.json');
const { kind: _kind, ...sizes } = cfg.data;
const example = generateTinyJudge({ ...sizes, train: 0, val: 0, test: 1, testOod: 0 }).test[0];
console.log(example.prompt);
console.log(`\nreference CoT: ${example.referenceCot}`);
console.log(`exact score ${example.goldExact}; annotators ${example.annotators.join(', ')} → label ${example.label.toFixed(3)}`);

// %% [markdown]
// ## Judge it with CoT-RAIL
//
// Three CoTs are sampled from the seed model (temperature, top-p, repetition penalty and length from the
// experiment's `eval` block), each is cut at "So the overall", " So the overall score is " is forced, and one
// forward pass gives p("1")…p("5"). RAIL is Σ k·p(k) per CoT, averaged over the CoTs; "standard" is one token
// sampled from the same distribution, a score only if it is a digit.

// %%
const { model, tokenizer } = loadModel(cfg.model);
const jt = new JudgeTokens(tokenizer);
const evalCfg = { ...cfg.eval, nCot: 3 };
const [pred] = await judgeExamples({ model, jt, examples: [example], promptKind: 'cot', eval: evalCfg, split: 'test' });
model.dispose();
pred.readouts.forEach((r, i) => console.log(`CoT ${i + 1}: ${JSON.stringify(r.cot)}`));

// %%
showMarkdown(readoutTable(pred));

// %%
await showFigure(railDistribution(pred.readouts.map((r, i) => ({ name: `CoT ${i + 1}`, probs: r.probs })), { method: 'seed' }));

// %% [markdown]
// **Reading it.** The untrained seed writes TinyStories prose, not a clause per rubric item (0 of 4 clauses
// right), and after the forced " So the overall score is " it expects more prose: the five digits together get
// well under 1% of the probability (the "outside" column is close to 1). Because RAIL does not renormalise, its
// score is then close to 0, far below the scale 1–5, and the standard-decoding sample is almost never a digit.
// This is what training fixes: CoT-RAFT's cross-entropy teaches the clause format and the score position, and its
// squared-error term moves the expected score itself toward the label.

// %% [markdown]
// ## The same example with a trained TRACT judge (when the suite has been run)
//
// If the main suite has been run for this profile (`npx tract run --profile <profile>`, or `npm start` for
// `quick`) and its step cache is still in `results/cache`, the TRACT judge of that run scores the same example
// with the same settings. Nothing is computed otherwise.

// %%
const profile = notebookProfile();
const suite = readSuiteResults(suiteOutDir('experiments/suites/default.json', profile, notebookResultsDir()), { profile });
const tractRun = typeof suite === 'string' ? undefined : suite.runs[0].find((r) => r.metrics.method === 'tract');
const tractModel = tractRun ? runModelPath(tractRun) : null;
if (!tractModel) {
  console.log(`profile '${profile}': no trained TRACT judge on disk (${typeof suite === 'string' ? suite : 'its model is not in results/cache'}).`);
} else {
  const trained = loadModel(tractModel).model;
  const [tractPred] = await judgeExamples({ model: trained, jt: jt, examples: [example], promptKind: 'cot', eval: evalCfg, split: 'test' });
  trained.dispose();
  console.log(`TRACT judge of ${tractRun.dir} (${tractModel})`);
  tractPred.readouts.forEach((r, i) => console.log(`CoT ${i + 1}: ${JSON.stringify(r.cot)}`));
  showMarkdown(readoutTable(tractPred));
  await showFigure(railDistribution(tractPred.readouts.map((r, i) => ({ name: `CoT ${i + 1}`, probs: r.probs })), { method: 'tract' }));
}

// %% [markdown]
// With a trained judge the CoTs become clause lists ("bird, bird: yes. …"), almost all of the mass sits on the
// digits, and RAIL lands near the label. The results table of the whole comparison (seven methods, both splits,
// bootstrap intervals) is in `results/default*/table.md`; later notebooks load it with `loadOrRunSuite`.
