/**
 * Notebooks from plain cell files, and back.
 *
 *   npx tsx tools/make_notebook.ts notebooks/cells/00-quickstart.ts   # → notebooks/00-quickstart.ipynb (no outputs)
 *   npx tsx tools/make_notebook.ts --extract notebooks/00-quickstart.ipynb   # → notebooks/cells/00-quickstart.ts
 *   npm run notebooks:write -- notebooks/00-quickstart.ipynb          # then run it and save the outputs
 *
 * A cell file is TypeScript in the "percent" format (as jupytext writes it): `// %% [markdown]` starts
 * a Markdown cell whose lines are `// ` comments, `// %%` starts a code cell; text before the first
 * marker is a header comment and is dropped. The notebook is nbformat 4.5 JSON written as Python's
 * nbformat writes it (sorted keys, one-space indent, source split in lines), with the kernelspec of
 * the project-local tslab kernel (tools/install_kernel.sh), so that executing and saving it
 * (`npm run notebooks:write`) changes only outputs.
 */
import { createHash } from 'node:crypto';
import { mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';

/** The kernel tools/install_kernel.sh registers (keep the two in step). */
export const KERNELSPEC = { display_name: 'TypeScript (tract, tslab)', language: 'typescript', name: 'tract-tslab' };
/** What tslab 1.0.22 reports as language_info (nbclient writes it back after a run). */
export const LANGUAGE_INFO = {
  codemirror_mode: { mode: 'typescript', name: 'javascript', typescript: true },
  file_extension: '.ts',
  mimetype: 'text/typescript',
  name: 'typescript',
  version: '3.7.2',
};

export interface CellSpec {
  kind: 'markdown' | 'code';
  source: string;
}

const MARKER = /^\/\/ %%(?:\s+\[(\w+)\])?\s*$/;

/** Parses a percent-format cell file. */
export function parseCells(text: string, file = 'cells'): CellSpec[] {
  const cells: CellSpec[] = [];
  let cur: { kind: CellSpec['kind']; lines: string[] } | null = null;
  const flush = () => {
    if (!cur) return;
    const lines = [...cur.lines];
    while (lines.length && lines[0].trim() === '') lines.shift();
    while (lines.length && lines[lines.length - 1].trim() === '') lines.pop();
    cells.push({ kind: cur.kind, source: lines.join('\n') });
  };
  text
    .replace(/\r\n/g, '\n')
    .split('\n')
    .forEach((line, i) => {
      const m = MARKER.exec(line);
      if (m) {
        if (m[1] !== undefined && m[1] !== 'markdown' && m[1] !== 'md')
          throw new Error(`${file}:${i + 1}: unknown cell kind [${m[1]}] (markdown or none)`);
        flush();
        cur = { kind: m[1] ? 'markdown' : 'code', lines: [] };
        return;
      }
      if (!cur) return; // header comment
      if (cur.kind === 'markdown') {
        if (line.trim() === '') cur.lines.push('');
        else if (line.startsWith('// ') || line === '//') cur.lines.push(line.slice(3));
        else throw new Error(`${file}:${i + 1}: Markdown lines must start with '// '`);
      } else {
        cur.lines.push(line);
      }
    });
  flush();
  if (cells.length === 0) throw new Error(`${file}: no cells (start one with '// %%' or '// %% [markdown]')`);
  return cells;
}

/** Splits a source as nbformat stores it: lines, each but the last ending in a newline. */
function sourceLines(source: string): string[] {
  return source === '' ? [] : source.split(/(?<=\n)/);
}

/** An nbformat 4.5 notebook (plain JSON, keys in nbformat's sorted order). */
export function makeNotebook(cells: CellSpec[]): Record<string, unknown> {
  return {
    cells: cells.map((c, i) => {
      const id = createHash('sha1').update(`${i}\n${c.kind}\n${c.source}`).digest('hex').slice(0, 8);
      return c.kind === 'markdown'
        ? { cell_type: 'markdown', id, metadata: {}, source: sourceLines(c.source) }
        : { cell_type: 'code', execution_count: null, id, metadata: {}, outputs: [], source: sourceLines(c.source) };
    }),
    metadata: { kernelspec: KERNELSPEC, language_info: LANGUAGE_INFO },
    nbformat: 4,
    nbformat_minor: 5,
  };
}

/** The cells of a notebook as a percent-format file. */
export function toPercent(nb: { cells: { cell_type: string; source: string | string[] }[] }, header: string): string {
  const parts = [header.trimEnd()];
  for (const c of nb.cells) {
    const src = Array.isArray(c.source) ? c.source.join('') : c.source;
    if (c.cell_type === 'markdown')
      parts.push(
        `// %% [markdown]\n${src
          .split('\n')
          .map((l) => (l === '' ? '//' : `// ${l}`))
          .join('\n')}`,
      );
    else if (c.cell_type === 'code') parts.push(`// %%\n${src}`);
  }
  return `${parts.join('\n\n')}\n`;
}

function writeAtomic(file: string, text: string): void {
  mkdirSync(dirname(file), { recursive: true });
  const tmp = `${file}.tmp-${process.pid}`;
  writeFileSync(tmp, text);
  renameSync(tmp, file);
}

/** Cell file → notebooks/<name>.ipynb (next to the cells/ folder). */
export function buildNotebook(cellFile: string, out?: string): string {
  const target = out ?? join(dirname(dirname(cellFile)), `${basename(cellFile).replace(/\.ts$/, '')}.ipynb`);
  writeAtomic(
    target,
    `${JSON.stringify(makeNotebook(parseCells(readFileSync(cellFile, 'utf8'), cellFile)), null, 1)}\n`,
  );
  return target;
}

function main(argv: string[]): void {
  if (argv[0] === '--extract') {
    for (const nbFile of argv.slice(1)) {
      const nb = JSON.parse(readFileSync(nbFile, 'utf8'));
      const target = join(dirname(nbFile), 'cells', `${basename(nbFile).replace(/\.ipynb$/, '')}.ts`);
      writeAtomic(
        target,
        toPercent(nb, `// Cells of ${nbFile}: edit here, then npx tsx tools/make_notebook.ts ${target}`),
      );
      console.log(`${nbFile} → ${target}`);
    }
    return;
  }
  if (argv.length === 0 || argv[0].startsWith('-')) {
    console.error('usage: tsx tools/make_notebook.ts notebooks/cells/NAME.ts ... | --extract notebooks/NAME.ipynb ...');
    process.exit(2);
  }
  for (const f of argv) console.log(`${f} → ${buildNotebook(f)}`);
}

if (require.main === module) main(process.argv.slice(2));
