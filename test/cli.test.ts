import { strict as assert } from 'node:assert';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
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

  it("report paper prints the paper's main table from the reference CSV", () => {
    const r = tract('report', 'paper', '--table', 'main');
    assert.equal(r.status, 0, r.stderr);
    assert.match(r.stdout, /\| TRACT \| T \| CoT-RAIL \| 1 \| log \| 0\.931 \| \*\*0\.518\*\* \| \*\*0\.593\*\* \| \*\*0\.555\*\* \|/);
    assert.match(r.stdout, /\| RAFT \| B3 \| RAIL \| 1 \| paper text \| \*\*0\.932\*\* \| 0\.509 \| 0\.567 \| 0\.483 \|/);
    const tex = tract('report', 'paper', '--table', 'ablations', '--format', 'tex');
    assert.equal(tex.status, 0, tex.stderr);
    assert.match(tex.stdout, /\\begin\{tabular\}/);
  });

  it('eval judges a benchmark file and writes a run folder and a table', function () {
    this.timeout(60000);
    const results = mkdtempSync(join(tmpdir(), 'tract-cli-eval-'));
    const r = tract('eval', '--model', 'models/stories260K', '--benchmark', 'test/fixtures/data/flask_eval_sample.json', '--max-new-tokens', '4', '--samples', '20', '--results', results);
    assert.equal(r.status, 0, r.stderr);
    assert.match(r.stdout, /^flask_eval_sample: .*eval-flask_eval_sample-[0-9a-f]{8} \(r /m);
    assert.ok(existsSync(join(results, 'eval-stories260K', 'table.md')));
    assert.match(r.stderr, /3\/3 prompts exceed \d+ tokens and are cut from the left/);
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
      ['eval', '--model', 'models/stories260K'],
      ['eval', '--model', 'models/stories260K', '--benchmark', 'fb-bench'],
      ['eval', '--model', 'models/stories260K', '--benchmark', 'vicuna', '--decoding', 'greedy'],
      ['eval', '--model', 'models/stories260K', '--benchmark', 'vicuna', '--n-cot', '0'],
      ['eval', '--model', 'models/stories260K', '--benchmark', 'vicuna', '--chat-template', 'chatml'],
      ['eval', '--model', 'no/such/dir', '--benchmark', 'vicuna'],
      ['report', 'ours'],
      ['report', 'paper', '--table', 'appendix'],
      ['report', 'paper', '--format', 'html'],
      ['report', 'paper', '--ours', 'no/such/results'],
    ]) {
      const r = tract(...args);
      assert.equal(r.status, 2, `${args.join(' ')}: ${r.stderr}`);
      assert.equal(r.stderr.trim().split('\n').length, 1, `${args.join(' ')} printed: ${r.stderr}`);
      assert.doesNotMatch(r.stderr, /at .*\.ts:\d+/, 'no stack trace');
    }
  });
});
