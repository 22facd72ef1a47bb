import { strict as assert } from 'node:assert';
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { requestedThreads } from '../../src/engine/wasmThreads';

const ROOT = join(__dirname, '..', '..');
const TOKENS = '1,403,407,261,378,366,260,403';

/** `tract <args>` in a child process with TRACT_THREADS set; its stdout, stderr and exit code. */
function tract(threads: string, args: string[]) {
  const r = spawnSync(process.execPath, [join(ROOT, 'bin', 'tract.js'), ...args], {
    cwd: ROOT,
    encoding: 'utf8',
    env: { ...process.env, TRACT_THREADS: threads },
    timeout: 60000,
  });
  return { out: r.stdout, err: r.stderr, code: r.status };
}

describe('engine/wasmThreads: the threaded wasm build under Node', function () {
  this.timeout(120000);

  it('TRACT_THREADS: default all cores, a whole number >= 1 otherwise', () => {
    assert.ok(requestedThreads({}) >= 1);
    assert.equal(requestedThreads({ TRACT_THREADS: '3' }), 3);
    for (const bad of ['0', '-1', '1.5', '2x', 'all']) {
      assert.throws(() => requestedThreads({ TRACT_THREADS: bad }), /TRACT_THREADS must be a whole number >= 1/);
    }
  });

  it('runs 2 threads (tract info says so), exits, and gives the same logits as 1 thread', () => {
    const info2 = tract('2', ['info']);
    assert.equal(info2.code, 0, info2.err);
    assert.match(info2.out, /threaded-simd build, 2 thread\(s\)/);
    const info1 = tract('1', ['info']);
    assert.match(info1.out, /simd build, 1 thread\(s\): TRACT_THREADS=1/);
    const one = tract('1', ['logits', '--model', 'models/stories260K', '--tokens', TOKENS, '--json']);
    const two = tract('2', ['logits', '--model', 'models/stories260K', '--tokens', TOKENS, '--json']);
    assert.equal(two.code, 0, two.err);
    assert.equal(two.out, one.out);
  });
});
