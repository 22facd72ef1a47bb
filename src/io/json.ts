/**
 * JSON files: read with errors that name the file (and, for a syntax error, the line), written
 * atomically with a final newline.
 *
 * @module io/json
 */
import { existsSync, readFileSync } from 'node:fs';
import { writeFileAtomic } from './atomic';

/** The 1-based line of a character offset in `text`. */
function lineOf(text: string, offset: number): number {
  let line = 1;
  for (let i = 0; i < offset && i < text.length; i++) if (text.charCodeAt(i) === 10) line++;
  return line;
}

/**
 * Parses JSON text; a syntax error names `file` and the line (`results/x/metrics.json: line 3 is
 * not valid JSON (...)`), and empty text says so.
 */
export function parseJson<T = unknown>(text: string, file: string): T {
  if (text.trim() === '') throw new Error(`${file}: empty file (expected JSON)`);
  try {
    return JSON.parse(text) as T;
  } catch (err) {
    const msg = (err as Error).message;
    const pos = /position (\d+)/.exec(msg);
    const where = pos ? `line ${lineOf(text, Number(pos[1]))} is not valid JSON` : 'not valid JSON';
    throw new Error(`${file}: ${where} (${msg})`);
  }
}

/** Reads a JSON file (see {@link parseJson}); a missing file is an error naming it. */
export function readJson<T = unknown>(file: string): T {
  if (!existsSync(file)) throw new Error(`${file}: no such file`);
  return parseJson<T>(readFileSync(file, 'utf8'), file);
}

/** Writes `value` as JSON (one-space indent by default) with a final newline, atomically. */
export function writeJson(file: string, value: unknown, indent = 1): void {
  writeFileAtomic(file, `${JSON.stringify(value, null, indent)}\n`);
}
