/**
 * Cache manifests: a small JSON file written LAST, after the files of a cache entry, that records
 * each file's size and SHA-256 (and, for record files, how many records they hold). An entry is
 * reused only when its manifest matches its files; anything else (no manifest, a cut or edited file)
 * is a damaged entry that the caller throws away and recomputes.
 *
 * @module io/manifest
 */
import { createHash } from 'node:crypto';
import { existsSync, readFileSync, readdirSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import { parseJson } from './json';
import { writeFileAtomic } from './atomic';

/** The content of a manifest file. */
export interface Manifest {
  version: 1;
  /** Per file (path relative to the manifest's folder): bytes and SHA-256. */
  files: Record<string, { bytes: number; sha256: string }>;
  /** Records of the entry's record file(s), when it has any. */
  records?: number;
}

/** Every file under `path` (itself when it is a file), sorted. */
function listFiles(path: string): string[] {
  if (!statSync(path).isDirectory()) return [path];
  return readdirSync(path)
    .sort()
    .flatMap((f) => listFiles(join(path, f)));
}

function digest(file: string): { bytes: number; sha256: string } {
  const data = readFileSync(file);
  return { bytes: data.length, sha256: createHash('sha256').update(data).digest('hex') };
}

/**
 * Writes the manifest of `paths` (files or folders) to `manifestFile`, atomically; call it after
 * every file of the entry is written.
 */
export function writeManifest(
  manifestFile: string,
  paths: readonly string[],
  extra: { records?: number } = {},
): Manifest {
  const base = join(manifestFile, '..');
  const files: Manifest['files'] = {};
  for (const p of paths) for (const f of listFiles(p)) files[relative(base, f)] = digest(f);
  const manifest: Manifest = { version: 1, files, ...(extra.records !== undefined ? { records: extra.records } : {}) };
  writeFileAtomic(manifestFile, `${JSON.stringify(manifest, null, 1)}\n`);
  return manifest;
}

/** Reads a manifest file as written by {@link writeManifest} (not checked against its files). */
export function readManifest(manifestFile: string): Manifest {
  return parseJson<Manifest>(readFileSync(manifestFile, 'utf8'), manifestFile);
}

/**
 * Why a cache entry cannot be reused, or null when its manifest matches its files. `expect.records`
 * is checked against the manifest's count when given.
 */
export function manifestProblem(manifestFile: string, expect: { records?: number } = {}): string | null {
  if (!existsSync(manifestFile)) return `no manifest ${manifestFile} (the entry was never finished)`;
  let m: Manifest;
  try {
    m = readManifest(manifestFile);
  } catch (err) {
    return (err as Error).message;
  }
  if (!m || typeof m.files !== 'object') return `${manifestFile}: no 'files'`;
  const base = join(manifestFile, '..');
  for (const [name, want] of Object.entries(m.files)) {
    const file = join(base, name);
    if (!existsSync(file)) return `${file} is missing`;
    const got = digest(file);
    if (got.bytes !== want.bytes) return `${file} has ${got.bytes} bytes, its manifest says ${want.bytes}`;
    if (got.sha256 !== want.sha256) return `${file} does not match the hash in its manifest`;
  }
  if (expect.records !== undefined && m.records !== expect.records) {
    return `${manifestFile} records ${m.records ?? 'no'} records, ${expect.records} expected`;
  }
  return null;
}
