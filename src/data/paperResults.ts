/**
 * The paper's own numbers as reference data. The TRACT authors' run log (`results.csv` of the
 * official repository, one row per inference run) is reduced to the rows behind the paper's Mistral
 * tables, each mapped to the paper's method name (docs/method.md §8-9); the two main-table rows
 * that the log lacks (CE without CoT, RAFT) come from the paper's text. The result is
 * `data/reference/tract-paper-results.csv` (made by `tools/make_paper_reference.ts`), read back by
 * {@link readPaperResults}.
 *
 * This module writes and reads that file; the log's reduction is data/paperLog, the rows' fields and the
 * paper-text rows are data/paperRows (their names are re-exported here).
 *
 * @module data/paperResults
 */
import { readFileSync } from 'node:fs';
import { parse } from 'csv-parse/sync';
import { csvField } from './csv';
import { NUM, PAPER_BENCHMARKS, type PaperResult } from './paperRows';

export {
  type DerivedReference,
  deriveFromLog,
  LOG_DATASETS,
  LOG_MODELS,
} from './paperLog';
export {
  PAPER_BENCHMARKS,
  PAPER_TEXT_ROWS,
  type PaperBenchmark,
  type PaperMethod,
  type PaperResult,
  type PaperSource,
} from './paperRows';

/** Columns of `tract-paper-results.csv`, in order. */
export const PAPER_RESULT_COLUMNS = [
  'method',
  'paper_row',
  'paper_method',
  'confirmed',
  'lambda',
  'repo_model',
  'seed_model',
  'benchmark',
  'decoding',
  'n_cot',
  'pearson',
  'spearman',
  'kendall',
  'rmse',
  'temperature',
  'top_p',
  'repetition_penalty',
  'max_cot_tokens',
  'source',
  'source_line',
] as const;

/** A value as a CSV field; undefined and NaN are empty. */
function csvCell(v: unknown): string {
  return v === undefined || (typeof v === 'number' && Number.isNaN(v)) ? '' : csvField(String(v));
}

/** Writes rows as `tract-paper-results.csv` text (columns {@link PAPER_RESULT_COLUMNS}). */
export function paperResultsToCsv(rows: PaperResult[]): string {
  const lines = [PAPER_RESULT_COLUMNS.join(',')];
  for (const r of rows) {
    lines.push(
      [
        r.method,
        r.paperRow,
        r.paperMethod,
        r.confirmed,
        r.lambda,
        r.repoModel,
        r.seedModel,
        r.benchmark,
        r.decoding,
        r.nCot,
        r.pearson,
        r.spearman,
        r.kendall,
        r.rmse,
        r.temperature,
        r.topP,
        r.repetitionPenalty,
        r.maxCotTokens,
        r.source,
        r.sourceLine,
      ]
        .map(csvCell)
        .join(','),
    );
  }
  return `${lines.join('\n')}\n`;
}

/**
 * Reads `tract-paper-results.csv`, checking every field; an error names the file, the line and the
 * column. Empty numeric fields read as NaN (not reported).
 */
export function readPaperResults(file: string): PaperResult[] {
  const records = parse(readFileSync(file, 'utf8'), { columns: true, skip_empty_lines: true }) as Record<
    string,
    string
  >[];
  if (records.length === 0) throw new Error(`${file}: no rows`);
  const missing = PAPER_RESULT_COLUMNS.filter((c) => !(c in records[0]));
  if (missing.length) throw new Error(`${file}: missing column(s) ${missing.join(', ')}`);
  return records.map((r, i) => {
    const where = (col: string) => `${file}: line ${i + 2}, column ${col}`;
    const num = (col: string, optional = true): number => {
      const v = r[col].trim();
      if (v === '') {
        if (optional) return NaN;
        throw new Error(`${where(col)}: empty`);
      }
      if (!NUM.test(v)) throw new Error(`${where(col)}: '${v}' is not a number`);
      return Number(v);
    };
    const oneOf = <T extends string>(col: string, allowed: readonly T[]): T => {
      if (!allowed.includes(r[col] as T))
        throw new Error(`${where(col)}: '${r[col]}' is not one of ${allowed.join(', ')}`);
      return r[col] as T;
    };
    const lambda = num('lambda');
    return {
      method: r.method,
      paperRow: r.paper_row,
      paperMethod: r.paper_method,
      confirmed: oneOf('confirmed', ['true', 'false'] as const) === 'true',
      ...(Number.isNaN(lambda) ? {} : { lambda }),
      repoModel: r.repo_model,
      seedModel: r.seed_model,
      benchmark: oneOf('benchmark', [...PAPER_BENCHMARKS, 'feedback-collection-test', 'average'] as const),
      decoding: oneOf('decoding', ['cot-rail', 'standard', 'rail', 'unknown'] as const),
      nCot: num('n_cot', false),
      pearson: num('pearson', false),
      spearman: num('spearman'),
      kendall: num('kendall'),
      rmse: num('rmse'),
      temperature: num('temperature'),
      topP: num('top_p'),
      repetitionPenalty: num('repetition_penalty'),
      maxCotTokens: num('max_cot_tokens'),
      source: oneOf('source', ['log', 'paper-text'] as const),
      sourceLine: num('source_line', false),
    };
  });
}
