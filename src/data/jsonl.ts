/**
 * JSON Lines: one JSON value per line, blank lines ignored. Used for the pipeline's caches
 * (self-CoTs, predictions) and for users' data files.
 *
 * @module data/jsonl
 */
import { readFileSync } from 'node:fs';

/**
 * Parses JSONL text. `file` names the source in errors, which give the 1-based line number of the
 * malformed record in the text (blank lines counted).
 */
export function parseJsonl<T = unknown>(text: string, file: string): T[] {
  const out: T[] = [];
  text.split('\n').forEach((line, i) => {
    if (line.trim() === '') return;
    try {
      out.push(JSON.parse(line) as T);
    } catch (err) {
      throw new Error(`${file}: line ${i + 1} is not valid JSON (${(err as Error).message})`);
    }
  });
  return out;
}

/** Reads a JSONL file (see {@link parseJsonl}). */
export function readJsonl<T = unknown>(file: string): T[] {
  return parseJsonl<T>(readFileSync(file, 'utf8'), file);
}
