import { strict as assert } from 'node:assert';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DEFAULT_EXPERIMENT, loadExperiment, readLayer } from '../../src/tract/config';
import { loadSuite } from '../../src/tract/suite';

const ROOT = join(__dirname, '..', '..');

describe('tract/config: experiments as data', () => {
  const dir = mkdtempSync(join(tmpdir(), 'tract-cfg-'));
  const write = (name: string, obj: unknown) => {
    writeFileSync(join(dir, name), JSON.stringify(obj));
    return join(dir, name);
  };

  it('merges an extends chain over the defaults', () => {
    write('base.json', { version: 1, description: 'base', train: { steps: 50, lr: 0.01 } });
    const f = write('child.json', { extends: 'base.json', version: 2, description: 'child', method: 'raft', train: { steps: 7 } });
    const cfg = loadExperiment(f);
    assert.equal(cfg.method, 'raft');
    assert.equal(cfg.version, 2);
    assert.equal(cfg.train.steps, 7);
    assert.equal(cfg.train.lr, 0.01);
    assert.equal(cfg.train.batchSize, DEFAULT_EXPERIMENT.train.batchSize);
  });

  it('rejects unknown keys, wrong types, unknown methods and cycles, naming the file and key', () => {
    const typo = write('typo.json', { version: 1, description: '', train: { stepz: 3 } });
    assert.throws(() => loadExperiment(typo), new RegExp(`typo.json: unknown key 'train.stepz'`));
    const type = write('type.json', { version: 1, description: '', train: { steps: '3' } });
    assert.throws(() => loadExperiment(type), /type.json: 'train.steps' must be a number, got "3"/);
    const obj = write('obj.json', { version: 1, description: '', eval: 5 });
    assert.throws(() => loadExperiment(obj), /'eval' must be an object/);
    const method = write('method.json', { version: 1, description: '', method: 'tract-v2' });
    assert.throws(() => loadExperiment(method), /method.json: unknown method 'tract-v2'/);
    write('a.json', { extends: 'b.json' });
    const b = write('b.json', { extends: 'a.json' });
    assert.throws(() => loadExperiment(b), /'extends' cycle/);
    assert.throws(() => loadExperiment(join(dir, 'none.json')), /no such experiment file/);
  });

  it('applies profile layers with the same checks', () => {
    const f = write('p.json', { version: 1, description: '' });
    const bad = write('bad-profile.json', { train: { nope: 1 } });
    assert.throws(() => loadExperiment(f, readLayer(bad)), /bad-profile.json: unknown key 'train.nope'/);
  });

  it('every shipped experiment and suite loads under every profile', () => {
    for (const suite of ['default', 'ablations', 'lambda-sweep']) {
      for (const profile of ['full', 'quick', 'ci']) {
        const { configs } = loadSuite(join(ROOT, 'experiments', 'suites', `${suite}.json`), profile, 0);
        assert.ok(configs.length >= 5, `${suite}/${profile}`);
        for (const c of configs) assert.ok(c.description.length > 10, `${c.method} has a description`);
      }
    }
    assert.throws(() => loadSuite(join(ROOT, 'experiments', 'suites', 'default.json'), 'turbo', 0), /unknown profile 'turbo'/);
  });
});
