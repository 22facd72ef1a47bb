import { strict as assert } from 'node:assert';
import { mkdtempSync, readdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DEFAULT_EXPERIMENT, loadExperiment, readLayer } from '../../src/tract/config';
import { checkSchema, EXPERIMENT_SCHEMA } from '../../src/tract/configSchema';
import { availableProfiles } from '../../src/tract/profiles';
import { loadSuite } from '../../src/tract/suite';
import { resolveTrainConfig } from '../../src/training/trainer';

const ROOT = join(__dirname, '..', '..');

/** The message of the error `fn` throws (fails when it does not throw). */
function errorOf(fn: () => unknown): string {
  try {
    fn();
  } catch (err) {
    return (err as Error).message;
  }
  assert.fail('expected an error');
}

describe('tract/config: experiments as data', () => {
  const dir = mkdtempSync(join(tmpdir(), 'tract-cfg-'));
  const write = (name: string, obj: unknown) => {
    writeFileSync(join(dir, name), typeof obj === 'string' ? obj : JSON.stringify(obj));
    return join(dir, name);
  };

  it('merges an extends chain over the defaults', () => {
    write('base.json', { version: 1, description: 'base', train: { steps: 50, lr: 0.01 } });
    const f = write('child.json', {
      extends: 'base.json',
      version: 2,
      description: 'child',
      method: 'raft',
      train: { steps: 7 },
    });
    const cfg = loadExperiment(f);
    assert.equal(cfg.method, 'raft');
    assert.equal(cfg.version, 2);
    assert.equal(cfg.train.steps, 7);
    assert.equal(cfg.train.lr, 0.01);
    assert.equal(cfg.train.batchSize, DEFAULT_EXPERIMENT.train.batchSize);
  });

  it('rejects unknown keys, wrong types, unknown methods and cycles, naming the file and key', () => {
    const typo = write('typo.json', { version: 1, description: '', train: { stepz: 3 } });
    assert.throws(() => loadExperiment(typo), /typo\.json: train\.stepz: unknown key \(known: steps, /);
    const type = write('type.json', { version: 1, description: '', train: { steps: '3' } });
    assert.throws(() => loadExperiment(type), /type\.json: train\.steps: must be a number, got "3"/);
    const obj = write('obj.json', { version: 1, description: '', eval: 5 });
    assert.throws(() => loadExperiment(obj), /obj\.json: eval: must be an object, got 5/);
    const method = write('method.json', { version: 1, description: '', method: 'tract-v2' });
    assert.throws(() => loadExperiment(method), /method\.json: method: unknown method 'tract-v2' \(known: seed, /);
    write('a.json', { extends: 'b.json' });
    const b = write('b.json', { extends: 'a.json' });
    assert.throws(() => loadExperiment(b), /'extends' cycle/);
    assert.throws(() => loadExperiment(join(dir, 'none.json')), /none\.json: no such experiment file/);
    const ext = write('ext.json', { extends: 3 });
    assert.throws(() => loadExperiment(ext), /ext\.json: extends: must be a file name \(a string\), got 3/);
  });

  it('a JSON syntax error names the file and the line', () => {
    const f = write('syntax.json', '{\n "version": 1,\n "method": "tract",,\n}\n');
    assert.throws(() => loadExperiment(f), /syntax\.json: line 3 is not valid JSON/);
    const child = write('syntax-child.json', { extends: 'syntax.json' });
    assert.throws(() => loadExperiment(child), /syntax\.json: line 3 is not valid JSON/);
  });

  it('values out of range are errors at load time, naming the file and the key (hostile-user cases)', () => {
    const lambda = write('tract.json', { method: 'tract', objective: { lambda: -3 } });
    assert.equal(
      errorOf(() => loadExperiment(lambda)),
      `${lambda}: objective.lambda: must be >= 0, got -3`,
    );
    const kind = write('kind.json', { data: { kind: 'imagenet' } });
    assert.equal(
      errorOf(() => loadExperiment(kind)),
      `${kind}: data.kind: must be 'tinyjudge', got "imagenet"`,
    );
    // A RAIL method never samples, so nothing at run time would look at eval.temperature.
    const temp = write('temp.json', { method: 'raft', eval: { temperature: -1 } });
    assert.equal(
      errorOf(() => loadExperiment(temp)),
      `${temp}: eval.temperature: must be >= 0, got -1`,
    );
  });

  it('checks types, ranges and enums of every section', () => {
    const cases: [unknown, RegExp][] = [
      [{ version: 0 }, /version: must be >= 1, got 0/],
      [{ seed: 1.5 }, /seed: must be an integer, got 1\.5/],
      [{ model: '' }, /model: must not be empty/],
      [{ maxLen: 0 }, /maxLen: must be >= 1, got 0/],
      [{ data: { train: 0 } }, /data\.train: must be >= 1, got 0/],
      [{ data: { testOod: 2.5 } }, /data\.testOod: must be an integer, got 2\.5/],
      [{ data: { annotatorNoise: 1.5 } }, /data\.annotatorNoise: must be <= 1, got 1\.5/],
      [{ data: { generator: 'v5' } }, /data\.generator: must be one of 'v2', 'v3', 'v4', got "v5"/],
      [{ data: { shift: 0.1 } }, /data\.shift: shift > 0 needs generator v4/],
      [{ data: { seed: 7 } }, /data\.seed: must be a string, got 7/],
      [{ objective: { lambdaRampSteps: -1 } }, /objective\.lambdaRampSteps: must be >= 0, got -1/],
      [{ objective: { reduction: 'sum' } }, /objective\.reduction: must be one of 'mean', 'officialParity', got "sum"/],
      [{ objective: { ceIncludesScoreToken: 'yes' } }, /objective\.ceIncludesScoreToken: must be a boolean, got "yes"/],
      [{ train: { lr: 0 } }, /train\.lr: must be > 0, got 0/],
      [{ train: { warmupRatio: 1 } }, /train\.warmupRatio: must be < 1, got 1/],
      [{ train: { batchSize: 0 } }, /train\.batchSize: must be >= 1, got 0/],
      [{ train: { seed: true } }, /train\.seed: must be a number or a string, got true/],
      [{ selfCot: { topP: 0 } }, /selfCot\.topP: must be > 0, got 0/],
      [{ selfCot: { maxNewTokens: 0 } }, /selfCot\.maxNewTokens: must be >= 1, got 0/],
      [{ eval: { topP: 1.2 } }, /eval\.topP: must be <= 1, got 1\.2/],
      [{ eval: { repetitionPenalty: 0 } }, /eval\.repetitionPenalty: must be > 0, got 0/],
      [{ eval: { nCot: 0 } }, /eval\.nCot: must be >= 1, got 0/],
      [{ eval: { bootstrapSamples: 5 } }, /eval\.bootstrapSamples: must be >= 10, got 5/],
      [{ eval: { batchSize: 0.5 } }, /eval\.batchSize: must be an integer, got 0\.5/],
    ];
    for (const [layer, re] of cases) {
      const f = write('case.json', layer);
      assert.throws(
        () => loadExperiment(f),
        (err: Error) => re.test(err.message) && err.message.includes('case.json: '),
        JSON.stringify(layer),
      );
    }
  });

  it('lists every problem of a file in one error', () => {
    const f = write('many.json', {
      objective: { lambda: -3 },
      eval: { temperature: -1, nope: 1 },
      data: { kind: 'imagenet' },
    });
    const msg = errorOf(() => loadExperiment(f));
    assert.match(msg, /^4 config problems:\n/);
    for (const line of [
      'objective.lambda: must be >= 0',
      'eval.temperature: must be >= 0',
      'eval.nope: unknown key',
      'data.kind: must be',
    ]) {
      assert.ok(msg.includes(`  ${f}: ${line}`), `${line} in\n${msg}`);
    }
  });

  it('names the layer that set a bad value: the file extended, a profile, --seed', () => {
    write('bad-base.json', { train: { lr: -1 } });
    const child = write('good-child.json', { extends: 'bad-base.json', method: 'raft' });
    assert.equal(
      errorOf(() => loadExperiment(child)),
      `${join(dir, 'bad-base.json')}: train.lr: must be > 0, got -1`,
    );
    const f = write('p.json', { version: 1, description: '' });
    const bad = write('bad-profile.json', { train: { nope: 1, steps: 0 } });
    const msg = errorOf(() => loadExperiment(f, readLayer(bad)));
    assert.match(msg, /bad-profile\.json: train\.nope: unknown key/);
    assert.match(msg, /bad-profile\.json: train\.steps: must be >= 1, got 0/);
    assert.doesNotMatch(msg, /p\.json: /);
    assert.equal(
      errorOf(() => loadExperiment(f, { name: '--seed -1', layer: { seed: -1 } })),
      '--seed -1: seed: must be >= 0, got -1',
    );
    // A later layer that fixes a value hides the earlier bad one.
    assert.equal(loadExperiment(child, { name: 'fix', layer: { train: { lr: 0.01 } } }).train.lr, 0.01);
  });

  it('the defaults satisfy the schema, and the schema is at least as strict as the trainer', () => {
    assert.ok(checkSchema(EXPERIMENT_SCHEMA, DEFAULT_EXPERIMENT).ok);
    const bad = [
      { steps: 0 },
      { steps: 2.5 },
      { batchSize: 0 },
      { gradAccum: 0 },
      { logEvery: 0 },
      { bucketWindow: 0 },
      { evalEvery: -1 },
      { checkpointEvery: 1.5 },
      { epochs: -1 },
      { lr: 0 },
      { lr: Number.NaN },
      { warmupRatio: 1 },
      { warmupRatio: -0.1 },
    ];
    for (const t of bad) {
      assert.throws(() => resolveTrainConfig(t), /train config/, `trainer rejects ${JSON.stringify(t)}`);
      const cfg = { ...DEFAULT_EXPERIMENT, train: { ...DEFAULT_EXPERIMENT.train, ...t } };
      assert.equal(checkSchema(EXPERIMENT_SCHEMA, cfg).ok, false, `schema rejects ${JSON.stringify(t)}`);
    }
  });

  it('objective.ceIncludesScoreToken: false is the default spelt out, and resolves without the key', () => {
    const base = join(ROOT, 'experiments', 'tinyjudge', 'tract.json');
    const off = loadExperiment(base, { name: 'layer', layer: { objective: { ceIncludesScoreToken: false } } });
    assert.deepEqual(off, loadExperiment(base));
    const on = loadExperiment(base, { name: 'layer', layer: { objective: { ceIncludesScoreToken: true } } });
    assert.equal(on.objective.ceIncludesScoreToken, true);
  });

  it('every shipped suite loads under every shipped profile and full', () => {
    const experimentsDir = join(ROOT, 'experiments');
    const suites = readdirSync(join(experimentsDir, 'suites')).filter((f) => f.endsWith('.json'));
    const profiles = availableProfiles(experimentsDir);
    assert.ok(suites.length >= 4 && profiles.includes('full') && profiles.length >= 3, `${suites} ${profiles}`);
    for (const suite of suites) {
      for (const profile of profiles) {
        const { suite: s, configs } = loadSuite(join(experimentsDir, 'suites', suite), profile, 0);
        assert.equal(configs.length, s.experiments.length, `${suite}/${profile}`);
        for (const c of configs) assert.ok(c.description.length > 10, `${c.method} has a description`);
        // a profile must not make two experiments of a suite the same run (a λ sweep of five equal λ)
        const runs = configs.map(({ description: _, ...rest }) => JSON.stringify(rest));
        assert.equal(new Set(runs).size, runs.length, `${suite}/${profile}: two experiments resolve alike`);
      }
    }
    const every = readdirSync(join(experimentsDir, 'tinyjudge')).filter((f) => f.endsWith('.json'));
    for (const f of every) loadExperiment(join(experimentsDir, 'tinyjudge', f));
    assert.throws(
      () => loadSuite(join(experimentsDir, 'suites', 'default.json'), 'turbo', 0),
      /unknown profile 'turbo'/,
    );
  });
});
