import { strict as assert } from 'node:assert';
import { DEFAULT_EXPERIMENT } from '../../src/tract/config';
import { bestRows, toCsv, toLatex, toMarkdown } from '../../src/report/tables';
import { buildTables, pairedPearsonDiff } from '../../src/tract/suiteTables';
import type { RunSummary, SplitMetrics, Table } from '../../src/results/formats';

const table: Table = {
  title: 'T',
  labelColumns: ['method'],
  columns: [
    { group: 'id', metric: 'pearson' },
    { group: 'id', metric: 'rmse' },
  ],
  rows: [
    { labels: ['a'], cells: [{ value: 0.5, lo: 0.4, hi: 0.6 }, { value: 1.2 }] },
    { labels: ['b_x'], cells: [{ value: 0.7 }, { value: 0.9 }] },
    { labels: ['c'], cells: [{ value: NaN }, { value: 1.5 }] },
  ],
  notes: ['a note'],
};

describe('report/tables', () => {
  it('bolds the best value per column by the metric direction, ignoring NaN', () => {
    assert.deepEqual(bestRows(table), [1, 1]); // higher r, lower RMSE
    const md = toMarkdown(table);
    assert.match(md, /\| a \| 0\.500 \[0\.400, 0\.600\] \| 1\.200 \|/);
    assert.match(md, /\| b_x \| \*\*0\.700\*\* \| \*\*0\.900\*\* \|/);
    assert.match(md, /\| c \| n\/a \| 1\.500 \|/);
    assert.match(md, /- a note/);
    assert.deepEqual(bestRows({ ...table, bold: false }), [null, null]);
  });

  it('writes CSV with sd and interval columns, and LaTeX with escapes', () => {
    const csv = toCsv(table).trim().split('\n');
    assert.equal(
      csv[0],
      'method,id_pearson,id_pearson_sd,id_pearson_lo,id_pearson_hi,id_rmse,id_rmse_sd,id_rmse_lo,id_rmse_hi',
    );
    assert.equal(csv[1], 'a,0.5,,0.4,0.6,1.2,,,');
    const tex = toLatex(table);
    assert.match(tex, /b\\_x & \\textbf\{0\.700\} & \\textbf\{0\.900\} \\\\/);
    assert.match(tex, /\\begin\{tabular\}\{lrr\}/);
  });
});

describe('tract/suiteTables buildTables', () => {
  const split = (r: number): SplitMetrics => ({
    n: 4,
    nInvalid: 0,
    pearson: r,
    pearsonLo: r - 0.1,
    pearsonHi: r + 0.1,
    spearman: r,
    kendall: r,
    rmse: 1 - r,
  });
  const run = (method: string, r: number, offset: number): RunSummary => ({
    runId: method,
    dir: '',
    config: DEFAULT_EXPERIMENT,
    predictions: ['test', 'test-ood'].flatMap((s) =>
      [1, 2, 3, 4, 5, 1, 2, 3, 4, 5].map((g, i) => ({
        id: `${s}-${i}`,
        split: s,
        gold: g,
        goldExact: g,
        readouts: [],
        rail: g + (method === 'tract' ? 0 : ((i * 7) % 5) - 2) * offset,
        standard: null,
      })),
    ),
    metrics: {
      method,
      paperId: ({ tract: 'T', raft: 'B3' } as Record<string, string>)[method] ?? method,
      decoding: 'cot-rail',
      primary: 'rail',
      selfCot: null,
      stages: [],
      lambdaRampSteps: 0,
      splits: {
        test: { rail: split(r), standard: split(0), massOutside: 0, clauseAccuracy: NaN },
        'test-ood': { rail: split(r - 0.1), standard: split(0), massOutside: 0, clauseAccuracy: NaN },
      },
    },
  });

  it('reports mean ± sd over seeds and paired verdicts of the compared method', () => {
    const seeds = [
      [run('tract', 0.8, 1), run('raft', 0.6, 1)],
      [run('tract', 0.6, 1), run('raft', 0.4, 1)],
    ];
    const { results, secondary, verdicts } = buildTables(seeds, [], 'tract', 'quick', 200);
    const tractRow = results.rows.find((r) => r.labels[2] === 'tract')!;
    assert.deepEqual(tractRow.labels, ['TRACT', 'T', 'tract']);
    assert.ok(Math.abs(tractRow.cells[0]!.value - 0.7) < 1e-12);
    assert.ok(Math.abs(tractRow.cells[0]!.sd! - Math.sqrt(0.02)) < 1e-12); // sd of 0.8 and 0.6
    assert.equal(verdicts.rows.length, 1);
    assert.match(
      verdicts.notes[0],
      /^tract vs raft: in-domain (tract better|no significant difference) \(p = [0-9.]+\)/,
    );
    assert.ok(verdicts.rows[0].cells[0]!.value > 0, 'tract (exact) beats a noisy judge');
    assert.match(results.notes.join(' '), /2 seed\(s\); mean ± sd over seeds/);
    // pooled over the two seeds: Δr is the mean of the per-seed Δr
    const perSeed = seeds.map(([t, r]) => pairedPearsonDiff(t, r, 'test', 50, 's')!.diff);
    assert.ok(Math.abs(verdicts.rows[0].cells[0]!.value - (perSeed[0] + perSeed[1]) / 2) < 1e-15);
    assert.match(verdicts.title, /mean over 2 seeds, items resampled jointly/);
    // the other metrics sit in the secondary table, same rows
    assert.deepEqual(
      secondary.rows.map((r) => r.labels),
      [
        ['tract', 'CoT-RAIL'],
        ['raft', 'CoT-RAIL'],
      ],
    );
    assert.deepEqual(
      secondary.columns.map((c) => c.metric),
      ['spearman', 'kendall', 'rmse', 'nInvalid', 'spearman', 'kendall', 'rmse', 'nInvalid'],
    );
    assert.ok(Math.abs(secondary.rows[0].cells[2]!.value - 0.3) < 1e-12); // mean RMSE of 0.2 and 0.4
  });

  it('writes the notes over every seed: self-CoTs and clause accuracy as mean ± sd, what was learnt as means', () => {
    const cotRun = (r: number, ca: number, sc: number): RunSummary => {
      const base = run('tract', r, 1);
      const splits = {
        test: { ...base.metrics.splits.test, clauseAccuracy: ca },
        'test-ood': { ...base.metrics.splits['test-ood'], clauseAccuracy: ca / 10 },
      };
      const selfCot = { n: 100, cut: 99, empty: 1, clauseAccuracy: sc, wellFormed: 1, allCorrect: sc / 2 };
      return { ...base, metrics: { ...base.metrics, splits, selfCot } };
    };
    const seeds = [
      [cotRun(0.8, 0.8, 0.9), run('raft', 0.6, 1)],
      [cotRun(0.6, 0.9, 0.7), run('raft', 0.4, 1)],
    ];
    const notes = buildTables(seeds, [], 'tract', 'quick', 50).results.notes.join('\n');
    assert.match(
      notes,
      /tract: stage-2 training CoTs .*clause accuracy 0\.800 ± 0\.141, .*cut at "So the overall" 198\/200, empty 2\./,
    );
    assert.match(
      notes,
      /tract: clause accuracy of its evaluation CoTs 0\.850 ± 0\.071 in-domain, 0\.085 ± 0\.007 out-of-domain\./,
    );
    assert.match(notes, /What was learnt \(means over 2 seeds\): the 1 CoT judges reach in-domain r 0\.70-0\.70,/);
    // one seed: the numbers as they are
    const one = buildTables([seeds[0]], [], 'tract', 'quick', 50).results.notes.join('\n');
    assert.match(one, /clause accuracy of its evaluation CoTs 0\.800 in-domain, 0\.080 out-of-domain\./);
    assert.match(one, /What was learnt: the 1 CoT judges reach in-domain r 0\.80-0\.80,/);
    assert.doesNotMatch(one, /Objective:/, 'the default objective needs no note');
    // a profile that puts CE on the digit and normalises as the authors' code says so
    const digit = (r: RunSummary): RunSummary => ({
      ...r,
      config: {
        ...r.config,
        objective: { ...r.config.objective, ceIncludesScoreToken: true, reduction: 'officialParity' },
      },
    });
    const noted = buildTables([seeds[0].map(digit)], [], 'tract', 'quick', 50).results.notes.join('\n');
    assert.match(
      noted,
      /Objective: CoT-RAFT's CE also covers the score digit \(the paper's formula; .*\); the squared/,
    );
    assert.match(noted, /'officialParity': it weighs λ\/B at batch size B\)\./);
    // a run of a method this version does not know (a results folder from another version) is left out, not an error
    const unknown = { ...digit(seeds[0][0]), metrics: { ...seeds[0][0].metrics, method: 'retired-method' } };
    assert.doesNotThrow(() => buildTables([[unknown]], [], 'retired-method', 'quick', 50));
  });

  it('keeps runs of one method apart by λ and number of CoTs (λ sweep, n-CoT) and compares against a named row', () => {
    const withCfg = (r: RunSummary, lambda: number, nCot: number): RunSummary => ({
      ...r,
      config: { objective: { lambda }, eval: { nCot } } as unknown as RunSummary['config'],
    });
    // compare = 'tract' picks its run with the default λ (1) and one CoT, wherever it is in the suite
    const sweep = [
      [
        withCfg(run('tract', 0.5, 1), 0.1, 1),
        withCfg(run('tract', 0.8, 0), 1, 1),
        withCfg(run('tract', 0.7, 0.5), 5, 1),
      ],
    ];
    const { results, verdicts } = buildTables(sweep, [], 'tract', 'full', 100);
    assert.deepEqual(
      results.rows.map((r) => r.labels.join(' | ')),
      ['TRACT (λ=0.1) | T | tract (λ=0.1)', 'TRACT (λ=1) | T | tract (λ=1)', 'TRACT (λ=5) | T | tract (λ=5)'],
    );
    assert.deepEqual(
      results.rows.map((r) => r.cells[0]!.value),
      [0.5, 0.8, 0.7],
    );
    assert.deepEqual(
      verdicts.rows.map((r) => r.labels[0]),
      ['tract (λ=1) vs tract (λ=0.1)', 'tract (λ=1) vs tract (λ=5)'],
    );
    const ncot = [[withCfg(run('tract', 0.8, 0), 1, 1), withCfg(run('tract', 0.9, 0), 1, 5), run('raft', 0.3, 1)]];
    assert.deepEqual(
      buildTables(ncot, [], 'tract', 'full', 100).results.rows.map((r) => r.labels[0]),
      ['TRACT (1 CoT)', 'TRACT (5 CoTs)', 'RAFT'],
    );
  });

  it('compares a sweep of data.shift within each shift only: its test items differ between shifts', () => {
    const at = (r: RunSummary, shift: number): RunSummary => ({
      ...r,
      config: { ...DEFAULT_EXPERIMENT, data: { ...DEFAULT_EXPERIMENT.data, shift } },
    });
    const sweep = [
      [
        at(run('cot-raft-ref', 0.9, 1), 0),
        at(run('tract', 0.95, 0), 0),
        at(run('cot-raft-ref', 0.5, 1), 0.2),
        at(run('self-cot-ce', 0.6, 0.5), 0.2),
        at(run('tract', 0.7, 0), 0.2),
      ],
    ];
    const { verdicts } = buildTables(sweep, [], 'tract', 'full', 100);
    assert.deepEqual(
      verdicts.rows.map((r) => r.labels[0]),
      [
        'tract (shift=0) vs cot-raft-ref (shift=0)',
        'tract (shift=0.2) vs cot-raft-ref (shift=0.2)',
        'tract (shift=0.2) vs self-cot-ce',
      ],
    );
    assert.match(verdicts.title, /Pearson r of tract minus each run with the same data settings/);
    // one data condition: the title names the compared run, as before
    const one = buildTables([sweep[0].slice(0, 2)], [], 'tract', 'full', 100).verdicts;
    assert.match(one.title, /Pearson r of tract minus each run \(/);
  });
});
