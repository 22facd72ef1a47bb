/**
 * The table of several benchmark evaluations (tract/benchmarkEval): per benchmark, a CoT-RAIL and a
 * standard-decoding row with the correlations, the RMSE and the invalid outputs, and notes on what was judged.
 *
 * @module tract/benchmarkTable
 */
import type { BenchmarkMetrics, Table } from '../results/formats';

/** One table for several benchmark evaluations: per benchmark, CoT-RAIL and standard-decoding rows. */
export function benchmarkTable(runs: BenchmarkMetrics[]): Table {
  const rows: Table['rows'] = [];
  for (const m of runs) {
    for (const [readout, label] of [
      ['rail', 'CoT-RAIL'],
      ['standard', 'standard'],
    ] as const) {
      const s = m[readout];
      rows.push({
        labels: [m.benchmark, `${label}${m.primary === readout ? ' (primary)' : ''}`, String(m.nCot), String(m.judged)],
        cells: [
          { value: s.pearson, lo: s.pearsonLo, hi: s.pearsonHi },
          { value: s.spearman },
          { value: s.kendall },
          { value: s.rmse },
          { value: s.nInvalid },
        ],
      });
    }
  }
  const notes = [
    'Labels: mean of the GPT-4 scores. r with its 95% percentile bootstrap interval; ' +
      'invalid = standard-decoding outputs that are not a score (dropped from the correlations).',
    ...runs.map((m) => {
      const skipped = m.skipped.length ? ` (${m.skipped.length} malformed skipped)` : '';
      return (
        `${m.benchmark}: ${m.judged} of ${m.records} records judged${skipped}; ` +
        `${m.truncated.count} prompts cut from the left to ${m.truncated.promptBudget} tokens; ` +
        `mean probability mass outside the score digits ${m.massOutside.toFixed(3)}; model ${m.model}.`
      );
    }),
  ];
  return {
    title: 'Judge evaluation on benchmarks',
    labelColumns: ['benchmark', 'decoding', 'CoTs', 'n'],
    columns: ['pearson', 'spearman', 'kendall', 'rmse', 'nInvalid'].map((metric) => ({ group: '', metric })),
    rows,
    bold: false,
    notes,
  };
}
