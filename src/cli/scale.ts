/**
 * The commands that reach beyond one machine: `tract serve` (an OpenAI-compatible server over a model),
 * `tract export` (training sets for the authors' LLaMA-Factory trainer), and the options `tract eval` gains for
 * a judge on a server (`--judge openai:URL --model-name NAME`) or a LoRA adapter (`--adapter DIR`).
 *
 * @module cli/scale
 */
import { existsSync, statSync } from 'node:fs';
import { basename, join, resolve } from 'node:path';
import { CHAT_TEMPLATES } from '../data/chatTemplates';
import { describeBackend, initBackend } from '../engine/backend';
import { loadModelTokenizer } from '../model/checkpoint';
import type { BenchmarkMetrics } from '../results/formats';
import { writeBenchmarkTables } from '../report/tableFiles';
import { toMarkdown } from '../report/tables';
import { loadTest } from '../serve/loadTest';
import { SERVE_DEFAULTS as S, startServer } from '../serve/server';
import { benchmarkTable, evaluateBenchmark } from '../tract/benchmarkEval';
import { DEFAULT_EXPERIMENT, loadExperiment } from '../tract/config';
import { exportLlamaFactory } from '../tract/exportLlamaFactory';
import { RemoteJudge } from '../tract/remoteJudge';
import {
  type CommandSpec,
  choiceOption,
  intOption,
  numberOption,
  requireString,
  stringOption,
  UsageError,
  type Values,
} from './args';
import { evalSettings } from './evalOptions';
import { loadForCli } from './inference';

/** `tract serve`. */
export const serveCommand: CommandSpec = {
  summary: 'serve a model over an OpenAI-compatible HTTP API (/v1/models, /v1/completions, /v1/chat/completions)',
  options: {
    model: { value: 'DIR', help: 'the model folder (Hugging Face, our checkpoints, llama2.c)' },
    host: { value: 'HOST', help: `address to listen on (default ${S.host})` },
    port: { value: 'PORT', help: `port, 0 for any free one (default ${S.port})` },
    'model-name': { value: 'NAME', help: 'the name requests use (default: the model folder name)' },
    'chat-template': { value: 'NAME', help: `template of /v1/chat/completions: ${CHAT_TEMPLATES.join(', ')} (none)` },
    'max-concurrent': {
      value: 'N',
      help: `requests in flight at most; more get HTTP 429 (default ${S.maxConcurrent})`,
    },
    'max-batch': { value: 'N', help: `sequences per batched forward at most (default ${S.maxBatch})` },
    'max-body-bytes': { value: 'N', help: `largest request body; larger gets HTTP 413 (default ${S.maxBodyBytes})` },
    'load-test': { value: 'CxR', help: 'run C clients x R requests against the server on loopback, print, exit' },
  },
  async run(values) {
    const loaded = loadForCli(values);
    const report = await initBackend();
    console.error(describeBackend(report));
    const modelName = stringOption(values, 'model-name') ?? basename(resolve(requireString(values, 'model')));
    const server = await startServer({
      model: loaded.model,
      tokenizer: loaded.tokenizer,
      modelName,
      chatTemplate: choiceOption(values, 'chat-template', CHAT_TEMPLATES) ?? 'none',
      host: stringOption(values, 'host') ?? S.host,
      port: intOption(values, 'port', 0, 65535) ?? S.port,
      maxConcurrent: intOption(values, 'max-concurrent', 1),
      maxBatch: intOption(values, 'max-batch', 1),
      maxBodyBytes: intOption(values, 'max-body-bytes', 1024),
      log: (line) => console.error(line),
    });
    console.error(`serving '${modelName}' at ${server.baseUrl} (Ctrl-C stops)`);
    const load = stringOption(values, 'load-test');
    if (load !== undefined) {
      const m = /^(\d+)x(\d+)$/.exec(load);
      if (!m) throw new UsageError(`--load-test: expected CxR such as 32x20, got '${load}'`);
      const r = await loadTest({
        baseUrl: server.baseUrl,
        clients: Number(m[1]),
        requestsPerClient: Number(m[2]),
        body: (c, k) => ({ prompt: 'Once upon a time', max_tokens: 16, seed: c * 1000 + k, logprobs: 1 }),
      });
      console.log(JSON.stringify({ ...r, engine: server.engine.stats }, null, 2));
      await server.close();
      loaded.model.dispose();
      return;
    }
    await new Promise<void>((done) => {
      const stop = () => {
        void server.close().then(done);
      };
      process.once('SIGINT', stop);
      process.once('SIGTERM', stop);
    });
    loaded.model.dispose();
  },
};

/** `tract export`. */
export const exportCommand: CommandSpec = {
  summary: "write TRACT's training sets for the authors' LLaMA-Factory trainer (multi-GPU, official loss)",
  options: {
    stage: { value: '1|2', help: 'stage 1 (reference CoTs) or 2 (self-generated CoTs, needs --self-cots)' },
    format: { value: 'NAME', help: 'output format: llamafactory (the only one)' },
    out: { value: 'DIR', help: 'output folder (replaced)' },
    config: { value: 'FILE', help: 'the experiment whose data is exported (default: the built-in default)' },
    'self-cots': { value: 'FILE', help: "stage 2: the stage-1 model's self-CoT cache (JSONL) from tract run" },
    'base-model': { value: 'NAME', help: 'model_name_or_path of the training config (default Llama-3.1-8B-Instruct)' },
    template: { value: 'NAME', help: "LLaMA-Factory's chat template name (default llama3)" },
    gpus: { value: 'N', help: 'processes of the accelerate config (default 8)' },
  },
  async run(values) {
    const stage = choiceOption(values, 'stage', ['1', '2'] as const);
    if (!stage) throw new UsageError('--stage 1|2 is required');
    const format = choiceOption(values, 'format', ['llamafactory'] as const) ?? 'llamafactory';
    const config = stringOption(values, 'config');
    if (config !== undefined && !existsSync(config)) throw new UsageError(`--config: ${config}: no such file`);
    const selfCots = stringOption(values, 'self-cots');
    if (selfCots !== undefined && !existsSync(selfCots)) throw new UsageError(`--self-cots: ${selfCots}: no such file`);
    const res = exportLlamaFactory({
      stage: stage === '1' ? 1 : 2,
      config: config ? loadExperiment(config) : { ...DEFAULT_EXPERIMENT },
      out: requireString(values, 'out'),
      selfCots,
      baseModel: stringOption(values, 'base-model'),
      template: stringOption(values, 'template'),
      gpus: intOption(values, 'gpus', 1),
    });
    for (const [name, d] of Object.entries(res.datasets)) console.log(`${name}: ${d.file} (${d.rows} rows)`);
    console.log(`${format} export in ${res.dir}: ${res.files.join(', ')}`);
  },
};

/** The options `tract eval` gains. */
const SCALE_EVAL_OPTIONS: CommandSpec['options'] = {
  judge: { value: 'openai:URL', help: 'judge on an OpenAI-compatible server, e.g. openai:http://127.0.0.1:8000/v1' },
  'model-name': { value: 'NAME', help: "the served model's name (with --judge)" },
  'api-key-env': { value: 'VAR', help: 'environment variable holding the API key (default OPENAI_API_KEY)' },
  readout: { value: 'MODE', help: 'CoT-RAIL readout on a server: exact (echo + prompt logprobs) or top-k' },
  'top-logprobs': { value: 'K', help: 'alternatives asked for in top-k mode, 1..20 (default 20)' },
  concurrency: { value: 'N', help: 'requests in flight to the server at most (default 8)' },
  retries: { value: 'N', help: 'retries on 429/5xx/connection errors, with backoff (default 4)' },
  timeout: { value: 'S', help: 'seconds per request (default 300)' },
  'no-repetition-penalty': { help: "don't send vLLM's repetition_penalty (servers that refuse it)" },
  adapter: { value: 'DIR', help: 'a PEFT LoRA adapter folder merged into --model before judging' },
};

/** `tract eval` with the remote-judge and adapter options; without them it runs as before. */
export function withScaleOptions(evalCommand: CommandSpec): CommandSpec {
  return {
    ...evalCommand,
    options: { ...evalCommand.options, ...SCALE_EVAL_OPTIONS },
    async run(values, positionals) {
      if (!Object.keys(SCALE_EVAL_OPTIONS).some((k) => values[k] !== undefined)) {
        return evalCommand.run(values, positionals);
      }
      await scaledEval(values);
    },
  };
}

/** The remote judge of `--judge openai:URL`, or null. */
function remoteJudgeOf(values: Values, model: string | undefined): RemoteJudge | null {
  const judge = stringOption(values, 'judge');
  if (judge === undefined) {
    for (const k of ['model-name', 'readout', 'top-logprobs', 'concurrency', 'api-key-env']) {
      if (values[k] !== undefined) throw new UsageError(`--${k} needs --judge openai:URL`);
    }
    return null;
  }
  if (!/^openai:https?:\/\/./.test(judge))
    throw new UsageError(`--judge: expected openai:http(s)://HOST:PORT/v1, got '${judge}'`);
  const modelName = stringOption(values, 'model-name');
  if (!modelName) throw new UsageError('--judge needs --model-name NAME (the served model)');
  const keyEnv = stringOption(values, 'api-key-env') ?? 'OPENAI_API_KEY';
  const timeout = numberOption(values, 'timeout', { above: 0 });
  return new RemoteJudge({
    baseUrl: judge.slice('openai:'.length),
    model: modelName,
    apiKey: process.env[keyEnv] || undefined,
    readout: choiceOption(values, 'readout', ['exact', 'top-k'] as const) ?? 'exact',
    topLogprobs: intOption(values, 'top-logprobs', 1, 20),
    concurrency: intOption(values, 'concurrency', 1),
    retries: intOption(values, 'retries', 0),
    timeoutMs: timeout === undefined ? undefined : timeout * 1000,
    repetitionPenalty: !values['no-repetition-penalty'],
    tokenizer: model ? loadModelTokenizer(model) : undefined,
    log: (line) => console.error(line),
  });
}

/** `tract eval` with a remote judge or an adapter: the same run folders and tables as a local eval. */
async function scaledEval(values: Values): Promise<void> {
  const model = stringOption(values, 'model');
  if (model !== undefined && !existsSync(model)) throw new UsageError(`--model: ${model}: no such file or folder`);
  const adapter = stringOption(values, 'adapter');
  if (adapter !== undefined && !existsSync(adapter)) throw new UsageError(`--adapter: ${adapter}: no such folder`);
  const judge = remoteJudgeOf(values, model);
  if (!judge && !model) throw new UsageError('--model DIR (or --judge openai:URL) is required');
  if (judge && adapter) throw new UsageError('--adapter applies to a local --model, not to a --judge server');
  const benchmarks = values.benchmark === undefined ? [] : ([values.benchmark].flat() as string[]);
  if (benchmarks.length === 0) throw new UsageError('--benchmark is required (vicuna, mt-bench, or a file)');
  const opts = { model: model ?? '', judge: judge ?? undefined, adapter, ...evalSettings(values) };
  const tag = judge ? `remote-${(stringOption(values, 'model-name') as string).replace(/[^\w.-]+/g, '_')}` : null;
  const out = stringOption(values, 'out') ?? join(opts.resultsDir, `eval-${tag ?? basename(resolve(model as string))}`);
  if (existsSync(out) && !statSync(out).isDirectory()) throw new UsageError(`--out: ${out} is not a folder`);
  const report = judge ? null : await initBackend();
  if (report) console.error(describeBackend(report));
  const runs: { metrics: BenchmarkMetrics; dir: string }[] = [];
  for (const benchmark of benchmarks) {
    const res = await evaluateBenchmark({ ...opts, benchmark, backend: report, log: (l) => console.error(l) });
    const m = res.metrics;
    console.log(`${m.benchmark}: ${res.dir} (r ${m[m.primary].pearson.toFixed(3)}, ${m.judged} records)`);
    runs.push({ metrics: m, dir: res.dir });
  }
  for (const run of runs) writeBenchmarkTables([run.metrics], run.dir, { all: false });
  const metrics = runs.map((run) => run.metrics);
  const table = writeBenchmarkTables(metrics, out);
  console.log(`\n${toMarkdown(benchmarkTable(metrics))}\ntable: ${table} (also table.csv, table.tex)`);
}
