/**
 * Parallel jobs (tract/jobs.ts): experiments that share a step are grouped, the plan never gives
 * more threads than cores, and a suite run with `--jobs 2` leaves exactly what `--jobs 1` leaves.
 */
import { strict as assert } from 'node:assert';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadSuite, shiftItemOf } from '../../src/tract/suite';
import { groupName, jobGroups, planJobs } from '../../src/tract/jobs';
import { pendingKeys } from '../../src/tract/pipeline';
import { makeProject, outcome, ROOT, tract } from '../faults/project';

describe('tract/jobs', () => {
  it('groups the default suite by shared stages: TRACT with its stage 1, self-cot-ce with ce-cot', () => {
    const { configs } = loadSuite(join(ROOT, 'experiments', 'suites', 'default.json'), 'quick', 0);
    const items = configs.map((cfg) => ({ seed: 0, cfg }));
    const names = jobGroups(items).map((g) => g.map((i) => items[i].cfg.method).join('+'));
    assert.deepEqual([...names].sort(), ['ce-cot+self-cot-ce', 'ce-no-cot', 'cot-raft-ref+tract', 'raft', 'seed']);
    assert.deepEqual(
      names.slice(0, 2).map((n) => n.split('+').length),
      [2, 2],
      'largest groups first',
    );
    assert.equal(groupName(items, jobGroups(items)[0]), 'ce-cot+self-cot-ce s0');
  });

  it('links experiments only by steps still to compute: a cached shared stage 1 lets the ablations run apart', () => {
    const { configs } = loadSuite(join(ROOT, 'experiments', 'suites', 'ablations.json'), 'quick', 0);
    const empty = mkdtempSync(join(tmpdir(), 'tract-jobs-'));
    const items = configs.map((cfg) => ({ seed: 0, cfg, pending: pendingKeys(cfg, empty) }));
    const methods = (groups: number[][]) => groups.map((g) => g.map((i) => items[i].cfg.method).join('+')).sort();
    // nothing cached: the same groups as the shared signatures give
    const bySignature = methods(jobGroups(items.map(({ seed, cfg }) => ({ seed, cfg }))));
    assert.deepEqual(methods(jobGroups(items)), bySignature);
    assert.ok(
      bySignature.some((n) => n.split('+').length >= 4),
      bySignature.join(' | '),
    );
    // stage 1 of cot-raft-ref, TRACT's self-CoTs and stage 2, and both evaluations cached (the default suite ran)
    const done = new Set([...items[0].pending, ...items[1].pending]);
    const later = items.map((it) => ({ ...it, pending: it.pending.filter((k) => !done.has(k)) }));
    assert.deepEqual(methods(jobGroups(later)), [
      'ce-then-raft',
      'cot-raft-ref',
      'cot-raft-then-ce',
      'mixed-cot',
      'tract',
      'tract-stage2-from-stage1',
    ]);
    rmSync(empty, { recursive: true, force: true });
  });

  it('names groups of a sweep by the setting that tells them apart', () => {
    const { configs } = loadSuite(join(ROOT, 'experiments', 'suites', 'shift-sweep.json'), 'quick', 0);
    const items = configs.map((cfg) => ({ seed: 0, cfg }));
    const names = jobGroups(items).map((g) => groupName(items, g));
    assert.ok(names.includes('cot-raft-ref+tract (shift=0.3) s0'), names.join(' | '));
    assert.ok(names.includes('self-cot-ce (shift=0) s0'), names.join(' | '));
    assert.equal(new Set(names).size, names.length, 'every group has its own name');
  });

  it('predicts the run the suite shift measures: the compared two-stage method, else the first two-stage run', () => {
    const { configs } = loadSuite(join(ROOT, 'experiments', 'suites', 'default.json'), 'quick', 0);
    const items = [0, 1].flatMap((seed) => configs.map((cfg) => ({ seed, cfg })));
    const method = (compare: string) => items[shiftItemOf(items, compare)]?.cfg.method;
    assert.equal(method('tract'), 'tract');
    assert.equal(
      shiftItemOf(items, 'tract'),
      configs.findIndex((c) => c.method === 'tract'),
      'seed 0',
    );
    assert.equal(method('seed'), 'self-cot-ce', 'seed is one-stage: the first two-stage run in suite order');
    assert.equal(
      shiftItemOf(
        items.filter((it) => it.cfg.method === 'raft'),
        'raft',
      ),
      -1,
    );
  });

  it('plans jobs × threads within the cores, one job per group at most', () => {
    const { configs } = loadSuite(join(ROOT, 'experiments', 'suites', 'default.json'), 'quick', 0);
    const items = configs.map((cfg) => ({ seed: 0, cfg }));
    const plan = (jobs: number | undefined, cores: number, env = {}) => {
      const p = planJobs(items, jobs, 2, cores, env);
      return [p.jobs, p.threads];
    };
    assert.deepEqual(plan(2, 2), [2, 1]);
    assert.deepEqual(plan(8, 2), [2, 1]);
    assert.deepEqual(plan(2, 8), [2, 4]);
    assert.deepEqual(plan(2, 8, { TRACT_THREADS: '1' }), [2, 1]);
    assert.deepEqual(plan(1, 8), [1, 2]);
    assert.deepEqual(plan(undefined, 8), [1, 2]);
    assert.deepEqual(planJobs(items.slice(0, 1), 4, 2, 8).jobs, 1);
  });

  it('a suite run with --jobs 2 is bit-identical to --jobs 1, with job names on progress lines', async function () {
    this.timeout(600_000);
    const { base, suite } = makeProject();
    try {
      writeFileSync(
        suite,
        JSON.stringify({
          description: 'three methods, two groups',
          compare: 'tract',
          experiments: ['../tinyjudge/seed.json', '../tinyjudge/cot-raft-ref.json', '../tinyjudge/tract.json'],
        }),
      );
      const one = await runJobsSuite(suite, join(base, 'r1'), 1);
      assert.equal(one.code, 0, one.stderr);
      const two = await runJobsSuite(suite, join(base, 'r2'), 2);
      assert.equal(two.code, 0, two.stderr);
      assert.deepEqual(outcome(join(base, 'r2')), outcome(join(base, 'r1')));
      assert.match(two.stderr, /running 2 groups of experiments in 2 jobs × 1 thread\(s\)/);
      assert.match(two.stderr, /^\[cot-raft-ref\+tract s0\] \[tract\/stage2\]/m);
      assert.match(two.stderr, /^\[seed s0\] \[seed\] judged/m);
      // the shift is measured in the job that ran TRACT, and the suite reads it from the cache
      assert.match(two.stderr, /^\[cot-raft-ref\+tract s0\] \[shift\] distribution shift of tract-/m);
      assert.match(two.stderr, /^\[shift\] reusing /m);
      const shift = (r: string) => readFileSync(join(base, r, 'out', 'shift.json'), 'utf8');
      assert.equal(shift('r2'), shift('r1'));
      const summary = JSON.parse(readFileSync(join(base, 'r2', 'out', 'summary.json'), 'utf8'));
      assert.deepEqual([summary.jobs, summary.threads], [2, 1]);
    } finally {
      rmSync(base, { recursive: true, force: true });
    }
  });
});

/** `tract run` of the tiny project with `--jobs`. */
function runJobsSuite(suite: string, results: string, jobs: number) {
  return tract([
    'run',
    '--suite',
    suite,
    '--profile',
    'tiny',
    '--results',
    results,
    '--out',
    join(results, 'out'),
    '--jobs',
    String(jobs),
  ]);
}
