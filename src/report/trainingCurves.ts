/**
 * The training-curve figure: token cross-entropy and score loss against the step, per stage.
 *
 * @module report/trainingCurves
 */
import {
  axis,
  baseLayout,
  distinct,
  finiteOrNull,
  methodPrefix,
  STAGE_COLORS,
  seriesColor,
  titled,
} from './figureStyle';
import type { Figure, FigureOptions, PlotlyTrace } from './plotly';

/** Options of {@link trainingCurves}. */
export interface TrainingCurvesOptions extends FigureOptions {
  /** Method id, for the title. */
  method?: string;
  /** Log-scale loss axes. */
  logY?: boolean;
}

/** What a training-curve point needs (a row of `train-log.csv`; `results/runFolder.TrainLogRecord` fits). */
export interface TrainCurvePoint {
  stage: string;
  step: number;
  ce: number;
  score: number;
}

/**
 * Token cross-entropy (top panel) and score loss (bottom panel) against the step, one line per
 * stage (each stage counts its steps from 1). Stages take {@link STAGE_COLORS}.
 */
export function trainingCurves(rows: TrainCurvePoint[], opts: TrainingCurvesOptions = {}): Figure {
  const stages = distinct(rows, (r) => r.stage);
  const data: PlotlyTrace[] = stages.flatMap((stage, i): PlotlyTrace[] => {
    const rs = rows.filter((r) => r.stage === stage);
    const line = { color: STAGE_COLORS[stage] ?? seriesColor(i), width: 1.6 };
    const common = { type: 'scatter' as const, mode: 'lines', name: stage, legendgroup: stage, line };
    const x = rs.map((r) => r.step);
    return [
      {
        ...common,
        x,
        y: rs.map((r) => finiteOrNull(r.ce)),
        xaxis: 'x',
        yaxis: 'y',
        hovertemplate: 'step %{x}: CE %{y:.4f}',
      },
      {
        ...common,
        x,
        y: rs.map((r) => finiteOrNull(r.score)),
        xaxis: 'x2',
        yaxis: 'y2',
        showlegend: false,
        hovertemplate: 'step %{x}: score loss %{y:.4f}',
      },
    ];
  });
  const title = `${methodPrefix(opts.method)}training losses`;
  const layout = baseLayout(title, 'step', 'token CE', { width: opts.width, height: opts.height ?? 520 });
  const type = opts.logY ? 'log' : 'linear';
  layout.xaxis = axis('', { anchor: 'y', matches: 'x2', showticklabels: false });
  layout.yaxis = axis('token CE (nats)', { domain: [0.55, 1], anchor: 'x', type });
  layout.xaxis2 = axis('step', { anchor: 'y2' });
  layout.yaxis2 = axis('score loss (squared error)', { domain: [0, 0.45], anchor: 'x2', type });
  return { data, layout: titled(layout, opts) };
}
