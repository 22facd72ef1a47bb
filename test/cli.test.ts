import { strict as assert } from 'node:assert';
import { spawnSync } from 'node:child_process';
import {
  copyFileSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { tract } from './cli/capture';

const ROOT = join(__dirname, '..');
const SAMPLE = 'test/fixtures/data/flask_eval_sample.json';

/** A PID no process has (beyond the kernel's default pid_max), for temporaries of a dead process. */
const DEAD_PID = 4194304 + 17;

/** Every path under `dir`, relative, sorted. */
function tree(dir: string): string[] {
  return readdirSync(dir, { recursive: true, encoding: 'utf8' }).sort();
}

/** Temporaries of a dead process in the folders `tract run` and `tract eval` clean, and one of ours (kept). */
function plantDebris(results: string): { dead: string[]; live: string } {
  const dead = [
    join('cache', 'stages', `k1.partial-${DEAD_PID}-1`),
    join('cache', 'selfcot', `k2.jsonl.tmp-${DEAD_PID}-2`),
    join('cache', 'eval', `k3.old-${DEAD_PID}-3`),
    join('runs', `r1.partial-${DEAD_PID}-4`),
  ];
  for (const d of dead) mkdirSync(join(results, d), { recursive: true });
  mkdirSync(join(results, 'cache', 'eval', 'k3')); // the .old above is a leftover beside its folder: removed
  const live = join('runs', `r2.partial-${process.pid}-5`);
  mkdirSync(join(results, live), { recursive: true });
  return { dead, live };
}

describe('cli (npx tract)', () => {
  it('logits --json prints the last-position logits', async () => {
    const r = await tract('logits', '--model', 'models/stories260K', '--tokens', '1,403,407,261,378', '--json');
    assert.equal(r.code, 0, r.stderr);
    const out = JSON.parse(r.stdout);
    assert.equal(out.lastLogits.length, 512);
    // the greedy continuation of "Once upon a time" is "," (id 432 in tok512)
    const argmax = out.lastLogits.indexOf(Math.max(...out.lastLogits));
    assert.equal(argmax, 432);
  });

  it('generate prints the prompt and its greedy continuation', async () => {
    const args = ['--prompt', 'Once upon a time', '--max-new-tokens', '20', '--temperature', '0'];
    const r = await tract('generate', '--model', 'models/stories260K', ...args);
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /^Once upon a time, there was a little girl named Lily\./);
  });

  it("report paper prints the paper's main table from the reference CSV", async () => {
    const r = await tract('report', 'paper', '--table', 'main');
    assert.equal(r.code, 0, r.stderr);
    const tract1 =
      /\| TRACT \| T \| CoT-RAIL \| 1 \| log \| 0\.931 \| \*\*0\.518\*\* \| \*\*0\.593\*\* \| \*\*0\.555\*\* \|/;
    assert.match(r.stdout, tract1);
    assert.match(
      r.stdout,
      /\| RAFT \| B3 \| RAIL \| 1 \| paper text \| \*\*0\.932\*\* \| 0\.509 \| 0\.567 \| 0\.483 \|/,
    );
    const tex = await tract('report', 'paper', '--table', 'ablations', '--format', 'tex');
    assert.equal(tex.code, 0, tex.stderr);
    assert.match(tex.stdout, /\\begin\{tabular\}/);
  });

  it('eval judges a benchmark file and writes a run folder and a table', async () => {
    const results = mkdtempSync(join(tmpdir(), 'tract-cli-eval-'));
    const args = ['--max-new-tokens', '4', '--samples', '20', '--results', results];
    const r = await tract('eval', '--model', 'models/stories260K', '--benchmark', SAMPLE, ...args);
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /^flask_eval_sample: .*eval-flask_eval_sample-[0-9a-f]{8} \(r /m);
    assert.ok(existsSync(join(results, 'eval-stories260K', 'table.md')));
    assert.match(r.stderr, /3\/3 prompts exceed \d+ tokens and are cut from the left/);
    assert.doesNotMatch(r.stderr, /stale temporar/, 'nothing to clean, nothing said');
  });

  it('a failed eval leaves no new folder under the results folder', async () => {
    const base = mkdtempSync(join(tmpdir(), 'tract-cli-evalfail-'));
    // a llama2.c checkpoint whose header is fine but whose weights are cut: fails after planning, when loading
    const broken = join(base, 'broken');
    mkdirSync(broken);
    writeFileSync(join(broken, 'model.bin'), readFileSync('models/stories260K/stories260K.bin').subarray(0, 2000));
    copyFileSync('models/stories260K/tok512.bin', join(broken, 'tok512.bin'));
    const cases: [string, string[], RegExp][] = [
      ['fresh', ['--model', broken, '--max-new-tokens', '4'], /truncated llama2\.c checkpoint/],
      [
        'fresh2',
        ['--model', 'models/stories260K', '--max-new-tokens', '600'],
        /prompt budget -\d+ tokens is too small/,
      ],
      ['existing', ['--model', broken, '--max-new-tokens', '4'], /truncated llama2\.c checkpoint/],
    ];
    mkdirSync(join(base, 'existing', 'runs', 'earlier'), { recursive: true });
    for (const [name, args, message] of cases) {
      const results = join(base, name);
      const before = existsSync(results) ? tree(results) : null;
      const r = await tract('eval', '--benchmark', SAMPLE, '--samples', '20', '--results', results, ...args);
      assert.equal(r.code, 1, r.stderr);
      assert.match(r.stderr, message);
      if (before === null) assert.ok(!existsSync(results), `${name}: ${results} was created`);
      else assert.deepEqual(tree(results), before, name);
    }
  });

  it('eval removes the temporaries of dead processes from the results folder, and says so in one line', async () => {
    const results = mkdtempSync(join(tmpdir(), 'tract-cli-debris-'));
    const { dead, live } = plantDebris(results);
    const r = await tract(
      'eval',
      '--model',
      'models/stories260K',
      '--benchmark',
      SAMPLE,
      '--max-new-tokens',
      '600',
      '--results',
      results,
    );
    assert.equal(r.code, 1, r.stderr); // the prompt budget is too small: fails after cleaning
    const lines = r.stderr.split('\n').filter((l) => /stale temporar/.test(l));
    assert.equal(lines.length, 1, r.stderr);
    assert.match(lines[0], /^removed 4 stale temporaries of dead processes: /);
    for (const d of dead) {
      assert.ok(lines[0].includes(join(results, d)), `${d} named`);
      assert.ok(!existsSync(join(results, d)), `${d} removed`);
    }
    assert.ok(existsSync(join(results, live)), 'a temporary of a running process is kept');
    assert.ok(existsSync(join(results, 'cache', 'eval', 'k3')));
  });

  it('run: the final message names the real output paths (--results, --out); stale temporaries go', async () => {
    const { base, suite } = seedOnlySuite('tract-cli-run-');
    const results = join(base, 'res');
    const out = join(base, 'out');
    plantDebris(results);
    const r = await tract('run', '--suite', suite, '--profile', 'ci', '--results', results, '--out', out);
    assert.equal(r.code, 0, r.stderr);
    assert.equal(r.stderr.split('\n').filter((l) => /stale temporar/.test(l)).length, 1, r.stderr);
    assert.match(r.stdout, new RegExp(`results table: ${join(out, 'table.md')} `));
    assert.match(r.stdout, new RegExp(`summary: ${join(out, 'summary.json')}\\n`));
    const runs = readdirSync(join(results, 'runs')).filter((f) => /^seed-/.test(f));
    assert.equal(runs.length, 1);
    assert.match(r.stdout, new RegExp(`  seed \\(seed 0\\): ${join(results, 'runs', runs[0])}\\n`));
    for (const f of ['table.md', 'table.csv', 'table.tex', 'verdicts.csv', 'summary.json']) {
      assert.ok(existsSync(join(out, f)), f);
    }
    assert.ok(!existsSync(join(ROOT, 'results', 'one-ci')), 'nothing written to the default results folder');
  });

  it('run --seed K: run folders of one seed, no tables; --seeds then reuses them', async () => {
    const { base, suite } = seedOnlySuite('tract-cli-seed-');
    const [results, out] = [join(base, 'res'), join(base, 'out')];
    const common = ['--suite', suite, '--profile', 'ci', '--results', results, '--out', out, '--jobs', '1'];
    const one = await tract('run', ...common, '--seed', '1');
    assert.equal(one.code, 0, one.stderr);
    assert.match(one.stdout, /seed 1 of .* done after/);
    assert.equal(readdirSync(join(results, 'runs')).length, 1);
    assert.ok(!existsSync(out), 'no tables from one seed');
    const both = await tract('run', ...common, '--seeds', '2');
    assert.equal(both.code, 0, both.stderr);
    assert.match(both.stderr, /\[seed\] reusing evaluation/, 'seed 1 reused');
    assert.equal(readdirSync(join(results, 'runs')).length, 2);
    const summary = JSON.parse(readFileSync(join(out, 'summary.json'), 'utf8'));
    assert.equal(summary.seeds, 2);
    // a rerun that computes nothing keeps the computation's time, jobs and threads; one that computes does not
    summary.wallSeconds = 1234.5;
    writeFileSync(join(out, 'summary.json'), JSON.stringify(summary));
    assert.equal((await tract('run', ...common, '--seeds', '2')).code, 0);
    assert.equal(JSON.parse(readFileSync(join(out, 'summary.json'), 'utf8')).wallSeconds, 1234.5);
    rmSync(join(results, 'cache', 'eval'), { recursive: true });
    assert.equal((await tract('run', ...common, '--seeds', '2')).code, 0);
    assert.notEqual(JSON.parse(readFileSync(join(out, 'summary.json'), 'utf8')).wallSeconds, 1234.5);
    // without the step cache, --reuse-runs takes the run folders as they are
    rmSync(join(results, 'cache'), { recursive: true });
    const reuse = await tract('run', ...common, '--seeds', '2', '--reuse-runs');
    assert.equal(reuse.code, 0, reuse.stderr);
    assert.equal(reuse.stderr.match(/reusing run folder/g)?.length, 2);
    assert.ok(!existsSync(join(results, 'cache', 'eval')), 'nothing evaluated');
  });

  it('bin/tract.js exits with the code main() returns', () => {
    const run = (...args: string[]) =>
      spawnSync(process.execPath, [join(ROOT, 'bin', 'tract.js'), ...args], { cwd: ROOT, encoding: 'utf8' });
    const bad = run('run', 'experiments/suites/ablations.json');
    assert.equal(bad.status, 2, bad.stderr);
    assert.match(bad.stderr, /^tract run: unexpected argument .*did you mean --suite/);
    const help = run('help', 'run');
    assert.equal(help.status, 0, help.stderr);
    assert.match(help.stdout, /^tract run: /);
  });
});

/**
 * A temporary project with a one-experiment suite (the untrained seed) and the ci profile, which runs in
 * seconds: `<base>/experiments/suites/one.json`.
 */
function seedOnlySuite(prefix: string): { base: string; suite: string } {
  const base = mkdtempSync(join(tmpdir(), prefix));
  mkdirSync(join(base, 'experiments', 'suites'), { recursive: true });
  mkdirSync(join(base, 'experiments', 'profiles'));
  copyFileSync(join(ROOT, 'experiments', 'profiles', 'ci.json'), join(base, 'experiments', 'profiles', 'ci.json'));
  const suite = join(base, 'experiments', 'suites', 'one.json');
  const seed = join(ROOT, 'experiments', 'tinyjudge', 'seed.json');
  writeFileSync(suite, JSON.stringify({ description: 'seed only', compare: 'seed', experiments: [seed] }));
  return { base, suite };
}
