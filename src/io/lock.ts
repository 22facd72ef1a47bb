/**
 * A lock on a results folder, so that two runs never write one cache at once: a file `.lock`
 * holding the owner's PID, host and command, created exclusively. A second run waits for it (and
 * says so, naming the PID), or fails at once with `wait: false`. A lock whose process is gone (same
 * host) is stale and is taken over.
 *
 * @module io/lock
 */
import { closeSync, existsSync, mkdirSync, openSync, readFileSync, rmSync, writeSync } from 'node:fs';
import { hostname } from 'node:os';
import { join } from 'node:path';
import { pidAlive } from './atomic';

/** What a lock file holds. */
export interface LockOwner {
  pid: number;
  host: string;
  command: string;
  since: string;
}

/** The lock file of a results folder. */
export function lockFile(dir: string): string {
  return join(dir, '.lock');
}

/** The owner of a lock file, or null when there is none or it cannot be read (a lock being written). */
export function lockOwner(dir: string): LockOwner | null {
  try {
    return JSON.parse(readFileSync(lockFile(dir), 'utf8')) as LockOwner;
  } catch {
    return null;
  }
}

/** Options of {@link acquireLock}. */
export interface LockOptions {
  /** Wait for a live owner (default true); false fails at once. */
  wait?: boolean;
  /** What the owner is doing (shown to a waiting run). */
  command?: string;
  /** Progress lines (the waiting message). */
  log?: (line: string) => void;
  /** Poll interval while waiting (default 500 ms). */
  pollMs?: number;
}

function tryCreate(dir: string, owner: LockOwner): boolean {
  try {
    const fd = openSync(lockFile(dir), 'wx');
    writeSync(fd, JSON.stringify(owner));
    closeSync(fd);
    return true;
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'EEXIST') return false;
    throw err;
  }
}

/** A held lock; `release` removes it (also done when the process exits). */
export interface HeldLock {
  release(): void;
}

/**
 * Takes the lock of results folder `dir` (creating the folder). Reentrant within one process.
 * @throws with `wait: false` when a live process holds it, naming its PID and command
 */
export async function acquireLock(dir: string, opts: LockOptions = {}): Promise<HeldLock> {
  mkdirSync(dir, { recursive: true });
  const me: LockOwner = {
    pid: process.pid,
    host: hostname(),
    command: opts.command ?? process.argv.slice(1).join(' '),
    since: new Date().toISOString(),
  };
  let said = false;
  for (;;) {
    if (tryCreate(dir, me)) break;
    const owner = lockOwner(dir);
    if (owner && owner.pid === process.pid && owner.host === me.host) return { release: () => {} };
    if (owner && owner.host === me.host && !pidAlive(owner.pid)) {
      opts.log?.(`${lockFile(dir)}: taking over a stale lock of PID ${owner.pid} (no longer running)`);
      rmSync(lockFile(dir), { force: true });
      continue;
    }
    const who = owner
      ? `PID ${owner.pid} on ${owner.host} (${owner.command}, since ${owner.since})`
      : 'another process';
    if (opts.wait === false)
      throw new Error(`${dir} is in use by ${who}; rerun when it is done, or without --no-wait to wait`);
    if (!said) opts.log?.(`${dir} is in use by ${who}: waiting for it to finish`);
    said = true;
    await new Promise((r) => setTimeout(r, opts.pollMs ?? 500));
  }
  const release = () => {
    const owner = lockOwner(dir);
    if (owner && owner.pid === process.pid && existsSync(lockFile(dir))) rmSync(lockFile(dir), { force: true });
    process.removeListener('exit', release);
  };
  process.on('exit', release);
  return { release };
}
