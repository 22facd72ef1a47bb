/**
 * Provenance of a run (`env.json`) and content keys for cached pipeline steps.
 *
 * @module tract/provenance
 */
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { readFileSync, readdirSync, statSync } from 'node:fs';
import { cpus, hostname } from 'node:os';
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs';
import type { BackendReport } from '../engine/backend';

/** A short stable hash of a JSON value (keys sorted). */
export function contentKey(value: unknown, length = 12): string {
  const canon = (v: unknown): unknown =>
    Array.isArray(v)
      ? v.map(canon)
      : v && typeof v === 'object'
        ? Object.fromEntries(
            Object.keys(v)
              .sort()
              .map((k) => [k, canon((v as Record<string, unknown>)[k])]),
          )
        : v;
  return createHash('sha256')
    .update(JSON.stringify(canon(value)))
    .digest('hex')
    .slice(0, length);
}

/**
 * A hash of a model's files (so a changed seed model or adapter invalidates the cache): every file under
 * `path` (or `path` itself), by relative name and content, except documentation (`*.md`, such as the
 * folder's PROVENANCE.md), which does not change what the model computes. Stage cache keys start from
 * this digest, so editing a model's documentation keeps every cached stage usable.
 */
export function modelDigest(path: string): string {
  const h = createHash('sha256');
  const visit = (p: string) => {
    if (statSync(p).isDirectory()) {
      for (const f of readdirSync(p).sort()) if (!f.endsWith('.md')) visit(join(p, f));
    } else h.update(p.slice(path.length)).update(readFileSync(p));
  };
  visit(path);
  return h.digest('hex').slice(0, 16);
}

function git(args: string[]): string | null {
  try {
    return execFileSync('git', args, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }).trim();
  } catch {
    return null;
  }
}

/**
 * The code version, read once when this module loads (at process start), so that a long run
 * records the commit it started from even if the work tree moves on while it runs.
 */
const CODE_VERSION = { gitCommit: git(['rev-parse', 'HEAD']), gitDirty: (git(['status', '--porcelain']) ?? '') !== '' };

/** The environment of a run: code version, library versions, backend, machine, date, seed. */
export function environment(backend: BackendReport | null, seed: number | string): Record<string, unknown> {
  const pkg = JSON.parse(readFileSync(join(__dirname, '..', '..', 'package.json'), 'utf8')) as { version: string };
  return {
    gitCommit: CODE_VERSION.gitCommit,
    gitDirty: CODE_VERSION.gitDirty,
    package: pkg.version,
    node: process.version,
    tfjs: tf.version_core,
    backend: backend ? { chosen: backend.chosen, kernels: backend.kernels } : tf.getBackend(),
    cpu: cpus()[0]?.model ?? 'unknown',
    cores: cpus().length,
    host: hostname(),
    date: new Date().toISOString(),
    seed,
  };
}
