/**
 * Import boundaries between the layers of `src/`, and the 120-character line limit.
 *
 * Run by `npm run lint` (after Biome): `tsx tools/lint/boundaries.ts [root]`. Prints one `file:line: message` per
 * problem, a summary, and exits 1 when there is any.
 *
 * Layers, lowest first (a folder may import its own layer's folders only where {@link SAME_LAYER} lists the pair,
 * and lower layers; never a higher one):
 *
 * | layer | folders                                |
 * |-------|----------------------------------------|
 * | 0     | src/io, src/engine                     |
 * | 1     | src/tokenizer                          |
 * | 2     | src/model, src/losses, src/metrics, src/data |
 * | 3     | src/decoding, src/training             |
 * | 4     | src/results                            |
 * | 5     | src/tract                              |
 * | 6     | src/report, src/serve                  |
 * | 7     | src/notebook                           |
 * | 8     | src/cli                                |
 *
 * `src/index.ts` (the public API) may import anything, and nothing under a layer folder may import it. Every file
 * under `src/` other than `src/index.ts` must sit in a folder of the table (sub-folders belong to their top folder:
 * `src/data/prompts` is `src/data`). Type-only imports count: they couple the layers just the same.
 *
 * Biome's `noRestrictedImports` does fire per folder through `overrides`, but it matches the specifier as written
 * (`../tract/x`), so it cannot tell `./index` from `../index`, nor a sub-folder that shares a layer's name; this
 * checker resolves each relative specifier to the file it names instead.
 *
 * @module tools/lint/boundaries
 */
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, relative, resolve, sep } from 'node:path';

/** The layer table, lowest first: index = layer number. Folders are relative to `src/`. */
export const LAYERS: readonly (readonly string[])[] = [
  ['io', 'engine'],
  ['tokenizer'],
  ['model', 'losses', 'metrics', 'data'],
  ['decoding', 'training'],
  ['results'],
  ['tract'],
  ['report', 'serve'],
  ['notebook'],
  ['cli'],
];

/**
 * Imports allowed between different folders of one layer, as `'from -> to'` (folders relative to `src/`, e.g.
 * `'losses -> model'`). Any other same-layer import between folders is an error. None is needed today.
 */
export const SAME_LAYER: readonly string[] = [];

/** The longest line allowed, in characters (Unicode code points). */
export const MAX_LINE = 120;

/** Folders (relative to the repository root) whose code files the line-length check reads. */
export const LINE_DIRS: readonly string[] = ['src', 'test', 'tools', 'bench', 'bin'];

const CODE_FILE = /\.(ts|mts|cts|js|mjs|cjs)$/;

/** One problem found: where, what kind, and a message that names what to fix. */
export interface Problem {
  /** Path relative to the checked root, with `/` separators. */
  file: string;
  /** 1-based line. */
  line: number;
  kind: 'boundary' | 'line-length';
  message: string;
}

/** One module specifier in a source file. */
export interface ImportRef {
  specifier: string;
  /** 1-based line of the specifier. */
  line: number;
}

/**
 * The module specifiers of a TypeScript/JavaScript source: `import … from`, `import '…'`, `export … from`,
 * `import('…')` (dynamic or in a type), `require('…')` and `import x = require('…')`. Comments, and strings or
 * template literals that are not specifiers, are skipped, so code quoted inside a string is not read as an import.
 */
export function findImports(source: string): ImportRef[] {
  const { masked, strings } = maskSource(source);
  const refs: ImportRef[] = [];
  const patterns = [
    /(?<![\w$.])(?:import|export)\b(?:[^;'"`(){}]|\{[^}]*\})*?\bfrom\s*(?=['"])/g, // import/export … from '…'
    /(?<![\w$.])import\s*(?=['"])/g, // import '…'
    /(?<![\w$.])(?:import|require)\s*\(\s*(?=['"])/g, // import('…'), require('…')
  ];
  const seen = new Set<number>();
  for (const re of patterns) {
    for (const m of masked.matchAll(re)) {
      const at = m.index + m[0].length;
      const value = strings.get(at);
      if (value === undefined || seen.has(at)) continue;
      seen.add(at);
      refs.push({ specifier: value, line: lineAt(source, at) });
    }
  }
  return refs.sort((a, b) => a.line - b.line);
}

/**
 * Blanks comments and the contents of every string and template literal (keeping quotes, lengths and newlines),
 * and records each plain string literal's value by the offset of its opening quote.
 */
function maskSource(src: string): { masked: string; strings: Map<number, string> } {
  const out = src.split('');
  const strings = new Map<number, string>();
  const blank = (from: number, to: number) => {
    for (let k = from; k < to; k++) if (out[k] !== '\n') out[k] = ' ';
  };
  // Braces opened inside `${ … }` of template literals, one counter per nesting level.
  const templateDepth: number[] = [];
  let i = 0;
  let lastSignificant = ''; // last non-space character outside comments, to tell a regex from a division
  const n = src.length;
  const scanTemplate = (start: number): number => {
    // From just after '`' or '}' (closing a ${}), to the next '${' or closing '`'.
    let j = start;
    while (j < n) {
      if (src[j] === '\\') j += 2;
      else if (src[j] === '`') {
        blank(start, j);
        return j + 1;
      } else if (src[j] === '$' && src[j + 1] === '{') {
        blank(start, j);
        templateDepth.push(0);
        return j + 2;
      } else j++;
    }
    blank(start, n);
    return n;
  };
  while (i < n) {
    const c = src[i];
    if (c === '/' && src[i + 1] === '/') {
      const end = src.indexOf('\n', i);
      const stop = end < 0 ? n : end;
      blank(i, stop);
      i = stop;
    } else if (c === '/' && src[i + 1] === '*') {
      const end = src.indexOf('*/', i + 2);
      const stop = end < 0 ? n : end + 2;
      blank(i, stop);
      i = stop;
    } else if (c === "'" || c === '"') {
      let j = i + 1;
      let value = '';
      while (j < n && src[j] !== c && src[j] !== '\n') {
        if (src[j] === '\\') {
          value += src[j + 1] ?? '';
          j += 2;
        } else value += src[j++];
      }
      blank(i + 1, j);
      strings.set(i, value);
      lastSignificant = c;
      i = j + 1;
    } else if (c === '`') {
      i = scanTemplate(i + 1);
      lastSignificant = '`';
    } else if (c === '{' && templateDepth.length > 0) {
      templateDepth[templateDepth.length - 1]++;
      lastSignificant = c;
      i++;
    } else if (c === '}' && templateDepth.length > 0 && templateDepth[templateDepth.length - 1] === 0) {
      templateDepth.pop();
      i = scanTemplate(i + 1);
      lastSignificant = '`';
    } else if (c === '/' && isRegexStart(src, i, lastSignificant)) {
      let j = i + 1;
      let inClass = false;
      while (j < n && src[j] !== '\n') {
        if (src[j] === '\\') j += 2;
        else {
          if (src[j] === '[') inClass = true;
          else if (src[j] === ']') inClass = false;
          else if (src[j] === '/' && !inClass) break;
          j++;
        }
      }
      blank(i + 1, j);
      lastSignificant = '/';
      i = j + 1;
    } else {
      if (c === '}' && templateDepth.length > 0) templateDepth[templateDepth.length - 1]--;
      if (!/\s/.test(c)) lastSignificant = c;
      i++;
    }
  }
  return { masked: out.join(''), strings };
}

/** Whether the `/` at `i` starts a regular expression literal rather than a division. */
function isRegexStart(src: string, i: number, lastSignificant: string): boolean {
  if (lastSignificant === '' || '(,=:[!&|?{};+-*%<>~^'.includes(lastSignificant)) return true;
  if (/[\w$]/.test(lastSignificant)) {
    const before = src.slice(Math.max(0, i - 12), i).match(/([\w$]+)\s*$/);
    return before !== null && /^(return|typeof|case|do|else|in|of|new|delete|void|throw|yield|await)$/.test(before[1]);
  }
  return false;
}

function lineAt(src: string, offset: number): number {
  let line = 1;
  for (let k = 0; k < offset; k++) if (src.charCodeAt(k) === 10) line++;
  return line;
}

/** Where a path under `src/` sits: a layer folder, `src/index.ts` (the top), or somewhere the table does not know. */
type Place =
  | { kind: 'folder'; folder: string; layer: number }
  | { kind: 'index' }
  | { kind: 'unlisted'; what: string }
  | { kind: 'outside' };

function placeOf(srcRoot: string, absPath: string): Place {
  const rel = relative(srcRoot, absPath).split(sep).join('/');
  if (rel === '..' || rel.startsWith('../')) return { kind: 'outside' };
  const parts = rel.split('/');
  if (parts.length === 1) {
    // src itself ('..' from a layer folder) or a file directly in src/.
    if (rel === '' || /^index(\.(ts|js))?$/.test(rel)) return { kind: 'index' };
    return { kind: 'unlisted', what: `src/${rel}` };
  }
  const folder = parts[0];
  const layer = LAYERS.findIndex((fs) => fs.includes(folder));
  if (layer < 0) return { kind: 'unlisted', what: `src/${folder}` };
  return { kind: 'folder', folder, layer };
}

function layerName(p: { folder: string; layer: number }): string {
  return `layer ${p.layer} (src/${p.folder})`;
}

/** All code files under `dir` (recursively, skipping node_modules and dot folders), as absolute paths. */
export function listCodeFiles(dir: string): string[] {
  let entries: string[];
  try {
    entries = readdirSync(dir);
  } catch {
    return [];
  }
  const files: string[] = [];
  for (const name of entries.sort()) {
    if (name === 'node_modules' || name.startsWith('.')) continue;
    const path = join(dir, name);
    const st = statSync(path);
    if (st.isDirectory()) files.push(...listCodeFiles(path));
    else if (CODE_FILE.test(name) && !name.endsWith('.d.ts')) files.push(path);
  }
  return files;
}

/**
 * Checks every import of every code file under `<root>/src` against {@link LAYERS} and {@link SAME_LAYER}.
 * Bare specifiers (packages, `node:` modules) are not checked; relative ones are resolved to the file or folder they
 * name. Also reports files under `src/` that sit in a folder the table does not list.
 */
export function checkBoundaries(root: string): Problem[] {
  const srcRoot = resolve(root, 'src');
  const allowed = new Set(SAME_LAYER.map((s) => s.replace(/\s+/g, '')));
  const problems: Problem[] = [];
  const rel = (abs: string) => relative(root, abs).split(sep).join('/');
  const unlisted = new Set<string>();
  for (const file of listCodeFiles(srcRoot)) {
    const from = placeOf(srcRoot, file);
    if (from.kind === 'unlisted') {
      if (unlisted.has(from.what)) continue;
      unlisted.add(from.what);
      problems.push({
        file: rel(file),
        line: 1,
        kind: 'boundary',
        message: `${from.what} is not in the layer table (LAYERS in tools/lint/boundaries.ts): add it to a layer`,
      });
      continue;
    }
    if (from.kind !== 'folder') continue; // src/index.ts may import anything
    for (const ref of findImports(readFileSync(file, 'utf8'))) {
      if (!ref.specifier.startsWith('.')) continue;
      const to = placeOf(srcRoot, resolve(dirname(file), ref.specifier));
      const at = { file: rel(file), line: ref.line, kind: 'boundary' as const };
      const via = `'${ref.specifier}'`;
      if (to.kind === 'outside' || to.kind === 'unlisted') {
        if (to.kind === 'unlisted') {
          problems.push({ ...at, message: `${layerName(from)} imports ${to.what} via ${via}, which is in no layer` });
        }
        continue;
      }
      if (to.kind === 'index') {
        problems.push({
          ...at,
          message: `${layerName(from)} imports src/index.ts (the public API, above every layer) via ${via}`,
        });
      } else if (to.layer > from.layer) {
        problems.push({
          ...at,
          message:
            `${layerName(from)} imports higher ${layerName(to)} via ${via}: ` +
            'a lower layer may not import a higher one',
        });
      } else if (to.layer === from.layer && to.folder !== from.folder && !allowed.has(`${from.folder}->${to.folder}`)) {
        problems.push({
          ...at,
          message:
            `${layerName(from)} imports ${layerName(to)} of the same layer via ${via}: ` +
            `not listed in SAME_LAYER (tools/lint/boundaries.ts)`,
        });
      }
    }
  }
  return problems;
}

/** The 1-based numbers and lengths of the lines of `text` longer than `max` code points. */
export function longLines(text: string, max = MAX_LINE): { line: number; length: number }[] {
  const found: { line: number; length: number }[] = [];
  text.split('\n').forEach((raw, i) => {
    const line = raw.endsWith('\r') ? raw.slice(0, -1) : raw;
    if (line.length <= max) return; // a cheap bound: code points never outnumber UTF-16 units
    const length = [...line].length;
    if (length > max) found.push({ line: i + 1, length });
  });
  return found;
}

/** Lines over {@link MAX_LINE} in the code files of {@link LINE_DIRS} under `root`. */
export function checkLineLengths(root: string, dirs: readonly string[] = LINE_DIRS, max = MAX_LINE): Problem[] {
  const problems: Problem[] = [];
  for (const dir of dirs) {
    for (const file of listCodeFiles(resolve(root, dir))) {
      const path = relative(root, file).split(sep).join('/');
      for (const { line, length } of longLines(readFileSync(file, 'utf8'), max)) {
        problems.push({ file: path, line, kind: 'line-length', message: `line is ${length} characters (max ${max})` });
      }
    }
  }
  return problems;
}

/** Command line: checks `root` (default: the current folder), prints problems and a summary; returns the exit code. */
export function main(argv: string[]): number {
  const root = resolve(argv[0] ?? '.');
  const boundaries = checkBoundaries(root);
  const lines = checkLineLengths(root);
  for (const p of [...boundaries, ...lines]) console.log(`${p.file}:${p.line}: ${p.message}`);
  const files = new Map<string, number>();
  for (const p of lines) files.set(p.file, (files.get(p.file) ?? 0) + 1);
  const worst = [...files].sort((a, b) => b[1] - a[1]).slice(0, 5);
  console.log(
    `\nboundaries: ${boundaries.length} violation(s)` +
      `\nline length: ${lines.length} line(s) over ${MAX_LINE} characters in ${files.size} file(s)` +
      (worst.length > 0 ? ` (most: ${worst.map(([f, k]) => `${f} ${k}`).join(', ')})` : ''),
  );
  return boundaries.length + lines.length > 0 ? 1 : 0;
}

if (require.main === module) process.exitCode = main(process.argv.slice(2));
