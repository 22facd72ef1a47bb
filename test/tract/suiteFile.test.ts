import { strict as assert } from 'node:assert';
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadSuite } from '../../src/tract/suite';

/** The message of the error `fn` throws (fails when it does not throw). */
function errorOf(fn: () => unknown): string {
  try {
    fn();
  } catch (err) {
    return (err as Error).message;
  }
  assert.fail('expected an error');
}

describe('tract/suite: loadSuite checks the suite file and all its experiments before anything runs', () => {
  // An experiments folder like the shipped one: suites/, tinyjudge/, profiles/.
  const root = mkdtempSync(join(tmpdir(), 'tract-suite-'));
  for (const d of ['suites', 'tinyjudge', 'profiles']) mkdirSync(join(root, d));
  const write = (rel: string, obj: unknown) => {
    writeFileSync(join(root, rel), typeof obj === 'string' ? obj : JSON.stringify(obj));
    return join(root, rel);
  };
  write('tinyjudge/seed.json', { description: 'seed', method: 'seed' });
  write('tinyjudge/raft.json', { description: 'raft', method: 'raft' });
  write('tinyjudge/tract.json', { description: 'tract', method: 'tract' });
  write('tinyjudge/bad-lambda.json', { description: 'bad', method: 'tract', objective: { lambda: -3 } });
  write('tinyjudge/bad-temp.json', { description: 'bad', method: 'raft', eval: { temperature: -1 } });
  write('profiles/small.json', { train: { steps: 2 } });
  write('profiles/broken.json', { train: { steps: 0 } });
  const exp = (...names: string[]) => names.map((n) => `../tinyjudge/${n}.json`);
  const T = (p: string) => join(root, 'tinyjudge', p);

  it('loads a valid suite with its profile and seed applied', () => {
    const f = write('suites/ok.json', {
      description: 'ok',
      experiments: exp('seed', 'raft', 'tract'),
      compare: 'raft',
    });
    const { suite, configs } = loadSuite(f, 'small', 3);
    assert.equal(suite.compare, 'raft');
    assert.deepEqual(
      configs.map((c) => [c.method, c.train.steps, c.seed]),
      [
        ['seed', 2, 3],
        ['raft', 2, 3],
        ['tract', 2, 3],
      ],
    );
  });

  it("'compare' must be a method of the suite's experiments", () => {
    const f = write('suites/typo.json', { description: 'x', experiments: exp('raft', 'tract'), compare: 'trcat' });
    assert.equal(
      errorOf(() => loadSuite(f, 'full', 0)),
      `${f}: compare: 'trcat' is not a method of the suite's experiments (raft, tract)`,
    );
    const other = write('suites/other.json', { description: 'x', experiments: exp('raft', 'seed'), compare: 'tract' });
    assert.match(
      errorOf(() => loadSuite(other, 'full', 0)),
      /compare: 'tract' is not a method of the suite's experiments/,
    );
    const dflt = write('suites/default-compare.json', { description: 'x', experiments: exp('raft', 'seed') });
    assert.match(
      errorOf(() => loadSuite(dflt, 'full', 0)),
      /compare: \(default 'tract'\) is not a method/,
    );
  });

  it('unknown keys, wrong types and an empty experiment list are errors naming the suite file', () => {
    const f = write('suites/keys.json', {
      description: 'x',
      experiments: exp('tract'),
      compare: 'tract',
      profile: 'ci',
    });
    assert.match(
      errorOf(() => loadSuite(f, 'full', 0)),
      /keys\.json: profile: unknown key \(known: description, experiments, compare\)/,
    );
    const empty = write('suites/empty.json', { description: 'x', experiments: [] });
    assert.match(
      errorOf(() => loadSuite(empty, 'full', 0)),
      /empty\.json: experiments: must list at least 1 item/,
    );
    const types = write('suites/types.json', { experiments: 'tract.json' });
    const msg = errorOf(() => loadSuite(types, 'full', 0));
    assert.match(msg, /types\.json: description: missing/);
    assert.match(msg, /types\.json: experiments: must be an array, got "tract\.json"/);
    const syntax = write('suites/syntax.json', '{\n "description": "x"\n "experiments": []\n}\n');
    assert.match(
      errorOf(() => loadSuite(syntax, 'full', 0)),
      /syntax\.json: line 3 is not valid JSON/,
    );
    assert.match(
      errorOf(() => loadSuite(join(root, 'suites', 'none.json'), 'full', 0)),
      /none\.json: no such suite file/,
    );
  });

  it('a missing experiment file is named with its index', () => {
    const f = write('suites/missing.json', { description: 'x', experiments: exp('tract', 'nope') });
    assert.equal(
      errorOf(() => loadSuite(f, 'full', 0)),
      `${f}: experiments[1]: no such file '../tinyjudge/nope.json'`,
    );
  });

  it('a bad third experiment fails at load time, naming its file and key', () => {
    const f = write('suites/third.json', { description: 'x', experiments: exp('seed', 'tract', 'bad-lambda') });
    assert.equal(
      errorOf(() => loadSuite(f, 'full', 0)),
      `${T('bad-lambda.json')}: objective.lambda: must be >= 0, got -3`,
    );
  });

  it('collects every problem (suite, profile, experiments) into one message, each once', () => {
    const f = write('suites/all.json', {
      description: 'x',
      experiments: exp('bad-lambda', 'tract', 'bad-temp', 'raft'),
      compare: 'tract',
      extra: 1,
    });
    const msg = errorOf(() => loadSuite(f, 'broken', 0));
    const lines = msg.split('\n').slice(1);
    assert.deepEqual(lines, [
      `  ${f}: extra: unknown key (known: description, experiments, compare)`,
      `  ${join(root, 'profiles', 'broken.json')}: train.steps: must be >= 1, got 0`,
      `  ${T('bad-lambda.json')}: objective.lambda: must be >= 0, got -3`,
      `  ${T('bad-temp.json')}: eval.temperature: must be >= 0, got -1`,
    ]);
    assert.match(msg, /^4 config problems:/);
  });

  it('an unknown profile is listed with the other problems', () => {
    const f = write('suites/profile.json', { description: 'x', experiments: exp('bad-lambda') });
    const msg = errorOf(() => loadSuite(f, 'turbo', 0));
    assert.match(msg, /unknown profile 'turbo'/);
    assert.match(msg, /bad-lambda\.json: objective\.lambda/);
  });
});
