import { strict as assert } from 'node:assert';
import { readdirSync, rmSync, truncateSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { makeProject, outcome, runSuite } from './project';

/**
 * Damaged stage caches (an emptied stage.json, a cut train-log.csv, a missing manifest) are reported,
 * thrown away and retrained: the rerun ends with the same table and run files, never with half a
 * training curve or a JSON error without a file name.
 */
describe('faults: damaged stage caches', function () {
  this.timeout(600000);
  const { base, suite } = makeProject();
  after(() => rmSync(base, { recursive: true, force: true }));

  it('an emptied stage.json, a cut train-log.csv, a missing manifest: each retrained to the same results', async () => {
    const results = join(base, 'results');
    assert.equal((await runSuite(suite, results)).code, 0);
    const reference = outcome(results);
    const stages = join(results, 'cache', 'stages');
    const keys = readdirSync(stages);
    assert.ok(keys.length >= 2, `stages: ${keys.join(', ')}`);
    const damages: [string, (dir: string) => void][] = [
      ['emptied stage.json', (d) => writeFileSync(join(d, 'stage.json'), '')],
      ['cut train-log.csv', (d) => truncateSync(join(d, 'train-log.csv'), 20)],
      ['no manifest', (d) => rmSync(join(d, 'manifest.json'))],
    ];
    for (const [what, damage] of damages) {
      damage(join(stages, keys[0]));
      const rerun = await runSuite(suite, results);
      assert.equal(rerun.code, 0, `${what}: ${rerun.stderr}`);
      assert.match(rerun.stderr, /damaged cache entry .*recomputing it/, what);
      assert.deepEqual(outcome(results), reference, what);
    }
  });
});
