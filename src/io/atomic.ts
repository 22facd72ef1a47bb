/**
 * Atomic file and folder writes: readers see the old content or the new, never a part.
 *
 * - {@link writeFileAtomic}: a file through a temporary file of its own and a rename.
 * - {@link replaceFolder}: a folder built under a temporary name, then swapped into place.
 * - {@link recoverFolder}: after a kill between the two renames of a swap, puts the old folder back.
 * - {@link cleanDebris}: removes temporaries left by processes that are no longer running.
 *
 * Temporary names carry the writer's PID and a counter, so two writers never share one.
 *
 * @module io/atomic
 */
import { appendFileSync, existsSync, mkdirSync, readdirSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';

let counter = 0;

/** The environment variable of the kill hook: `<point>:<n>` kills this process at the n-th `<point>`. */
export const KILL_ENV = 'TRACT_KILL_AT';
/** The environment variable naming a file that every fault point is appended to (to count them). */
export const TRACE_ENV = 'TRACT_FAULT_TRACE';
const faultCounts = new Map<string, number>();

/**
 * A kill hook for fault tests: when `TRACT_KILL_AT` is `<point>:<n>`, the n-th call of
 * `faultPoint(<point>)` in this process kills it with SIGKILL (as `kill -9` would), so a test can cut a
 * run at every write point. The points: `write` (a file written, not yet renamed into place),
 * `append` (half of a JSONL append written), `swap` (a folder swap between its two renames).
 */
export function faultPoint(point: string): void {
  const trace = process.env[TRACE_ENV];
  if (trace) appendFileSync(trace, `${point}\n`);
  const spec = process.env[KILL_ENV];
  if (!spec) return;
  const [name, nth] = spec.split(':');
  if (name !== point) return;
  const n = (faultCounts.get(point) ?? 0) + 1;
  faultCounts.set(point, n);
  if (n === Number(nth)) process.kill(process.pid, 'SIGKILL');
}

/** A temporary name beside `path` that no other writer (process or call) uses. */
export function tempPath(path: string, kind: 'tmp' | 'partial' | 'old' = 'tmp'): string {
  counter += 1;
  return `${path}.${kind}-${process.pid}-${counter}`;
}

/** Writes a file through a temporary file and a rename, so readers never see a partial file. */
export function writeFileAtomic(path: string, data: string | Buffer): void {
  const tmp = tempPath(path);
  try {
    writeFileSync(tmp, data);
    faultPoint('write');
    renameSync(tmp, path);
  } catch (err) {
    rmSync(tmp, { force: true });
    throw err;
  }
}

/**
 * Builds a folder under a temporary name with `build(tmpDir)` and swaps it into `dir`. An existing
 * `dir` is replaced only once the new folder is complete; if the process dies between the two
 * renames, {@link recoverFolder} restores the old one.
 */
export function replaceFolder(dir: string, build: (tmpDir: string) => void): void {
  const partial = tempPath(dir, 'partial');
  mkdirSync(partial, { recursive: true });
  try {
    build(partial);
  } catch (err) {
    rmSync(partial, { recursive: true, force: true });
    throw err;
  }
  const old = tempPath(dir, 'old');
  if (existsSync(dir)) renameSync(dir, old);
  faultPoint('swap');
  renameSync(partial, dir);
  rmSync(old, { recursive: true, force: true });
}

const DEBRIS = /^(.*)\.(tmp|partial|old)-(\d+)(?:-\d+)*$/;

/** True when a process with this PID is running (ours counts as running). */
export function pidAlive(pid: number): boolean {
  if (pid === process.pid) return true;
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/**
 * Restores `dir` when a swap was cut between its two renames (`dir` missing, `dir.old-PID-N` left
 * by a dead process). Returns true when it restored one.
 */
export function recoverFolder(dir: string): boolean {
  if (existsSync(dir)) return false;
  const parent = dirname(dir);
  if (!existsSync(parent)) return false;
  const name = basename(dir);
  const olds = readdirSync(parent)
    .map((f) => ({ f, m: DEBRIS.exec(f) }))
    .filter(({ m }) => m && m[1] === name && m[2] === 'old' && !pidAlive(Number(m[3])));
  if (olds.length === 0) return false;
  renameSync(join(parent, olds[olds.length - 1].f), dir);
  return true;
}

/**
 * Removes `*.tmp-PID-*`, `*.partial-PID-*` and `*.old-PID-*` entries of dead processes in `dir`
 * (not recursive), after restoring any folder an interrupted swap left only as `.old`. Returns
 * the names removed.
 */
export function cleanDebris(dir: string): string[] {
  if (!existsSync(dir)) return [];
  const removed: string[] = [];
  for (const f of readdirSync(dir)) {
    const m = DEBRIS.exec(f);
    if (!m || pidAlive(Number(m[3]))) continue;
    if (m[2] === 'old' && !existsSync(join(dir, m[1]))) {
      recoverFolder(join(dir, m[1]));
      continue;
    }
    rmSync(join(dir, f), { recursive: true, force: true });
    removed.push(f);
  }
  return removed;
}
