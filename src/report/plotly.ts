/**
 * The plotly.js figure spec that the figure builders of `report/figures.ts` return: plain JSON
 * `{data, layout}` objects, typed only as far as the builders use them.
 *
 * @module report/plotly
 */

/** One plotly.js trace (only what these figures use is typed; any other attribute is allowed). */
export interface PlotlyTrace {
  type: 'bar' | 'scatter';
  name?: string;
  x: (number | string)[];
  y: (number | null)[];
  [attribute: string]: unknown;
}

/** A plotly.js layout (title and size typed; any other attribute is allowed). */
export interface PlotlyLayout {
  title?: { text: string; [attribute: string]: unknown };
  /** Size in CSS pixels; the exporter renders at this size (PNG: times its scale). */
  width?: number;
  height?: number;
  [attribute: string]: unknown;
}

/** A plotly.js figure: `Plotly.newPlot(div, fig.data, fig.layout)`. Plain JSON. */
export interface Figure {
  data: PlotlyTrace[];
  layout: PlotlyLayout;
}

/** A figure with a file-name-safe name (`[A-Za-z0-9._-]+`, no extension). */
export interface NamedFigure {
  name: string;
  figure: Figure;
}

/** Size and title overrides every figure function accepts. */
export interface FigureOptions {
  /** Replaces the default title ('' for none: the caption says it in a paper). */
  title?: string;
  width?: number;
  height?: number;
}
