/**
 * JSON Lines: one JSON value per line, blank lines ignored. Used for the pipeline's caches
 * (self-CoTs, predictions) and for users' data files. {@link readResumable} and {@link appendJsonl}
 * are the one implementation of a resumable, append-only JSONL file.
 *
 * @module io/jsonl
 */
import { appendFileSync, existsSync, readFileSync } from 'node:fs';
import { faultPoint, KILL_ENV, writeFileAtomic } from './atomic';

/** Options of {@link parseJsonl}. */
export interface JsonlOptions<T = unknown> {
  /**
   * Drop a last line that is not valid JSON instead of failing: the write that an interrupted
   * append-only cache was cut off in (earlier bad lines still fail).
   */
  dropTornLastLine?: boolean;
  /**
   * Reports a line that is not valid JSON (its 1-based number and the parser's message) instead of
   * failing (a torn last line that {@link JsonlOptions.dropTornLastLine} drops is not reported). What
   * it returns, unless `undefined`, stands in the output in the line's place (e.g. a marker that
   * keeps the records' positions), otherwise the line is left out.
   */
  onBadLine?: (line: number, message: string) => T | undefined;
}

/**
 * Parses JSONL text. `file` names the source in errors, which give the 1-based line number of the
 * malformed record in the text (blank lines counted).
 */
export function parseJsonl<T = unknown>(text: string, file: string, options: JsonlOptions<T> = {}): T[] {
  const out: T[] = [];
  const lines = text.split('\n');
  let last = lines.length - 1;
  while (last >= 0 && lines[last].trim() === '') last--;
  lines.forEach((line, i) => {
    if (line.trim() === '') return;
    try {
      out.push(JSON.parse(line) as T);
    } catch (err) {
      if (options.dropTornLastLine && i === last) return;
      if (options.onBadLine) {
        const standIn = options.onBadLine(i + 1, (err as Error).message);
        if (standIn !== undefined) out.push(standIn);
        return;
      }
      throw new Error(`${file}: line ${i + 1} is not valid JSON (${(err as Error).message})`);
    }
  });
  return out;
}

/** Reads a JSONL file (see {@link parseJsonl}). */
export function readJsonl<T = unknown>(file: string, options: JsonlOptions<T> = {}): T[] {
  return parseJsonl<T>(readFileSync(file, 'utf8'), file, options);
}

/** Serialises records as JSONL text, one line each, with a final newline (empty text for none). */
export function toJsonl(records: readonly unknown[]): string {
  return records.map((r) => `${JSON.stringify(r)}\n`).join('');
}

/** Writes records as a JSONL file, atomically. */
export function writeJsonl(file: string, records: readonly unknown[]): void {
  writeFileAtomic(file, toJsonl(records));
}

/**
 * Reads the records of a resumable append-only JSONL file, keeping only whole records: a torn last
 * line (the append a kill cut off) is dropped, and with `unit` > 1 the records past the last
 * multiple of `unit` are dropped too. When anything was dropped the file is rewritten atomically to
 * the kept records, so the next append continues a clean file. A missing file reads as empty.
 */
export function readResumable<T = unknown>(file: string, options: { unit?: number } = {}): T[] {
  if (!existsSync(file)) return [];
  const text = readFileSync(file, 'utf8');
  const all = parseJsonl<T>(text, file, { dropTornLastLine: true });
  const unit = Math.max(1, options.unit ?? 1);
  const kept = all.slice(0, Math.floor(all.length / unit) * unit);
  if (toJsonl(kept) !== text) writeJsonl(file, kept);
  return kept;
}

/**
 * Appends records to a resumable JSONL file in one write. (Under the fault tests' kill hook
 * `append:<n>`, the n-th append is cut in the middle of its text, as a kill during a write leaves it.)
 */
export function appendJsonl(file: string, records: readonly unknown[]): void {
  if (!records.length) return;
  const text = toJsonl(records);
  const cut = process.env[KILL_ENV]?.startsWith('append:') ? Math.floor(text.length / 2) : text.length;
  appendFileSync(file, text.slice(0, cut));
  faultPoint('append');
  if (cut < text.length) appendFileSync(file, text.slice(cut));
}
