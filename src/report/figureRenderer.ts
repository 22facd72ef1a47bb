/**
 * One headless chromium page with plotly.js loaded, that renders figures to SVG, PNG and PDF
 * without Python's kaleido: `playwright-core` drives Debian's chromium (never a downloaded
 * browser), the page loads `plotly.js-dist-min` from node_modules (no network: every request is
 * aborted), and `Plotly.toImage` makes SVG and PNG; PDF is the page printed with the plot
 * rendered as SVG (vector, one page of the figure's size). SVG output is deterministic (see
 * `report/deterministicSvg.ts`).
 *
 * The browser: `TRACT_CHROMIUM`, else `/usr/bin/chromium` (`apt-get install -y chromium`).
 *
 * @module report/figureRenderer
 */
import { existsSync } from 'node:fs';
import type { Browser, Page } from 'playwright-core';
import { deterministicSvg } from './deterministicSvg';
import { DEFAULT_SIZE } from './figureStyle';
import type { Figure } from './plotly';

/** An export format. */
export type FigureFormat = 'svg' | 'png' | 'pdf';

/** Every export format, in the order files are written. */
export const FIGURE_FORMATS: readonly FigureFormat[] = ['svg', 'png', 'pdf'];

/** Chromium flags (headless, no sandbox, no GPU, nothing fetched in the background). */
export const CHROMIUM_ARGS: readonly string[] = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  '--no-first-run',
];

/** Where chromium is looked for when `TRACT_CHROMIUM` is not set. */
export const DEFAULT_CHROMIUM = '/usr/bin/chromium';

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
      `chromium not found at ${path}${fromEnv ? ' (from TRACT_CHROMIUM)' : ''}: ` +
        "install Debian's chromium with 'apt-get install -y chromium', " +
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
 * The figure as JSON for the page, each trace without a `uid` given `t<index>` (plotly would
 * draw a random one into the SVG's class names).
 */
function pageJson(fig: Figure): string {
  return JSON.stringify({ ...fig, data: fig.data.map((t, i) => ('uid' in t ? t : { ...t, uid: `t${i}` })) });
}

/**
 * One headless chromium page with plotly.js loaded. Calls are serialised (one rendering at a
 * time), so concurrent calls are safe. Close it with {@link FigureRenderer.close}, also when a
 * rendering failed: the browser process otherwise keeps node running.
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

  /** True once {@link close} has run, or when the browser went away (crashed or killed). */
  get isClosed(): boolean {
    return this.closed || !this.browser.isConnected();
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

  private async toImage(fig: Figure, format: 'svg' | 'png', opts: RenderOptions): Promise<string> {
    const { width, height } = this.size(fig, opts);
    const scale = format === 'png' ? (opts.scale ?? DEFAULT_PNG_SCALE) : 1;
    return this.run(() =>
      this.page.evaluate(
        ({ json, format, width, height, scale }) => {
          const Plotly = (globalThis as unknown as { Plotly: PagePlotly }).Plotly;
          return Plotly.toImage(JSON.parse(json), { format, width, height, scale, imageDataOnly: true });
        },
        { json: pageJson(fig), format, width, height, scale },
      ),
    );
  }

  /** The figure as an SVG document (text); the same figure always gives the same text. */
  async svg(fig: Figure, opts: RenderOptions = {}): Promise<string> {
    return deterministicSvg(await this.toImage(fig, 'svg', opts));
  }

  /** The figure as PNG bytes, `scale` device pixels per CSS pixel. */
  async png(fig: Figure, opts: RenderOptions = {}): Promise<Buffer> {
    return Buffer.from(await this.toImage(fig, 'png', opts), 'base64');
  }

  /** The figure as a one-page vector PDF of its size. */
  async pdf(fig: Figure, opts: RenderOptions = {}): Promise<Buffer> {
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
        { json: pageJson(fig), width, height },
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

  /**
   * Waits for the renderings in progress, then closes the browser (also when it already went
   * away). Calling it again does nothing.
   */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true; // no new renderings from here on
    await this.queue;
    await this.browser.close();
  }
}
