/**
 * Writes test/golden/toy-tract.json: the per-step losses of both TRACT stages and the first RAIL
 * prediction on the toy (ci profile) config, on the wasm backend.
 *
 *   npx tsx tools/make_toy_golden.ts
 *
 * Regenerate only when a change is meant to move these numbers, and say why in the commit.
 */
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { initBackend } from '../src/engine/backend';
import { loadExperiment, readLayer } from '../src/tract/config';
import { runExperiment } from '../src/tract/pipeline';

(async () => {
  await initBackend({ prefer: 'wasm', env: {} });
  const root = join(__dirname, '..');
  const cfg = loadExperiment(
    join(root, 'experiments/tinyjudge/tract.json'),
    readLayer(join(root, 'experiments/profiles/ci.json')),
  );
  const run = await runExperiment(
    { ...cfg, model: join(root, 'models/stories260K') },
    {
      resultsDir: mkdtempSync(join(tmpdir(), 'tract-golden-')),
      backend: null,
      log: () => undefined,
      trainLog: () => undefined,
    },
  );
  const losses = readFileSync(join(run.dir, 'train-log.csv'), 'utf8')
    .trim()
    .split('\n')
    .slice(1)
    .map((l) => Number(l.split(',')[2]));
  const out = {
    command: 'npx tsx tools/make_toy_golden.ts',
    backend: 'wasm',
    tfjs: tf.version_core,
    losses,
    railTest0: run.predictions[0].rail,
  };
  writeFileSync(join(root, 'test/golden/toy-tract.json'), `${JSON.stringify(out, null, 1)}\n`);
  console.log(out);
})();
