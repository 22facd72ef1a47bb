/**
 * The font of exported figures, shipped from npm so that exports do not depend on the fonts of the
 * machine: Arimo (metric-compatible with Arial, SIL OFL 1.1) from `@fontsource/arimo`, as WOFF2
 * files split into Unicode subsets. The renderer (`report/figureRenderer.ts`) loads it into its
 * page and draws every text of a figure in it; SVG exports carry the subsets they use as
 * `@font-face` data URIs, so that they look the same in any viewer.
 *
 * @module report/figureFont
 */
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';

/** The family name every figure text is drawn in. */
export const FIGURE_FONT_FAMILY = 'Arimo';

/** The npm package that ships the font. */
export const FIGURE_FONT_PACKAGE = '@fontsource/arimo';

/** The subsets loaded (they cover Latin, Latin Extended and Greek, e.g. λ, ±, ×, −, …). */
const SUBSETS = ['latin', 'latin-ext', 'greek'] as const;
/** Regular and bold. */
const WEIGHTS = [400, 700] as const;

/** One WOFF2 file of the font: a subset at a weight. */
interface FontFile {
  subset: string;
  weight: number;
  /** CSS `unicode-range` of the subset. */
  unicodeRange: string;
  /** The code point ranges of `unicodeRange`, inclusive. */
  ranges: [number, number][];
  file: string;
}

let files: FontFile[] | null = null;
const dataCache = new Map<string, string>();

/** Parses a CSS `unicode-range` (`U+0000-00FF,U+0131`) into inclusive code point ranges. */
export function parseUnicodeRange(text: string): [number, number][] {
  return text.split(',').map((part) => {
    const m = /^\s*U\+([0-9A-Fa-f]+)(?:-([0-9A-Fa-f]+))?\s*$/.exec(part);
    if (!m) throw new Error(`bad unicode-range part '${part}'`);
    return [Number.parseInt(m[1], 16), Number.parseInt(m[2] ?? m[1], 16)];
  });
}

/** The font files, read from the installed package (throws naming the package when it is missing). */
function fontFiles(): FontFile[] {
  if (files) return files;
  let dir: string;
  try {
    dir = dirname(require.resolve(`${FIGURE_FONT_PACKAGE}/package.json`));
  } catch {
    throw new Error(`the figure font package ${FIGURE_FONT_PACKAGE} is not installed: run 'npm install'`);
  }
  const ranges = JSON.parse(readFileSync(join(dir, 'unicode.json'), 'utf8')) as Record<string, string>;
  files = SUBSETS.flatMap((subset) =>
    WEIGHTS.map((weight) => ({
      subset,
      weight,
      unicodeRange: ranges[subset],
      ranges: parseUnicodeRange(ranges[subset]),
      file: join(dir, 'files', `arimo-${subset}-${weight}-normal.woff2`),
    })),
  );
  return files;
}

function covers(f: FontFile, cp: number): boolean {
  return f.ranges.some(([lo, hi]) => cp >= lo && cp <= hi);
}

/** The `@font-face` rule of one file, its data as a base64 data URI. */
function fontFace(f: FontFile): string {
  let data = dataCache.get(f.file);
  if (data === undefined) {
    data = readFileSync(f.file).toString('base64');
    dataCache.set(f.file, data);
  }
  return (
    `@font-face{font-family:"${FIGURE_FONT_FAMILY}";font-style:normal;font-weight:${f.weight};` +
    `src:url(data:font/woff2;base64,${data}) format("woff2");unicode-range:${f.unicodeRange};}`
  );
}

/**
 * CSS `@font-face` rules of the figure font. Without `text`: every subset and weight (what the
 * renderer's page loads). With `text`: only the subsets that draw one of its characters, regular,
 * and bold too when `bold` is set.
 */
export function figureFontCss(text?: string, bold = false): string {
  const all = fontFiles();
  if (text === undefined) return all.map(fontFace).join('\n');
  const cps = [...new Set([...text].map((c) => c.codePointAt(0)!))];
  return all
    .filter((f) => (f.weight === 400 || bold) && cps.some((cp) => covers(f, cp)))
    .map(fontFace)
    .join('\n');
}

/**
 * The characters of `text` that the figure font cannot draw (a viewer or browser would fall back
 * to a font of its machine), each once, in order of appearance. Control characters are ignored.
 */
export function uncoveredCharacters(text: string): string[] {
  const all = fontFiles();
  const out = new Set<string>();
  for (const c of text) {
    const cp = c.codePointAt(0)!;
    if (cp < 0x20 || (cp >= 0x7f && cp < 0xa0)) continue;
    if (!all.some((f) => covers(f, cp))) out.add(c);
  }
  return [...out];
}

/** `'→' (U+2192)` for a message. */
export function describeCharacter(c: string): string {
  return `'${c}' (U+${c.codePointAt(0)!.toString(16).toUpperCase().padStart(4, '0')})`;
}

/**
 * The SVG with a `<style>` of the `@font-face` rules its text needs, as the first child of its root
 * element (data URIs: the SVG stays one self-contained file). Deterministic: the same SVG gives the
 * same bytes.
 */
export function embedFigureFont(svg: string): string {
  const open = /<svg\b[^>]*>/.exec(svg);
  if (!open) throw new Error('embedFigureFont: no <svg> element');
  const text = svg.replace(/<[^>]*>/g, '');
  const bold = /font-weight:\s*(?:bold|[6-9]00)|font-weight="(?:bold|[6-9]00)"|<b>/.test(svg);
  const css = figureFontCss(text, bold);
  if (!css) return svg;
  const at = open.index + open[0].length;
  return `${svg.slice(0, at)}<style>${css}</style>${svg.slice(at)}`;
}
