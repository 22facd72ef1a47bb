import { strict as assert } from 'node:assert';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  checkBoundaries,
  checkLineLengths,
  findImports,
  LAYERS,
  longLines,
  MAX_LINE,
} from '../../tools/lint/boundaries';

const fixtures = join(__dirname, 'fixtures');

describe('lint: import boundaries (tools/lint/boundaries.ts)', () => {
  it('accepts downward imports, type-only and require ones, from sub-folders and from src/index.ts', () => {
    assert.deepEqual(checkBoundaries(join(fixtures, 'ok')), []);
  });

  it('rejects an upward import, naming both layers, the file and the line', () => {
    const problems = checkBoundaries(join(fixtures, 'bad'));
    const upward = problems.filter((p) => p.file === 'src/engine/kernel.ts');
    assert.equal(upward.length, 1);
    assert.equal(upward[0].line, 3);
    assert.equal(upward[0].kind, 'boundary');
    assert.match(
      upward[0].message,
      /layer 0 \(src\/engine\) imports higher layer 5 \(src\/tract\) via '\.\.\/tract\/run'/,
    );
  });

  it('rejects importing src/index.ts, an unlisted same-layer folder, and a folder in no layer', () => {
    const messages = checkBoundaries(join(fixtures, 'bad')).map((p) => `${p.file}:${p.line}: ${p.message}`);
    assert.equal(messages.length, 4, messages.join('\n'));
    assert.ok(messages.some((m) => /^src\/model\/model\.ts:2: layer 2 \(src\/model\) imports src\/index\.ts/.test(m)));
    assert.ok(
      messages.some((m) =>
        /^src\/losses\/loss\.ts:2: layer 2 \(src\/losses\) imports layer 2 \(src\/metrics\) of the same layer/.test(m),
      ),
    );
    assert.ok(messages.some((m) => /^src\/misc\/thing\.ts:1: src\/misc is not in the layer table/.test(m)));
  });

  it('keeps the layer order of the style rules', () => {
    assert.deepEqual(LAYERS.flat(), [
      'io',
      'engine',
      'tokenizer',
      'model',
      'losses',
      'metrics',
      'data',
      'decoding',
      'training',
      'results',
      'tract',
      'report',
      'serve',
      'notebook',
      'cli',
    ]);
  });
});

describe('lint: import specifiers (findImports)', () => {
  it('reads every import form and skips comments, strings, templates and regular expressions', () => {
    const source = [
      "import a from './a';", // 1
      "import type { B } from './b';", // 2
      "import './c';", // 3
      'export * as d from "./d";', // 4
      "export { e } from './e';", // 5
      "const f = require('./f');", // 6
      "const g = await import('./g');", // 7
      "type H = typeof import('./h');", // 8
      "import i = require('./i');", // 9
      "// import z from './comment';", // 10
      "/* import z from './block'; */", // 11
      'const s = "import z from \'./string\';";', // 12
      // biome-ignore lint/suspicious/noTemplateCurlyInString: source text under test, not a template
      "const t = `${x} import z from './template' ${`require('./nested')`}`;", // 13
      "const r = /import z from '.\\/regex'/;", // 14
      "const q = a / 2; const w = b / 3; import('./j');", // 15
      'import {', // 16
      '  k,', // 17
      "} from './k';", // 18
      "obj.import('./member'); obj.require('./member');", // 19
    ].join('\n');
    assert.deepEqual(
      findImports(source).map((r) => `${r.line} ${r.specifier}`),
      ['1 ./a', '2 ./b', '3 ./c', '4 ./d', '5 ./e', '6 ./f', '7 ./g', '8 ./h', '9 ./i', '15 ./j', '18 ./k'],
    );
  });
});

describe('lint: line length', () => {
  it('counts code points, so a line of 120 Greek letters passes and 121 characters fail', () => {
    assert.equal(MAX_LINE, 120);
    assert.deepEqual(longLines(`${'λ'.repeat(120)}\n${'x'.repeat(121)}\r\nshort`), [{ line: 2, length: 121 }]);
  });

  it('reports file:line for code files under the checked folders only', () => {
    const root = mkdtempSync(join(tmpdir(), 'lint-lines-'));
    try {
      mkdirSync(join(root, 'src', 'io'), { recursive: true });
      writeFileSync(join(root, 'src', 'io', 'long.ts'), `// ok\nexport const s = '${'y'.repeat(130)}';\n`);
      writeFileSync(join(root, 'src', 'io', 'data.json'), `"${'y'.repeat(200)}"\n`);
      const problems = checkLineLengths(root);
      assert.deepEqual(
        problems.map((p) => `${p.file}:${p.line}: ${p.message}`),
        ['src/io/long.ts:2: line is 150 characters (max 120)'],
      );
    } finally {
      rmSync(root, { recursive: true, force: true });
    }
  });
});
