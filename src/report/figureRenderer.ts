/**
 * One headless chromium page with plotly.js loaded, that renders figures to SVG, PNG and PDF
 * without Python's kaleido: `playwright-core` drives a chromium that is never downloaded at run
 * time, the page loads `plotly.js-dist-min` from node_modules (no network: every request is
 * aborted), and every text is drawn in the font shipped from npm (`report/figureFont.ts`), so that
 * exports are the same on every machine. `Plotly.toImage` makes SVG (with the font embedded);
 * PNG is a screenshot of the plot; PDF is the page printed with the plot rendered as SVG (vector,
 * one page of the figure's size). SVG output is deterministic (see `report/deterministicSvg.ts`).
 *
 * The browser, first found: `TRACT_CHROMIUM`; Debian's `/usr/bin/chromium`
 * (`apt-get install -y chromium`) unless `TRACT_NO_SYSTEM_CHROMIUM=1`; else the Chromium that the
 * npm package `@sparticuz/chromium` ships (unpacked into the temporary folder on first use, about
 * 3 s). See {@link chromiumChoice}.
 *
 * @module report/figureRenderer
 */
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { deterministicSvg } from './deterministicSvg';
import {
  describeCharacter,
  embedFigureFont,
  FIGURE_FONT_FAMILY,
  FIGURE_FONT_PACKAGE,
  figureFontCss,
  uncoveredCharacters,
} from './figureFont';
import { DEFAULT_SIZE } from './figureStyle';
import { DEFAULT_PNG_SCALE, chromiumExecutable, missingLibraryMessage } from './chromium';

import type { Figure } from './plotly';

/** An export format. */
export type FigureFormat = 'svg' | 'png' | 'pdf';

/** Every export format, in the order files are written. */
export const FIGURE_FORMATS: readonly FigureFormat[] = ['svg', 'png', 'pdf'];

/**
 * Chromium flags (headless, no sandbox, no GPU, nothing fetched in the background, unhinted text so
 * that text widths do not depend on the machine's fontconfig).
 */
export const CHROMIUM_ARGS: readonly string[] = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  '--no-first-run',
  '--font-render-hinting=none',
];

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

/** The page: no margins, the figure font loaded as `@font-face` data URIs. */
function pageHtml(): string {
  return `<!doctype html><html><head><meta charset="utf-8"><style>
@page { margin: 0; }
html, body { margin: 0; padding: 0; background: #ffffff; overflow: hidden; }
${figureFontCss()}
</style></head><body><div id="fig"></div></body></html>`;
}

/** What the page's global Plotly offers (the subset used here). */
interface PagePlotly {
  toImage(fig: unknown, opts: Record<string, unknown>): Promise<string>;
  newPlot(id: string, data: unknown, layout: unknown, config: unknown): Promise<unknown>;
  purge(id: string): void;
}

/** Keys whose strings are never drawn in a static export (hover text, ids, data for callbacks). */
const UNDRAWN_KEY = /^(hover|uid$|meta$|customdata$|ids$|family$)/;

/** Every string of the figure that a static export may draw (an over-approximation). */
function drawnStrings(value: unknown, out: string[] = []): string[] {
  if (typeof value === 'string') out.push(value);
  else if (Array.isArray(value)) for (const v of value) drawnStrings(v, out);
  else if (value && typeof value === 'object') {
    for (const [k, v] of Object.entries(value)) if (!UNDRAWN_KEY.test(k)) drawnStrings(v, out);
  }
  return out;
}

/** A copy of `value` with the family of every font (`font`, `tickfont`, `textfont`, …) the figure font. */
function withFigureFont(value: unknown, key = ''): unknown {
  if (Array.isArray(value)) return value.map((v) => withFigureFont(v));
  if (!value || typeof value !== 'object') return value;
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(value)) out[k] = withFigureFont(v, k);
  if (/font$/i.test(key)) out.family = FIGURE_FONT_FAMILY;
  return out;
}

/**
 * The figure as JSON for the page: every font the figure font, and each trace without a `uid`
 * given `t<index>` (plotly would draw a random one into the SVG's class names). Throws when a text
 * has a character the figure font lacks (it would be drawn in a font of this machine).
 */
function pageJson(fig: Figure): string {
  const bad = uncoveredCharacters(drawnStrings(fig).join('\n'));
  if (bad.length) {
    throw new RangeError(
      `figure text has characters the figure font ${FIGURE_FONT_FAMILY} (${FIGURE_FONT_PACKAGE}) lacks: ` +
        `${bad.map(describeCharacter).join(', ')}; exports would depend on this machine's fonts`,
    );
  }
  const data = fig.data.map((t, i) => withFigureFont('uid' in t ? t : { ...t, uid: `t${i}` }));
  const layout = withFigureFont(fig.layout) as Record<string, unknown>;
  const font = (layout.font ?? {}) as Record<string, unknown>;
  return JSON.stringify({ ...fig, data, layout: { ...layout, font: { ...font, family: FIGURE_FONT_FAMILY } } });
}

/** Sets up a page of `context`: no network, the page with its font loaded, plotly.js. */
async function preparePage(context: BrowserContext): Promise<Page> {
  await context.route('**/*', (route) => route.abort()); // no network: plotly.js comes from node_modules
  const page = await context.newPage();
  await page.setContent(pageHtml());
  await page.addScriptTag({ path: plotlyBundlePath() });
  const ok = await page.evaluate(async () => {
    // load every face now: text measured before a face has loaded would be measured in another font
    const fonts = (globalThis as unknown as { document: { fonts: Iterable<{ load(): Promise<unknown> }> } }).document
      .fonts;
    await Promise.all([...fonts].map((f) => f.load()));
    return typeof (globalThis as unknown as { Plotly?: unknown }).Plotly === 'object';
  });
  if (!ok) throw new Error(`plotly.js did not load from ${plotlyBundlePath()}`);
  return page;
}

/** Renders the figure (as JSON) into the page's `#fig` as a static plot of the given size. */
async function plotInPage(page: Page, json: string, width: number, height: number): Promise<void> {
  await page.setViewportSize({ width, height });
  await page.evaluate(
    async ({ json, width, height }) => {
      const Plotly = (globalThis as unknown as { Plotly: PagePlotly }).Plotly;
      const f = JSON.parse(json) as { data: unknown; layout: Record<string, unknown> };
      Plotly.purge('fig');
      await Plotly.newPlot('fig', f.data, { ...f.layout, width, height }, { staticPlot: true });
    },
    { json, width, height },
  );
}

/**
 * One headless chromium page with plotly.js loaded (and one more per PNG scale). Calls are
 * serialised (one rendering at a time), so concurrent calls are safe. Close it with
 * {@link FigureRenderer.close}, also when a rendering failed: the browser process otherwise keeps
 * node running.
 */
export class FigureRenderer {
  private queue: Promise<unknown> = Promise.resolve();
  private closed = false;
  /** Pages whose device scale factor is the key (1 is the page given at launch). */
  private readonly scaled = new Map<number, Promise<Page>>();

  private constructor(
    private readonly browser: Browser,
    private readonly page: Page,
    /** The chromium executable. */
    readonly executablePath: string,
  ) {
    this.scaled.set(1, Promise.resolve(page));
  }

  /**
   * Starts chromium (see {@link chromiumExecutable}) and loads plotly.js and the figure font into a
   * blank page. When chromium cannot start for want of a system library, the error names it.
   */
  static async launch(): Promise<FigureRenderer> {
    const executablePath = await chromiumExecutable();
    // loaded here, not at import: it takes about 0.5 s and only exports need it
    const { chromium } = require('playwright-core') as typeof import('playwright-core');
    let browser: Browser;
    try {
      browser = await chromium.launch({ executablePath, args: [...CHROMIUM_ARGS], headless: true });
    } catch (err) {
      const message = (err as Error).message;
      const missing = missingLibraryMessage(executablePath, message);
      throw new Error(`could not start chromium at ${executablePath}: ${missing ?? message.split('\n')[0]}`);
    }
    try {
      const page = await preparePage(await browser.newContext());
      return new FigureRenderer(browser, page, executablePath);
    } catch (err) {
      await browser.close().catch(() => undefined);
      throw err;
    }
  }

  /** The page whose device pixels per CSS pixel are `scale` (made on first use). */
  private pageAt(scale: number): Promise<Page> {
    let page = this.scaled.get(scale);
    if (!page) {
      page = this.browser.newContext({ deviceScaleFactor: scale }).then(preparePage);
      this.scaled.set(scale, page);
      page.catch(() => this.scaled.delete(scale));
    }
    return page;
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

  /** The figure as an SVG document (text), the font embedded; the same figure always gives the same text. */
  async svg(fig: Figure, opts: RenderOptions = {}): Promise<string> {
    const { width, height } = this.size(fig, opts);
    const json = pageJson(fig);
    const svg = await this.run(() =>
      this.page.evaluate(
        ({ json, width, height }) => {
          const Plotly = (globalThis as unknown as { Plotly: PagePlotly }).Plotly;
          return Plotly.toImage(JSON.parse(json), { format: 'svg', width, height, scale: 1, imageDataOnly: true });
        },
        { json, width, height },
      ),
    );
    return embedFigureFont(deterministicSvg(svg));
  }

  /**
   * The figure as PNG bytes, `scale` device pixels per CSS pixel: a screenshot of the plot (drawn
   * in the page, where the figure font is loaded; plotly's own PNG export draws its SVG as an image,
   * which cannot use the page's fonts).
   */
  async png(fig: Figure, opts: RenderOptions = {}): Promise<Buffer> {
    const { width, height } = this.size(fig, opts);
    const scale = opts.scale ?? DEFAULT_PNG_SCALE;
    if (!(scale > 0)) throw new RangeError(`PNG scale must be positive, got ${scale}`);
    const json = pageJson(fig);
    return this.run(async () => {
      const page = await this.pageAt(scale);
      await plotInPage(page, json, width, height);
      return page.screenshot({ type: 'png', clip: { x: 0, y: 0, width, height }, animations: 'disabled' });
    });
  }

  /** The figure as a one-page vector PDF of its size. */
  async pdf(fig: Figure, opts: RenderOptions = {}): Promise<Buffer> {
    const { width, height } = this.size(fig, opts);
    const json = pageJson(fig);
    return this.run(async () => {
      await plotInPage(this.page, json, width, height);
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
