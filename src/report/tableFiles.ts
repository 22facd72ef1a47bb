/**
 * The table files beside results: a suite's `table.md` (results, other metrics, then verdicts),
 * `table.csv` (every metric), `verdicts.csv` and `table.tex` (the results table), and a benchmark
 * evaluation's `table.md`/`.csv`/`.tex`. The tables are built as data by `tract` and formatted here
 * (`report/tables.ts`).
 *
 * @module report/tableFiles
 */
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { writeFileAtomic } from '../io/atomic';
import type { BenchmarkMetrics, Table } from '../results/formats';
import { benchmarkTable } from '../tract/benchmarkEval';
import type { SuiteTables } from '../tract/suiteTables';
import { toCsv, toLatex, toMarkdown } from './tables';

/** A suite's tables as Markdown: the results table, the other metrics, then the verdicts when there are any. */
export function suiteTablesMarkdown(tables: SuiteTables): string {
  const parts = [tables.results, tables.secondary, ...(tables.verdicts.rows.length ? [tables.verdicts] : [])];
  return parts.map(toMarkdown).join('\n');
}

/**
 * One table of every metric from the results table and its secondary table (same rows, in order): the
 * labels of both, then the columns of both.
 */
export function joinTables(main: Table, secondary: Table): Table {
  if (main.rows.length !== secondary.rows.length)
    throw new Error(`joinTables: ${main.rows.length} rows vs ${secondary.rows.length}`);
  return {
    ...main,
    labelColumns: [...main.labelColumns, ...secondary.labelColumns.filter((c) => !main.labelColumns.includes(c))],
    columns: [...main.columns, ...secondary.columns],
    rows: main.rows.map((r, i) => ({
      labels: [
        ...r.labels,
        ...secondary.rows[i].labels.filter((_, j) => !main.labelColumns.includes(secondary.labelColumns[j])),
      ],
      cells: [...r.cells, ...secondary.rows[i].cells],
    })),
  };
}

/** Writes a suite's table files into `outDir`; returns the path of `table.md`. */
export function writeSuiteTables(outDir: string, tables: SuiteTables): string {
  mkdirSync(outDir, { recursive: true });
  writeFileAtomic(join(outDir, 'table.md'), suiteTablesMarkdown(tables));
  writeFileAtomic(join(outDir, 'table.csv'), toCsv(joinTables(tables.results, tables.secondary)));
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
