/**
 * Static export of plotly.js figures to SVG, PNG and PDF without Python's kaleido:
 * `playwright-core` drives Debian's chromium (never a downloaded browser), the page loads
 * `plotly.js-dist-min` from node_modules (no network: every request is aborted), and
 * `Plotly.toImage` makes SVG and PNG; PDF is the page printed with the plot rendered as SVG
 * (vector, one page of the figure's size).
 *
 * Two ways in: {@link exportFigures} writes many figures with one browser that it closes; the
 * notebook helpers {@link figureToSvg}, {@link figureToPng} and {@link figureToPdf} share one
 * browser that closes itself after {@link FIGURE_BROWSER_IDLE_MS} without use (so a script that
 * forgets {@link closeFigureBrowser} still exits) and is started again on the next call.
 *
 * The browser: `TRACT_CHROMIUM`, else `/usr/bin/chromium` (`apt-get install -y chromium`).
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
import { existsSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { writeFileAtomic } from '../io/atomic';
import { DEFAULT_SIZE, type Figure, type NamedFigure } from './figures';

/** An export format. */
export type FigureFormat = 'svg' | 'png' | 'pdf';

/** Every export format, in the order files are written. */
export const FIGURE_FORMATS: readonly FigureFormat[] = ['svg', 'png', 'pdf'];

/** Chromium flags (shared/docs/stack.md, "Figures"). */
export const CHROMIUM_ARGS: readonly string[] = [
  '--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run',
];

/** Where chromium is looked for when `TRACT_CHROMIUM` is not set. */
export const DEFAULT_CHROMIUM = '/usr/bin/chromium';

/** The shared browser of the notebook helpers closes after this long without use. */
export const FIGURE_BROWSER_IDLE_MS = 5000;

/** Default PNG scale: a 600×400 figure becomes 1200×800 pixels. */
export const DEFAULT_PNG_SCALE = 2;

/**
 * The chromium executable: `env.TRACT_CHROMIUM`, else {@link DEFAULT_CHROMIUM}. Throws, naming
 * the path and the install command, when it does not exist.
 */
export function chromiumExecutable(env: Record<string, string | undefined> = process.env): string {
  const fromEnv = env.TRACT_CHROMIUM;
  const path = fromEnv || DEFAULT_CHROMIUM;
  if (!existsSync(path)) {
    throw new Error(
      `chromium not found at ${path}${fromEnv ? ' (from TRACT_CHROMIUM)' : ''}: install Debian's chromium with 'apt-get install -y chromium', ` +
        'or set TRACT_CHROMIUM to a chromium executable (no browser is ever downloaded)',
    );
  }
  return path;
}

/** The file of the plotly.js bundle loaded into the page. */
export function plotlyBundlePath(): string {
  return require.resolve('plotly.js-dist-min');
}

/** Size and resolution of one rendering. */
export interface RenderOptions {
  /** CSS pixels (default: the figure's layout.width, else 600). */
  width?: number;
  /** CSS pixels (default: the figure's layout.height, else 400). */
  height?: number;
  /** PNG only: device pixels per CSS pixel (default {@link DEFAULT_PNG_SCALE}). */
  scale?: number;
}

const PAGE = `<!doctype html><html><head><meta charset="utf-8"><style>
@page { margin: 0; }
html, body { margin: 0; padding: 0; background: #ffffff; overflow: hidden; }
</style></head><body><div id="fig"></div></body></html>`;

/** What the page's global Plotly offers (the subset used here). */
interface PagePlotly {
  toImage(fig: unknown, opts: Record<string, unknown>): Promise<string>;
  newPlot(id: string, data: unknown, layout: unknown, config: unknown): Promise<unknown>;
  purge(id: string): void;
}

/**
 * One headless chromium page with plotly.js loaded. Calls are serialised (one rendering at a
 * time), so concurrent calls are safe.
 */
export class FigureRenderer {
  private queue: Promise<unknown> = Promise.resolve();
  private closed = false;

  private constructor(
    private readonly browser: Browser,
    private readonly page: Page,
  ) {}

  /** Starts chromium (see {@link chromiumExecutable}) and loads plotly.js into a blank page. */
  static async launch(): Promise<FigureRenderer> {
    const executablePath = chromiumExecutable();
    // loaded here, not at import: it takes about 0.5 s and only exports need it
    const { chromium } = require('playwright-core') as typeof import('playwright-core');
    let browser: Browser;
    try {
      browser = await chromium.launch({ executablePath, args: [...CHROMIUM_ARGS], headless: true });
    } catch (err) {
      throw new Error(`could not start chromium at ${executablePath}: ${(err as Error).message.split('\n')[0]}`);
    }
    try {
      const context = await browser.newContext();
      await context.route('**/*', (route) => route.abort()); // no network: plotly.js comes from node_modules
      const page = await context.newPage();
      await page.setContent(PAGE);
      await page.addScriptTag({ path: plotlyBundlePath() });
      const ok = await page.evaluate(() => typeof (globalThis as unknown as { Plotly?: unknown }).Plotly === 'object');
      if (!ok) throw new Error(`plotly.js did not load from ${plotlyBundlePath()}`);
      return new FigureRenderer(browser, page);
    } catch (err) {
      await browser.close().catch(() => undefined);
      throw err;
    }
  }

  private run<T>(fn: () => Promise<T>): Promise<T> {
    if (this.closed) return Promise.reject(new Error('FigureRenderer: already closed'));
    const p = this.queue.then(fn);
    this.queue = p.catch(() => undefined);
    return p;
  }

  private size(fig: Figure, opts: RenderOptions): { width: number; height: number } {
    const width = opts.width ?? fig.layout.width ?? DEFAULT_SIZE.width;
    const height = opts.height ?? fig.layout.height ?? DEFAULT_SIZE.height;
    if (!(width > 0 && height > 0)) throw new RangeError(`figure size must be positive, got ${width}×${height}`);
    return { width, height };
  }

  private toImage(fig: Figure, format: 'svg' | 'png', opts: RenderOptions): Promise<string> {
    const { width, height } = this.size(fig, opts);
    const scale = format === 'png' ? (opts.scale ?? DEFAULT_PNG_SCALE) : 1;
    return this.run(() =>
      this.page.evaluate(
        ({ json, format, width, height, scale }) => {
          const Plotly = (globalThis as unknown as { Plotly: PagePlotly }).Plotly;
          return Plotly.toImage(JSON.parse(json), { format, width, height, scale, imageDataOnly: true });
        },
        { json: JSON.stringify(fig), format, width, height, scale },
      ),
    );
  }

  /** The figure as an SVG document (text). */
  svg(fig: Figure, opts: RenderOptions = {}): Promise<string> {
    return this.toImage(fig, 'svg', opts);
  }

  /** The figure as PNG bytes, `scale` device pixels per CSS pixel. */
  async png(fig: Figure, opts: RenderOptions = {}): Promise<Buffer> {
    return Buffer.from(await this.toImage(fig, 'png', opts), 'base64');
  }

  /** The figure as a one-page vector PDF of its size. */
  pdf(fig: Figure, opts: RenderOptions = {}): Promise<Buffer> {
    const { width, height } = this.size(fig, opts);
    return this.run(async () => {
      await this.page.setViewportSize({ width, height });
      await this.page.evaluate(
        async ({ json, width, height }) => {
          const Plotly = (globalThis as unknown as { Plotly: PagePlotly }).Plotly;
          const f = JSON.parse(json) as { data: unknown; layout: Record<string, unknown> };
          Plotly.purge('fig');
          await Plotly.newPlot('fig', f.data, { ...f.layout, width, height }, { staticPlot: true });
        },
        { json: JSON.stringify(fig), width, height },
      );
      return this.page.pdf({ width: `${width}px`, height: `${height}px`, printBackground: true, pageRanges: '1' });
    });
  }

  /** The figure in `format`: SVG as UTF-8 bytes, PNG, or PDF. */
  async render(fig: Figure, format: FigureFormat, opts: RenderOptions = {}): Promise<Buffer> {
    if (format === 'svg') return Buffer.from(await this.svg(fig, opts), 'utf8');
    if (format === 'png') return this.png(fig, opts);
    if (format === 'pdf') return this.pdf(fig, opts);
    throw new RangeError(`unknown figure format '${String(format)}' (known: ${FIGURE_FORMATS.join(', ')})`);
  }

  /** Waits for the renderings in progress, then closes the browser. */
  async close(): Promise<void> {
    if (this.closed) return;
    await this.queue;
    this.closed = true;
    await this.browser.close();
  }
}

/** Parses a comma-separated list of formats (`svg,png`); throws on an unknown one. */
export function parseFormats(text: string): FigureFormat[] {
  const formats = text.split(',').map((s) => s.trim()).filter(Boolean);
  const bad = formats.filter((f) => !(FIGURE_FORMATS as readonly string[]).includes(f));
  if (bad.length || formats.length === 0) throw new RangeError(`unknown figure format(s) '${bad.join(',') || text}' (known: ${FIGURE_FORMATS.join(', ')})`);
  return [...new Set(formats)] as FigureFormat[];
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
 * and rename), with one browser for all of them.
 * @returns the paths written, in order
 */
export async function exportFigures(figures: NamedFigure[], outDir: string, opts: ExportOptions = {}): Promise<string[]> {
  const formats = opts.formats ?? FIGURE_FORMATS;
  for (const f of formats) if (!FIGURE_FORMATS.includes(f)) throw new RangeError(`unknown figure format '${f}' (known: ${FIGURE_FORMATS.join(', ')})`);
  const names = new Set<string>();
  for (const { name } of figures) {
    if (!/^[A-Za-z0-9._-]+$/.test(name)) throw new Error(`figure name '${name}' is not a safe file name ([A-Za-z0-9._-]+)`);
    if (names.has(name)) throw new Error(`two figures are named '${name}'`);
    names.add(name);
  }
  const renderer = opts.renderer ?? (await FigureRenderer.launch());
  mkdirSync(outDir, { recursive: true });
  const written: string[] = [];
  try {
    for (const { name, figure } of figures) {
      for (const format of formats) {
        const file = join(outDir, `${name}.${format}`);
        writeFileAtomic(file, await renderer.render(figure, format, { scale: opts.scale }));
        written.push(file);
        opts.onWrite?.(file);
      }
    }
  } finally {
    if (!opts.renderer) await renderer.close();
  }
  return written;
}

// ---------------------------------------------------------------------------------------------
// The shared browser of the notebook helpers

let shared: Promise<FigureRenderer> | null = null;
let active = 0;
let idleTimer: ReturnType<typeof setTimeout> | null = null;

async function withShared<T>(fn: (r: FigureRenderer) => Promise<T>): Promise<T> {
  if (idleTimer) clearTimeout(idleTimer);
  idleTimer = null;
  active++;
  try {
    const launching = (shared ??= FigureRenderer.launch());
    let renderer: FigureRenderer;
    try {
      renderer = await launching;
    } catch (err) {
      if (shared === launching) shared = null; // the next call tries again
      throw err;
    }
    return await fn(renderer);
  } finally {
    active--;
    if (active === 0 && shared) {
      idleTimer = setTimeout(() => void closeFigureBrowser(), FIGURE_BROWSER_IDLE_MS);
      idleTimer.unref();
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
