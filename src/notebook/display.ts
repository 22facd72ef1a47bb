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

/** Shows Markdown: rendered in a notebook, printed as text elsewhere. */
export function showMarkdown(md: string): void {
  const d = tslabDisplay();
  if (d) {
    try {
      d.markdown(md);
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
 * extension show), rendered through Chromium by `report/exportFigures.ts`. Without Chromium (or with
 * `png: false`) only the plotly figure is shown. Outside a kernel it prints the title and trace names.
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
      } catch {
        png = null; // no browser here: the interactive figure alone
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
