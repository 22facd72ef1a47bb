/**
 * Static export of plotly.js figures to SVG, PNG and PDF through headless chromium (the
 * rendering itself is `report/figureRenderer.ts`).
 *
 * Two ways in: {@link exportFigures} writes many figures with one browser that it closes; the
 * notebook helpers {@link figureToSvg}, {@link figureToPng} and {@link figureToPdf} share one
 * browser that closes itself after {@link FIGURE_BROWSER_IDLE_MS} without use (so a script that
 * forgets {@link closeFigureBrowser} still exits) and is started again on the next call. Every
 * failure rejects, and closes the browser it happened in.
 *
 * Measured on 2 shared cores (the 17 figures of results/default): 1-5 s to start the browser, then
 * about 50 ms per SVG, 0.1 s per PNG and 0.1 s per PDF.
 *
 * @example
 * ```ts
 * import { figureToPng, closeFigureBrowser } from './src/report/exportFigures';
 * const png = await figureToPng(fig); // Buffer, e.g. for a notebook's image/png output
 * await closeFigureBrowser();
 * ```
 * @module report/exportFigures
 */
import { accessSync, constants, existsSync, mkdirSync, statSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { writeFileAtomic } from '../io/atomic';
import { FIGURE_FORMATS, type FigureFormat, FigureRenderer, type RenderOptions } from './figureRenderer';
export {
  type ChromiumSource,
  chromiumChoice,
  chromiumExecutable,
  DEFAULT_CHROMIUM,
  DEFAULT_PNG_SCALE,
  missingLibraries,
  missingLibraryMessage,
  NPM_CHROMIUM,
} from './chromium';
import type { Figure, NamedFigure } from './plotly';

export { embedFigureFont, FIGURE_FONT_FAMILY, uncoveredCharacters } from './figureFont';
export {
  CHROMIUM_ARGS,
  FIGURE_FORMATS,
  type FigureFormat,
  FigureRenderer,
  plotlyBundlePath,
  type RenderOptions,
} from './figureRenderer';

/** The shared browser of the notebook helpers closes after this long without use. */
export const FIGURE_BROWSER_IDLE_MS = 5000;

/** Parses a comma-separated list of formats (`svg,png`); throws on an unknown one. */
export function parseFormats(text: string): FigureFormat[] {
  const formats = text
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean);
  const bad = formats.filter((f) => !(FIGURE_FORMATS as readonly string[]).includes(f));
  if (bad.length || formats.length === 0) {
    throw new RangeError(`unknown figure format(s) '${bad.join(',') || text}' (known: ${FIGURE_FORMATS.join(', ')})`);
  }
  return [...new Set(formats)] as FigureFormat[];
}

/**
 * Makes `dir` (and its parents) and checks that files can be written in it. Throws an error that
 * names the path when it is a file, lies under a file, or cannot be made or written.
 */
export function prepareOutputFolder(dir: string): void {
  if (existsSync(dir) && !statSync(dir).isDirectory()) {
    throw new Error(`figure output folder ${dir} is a file, not a folder`);
  }
  try {
    mkdirSync(dir, { recursive: true });
  } catch (err) {
    let above = dirname(resolve(dir));
    while (!existsSync(above) && dirname(above) !== above) above = dirname(above);
    const why = statSync(above).isDirectory() ? (err as Error).message : `${above} is a file, not a folder`;
    throw new Error(`cannot make the figure output folder ${dir}: ${why}`);
  }
  try {
    accessSync(dir, constants.W_OK | constants.X_OK);
  } catch {
    throw new Error(`figure output folder ${dir} is not writable`);
  }
}

/** Options of {@link exportFigures}. */
export interface ExportOptions {
  /** Default: svg, png and pdf. */
  formats?: readonly FigureFormat[];
  /** PNG scale (default {@link DEFAULT_PNG_SCALE}). */
  scale?: number;
  /** Called after each file is written. */
  onWrite?: (file: string) => void;
  /** Render with this renderer (left open) instead of starting and closing one. */
  renderer?: FigureRenderer;
}

/**
 * Writes each figure as `<outDir>/<name>.<format>` for every format, atomically (temporary file
 * and rename), with one browser for all of them. The names, the formats and the output folder are
 * checked before the browser starts; the browser it starts is closed on success and on failure.
 * @returns the paths written, in order
 */
export async function exportFigures(
  figures: NamedFigure[],
  outDir: string,
  opts: ExportOptions = {},
): Promise<string[]> {
  const formats = opts.formats ?? FIGURE_FORMATS;
  for (const f of formats) {
    if (!FIGURE_FORMATS.includes(f)) {
      throw new RangeError(`unknown figure format '${f}' (known: ${FIGURE_FORMATS.join(', ')})`);
    }
  }
  const names = new Set<string>();
  for (const { name } of figures) {
    if (!/^[A-Za-z0-9._-]+$/.test(name))
      throw new Error(`figure name '${name}' is not a safe file name ([A-Za-z0-9._-]+)`);
    if (names.has(name)) throw new Error(`two figures are named '${name}'`);
    names.add(name);
  }
  prepareOutputFolder(outDir);
  const renderer = opts.renderer ?? (await FigureRenderer.launch());
  const written: string[] = [];
  let failed = true;
  try {
    for (const { name, figure } of figures) {
      for (const format of formats) {
        const file = join(outDir, `${name}.${format}`);
        writeFileAtomic(file, await renderer.render(figure, format, { scale: opts.scale }));
        written.push(file);
        opts.onWrite?.(file);
      }
    }
    failed = false;
  } finally {
    // after a failure, that failure is the error to report, not one of closing
    if (!opts.renderer) await renderer.close().catch((err) => (failed ? undefined : Promise.reject(err)));
  }
  return written;
}

// ---------------------------------------------------------------------------------------------
// The shared browser of the notebook helpers

let shared: Promise<FigureRenderer> | null = null;
let active = 0;
let idleTimer: ReturnType<typeof setTimeout> | null = null;

/**
 * Runs `fn` with the shared renderer (started on first use). When the last call in progress ends,
 * the browser closes after {@link FIGURE_BROWSER_IDLE_MS}, or at once when that call failed (a
 * failed rendering may leave the page broken; the next call starts a fresh browser).
 */
async function withShared<T>(fn: (r: FigureRenderer) => Promise<T>): Promise<T> {
  if (idleTimer) clearTimeout(idleTimer);
  idleTimer = null;
  active++;
  let failed = true;
  try {
    shared ??= FigureRenderer.launch();
    const launching = shared;
    let renderer: FigureRenderer;
    try {
      renderer = await launching;
    } catch (err) {
      if (shared === launching) shared = null; // the next call tries again
      throw err;
    }
    const result = await fn(renderer);
    failed = false;
    return result;
  } finally {
    active--;
    if (active === 0 && shared) {
      if (failed) await closeFigureBrowser().catch(() => undefined);
      else {
        idleTimer = setTimeout(() => void closeFigureBrowser(), FIGURE_BROWSER_IDLE_MS);
        idleTimer.unref();
      }
    }
  }
}

/** The figure as SVG text, rendered by the shared browser (started on first use). */
export function figureToSvg(fig: Figure, opts: RenderOptions = {}): Promise<string> {
  return withShared((r) => r.svg(fig, opts));
}

/** The figure as PNG bytes, rendered by the shared browser (started on first use). */
export function figureToPng(fig: Figure, opts: RenderOptions = {}): Promise<Buffer> {
  return withShared((r) => r.png(fig, opts));
}

/** The figure as a vector PDF, rendered by the shared browser (started on first use). */
export function figureToPdf(fig: Figure, opts: RenderOptions = {}): Promise<Buffer> {
  return withShared((r) => r.pdf(fig, opts));
}

/** Closes the shared browser of the notebook helpers now (no-op when none is open). */
export async function closeFigureBrowser(): Promise<void> {
  if (idleTimer) clearTimeout(idleTimer);
  idleTimer = null;
  const launching = shared;
  shared = null;
  if (!launching) return;
  const renderer = await launching.catch(() => null);
  await renderer?.close();
}
