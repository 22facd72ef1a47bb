/**
 * Figures for papers as plotly.js figure specs: plain JSON `{data, layout}` objects that a
 * notebook displays as `application/vnd.plotly.v1+json` and `report/exportFigures.ts` writes to
 * SVG, PNG and PDF. Every function here is pure (no I/O, no browser); reading run folders is
 * `report/resultFigures.ts`.
 *
 * Conventions: titles and axis titles are objects (`{text}`, as plotly.js ≥ 3 requires); colours
 * come from the Okabe–Ito palette (colour-blind safe), with one fixed colour per split and per
 * training stage so that figures of one paper agree; methods are named `id (paperId)` from
 * `tract/methods.ts`; splits are named as in the results table (in-domain, out-of-domain).
 *
 * This module gathers the figure API; the code lives in one module per concept:
 * - `report/plotly.ts`: the figure spec types;
 * - `report/figureStyle.ts`: palette, names, axes, the base layout, shared traces;
 * - `report/intervalFigures.ts`: ablation bars and the λ sweep (a metric with its interval);
 * - `report/predictionFigures.ts`: predicted vs gold and the RAIL score distribution;
 * - `report/calibration.ts`: calibration bins and the reliability diagram;
 * - `report/trainingCurves.ts`: training losses against the step.
 *
 * @module report/figures
 */
export type { Figure, FigureOptions, NamedFigure, PlotlyLayout, PlotlyTrace } from './plotly';
export {
  DEFAULT_SIZE,
  decodingLabel,
  formatSigned,
  methodLabel,
  PALETTE,
  SPLIT_COLORS,
  SPLIT_LABELS,
  STAGE_COLORS,
  seriesColor,
  splitLabel,
} from './figureStyle';
export {
  ablationBars,
  type AblationBarsOptions,
  type IntervalPoint,
  type LambdaSweepOptions,
  lambdaSweep,
  intervalScatter,
  type SweepPoint,
  type XIntervalPoint,
} from './intervalFigures';
export {
  goldScoreShares,
  meanScoreProbs,
  predictedVsGold,
  type ReadoutOptions,
  railDistribution,
  type ScoreDistribution,
} from './predictionFigures';
export {
  type CalibrationBin,
  type CalibrationOptions,
  type CalibrationSeries,
  calibrationBins,
  calibrationPlot,
  calibrationSeriesBySplit,
} from './calibration';
export { type TrainCurvePoint, type TrainingCurvesOptions, trainingCurves } from './trainingCurves';
