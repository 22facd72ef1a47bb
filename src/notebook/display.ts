/**
 * Rich output in a notebook: Markdown, tables and plotly figures through tslab's display when this
 * process is a tslab kernel, plain text on the console otherwise. tslab is a devDependency: it is
 * required lazily, only when a tslab kernel is running.
 *
 * @module notebook/display
 */
import type { Table } from '../results/formats';
import { figureToPng } from '../report/exportFigures';
import type { Figure } from '../report/figures';
import { toMarkdown } from '../report/tables';
import { markdownToHtml } from './markdownHtml';

/** The part of tslab's `display` used here. */
interface TslabDisplay {
  markdown(s: string): void;
  html(s: string): void;
  raw(contentType: string, b: unknown): void;
}

/** tslab's `display` when this process is a tslab kernel, else null (tslab is not loaded outside one). */
function tslabDisplay(): TslabDisplay | null {
  const inKernel = Object.keys(require.cache).some((k) => /[\\/]tslab[\\/]dist[\\/]jupyter\.js$/.test(k));
  if (!inKernel) return null;
  try {
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    return (require('tslab') as { display: TslabDisplay }).display;
  } catch {
    return null;
  }
}

/** Whether this code runs in a tslab kernel (rich output available). */
export function inNotebook(): boolean {
  return tslabDisplay() !== null;
}

/**
 * Shows Markdown: in a notebook ONE output carrying `text/markdown` and its `text/html` twin (classic
 * Notebook shows no Markdown output until the notebook is trusted; HTML it shows), printed as text
 * elsewhere.
 */
export function showMarkdown(md: string): void {
  const d = tslabDisplay();
  if (d) {
    try {
      const write = tslabWriteDisplayData();
      if (write) {
        write({ data: { 'text/markdown': md, 'text/html': markdownToHtml(md) }, metadata: {}, transient: {} }, false);
      } else d.markdown(md);
      return;
    } catch {
      // not ready (outside a cell): print it
    }
  }
  console.log(md);
}

/** Shows a table (a {@link Table}, or Markdown text such as `SuiteResults.table`). */
export function showTable(table: Table | string): void {
  showMarkdown(typeof table === 'string' ? table : toMarkdown(table));
}

/** tslab's display writer (internal to tslab 1.0.22), for one output with several MIME types; null outside a kernel. */
function tslabWriteDisplayData():
  | ((
      data: { data: Record<string, unknown>; metadata: Record<string, unknown>; transient: Record<string, unknown> },
      update: boolean,
    ) => void)
  | null {
  if (!tslabDisplay()) return null;
  try {
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    return (
      (require('tslab/dist/jupyter') as { lastWriteDisplayData: ReturnType<typeof tslabWriteDisplayData> })
        .lastWriteDisplayData ?? null
    );
  } catch {
    return null;
  }
}

/**
 * Shows a plotly.js figure (`{data, layout}`, e.g. from `report/figures.ts`): in a notebook, ONE output
 * carrying the `application/vnd.plotly.v1+json` figure (interactive in JupyterLab and VS Code) and a
 * PNG of it (what static viewers such as GitHub, nbviewer, or classic Notebook without the plotly
 * extension show), rendered through Chromium by `report/exportFigures.ts`. With `png: false` only the
 * plotly figure is shown. When the PNG cannot be made, the figure is shown without it and the reason
 * is printed to stderr; with `TRACT_REQUIRE_PNG=1` (set by `npm run notebooks`) it is an error, so a
 * notebook saved by `notebooks:write` never silently lacks its static figures. Outside a kernel it
 * prints the title and trace names.
 */
export async function showFigure(
  fig: { data: unknown[]; layout: Record<string, unknown> },
  opts: { png?: boolean } = {},
): Promise<void> {
  const d = tslabDisplay();
  if (d) {
    let png: string | null = null;
    if (opts.png !== false) {
      try {
        png = (await figureToPng(fig as Figure, { scale: 1 })).toString('base64');
      } catch (err) {
        const why = (err as Error).message;
        if (process.env.TRACT_REQUIRE_PNG === '1') {
          throw new Error(`the PNG fallback of the figure failed (TRACT_REQUIRE_PNG=1): ${why}`);
        }
        console.error(`showFigure: no PNG fallback, only the interactive figure: ${why}`);
        png = null;
      }
    }
    const write = tslabWriteDisplayData();
    try {
      if (write && png)
        write(
          { data: { 'application/vnd.plotly.v1+json': fig, 'image/png': png }, metadata: {}, transient: {} },
          false,
        );
      else d.raw('application/vnd.plotly.v1+json', fig);
      return;
    } catch {
      // fall through
    }
  }
  const title = fig.layout.title as { text?: string } | string | undefined;
  const names = fig.data.map((t) => (t as { name?: string }).name ?? '?');
  console.log(`[figure] ${typeof title === 'string' ? title : (title?.text ?? '')} (${names.join(', ')})`);
}
