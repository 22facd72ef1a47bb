/**
 * The `tract` command line (`npx tract <command> ...`). Each command is a thin layer over the
 * library; bad arguments print one line and exit with code 2, never a stack trace.
 *
 * @module cli/main
 */
import { existsSync } from 'node:fs';
import { basename, join, resolve } from 'node:path';
import { parseArgs, type ParseArgsConfig } from 'node:util';
import * as tf from '@tensorflow/tfjs';
import { describeBackend, initBackend } from '../engine/backend';
import { loadModel } from '../model/checkpoint';
import { generate } from '../decoding/generate';
import { resolveGenerationConfig, type GenerationConfig } from '../decoding/generationConfig';
import { DEFAULT_SUITE, loadSuite, runSuite } from '../tract/suite';
import { exportFigures, parseFormats, type FigureFormat } from '../report/exportFigures';
import { figuresForResults } from '../report/resultFigures';
import { writeSuiteTables } from '../report/tableFiles';
import { DEFAULT_RESULTS_DIR, suiteOutDir } from '../results/paths';
import { CLI_PROFILE } from '../tract/profiles';
import { readPaperResults, type PaperResult } from '../data/paperResults';
import { paperAblationTable, paperLambdaTable, paperMainTable, paperNCotTable, readOurRuns } from '../report/paperTables';
import { toCsv, toLatex, toMarkdown } from '../report/tables';
import { resolveBenchmark } from '../data/benchmarks';
import { CHAT_TEMPLATES, type ChatTemplate } from '../data/chatTemplates';
import { BENCHMARK_EVAL_DEFAULTS, benchmarkTable, evaluateBenchmark } from '../tract/benchmarkEval';
import { type BenchmarkMetrics, type RunMetrics, type Table } from '../results/formats';
import { writeBenchmarkTables } from '../report/tableFiles';

/** A usage error: printed as one line, exit code 2. */
export class UsageError extends Error {}

interface Command {
  summary: string;
  options: NonNullable<ParseArgsConfig['options']>;
  run(values: Record<string, unknown>, positionals: string[]): Promise<void>;
}

const COMMANDS: Record<string, Command> = {
  info: {
    summary: 'show the TF.js backend chosen on this machine (and why) and the library versions',
    options: { json: { type: 'boolean' } },
    async run(values) {
      const report = await initBackend();
      const info = { node: process.version, tfjs: tf.version_core, backend: report };
      console.log(values.json ? JSON.stringify(info) : `node ${info.node}, tfjs ${info.tfjs}\n${describeBackend(report)}`);
    },
  },
};

function requireString(values: Record<string, unknown>, key: string): string {
  const v = values[key];
  if (typeof v !== 'string' || v === '') throw new UsageError(`--${key} is required`);
  return v;
}

function numberOption(values: Record<string, unknown>, key: string): number | undefined {
  const v = values[key];
  if (v === undefined) return undefined;
  const n = Number(v);
  if (typeof v !== 'string' || v.trim() === '' || !Number.isFinite(n)) throw new UsageError(`--${key} must be a number, got '${String(v)}'`);
  return n;
}

/** Loads a model for a command; a missing path is a usage error. */
function loadForCli(values: Record<string, unknown>) {
  const path = requireString(values, 'model');
  try {
    return loadModel(path);
  } catch (err) {
    if (/no such file or folder/.test((err as Error).message)) throw new UsageError((err as Error).message);
    throw err;
  }
}

COMMANDS.logits = {
  summary: 'print the logits at the last position: --model DIR --tokens 1,403,407 [--json]',
  options: { model: { type: 'string' }, tokens: { type: 'string' }, json: { type: 'boolean' } },
  async run(values) {
    const text = requireString(values, 'tokens');
    const ids = text.split(',').map((s) => Number(s.trim()));
    if (ids.some((id) => !Number.isInteger(id) || id < 0)) throw new UsageError(`--tokens must be comma-separated token ids, got '${text}'`);
    await initBackend();
    const { model } = loadForCli(values);
    if (ids.some((id) => id >= model.config.vocabSize)) throw new UsageError(`--tokens: ids must be < vocabulary size ${model.config.vocabSize}`);
    const logits = model.forward([ids]);
    const last = Array.from(logits.slice([0, ids.length - 1, 0], [1, 1, -1]).dataSync());
    logits.dispose();
    model.dispose();
    if (values.json) console.log(JSON.stringify({ tokens: ids, lastLogits: last }));
    else console.log(last.map((v) => v.toFixed(6)).join(' '));
  },
};

COMMANDS.generate = {
  summary: 'continue a prompt: --model DIR --prompt TEXT [--max-new-tokens N --temperature T --top-p P --top-k K --repetition-penalty R --seed S --stop STR]',
  options: {
    model: { type: 'string' },
    prompt: { type: 'string' },
    'max-new-tokens': { type: 'string' },
    temperature: { type: 'string' },
    'top-p': { type: 'string' },
    'top-k': { type: 'string' },
    'repetition-penalty': { type: 'string' },
    seed: { type: 'string' },
    stop: { type: 'string', multiple: true },
    json: { type: 'boolean' },
  },
  async run(values) {
    const prompt = requireString(values, 'prompt');
    const overrides: Partial<GenerationConfig> = {};
    const map: [string, keyof GenerationConfig][] = [
      ['max-new-tokens', 'maxNewTokens'], ['temperature', 'temperature'], ['top-p', 'topP'], ['top-k', 'topK'],
      ['repetition-penalty', 'repetitionPenalty'], ['seed', 'seed'],
    ];
    for (const [flag, key] of map) {
      const n = numberOption(values, flag);
      if (n !== undefined) (overrides as Record<string, number>)[key] = n;
    }
    if (values.stop) overrides.stop = values.stop as string[];
    let config: GenerationConfig;
    try {
      config = resolveGenerationConfig({ maxNewTokens: 64, ...overrides });
    } catch (err) {
      throw new UsageError((err as Error).message.replace(/^generation config: /, ''));
    }
    await initBackend();
    const { model, tokenizer } = loadForCli(values);
    const [out] = await generate(model, tokenizer, [prompt], config);
    model.dispose();
    if (values.json) console.log(JSON.stringify({ prompt, ...out }));
    else console.log(`${prompt}${out.text}`);
  },
};

COMMANDS.run = {
  summary: 'run a suite of experiments and write its table: [--suite FILE] [--profile quick|full|ci] [--seeds N] [--results DIR] [--out DIR]',
  options: {
    suite: { type: 'string' },
    profile: { type: 'string' },
    seeds: { type: 'string' },
    results: { type: 'string' },
    out: { type: 'string' },
  },
  async run(values) {
    const suiteFile = (values.suite as string | undefined) ?? DEFAULT_SUITE;
    const profile = (values.profile as string | undefined) ?? CLI_PROFILE;
    const seeds = numberOption(values, 'seeds') ?? 1;
    if (!Number.isInteger(seeds) || seeds < 1) throw new UsageError(`--seeds must be a positive integer, got ${seeds}`);
    const resultsDir = (values.results as string | undefined) ?? DEFAULT_RESULTS_DIR;
    const out = (values.out as string | undefined) ?? suiteOutDir(suiteFile, profile, resultsDir);
    try {
      loadSuite(suiteFile, profile, 0); // check the files before anything starts
    } catch (err) {
      throw new UsageError((err as Error).message);
    }
    const report = await initBackend();
    console.error(describeBackend(report));
    const t0 = Date.now();
    const res = await runSuite({ suiteFile, profile, seeds, resultsDir, outDir: out, backend: report, log: (line) => console.error(line) });
    const table = writeSuiteTables(out, res.tables);
    const minutes = ((Date.now() - t0) / 60000).toFixed(1);
    console.log(`\nresults table: ${table} (also table.csv, table.tex, verdicts.csv) after ${minutes} min`);
    console.log(`per-run files: ${join(resultsDir, 'runs')}/<runId>/ (listed in ${join(out, 'summary.json')})`);
  },
};

COMMANDS.eval = {
  summary: 'evaluate a judge on benchmarks: --model DIR --benchmark vicuna|mt-bench|FILE [--benchmark ...] [--decoding cot-rail|standard --n-cot N --chat-template auto|mistral|llama3|none --max-new-tokens N --limit N --max-prompt-tokens N --seed S --batch-size B --lenient --out DIR]',
  options: {
    model: { type: 'string' },
    benchmark: { type: 'string', multiple: true },
    decoding: { type: 'string' },
    'n-cot': { type: 'string' },
    'chat-template': { type: 'string' },
    'max-new-tokens': { type: 'string' },
    temperature: { type: 'string' },
    'top-p': { type: 'string' },
    'repetition-penalty': { type: 'string' },
    seed: { type: 'string' },
    'batch-size': { type: 'string' },
    limit: { type: 'string' },
    'max-prompt-tokens': { type: 'string' },
    samples: { type: 'string' },
    lenient: { type: 'boolean' },
    results: { type: 'string' },
    out: { type: 'string' },
  },
  async run(values) {
    const modelPath = requireString(values, 'model');
    if (!existsSync(modelPath)) throw new UsageError(`--model: ${modelPath}: no such file or folder`);
    const benchmarks = (values.benchmark as string[] | undefined) ?? [];
    if (benchmarks.length === 0) throw new UsageError('--benchmark is required (vicuna, mt-bench, or a Prometheus-format file; repeat for several)');
    for (const b of benchmarks) {
      try {
        resolveBenchmark(b, join(__dirname, '..', '..'));
      } catch (err) {
        throw new UsageError((err as Error).message);
      }
    }
    const d = BENCHMARK_EVAL_DEFAULTS;
    const decoding = (values.decoding as string | undefined) ?? d.decoding;
    if (decoding !== 'cot-rail' && decoding !== 'standard') throw new UsageError(`--decoding must be cot-rail or standard, got '${decoding}'`);
    const chatTemplate = (values['chat-template'] as string | undefined) ?? d.chatTemplate;
    if (chatTemplate !== 'auto' && !(CHAT_TEMPLATES as readonly string[]).includes(chatTemplate)) throw new UsageError(`--chat-template must be auto, ${CHAT_TEMPLATES.join(', ')}; got '${chatTemplate}'`);
    const int = (key: string, fallback: number | undefined, min: number): number | undefined => {
      const n = numberOption(values, key) ?? fallback;
      if (n !== undefined && (!Number.isInteger(n) || n < min)) throw new UsageError(`--${key} must be an integer >= ${min}, got ${n}`);
      return n;
    };
    const opts = {
      model: modelPath, decoding, chatTemplate: chatTemplate as ChatTemplate | 'auto',
      nCot: int('n-cot', d.nCot, 1)!, maxNewTokens: int('max-new-tokens', d.maxNewTokens, 1)!, seed: int('seed', d.seed, 0)!,
      batchSize: int('batch-size', d.batchSize, 1)!, limit: int('limit', undefined, 1), maxPromptTokens: int('max-prompt-tokens', undefined, 16),
      bootstrapSamples: int('samples', d.bootstrapSamples, 10)!,
      temperature: numberOption(values, 'temperature') ?? d.temperature, topP: numberOption(values, 'top-p') ?? d.topP,
      repetitionPenalty: numberOption(values, 'repetition-penalty') ?? d.repetitionPenalty,
      lenient: Boolean(values.lenient), resultsDir: (values.results as string | undefined) ?? d.resultsDir,
    } as const;
    const report = await initBackend();
    console.error(describeBackend(report));
    const runs: BenchmarkMetrics[] = [];
    const evalRunDirs: string[] = [];
    for (const benchmark of benchmarks) {
      const res = await evaluateBenchmark({ ...opts, benchmark, backend: report, log: (line) => console.error(line) });
      console.log(`${res.metrics.benchmark}: ${res.dir} (r ${res.metrics[res.metrics.primary].pearson.toFixed(3)}, ${res.metrics.judged} records, ${res.metrics.seconds.toFixed(0)} s)`);
      runs.push(res.metrics);
      evalRunDirs.push(res.dir);
    }
    const modelName = basename(resolve(modelPath));
    const out = (values.out as string | undefined) ?? join(opts.resultsDir, `eval-${modelName}`);
    for (const m of runs) writeBenchmarkTables([m], evalRunDirs[runs.indexOf(m)], { all: false });
    const table = writeBenchmarkTables(runs, out);
    console.log(`\n${toMarkdown(benchmarkTable(runs))}\ntable: ${table} (also table.csv, table.tex)`);
  },
};

COMMANDS.report = {
  summary: "print the paper's tables from the reference CSV, optionally beside our runs: paper [--table main|ablations|lambda|ncot|all] [--ours DIR] [--format md|csv|tex] [--file CSV]",
  options: { table: { type: 'string' }, ours: { type: 'string' }, format: { type: 'string' }, file: { type: 'string' } },
  async run(values, positionals) {
    if (positionals.length !== 1 || positionals[0] !== 'paper') throw new UsageError(`expected 'report paper', got '${positionals.join(' ')}'`);
    const which = (values.table as string | undefined) ?? 'all';
    const builders: Record<string, (rows: PaperResult[], ours?: Map<string, RunMetrics>) => Table> = {
      main: paperMainTable, ablations: paperAblationTable, lambda: (rows) => paperLambdaTable(rows), ncot: (rows) => paperNCotTable(rows),
    };
    if (which !== 'all' && !builders[which]) throw new UsageError(`--table must be one of main, ablations, lambda, ncot, all; got '${which}'`);
    const format = (values.format as string | undefined) ?? 'md';
    const render: Record<string, (t: Table) => string> = { md: toMarkdown, csv: toCsv, tex: toLatex };
    if (!render[format]) throw new UsageError(`--format must be md, csv or tex; got '${format}'`);
    const file = (values.file as string | undefined) ?? 'data/reference/tract-paper-results.csv';
    if (!existsSync(file)) throw new UsageError(`${file}: no such file`);
    const rows = readPaperResults(file);
    let ours: Map<string, RunMetrics> | undefined;
    if (values.ours !== undefined) {
      try {
        ours = readOurRuns(values.ours as string);
      } catch (err) {
        throw new UsageError((err as Error).message);
      }
    }
    const names = which === 'all' ? Object.keys(builders) : [which];
    console.log(names.map((n) => render[format](builders[n](rows, ours))).join('\n'));
  },
};

COMMANDS.figures = {
  summary: 'paper figures of a run or suite results folder: <results/runs/ID | results/default> [--out DIR] [--formats svg,png,pdf]',
  options: { out: { type: 'string' }, formats: { type: 'string' } },
  async run(values, positionals) {
    if (positionals.length !== 1) throw new UsageError(`expected one results folder (a run folder or a suite folder such as results/default), got ${positionals.length}`);
    const dir = positionals[0];
    let formats: FigureFormat[];
    try {
      formats = parseFormats((values.formats as string | undefined) ?? 'svg,png,pdf');
    } catch (err) {
      throw new UsageError(`--formats: ${(err as Error).message}`);
    }
    if (!existsSync(join(dir, 'summary.json')) && !existsSync(join(dir, 'metrics.json'))) {
      throw new UsageError(`${dir}: not a run folder (no metrics.json) nor a suite results folder (no summary.json)`);
    }
    const out = (values.out as string | undefined) ?? join(DEFAULT_RESULTS_DIR, 'figures', basename(resolve(dir)));
    await exportFigures(figuresForResults(dir), out, { formats, onWrite: (file) => console.log(file) });
  },
};

function usage(): string {
  const lines = Object.entries(COMMANDS).map(([name, c]) => `  ${name.padEnd(10)} ${c.summary}`);
  return `usage: tract <command> [options]\n\ncommands:\n${lines.join('\n')}`;
}

/**
 * Runs the CLI and returns the exit code (0 ok, 1 failure, 2 usage error).
 * @param argv arguments after the program name.
 */
export async function main(argv: string[]): Promise<number> {
  const [name, ...rest] = argv;
  if (name === undefined || name === '--help' || name === '-h' || name === 'help') {
    console.log(usage());
    return name === undefined ? 2 : 0;
  }
  const command = COMMANDS[name];
  if (!command) {
    console.error(`tract: unknown command '${name}' (commands: ${Object.keys(COMMANDS).join(', ')})`);
    return 2;
  }
  let parsed;
  try {
    parsed = parseArgs({ args: rest, options: command.options, allowPositionals: true, strict: true });
  } catch (err) {
    console.error(`tract ${name}: ${(err as Error).message.split('\n')[0]}`);
    return 2;
  }
  try {
    await command.run(parsed.values, parsed.positionals);
    return 0;
  } catch (err) {
    if (err instanceof UsageError) {
      console.error(`tract ${name}: ${err.message}`);
      return 2;
    }
    console.error(`tract ${name}: ${(err as Error).message}`);
    if (process.env.TRACT_DEBUG) console.error((err as Error).stack);
    return 1;
  }
}
