/**
 * The report commands of the CLI: `tract report paper` (the paper's tables, optionally beside our
 * runs) and `tract figures` (the paper's figures of a run or suite results folder).
 *
 * @module cli/reports
 */
import { existsSync } from 'node:fs';
import { basename, join, resolve } from 'node:path';
import { readPaperResults, type PaperResult } from '../data/paperResults';
import type { RunMetrics, Table } from '../results/formats';
import { DEFAULT_RESULTS_DIR } from '../results/paths';
import { exportFigures, type FigureFormat, parseFormats } from '../report/exportFigures';
import {
  paperAblationTable,
  paperLambdaTable,
  paperMainTable,
  paperNCotTable,
  readOurRuns,
} from '../report/paperTables';
import { figuresForResults } from '../report/resultFigures';
import { toCsv, toLatex, toMarkdown } from '../report/tables';
import { type CommandSpec, choiceOption, stringOption, UsageError } from './args';

const PAPER_CSV = 'data/reference/tract-paper-results.csv';

/** `tract report paper`. */
export const reportCommand: CommandSpec = {
  summary: "print the paper's tables from the reference CSV, optionally beside our runs",
  positionals: { usage: 'paper', min: 1, max: 1 },
  options: {
    table: { value: 'NAME', help: 'main, ablations, lambda, ncot or all (default all)' },
    ours: { value: 'DIR', help: 'a suite results folder whose runs are shown beside the paper' },
    format: { value: 'FMT', help: 'md, csv or tex (default md)' },
    file: { value: 'CSV', help: `the paper's results (default ${PAPER_CSV})` },
  },
  async run(values, positionals) {
    if (positionals[0] !== 'paper') throw new UsageError(`expected 'report paper', got 'report ${positionals[0]}'`);
    const builders: Record<string, (rows: PaperResult[], ours?: Map<string, RunMetrics>) => Table> = {
      main: paperMainTable,
      ablations: paperAblationTable,
      lambda: (rows) => paperLambdaTable(rows),
      ncot: (rows) => paperNCotTable(rows),
    };
    const which = choiceOption(values, 'table', [...Object.keys(builders), 'all']) ?? 'all';
    const render: Record<string, (t: Table) => string> = { md: toMarkdown, csv: toCsv, tex: toLatex };
    const format = choiceOption(values, 'format', Object.keys(render)) ?? 'md';
    const file = stringOption(values, 'file') ?? PAPER_CSV;
    if (!existsSync(file)) throw new UsageError(`${file}: no such file`);
    let ours: Map<string, RunMetrics> | undefined;
    const oursDir = stringOption(values, 'ours');
    if (oursDir !== undefined) {
      try {
        ours = readOurRuns(oursDir);
      } catch (err) {
        throw new UsageError((err as Error).message);
      }
    }
    const rows = readPaperResults(file);
    const names = which === 'all' ? Object.keys(builders) : [which];
    console.log(names.map((n) => render[format](builders[n](rows, ours))).join('\n'));
  },
};

/** `tract figures`. */
export const figuresCommand: CommandSpec = {
  summary: 'the paper figures of a run folder (results/runs/ID) or a suite results folder (results/default)',
  positionals: { usage: '<results folder>', min: 1, max: 1 },
  options: {
    out: { value: 'DIR', help: `output folder (default ${DEFAULT_RESULTS_DIR}/figures/<folder name>)` },
    formats: { value: 'LIST', help: 'comma-separated svg, png, pdf (default svg,png,pdf)' },
  },
  async run(values, positionals) {
    const dir = positionals[0];
    let formats: FigureFormat[];
    try {
      formats = parseFormats(stringOption(values, 'formats') ?? 'svg,png,pdf');
    } catch (err) {
      throw new UsageError(`--formats: ${(err as Error).message}`);
    }
    if (!existsSync(join(dir, 'summary.json')) && !existsSync(join(dir, 'metrics.json'))) {
      throw new UsageError(`${dir}: not a run folder (no metrics.json) nor a suite results folder (no summary.json)`);
    }
    const out = stringOption(values, 'out') ?? join(DEFAULT_RESULTS_DIR, 'figures', basename(resolve(dir)));
    await exportFigures(figuresForResults(dir), out, { formats, onWrite: (file) => console.log(file) });
  },
};
