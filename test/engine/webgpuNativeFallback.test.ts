/**
 * initBackend with a native TensorFlow package that is installed but cannot load (a user's machine where
 * `npm i @tensorflow/tfjs-node-gpu` ran but its libtensorflow binding is broken, e.g. a CUDA mismatch).
 *
 * A child process resolves `@tensorflow/tfjs-node-gpu` and `@tensorflow/tfjs-node` through NODE_PATH to
 * temporary packages whose index.js loads a `.node` binding that is not a shared library, so `require`
 * fails in the dynamic loader exactly as a broken binary does. Nothing pretends to be TensorFlow.
 */
import { strict as assert } from 'node:assert';
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const ROOT = join(__dirname, '..', '..');

/** A package whose index.js loads `build/binding.node`, a file that is not an ELF shared object. */
function brokenNativePackage(nodeModules: string, name: string): void {
  const dir = join(nodeModules, ...name.split('/'));
  mkdirSync(join(dir, 'build'), { recursive: true });
  writeFileSync(join(dir, 'package.json'), JSON.stringify({ name, version: '4.22.0', main: 'index.js' }));
  writeFileSync(join(dir, 'index.js'), "module.exports = require('./build/binding.node');\n");
  writeFileSync(join(dir, 'build', 'binding.node'), 'not a shared library\n');
}

/** Runs initBackend in a child process with NODE_PATH set; returns its JSON report or error. */
function childInit(nodePath: string, env: Record<string, string>): { report?: unknown; error?: string } {
  const script =
    "const { initBackend } = require('./src/engine/backend');" +
    'initBackend().then((r) => console.log(JSON.stringify({ report: r })),' +
    ' (e) => console.log(JSON.stringify({ error: e.message })));';
  const out = spawnSync(process.execPath, ['--import', 'tsx', '-e', script], {
    cwd: ROOT,
    env: { ...process.env, NODE_PATH: nodePath, TRACT_BACKEND: '', ...env },
    encoding: 'utf8',
    timeout: 60_000,
  });
  const line = out.stdout.trim().split('\n').pop() ?? '';
  assert.ok(line.startsWith('{'), `child printed no result: ${out.stdout} ${out.stderr}`);
  return JSON.parse(line);
}

describe('engine/backend with a native TensorFlow package that fails to load', function () {
  this.timeout(120_000);
  let tmp: string;
  let nodeModules: string;

  before(() => {
    tmp = mkdtempSync(join(tmpdir(), 'tract-native-'));
    nodeModules = join(tmp, 'node_modules');
    brokenNativePackage(nodeModules, '@tensorflow/tfjs-node-gpu');
    brokenNativePackage(nodeModules, '@tensorflow/tfjs-node');
    // The package really fails to load: the loader rejects the binding.
    assert.throws(
      () =>
        execFileSync(process.execPath, ['-e', "require('@tensorflow/tfjs-node-gpu')"], {
          env: { ...process.env, NODE_PATH: nodeModules },
          stdio: 'pipe',
        }),
      /invalid ELF header|not a valid|file too short/,
    );
  });

  after(() => rmSync(tmp, { recursive: true, force: true }));

  it('falls back to the next backend and says why the native ones were skipped', () => {
    const { report, error } = childInit(nodeModules, {});
    assert.equal(error, undefined);
    const r = report as { chosen: string; skipped: { name: string; reason: string }[] };
    assert.equal(r.chosen, 'wasm');
    const gpu = r.skipped.find((s) => s.name === 'tensorflow-gpu');
    const cpu = r.skipped.find((s) => s.name === 'tensorflow');
    assert.match(gpu?.reason ?? '', /@tensorflow\/tfjs-node-gpu .*failed to load.*(invalid ELF header|file too short)/);
    assert.match(cpu?.reason ?? '', /@tensorflow\/tfjs-node .*failed to load/);
  });

  it('fails loudly, with the loader error, when that backend is forced', () => {
    const { error } = childInit(nodeModules, { TRACT_BACKEND: 'tensorflow-gpu' });
    assert.match(
      error ?? '',
      /no backend could be initialised \(TRACT_BACKEND=tensorflow-gpu\): tensorflow-gpu: .*(invalid ELF|too short)/,
    );
  });
});
