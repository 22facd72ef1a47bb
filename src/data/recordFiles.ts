/**
 * Reading the records of a judge-data file (data/benchmarks): a JSON array or JSONL, decoded strictly as UTF-8.
 * Malformed records throw an error naming the file, the record index and the field (a JSONL line that is not
 * valid JSON, or a line that is not valid UTF-8: the file and the line); with `lenient: true` they are skipped
 * and listed in `skipped` instead (field '(record)', the reason naming the line). Nothing is skipped silently.
 *
 * @module data/recordFiles
 */
import { readFileSync } from 'node:fs';
import { parseJsonl } from '../io/jsonl';

/** A record a lenient load skipped, and why. */
export interface SkippedRecord {
  index: number;
  field: string;
  reason: string;
}

/** The result of a load: the records, and those skipped in lenient mode. */
export interface Loaded<T> {
  file: string;
  records: T[];
  skipped: SkippedRecord[];
}

/** A malformed field of a record: skipped in lenient mode, else an error naming the file, record and field. */
export class RecordError extends Error {
  constructor(
    readonly field: string,
    reason: string,
  ) {
    super(reason);
  }
}

/** A line of a benchmark file that is not a record (lenient mode): it stands in the record's place. */
class BadLine {
  constructor(readonly reason: string) {}
}

const STRICT_UTF8 = new TextDecoder('utf-8', { fatal: true });
const LOSSY_UTF8 = new TextDecoder('utf-8');
/**
 * In lenient mode each undecodable sequence of a line that is not valid UTF-8 is replaced by
 * `MARK<line>MARK` (a noncharacter around the line number), so that the records holding one are
 * found after parsing, whichever lines they span.
 */
const MARK = '\uFDD0';
const MARKED = /\uFDD0(\d+)\uFDD0/;

/** Where decoding `bytes` as UTF-8 first fails (`bytes.length`: an incomplete sequence at the end). */
function firstInvalidByte(bytes: Uint8Array): number {
  const decodes = (n: number) => {
    try {
      new TextDecoder('utf-8', { fatal: true }).decode(bytes.subarray(0, n), { stream: true });
      return true;
    } catch {
      return false;
    }
  };
  // a prefix that decodes (as the start of a stream) has only prefixes that decode: binary search
  let lo = 0;
  let hi = bytes.length;
  while (lo < hi) {
    const mid = Math.ceil((lo + hi) / 2);
    if (decodes(mid)) lo = mid;
    else hi = mid - 1;
  }
  return lo;
}

/**
 * Decodes a file strictly as UTF-8 (a byte-order mark is dropped). A line that is not valid UTF-8 is
 * an error naming the file and the line, or in lenient mode is returned marked (see {@link MARK})
 * with its reason in `badLines` (by 1-based line number).
 */
function decodeStrict(buf: Buffer, file: string, lenient: boolean): { text: string; badLines: Map<number, string> } {
  const badLines = new Map<number, string>();
  try {
    return { text: STRICT_UTF8.decode(buf), badLines };
  } catch {
    // find the line(s) below
  }
  const lines: string[] = [];
  const markable = lenient && !LOSSY_UTF8.decode(buf).includes(MARK);
  for (let start = 0, n = 1; start <= buf.length; n++) {
    const newline = buf.indexOf(0x0a, start);
    const end = newline < 0 ? buf.length : newline;
    const bytes = buf.subarray(start, end);
    try {
      lines.push(STRICT_UTF8.decode(bytes));
    } catch {
      const at = firstInvalidByte(bytes);
      if (!markable)
        throw new Error(`${file}: line ${n} is not valid UTF-8 (decoding fails at byte ${at} of the line)`);
      badLines.set(n, `invalid UTF-8 (line ${n}, byte ${at})`);
      lines.push(LOSSY_UTF8.decode(bytes).replaceAll('\uFFFD', `${MARK}${n}${MARK}`));
    }
    start = end + 1;
  }
  return { text: lines.join('\n'), badLines };
}

/**
 * The records of a JSON array or JSONL file, decoded strictly. In lenient mode a JSONL line that is
 * not valid JSON, and a record with bytes that are not valid UTF-8, become a {@link BadLine}.
 */
function readRecords(file: string, lenient: boolean): unknown[] {
  const { text, badLines } = decodeStrict(readFileSync(file), file, lenient);
  let records: unknown[];
  if (text.trimStart().startsWith('[')) {
    try {
      const parsed = JSON.parse(text) as unknown;
      if (!Array.isArray(parsed)) throw new Error('not an array');
      records = parsed;
    } catch (err) {
      const message = (err as Error).message.replace(/\uFDD0(\d+\uFDD0)?/g, '\uFFFD'); // no marks shown
      const utf8 = badLines.size ? `; ${[...badLines.values()][0]}` : '';
      throw new Error(`${file}: not a valid JSON array (${message}${utf8})`);
    }
  } else {
    const onBadLine = (line: number, message: string) =>
      new BadLine(badLines.get(line) ?? `not valid JSON: ${message} (line ${line})`);
    records = parseJsonl<unknown>(text, file, lenient ? { onBadLine } : {});
  }
  if (badLines.size === 0) return records;
  return records.map((r) => {
    const marked = r instanceof BadLine ? null : MARKED.exec(JSON.stringify(r));
    return marked ? new BadLine(badLines.get(Number(marked[1]))!) : r;
  });
}

/** Reads a file's records and parses each, skipping (lenient) or throwing on a {@link RecordError}. */
export function loadWith<T>(
  file: string,
  lenient: boolean,
  parse: (r: Record<string, unknown>, i: number) => T,
): Loaded<T> {
  const raw = readRecords(file, lenient);
  const out: Loaded<T> = { file, records: [], skipped: [] };
  raw.forEach((r, i) => {
    try {
      if (r instanceof BadLine) throw new RecordError('(record)', r.reason);
      if (typeof r !== 'object' || r === null || Array.isArray(r))
        throw new RecordError('(record)', 'is not a JSON object');
      out.records.push(parse(r as Record<string, unknown>, i));
    } catch (err) {
      if (!(err instanceof RecordError)) throw err;
      if (!lenient) throw new Error(`${file}: record ${i}, field '${err.field}': ${err.message}`);
      out.skipped.push({ index: i, field: err.field, reason: err.message });
    }
  });
  return out;
}

/** A string field of a record. */
export function str(r: Record<string, unknown>, field: string): string {
  const v = r[field];
  if (typeof v !== 'string')
    throw new RecordError(field, v === undefined ? 'is missing' : `must be a string, got ${typeof v}`);
  return v;
}
