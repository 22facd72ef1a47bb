import { strict as assert } from 'node:assert';
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';

const ROOT = join(__dirname, '..');
const tract = (...args: string[]) => spawnSync(process.execPath, [join(ROOT, 'bin', 'tract.js'), ...args], { cwd: ROOT, encoding: 'utf8' });

describe('cli (npx tract)', () => {
  it('logits --json prints the last-position logits', () => {
    const r = tract('logits', '--model', 'models/stories260K', '--tokens', '1,403,407,261,378', '--json');
    assert.equal(r.status, 0, r.stderr);
    const out = JSON.parse(r.stdout);
    assert.equal(out.lastLogits.length, 512);
    // the greedy continuation of "Once upon a time" is "," (id 432 in tok512)
    const argmax = out.lastLogits.indexOf(Math.max(...out.lastLogits));
    assert.equal(argmax, 432);
  });

  it('generate prints the prompt and its greedy continuation', () => {
    const r = tract('generate', '--model', 'models/stories260K', '--prompt', 'Once upon a time', '--max-new-tokens', '20', '--temperature', '0');
    assert.equal(r.status, 0, r.stderr);
    assert.match(r.stdout, /^Once upon a time, there was a little girl named Lily\./);
  });

  it('bad arguments: one line and exit code 2', () => {
    for (const args of [
      ['nonsense'],
      ['logits', '--model', 'models/stories260K'],
      ['logits', '--model', 'models/stories260K', '--tokens', '1,x'],
      ['logits', '--model', 'models/stories260K', '--tokens', '1,9999'],
      ['generate', '--model', 'models/stories260K', '--prompt', 'Hi', '--temperature', 'hot'],
      ['generate', '--model', 'models/stories260K', '--prompt', 'Hi', '--top-p', '2'],
      ['generate', '--model', 'no/such/dir', '--prompt', 'Hi'],
      ['generate', '--bogus'],
      ['run', '--profile', 'turbo'],
      ['run', '--suite', 'no/such/suite.json'],
      ['run', '--seeds', '0'],
    ]) {
      const r = tract(...args);
      assert.equal(r.status, 2, `${args.join(' ')}: ${r.stderr}`);
      assert.equal(r.stderr.trim().split('\n').length, 1, `${args.join(' ')} printed: ${r.stderr}`);
      assert.doesNotMatch(r.stderr, /at .*\.ts:\d+/, 'no stack trace');
    }
  });
});
