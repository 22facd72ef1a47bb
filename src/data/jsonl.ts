/**
 * JSON Lines: one JSON value per line, blank lines ignored. Used for the pipeline's caches
 * (self-CoTs, predictions) and for users' data files.
 *
 * @module data/jsonl
 */
import { readFileSync } from 'node:fs';

/** Options of {@link parseJsonl}. */
export interface JsonlOptions {
  /**
   * Drop a last line that is not valid JSON instead of failing: the write that an interrupted
   * append-only cache was cut off in (earlier bad lines still fail).
   */
  dropTornLastLine?: boolean;
}

/**
 * Parses JSONL text. `file` names the source in errors, which give the 1-based line number of the
 * malformed record in the text (blank lines counted).
 */
export function parseJsonl<T = unknown>(text: string, file: string, options: JsonlOptions = {}): T[] {
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
      throw new Error(`${file}: line ${i + 1} is not valid JSON (${(err as Error).message})`);
    }
  });
  return out;
}

/** Reads a JSONL file (see {@link parseJsonl}). */
export function readJsonl<T = unknown>(file: string, options: JsonlOptions = {}): T[] {
  return parseJsonl<T>(readFileSync(file, 'utf8'), file, options);
}
