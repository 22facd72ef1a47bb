/**
 * The table files beside results: a suite's `table.md` (results, then verdicts), `table.csv`,
 * `verdicts.csv` and `table.tex`, and a benchmark evaluation's `table.md`/`.csv`/`.tex`. The tables
 * are built as data by `tract` and formatted here (`report/tables.ts`).
 *
 * @module report/tableFiles
 */
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { writeFileAtomic } from '../io/atomic';
import type { BenchmarkMetrics, Table } from '../results/formats';
import { benchmarkTable } from '../tract/benchmarkEval';
import { toCsv, toLatex, toMarkdown } from './tables';

/** A suite's tables as Markdown: the results table, then the verdicts when there are any. */
export function suiteTablesMarkdown(tables: { results: Table; verdicts: Table }): string {
  return `${toMarkdown(tables.results)}\n${toMarkdown(tables.verdicts)}`;
}

/** Writes a suite's table files into `outDir`; returns the path of `table.md`. */
export function writeSuiteTables(outDir: string, tables: { results: Table; verdicts: Table }): string {
  mkdirSync(outDir, { recursive: true });
  writeFileAtomic(join(outDir, 'table.md'), suiteTablesMarkdown(tables));
  writeFileAtomic(join(outDir, 'table.csv'), toCsv(tables.results));
  writeFileAtomic(join(outDir, 'verdicts.csv'), toCsv(tables.verdicts));
  writeFileAtomic(join(outDir, 'table.tex'), toLatex(tables.results));
  return join(outDir, 'table.md');
}

/**
 * Writes the table of one or several benchmark evaluations into `outDir` (`table.md`, and with
 * `all` also `table.csv` and `table.tex`); returns the path of `table.md`.
 */
export function writeBenchmarkTables(runs: BenchmarkMetrics[], outDir: string, opts: { all?: boolean } = {}): string {
  mkdirSync(outDir, { recursive: true });
  const table = benchmarkTable(runs);
  writeFileAtomic(join(outDir, 'table.md'), toMarkdown(table));
  if (opts.all !== false) {
    writeFileAtomic(join(outDir, 'table.csv'), toCsv(table));
    writeFileAtomic(join(outDir, 'table.tex'), toLatex(table));
  }
  return join(outDir, 'table.md');
}
