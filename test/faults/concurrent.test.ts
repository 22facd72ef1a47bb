import { strict as assert } from 'node:assert';
import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { hostname } from 'node:os';
import { join } from 'node:path';
import { acquireLock, lockFile } from '../../src/io/lock';
import { makeProject, outcome, runSuite } from './project';

describe('faults: concurrent runs on one results folder', function () {
  this.timeout(600000);
  const { base, suite } = makeProject();
  after(() => rmSync(base, { recursive: true, force: true }));

  it(
    'two identical `tract run`s at once: ' + 'the second waits for the first, both end with the same complete results',
    async () => {
      const reference = join(base, 'alone');
      assert.equal((await runSuite(suite, reference)).code, 0);
      const shared = join(base, 'shared');
      const [a, b] = await Promise.all([runSuite(suite, shared), runSuite(suite, shared)]);
      assert.equal(a.code, 0, a.stderr);
      assert.equal(b.code, 0, b.stderr);
      assert.match(a.stderr + b.stderr, /is in use by PID \d+/);
      assert.deepEqual(outcome(shared), outcome(reference));
      assert.ok(!existsSync(lockFile(shared)), 'the lock is released');
    },
  );

  it('tract run --no-wait fails at once, naming the PID that holds the results folder', async () => {
    const dir = join(base, 'nowait');
    mkdirSync(dir, { recursive: true });
    const sleeper = spawn('sleep', ['30']);
    const owner = { pid: sleeper.pid, host: hostname(), command: 'tract run (other)', since: new Date().toISOString() };
    writeFileSync(lockFile(dir), JSON.stringify(owner));
    const r = await runSuite(suite, dir, {}, ['--no-wait']);
    sleeper.kill('SIGKILL');
    assert.notEqual(r.code, 0);
    assert.match(r.stderr, new RegExp(`in use by PID ${sleeper.pid}`));
  });

  it("a live owner: wait: false fails naming its PID; a dead owner's lock is taken over", async () => {
    const dir = join(base, 'locks');
    mkdirSync(dir, { recursive: true });
    const sleeper = spawn('sleep', ['30']);
    const owner = { pid: sleeper.pid, host: hostname(), command: 'tract run (test)', since: new Date().toISOString() };
    writeFileSync(lockFile(dir), JSON.stringify(owner));
    await assert.rejects(
      acquireLock(dir, { wait: false }),
      new RegExp(`in use by PID ${sleeper.pid} .*tract run \\(test\\)`),
    );
    // waiting: the lock is taken once its owner is gone
    const lines: string[] = [];
    const waiting = acquireLock(dir, { log: (l) => lines.push(l), pollMs: 50 });
    await new Promise((r) => setTimeout(r, 200));
    sleeper.kill('SIGKILL');
    const held = await waiting;
    assert.match(lines.join('\n'), /waiting for it to finish[\s\S]*taking over a stale lock/);
    held.release();
    assert.ok(!existsSync(lockFile(dir)));
  });
});
