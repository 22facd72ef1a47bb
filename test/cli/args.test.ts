import { strict as assert } from 'node:assert';
import {
  type CommandSpec,
  commandHelp,
  intOption,
  numberOption,
  parseCommandArgs,
  parseIntegerList,
  UsageError,
} from '../../src/cli/args';
import { COMMANDS } from '../../src/cli/main';
import { tract } from './capture';

const MODEL = 'models/stories260K';

describe('cli arguments (in-process main())', () => {
  it('bad arguments: one line naming the problem, exit code 2, no stack trace', async () => {
    const cases: [string[], RegExp][] = [
      [['nonsense'], /unknown command 'nonsense'/],
      [['logits', '--model', MODEL], /--tokens is required/],
      [['logits', '--model', MODEL, '--tokens', '1,x'], /--tokens item 2 .*'x'/],
      [['logits', '--model', MODEL, '--tokens', '1,9999'], /item 2: id 9999 is not below the vocabulary size 512/],
      [['generate', '--model', MODEL, '--prompt', 'Hi', '--temperature', 'hot'], /--temperature .*'hot'/],
      [['generate', '--model', MODEL, '--prompt', 'Hi', '--top-p', '2'], /--top-p must be in \(0, 1\], got 2/],
      [['generate', '--model', 'no/such/dir', '--prompt', 'Hi'], /no\/such\/dir: no such file or folder/],
      [['generate', '--bogus'], /unknown option '--bogus'/],
      [['run', '--profile', 'turbo'], /unknown profile 'turbo'/],
      [['run', '--suite', 'no/such/suite.json'], /no such suite file/],
      [['run', '--seeds', '0'], /--seeds must be an integer >= 1, got 0/],
      [['eval', '--model', MODEL], /--benchmark is required/],
      [['eval', '--model', MODEL, '--benchmark', 'fb-bench'], /not shipped/],
      [['eval', '--model', MODEL, '--benchmark', 'vicuna', '--decoding', 'greedy'], /--decoding must be one of/],
      [['eval', '--model', MODEL, '--benchmark', 'vicuna', '--n-cot', '0'], /--n-cot must be an integer >= 1, got 0/],
      [['eval', '--model', MODEL, '--benchmark', 'vicuna', '--chat-template', 'chatml'], /--chat-template .*'chatml'/],
      [['eval', '--model', 'no/such/dir', '--benchmark', 'vicuna'], /no such file or folder/],
      [['report', 'ours'], /expected 'report paper'/],
      [['report', 'paper', '--table', 'appendix'], /--table must be one of main, ablations, lambda, ncot, all/],
      [['report', 'paper', '--format', 'html'], /--format must be one of md, csv, tex/],
      [['report', 'paper', '--ours', 'no/such/results'], /no\/such\/results/],
      [['help', 'nonsense'], /unknown command 'nonsense'/],
    ];
    for (const [args, message] of cases) {
      const r = await tract(...args);
      assert.equal(r.code, 2, `${args.join(' ')}: ${r.stderr}`);
      assert.equal(r.stderr.trim().split('\n').length, 1, `${args.join(' ')} printed: ${r.stderr}`);
      assert.match(r.stderr, message, args.join(' '));
      assert.doesNotMatch(r.stderr, /at .*\.ts:\d+/, 'no stack trace');
    }
  });

  it('rejects positional arguments a command does not take, saying what it takes', async () => {
    const r = await tract('run', 'experiments/suites/ablations.json');
    assert.equal(r.code, 2);
    assert.match(r.stderr, /unexpected argument 'experiments\/suites\/ablations\.json'/);
    assert.match(r.stderr, /takes no positional arguments/);
    assert.match(r.stderr, /did you mean --suite experiments\/suites\/ablations\.json\?/);
    assert.match((await tract('run', 'ci')).stderr, /did you mean --profile ci\?/);
    assert.match((await tract('eval', 'vicuna')).stderr, /did you mean --benchmark vicuna\?/);
    assert.match((await tract('eval', MODEL, '--benchmark', 'vicuna')).stderr, /did you mean --model models/);
    assert.match((await tract('logits', '1,2,3')).stderr, /did you mean --tokens 1,2,3\?/);
    const extra = await tract('report', 'paper', 'main');
    assert.equal(extra.code, 2);
    assert.match(extra.stderr, /unexpected argument 'main': tract report takes one argument \(tract report paper/);
    const missing = await tract('figures');
    assert.equal(missing.code, 2);
    assert.match(missing.stderr, /missing argument: tract figures <results folder>/);
  });

  it('integer options and lists are strict: decimal digits only, no empty items', async () => {
    const bad: [string[], RegExp][] = [
      [['logits', '--model', MODEL, '--tokens', '1,,2'], /--tokens: item 2 of '1,,2' is empty/],
      [['logits', '--model', MODEL, '--tokens', '1,'], /--tokens: item 2 of '1,' is empty/],
      [['logits', '--model', MODEL, '--tokens', '1e2,0x10'], /--tokens item 1 .*'1e2' is not a whole number/],
      [['logits', '--model', MODEL, '--tokens', '1,0x10'], /--tokens item 2 .*'0x10'/],
      [['run', '--seeds', '1e2'], /--seeds .*'1e2'/],
      [['run', '--seeds', '1.5'], /--seeds .*'1\.5'/],
      [['generate', '--model', MODEL, '--prompt', 'Hi', '--seed', '0x10'], /--seed .*'0x10'/],
      [['generate', '--model', MODEL, '--prompt', 'Hi', '--max-new-tokens', '1e2'], /--max-new-tokens .*'1e2'/],
      [['eval', '--model', MODEL, '--benchmark', 'vicuna', '--batch-size', '1e2'], /--batch-size .*'1e2'/],
      [['eval', '--model', MODEL, '--benchmark', 'vicuna', '--n-cot', '0x10'], /--n-cot .*'0x10'/],
      [['eval', '--model', MODEL, '--benchmark', 'vicuna', '--limit', '2.5'], /--limit .*'2\.5'/],
      [['eval', '--model', MODEL, '--benchmark', 'vicuna', '--seed', ''], /--seed must not be empty/],
      [['eval', '--model', MODEL, '--benchmark', 'vicuna', '--top-p', '1e-1'], /--top-p must be a decimal number/],
    ];
    for (const [args, message] of bad) {
      const r = await tract(...args);
      assert.equal(r.code, 2, `${args.join(' ')}: ${r.stderr}`);
      assert.match(r.stderr, message, args.join(' '));
    }
    assert.deepEqual(parseIntegerList('1,403, 407', 'tokens'), [1, 403, 407]);
    assert.throws(() => parseIntegerList('-1', 'tokens'), /item 1 .*'-1'/);
    assert.equal(intOption({ n: '012' }, 'n'), 12);
    assert.throws(() => intOption({ n: '99999999999999999999' }, 'n'), UsageError);
  });

  it('negative numbers: the whole parse error, a hint to write --opt=-1, then the range check', async () => {
    const r = await tract('generate', '--model', MODEL, '--prompt', 'Hi', '--temperature', '-1');
    assert.equal(r.code, 2);
    assert.equal(r.stderr.trim().split('\n').length, 1);
    assert.match(
      r.stderr,
      /--temperature: a value that starts with '-' must be attached with '=': write --temperature=-1/,
    );
    const range: [string[], RegExp][] = [
      [['--temperature=-1'], /--temperature must be >= 0, got -1/],
      [['--top-p=0'], /--top-p must be in \(0, 1\], got 0/],
      [['--top-p', '1.5'], /--top-p must be in \(0, 1\], got 1\.5/],
      [['--repetition-penalty', '0'], /--repetition-penalty must be > 0, got 0/],
      [['--repetition-penalty=-0.5'], /--repetition-penalty must be > 0, got -0\.5/],
    ];
    for (const [extra, message] of range) {
      for (const cmd of [
        ['generate', '--prompt', 'Hi'],
        ['eval', '--benchmark', 'vicuna'],
      ]) {
        const res = await tract(...cmd, '--model', MODEL, ...extra);
        assert.equal(res.code, 2, `${cmd[0]} ${extra.join(' ')}: ${res.stderr}`);
        assert.match(res.stderr, message, `${cmd[0]} ${extra.join(' ')}`);
      }
    }
    const missing = await tract('generate', '--model', '--prompt', 'Hi');
    assert.match(missing.stderr, /--model needs a value \(DIR\) but is followed by the option '--prompt'/);
    assert.match((await tract('run', '--suite')).stderr, /--suite needs a value \(FILE\)/);
    assert.match((await tract('run', '--seeds', '2', '--seeds', '3')).stderr, /--seeds is given twice/);
    assert.match((await tract('info', '--json=yes')).stderr, /--json is a flag and takes no value/);
    assert.match(
      (await tract('run', '--seedz', '3')).stderr,
      /unknown option '--seedz'; did you mean --seeds or --seed\?/,
    );
    assert.match(
      (await tract('run', '--seed', '1', '--seeds', '2')).stderr,
      /--seed K runs one seed .* give one of them/,
    );
  });

  it('--help, -h and `tract help <command>` print the summary and every option, exit 0', async () => {
    for (const [name, spec] of Object.entries(COMMANDS)) {
      for (const args of [
        [name, '--help'],
        [name, '-h'],
        ['help', name],
        [name, '--model', 'x', '--help'],
      ]) {
        const r = await tract(...args);
        assert.equal(r.code, 0, `${args.join(' ')}: ${r.stderr}`);
        assert.equal(r.stdout, `${commandHelp(name, spec)}\n`);
        assert.ok(r.stdout.startsWith(`tract ${name}: ${spec.summary}\n`));
        for (const opt of Object.keys(spec.options)) assert.match(r.stdout, new RegExp(`\\n  --${opt}\\b.* \\S`));
      }
    }
    const overall = await tract('help');
    assert.equal(overall.code, 0);
    for (const name of Object.keys(COMMANDS)) assert.match(overall.stdout, new RegExp(`\\n  ${name} +\\S`));
    assert.equal((await tract('--help')).code, 0);
    assert.equal((await tract()).code, 2);
  });

  it('parseCommandArgs: --opt=value, repeatable options, flags and -- ', () => {
    const spec: CommandSpec = {
      summary: 's',
      positionals: { usage: '<x>', min: 0, max: 2 },
      options: { a: { value: 'A', help: 'a' }, m: { value: 'M', multiple: true, help: 'm' }, f: { help: 'f' } },
      run: async () => {},
    };
    const p = parseCommandArgs('t', spec, ['--a=-1', 'x', '--m', '1', '--m=2', '--f', '--', '--not-an-option']);
    assert.deepEqual(p, {
      values: { a: '-1', m: ['1', '2'], f: true },
      positionals: ['x', '--not-an-option'],
      help: false,
    });
    assert.throws(() => parseCommandArgs('t', spec, ['a', 'b', 'c']), /unexpected argument 'c'/);
    assert.throws(() => parseCommandArgs('t', spec, ['-x']), /unknown option '-x'/);
    assert.throws(() => parseCommandArgs('t', spec, ['--constructor', '1']), /unknown option '--constructor'/);
    assert.equal(numberOption({ t: '.5' }, 't'), 0.5);
    assert.throws(() => numberOption({ t: 'Infinity' }, 't'), /decimal number/);
  });
});
