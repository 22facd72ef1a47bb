/**
 * How runs are told apart: the one definition of a run's label (the rows of the suite tables, the
 * bars of the figures, the names of figure files) and of the run a suite compares the others with.
 *
 * A run is labelled by its method id, plus λ and the number of CoTs where runs of the same method
 * differ in them among the runs shown (a λ sweep, 1 vs 5 CoTs; and TinyJudge v4's slip rate, `data.shift`):
 * `tract`, `tract (λ=0.5)`, `tract (5 CoTs)`, `tract (λ=2, 5 CoTs)`, `tract (shift=0.1)`.
 *
 * @module results/labels
 */
import type { ExperimentConfig, RunMetrics } from './formats';

/** What labelling needs of a run. */
export interface Labelable {
  metrics: Pick<RunMetrics, 'method'>;
  config: Pick<ExperimentConfig, 'objective' | 'eval'> & { data?: Pick<ExperimentConfig['data'], 'shift'> };
}

/** The settings that tell runs of one method apart, each as a short phrase and a file-name part. */
function variantParts(run: Labelable, all: readonly Labelable[]): { text: string; slug: string }[] {
  const same = all.filter((r) => r.metrics.method === run.metrics.method);
  if (same.length < 2) return [];
  const parts: { text: string; slug: string }[] = [];
  const shift = (r: Labelable) => r.config.data?.shift ?? 0;
  if (new Set(same.map(shift)).size > 1) parts.push({ text: `shift=${shift(run)}`, slug: `shift-${shift(run)}` });
  const lambda = run.config.objective.lambda;
  if (new Set(same.map((r) => r.config.objective.lambda)).size > 1)
    parts.push({ text: `λ=${lambda}`, slug: `lambda-${lambda}` });
  const n = run.config.eval.nCot;
  if (new Set(same.map((r) => r.config.eval.nCot)).size > 1)
    parts.push({ text: `${n} CoT${n === 1 ? '' : 's'}`, slug: `${n}cot` });
  return parts;
}

/** The variant of a run among `all` (`λ=0.5, 5 CoTs`), or '' when its method id alone tells it apart. */
export function runVariant(run: Labelable, all: readonly Labelable[]): string {
  return variantParts(run, all)
    .map((p) => p.text)
    .join(', ');
}

/** The label of a run among `all`: its method id, plus its {@link runVariant} in brackets. */
export function runLabel(run: Labelable, all: readonly Labelable[]): string {
  const v = runVariant(run, all);
  return v ? `${run.metrics.method} (${v})` : run.metrics.method;
}

/** A file-name-safe name of a run among `all` (`tract`, `tract-lambda-0.5`, `tract-5cot`). */
export function runSlug(run: Labelable, all: readonly Labelable[]): string {
  const parts = [run.metrics.method, ...variantParts(run, all).map((p) => p.slug)];
  return parts.join('-').replace(/[^A-Za-z0-9._-]/g, '_');
}

/**
 * Labels of runs that are unique: runs that {@link runLabel} cannot tell apart (same method and
 * settings) get their run id appended, `tract [tract-1a2b3c4d]`.
 */
export function uniqueLabels<T extends Labelable & { runId: string }>(runs: readonly T[]): string[] {
  const labels = runs.map((r) => runLabel(r, runs));
  return labels.map((l, i) => (labels.filter((x) => x === l).length > 1 ? `${l} [${runs[i].runId}]` : l));
}

/**
 * The run a suite compares the others with. `compare` names a label (`tract (λ=0.5)`) or a method;
 * for a method, its run with the experiment defaults' λ and number of CoTs (`defaults`), else its
 * first run. Returns undefined when no run matches.
 */
export function compareRun<T extends Labelable>(
  runs: readonly T[],
  labels: readonly string[],
  compare: string,
  defaults: { lambda: number; nCot: number },
): T | undefined {
  const byLabel = labels.indexOf(compare);
  if (byLabel >= 0) return runs[byLabel];
  const ofMethod = runs.filter((r) => r.metrics.method === compare);
  const isDefault = (r: T) => r.config.objective.lambda === defaults.lambda && r.config.eval.nCot === defaults.nCot;
  return ofMethod.find(isDefault) ?? ofMethod[0];
}
