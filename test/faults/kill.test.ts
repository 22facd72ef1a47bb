import { strict as assert } from 'node:assert';
import { readFileSync, readdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { makeProject, outcome, runSuite } from './project';

/**
 * kill -9 at write points of a whole `tract run` (TRACT: stage 1 with checkpoints, self-CoTs, stage 2,
 * evaluation, run and suite files), then a plain rerun: every case must end with the same table and
 * run files as an uninterrupted run. The write points are counted on the uninterrupted run
 * (TRACT_FAULT_TRACE) and cut at the first, a middle and the last of each kind.
 */
describe('faults: kill -9 at write points, then resume', function () {
  this.timeout(600000);
  const { base, suite } = makeProject();
  let reference: Record<string, string>;
  const counts: Record<string, number> = {};

  before(async () => {
    const results = join(base, 'reference');
    const trace = join(base, 'trace.txt');
    const r = await runSuite(suite, results, { TRACT_FAULT_TRACE: trace });
    assert.equal(r.code, 0, r.stderr);
    reference = outcome(results);
    for (const l of readFileSync(trace, 'utf8').trim().split('\n')) counts[l] = (counts[l] ?? 0) + 1;
  });

  after(() => rmSync(base, { recursive: true, force: true }));

  it('the run has write, append and swap points to cut', () => {
    assert.ok(counts.write >= 10 && counts.append >= 2 && counts.swap >= 2, JSON.stringify(counts));
  });

  const cases: [string, (n: number) => number][] = [
    ['write', () => 3],
    ['write', (n) => Math.ceil(n / 2)],
    ['write', (n) => n],
    ['append', () => 1],
    ['swap', (n) => n - 1],
  ];
  for (const [point, pick] of cases) {
    it(`kill at ${point} #k (${pick.toString()}), rerun: same table and run files`, async () => {
      const k = pick(counts[point]);
      const results = join(base, `kill-${point}-${k}`);
      const killed = await runSuite(suite, results, { TRACT_KILL_AT: `${point}:${k}` });
      assert.equal(killed.signal, 'SIGKILL', `${point}:${k} of ${counts[point]} did not kill the run (${killed.code})`);
      const rerun = await runSuite(suite, results);
      assert.equal(rerun.code, 0, rerun.stderr);
      assert.deepEqual(outcome(results), reference);
      // the rerun leaves no temporaries of the killed process behind in the step cache's folders
      const debris = (dir: string) => readdirSync(dir).filter((f) => /\.(tmp|partial|old)-\d+/.test(f));
      for (const sub of ['runs', 'cache/stages', 'cache/selfcot', 'cache/eval']) {
        let left: string[] = [];
        try {
          left = debris(join(results, sub));
        } catch {
          left = [];
        }
        assert.deepEqual(left, [], `${sub}: ${left.join(', ')}`);
      }
    });
  }
});
