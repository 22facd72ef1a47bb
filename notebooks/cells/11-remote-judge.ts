// Cells of notebooks/11-remote-judge.ipynb: edit here, then
//   npx tsx tools/make_notebook.ts notebooks/cells/11-remote-judge.ts && npm run notebooks:write -- notebooks/11-remote-judge.ipynb

// %% [markdown]
// # 11 · A judge on a server: `tract serve` and the remote backend
//
// The paper's judges are 7-8B models served by vLLM. `tract eval --judge openai:URL` judges through any
// OpenAI-compatible server (`src/tract/remoteJudge.ts`), and `tract serve` puts our own models behind the same API
// (`src/serve/`); docs/scale.md walks through the whole loop (export → train on a cluster → serve → evaluate here).
//
// **Experiment**: start `tract serve --model models/stories260K` on loopback (a child process), judge the first
// Vicuna Bench records with the **local** backend (the model in this process) and with the **remote** backend
// (through the server, exact mode: p(1..5) from echoed prompt logprobs), same seeds, and compare. Under the `full`
// profile 16 records, otherwise 3 (`TRACT_PROFILE=ci`). CoTs of at most 16 tokens.
//
// As in notebook 09: stories260K cannot judge; this shows that the two backends compute the same numbers, not
// that the numbers mean anything.

// %%
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { RemoteJudge } from './src/tract/remoteJudge';
import { loadModelTokenizer } from './src/model/checkpoint';
import { benchmarkTable } from './src/tract/benchmarkEval';
import { localRemoteMarkdown, loadOrEvaluateBenchmark, notebookProfile, showMarkdown, showTable, startServeProcess } from './src/notebook/index';

const profile = notebookProfile();
const common = { model: 'models/stories260K', benchmark: 'vicuna', limit: profile === 'full' ? 16 : 3, maxNewTokens: 16, batchSize: 4 };
// a fixed port: the judge's URL is part of the remote run's id, so a rerun reads that run back
const server = await startServeProcess('models/stories260K', 'stories260K', { port: 8011 });
console.log(`tract serve is listening at ${server.baseUrl}`);

// %% [markdown]
// ## The same records through both backends

// %%
const local = await loadOrEvaluateBenchmark(common);
const judge = new RemoteJudge({ baseUrl: server.baseUrl, model: 'stories260K', tokenizer: loadModelTokenizer('models/stories260K') });
let remote;
try {
  remote = await loadOrEvaluateBenchmark({ ...common, judge });
} finally {
  await server.stop();
}
console.log(`local run: ${local.dir}\nremote run: ${remote.dir} (${judge.client.counts.requests} requests, ${judge.client.counts.retries} retries)`);

// %%
showMarkdown(localRemoteMarkdown(local.predictions, remote.predictions));

// %%
showTable(benchmarkTable([local.metrics, remote.metrics]));

// %% [markdown]
// ## Reading

// %%
const diffs = local.predictions.map((p, i) => Math.abs(p.rail - remote.predictions[i].rail));
showMarkdown(`${local.predictions.length} records (${remote.loaded ? 'remote run read back from its folder' : 'remote run computed now'}): `
  + `the largest RAIL difference between the backends is ${Math.max(...diffs).toExponential(2)}, `
  + `${diffs.every((d) => d < 1e-4) ? 'within' : '**outside**'} the 1e-4 the issue asks for; `
  + `the remote run's folder records the readout mode (\`config.resolved.json\`: judge.readout = `
  + `${JSON.parse(readFileSync(join(remote.dir, 'config.resolved.json'), 'utf8')).judge.readout}).`);
