import { strict as assert } from 'node:assert';
import { join } from 'node:path';
import { readPaperResults } from '../../src/data/paperResults';
import {
  paperAblationTable,
  paperLambdaTable,
  paperMainTable,
  paperNCotTable,
  readOurRuns,
} from '../../src/report/paperTables';
import { toMarkdown } from '../../src/report/tables';
import type { Table } from '../../src/results/formats';

const ROOT = join(__dirname, '..', '..');
const rows = readPaperResults(join(ROOT, 'data', 'reference', 'tract-paper-results.csv'));

/** Row label → cells rounded to 3 decimals, as the paper prints them. */
function printed(t: Table): Record<string, string[]> {
  return Object.fromEntries(
    t.rows.map((r) => [
      `${r.labels[0]} | ${r.labels[2]} | ${r.labels[3]}`,
      r.cells.map((c) => (c ? c.value.toFixed(3) : '')),
    ]),
  );
}

describe('report/paperTables', () => {
  it("reproduces the paper's Mistral main table (docs/method.md §9.1; FB, FLASK, Vicuna, MT, Avg r, Avg ρ)", () => {
    const t = printed(paperMainTable(rows));
    assert.deepEqual(t, {
      'CE (w/o CoT) | not stated | 1': ['0.890', '0.355', '0.429', '0.279', '0.488', '0.483'],
      'CE (w/ CoT) | standard | 1': ['0.872', '0.413', '0.463', '0.480', '0.557', '0.554'],
      'RAFT | RAIL | 1': ['0.932', '0.509', '0.567', '0.483', '0.623', '0.605'],
      'Prometheus-2-7B | standard | 1': ['0.845', '0.512', '0.488', '0.519', '0.591', '0.576'],
      // the paper prints 0.650 for Avg r; the per-benchmark values average to 0.6495 (a note says so)
      'TRACT | CoT-RAIL | 1': ['0.931', '0.518', '0.593', '0.555', '0.649', '0.628'],
    });
    assert.ok(paperMainTable(rows).notes.some((n) => /TRACT: Avg r computes to 0\.6495.*prints 0\.650/.test(n)));
  });

  it('reproduces the ablation table (§9.3)', () => {
    const t = printed(paperAblationTable(rows));
    const expect: Record<string, string[]> = {
      'TRACT | standard | 1': ['0.900', '0.448', '0.519', '0.420', '0.572', '0.560'],
      'CoT-RAFT, annotation CoT only | CoT-RAIL | 1': ['0.879', '0.418', '0.528', '0.399', '0.556', '0.557'],
      'CoT-RAFT, annotation CoT only | standard | 1': ['0.868', '0.409', '0.530', '0.398', '0.552', '0.551'],
      'Self-generated CoT, CE only | CoT-RAIL | 1': ['0.918', '0.468', '0.562', '0.517', '0.616', '0.595'],
      'Self-generated CoT, CE only | standard | 1': ['0.887', '0.421', '0.477', '0.480', '0.566', '0.546'],
      'Stage 2 initialised from stage 1 | CoT-RAIL | 1': ['0.674', '0.448', '0.505', '0.432', '0.515', '0.505'],
      'CoT-RAFT then CE | CoT-RAIL | 1': ['0.917', '0.468', '0.576', '0.550', '0.628', '0.602'],
      'CoT-RAFT then CE | standard | 1': ['0.873', '0.376', '0.421', '0.467', '0.534', '0.514'],
      'CE then RAFT (sequential) | CoT-RAIL | 1': ['0.684', '0.463', '0.525', '0.431', '0.526', '0.517'],
      'Mixed annotation + self CoT | CoT-RAIL | 1': ['0.927', '0.448', '0.504', '0.489', '0.592', '0.584'],
      'CE (w/ CoT) | CoT-RAIL | 1': ['0.880', '0.418', '0.464', '0.485', '0.562', '0.559'],
      'Prometheus-2-7B | CoT-RAIL | 1': ['0.853', '0.525', '0.510', '0.538', '0.607', '0.598'],
    };
    for (const [k, v] of Object.entries(expect)) assert.deepEqual(t[k], v, k);
  });

  it('builds the λ sweep in λ order (§9.4) and the n-CoT table (§9.5)', () => {
    const lam = paperLambdaTable(rows);
    assert.deepEqual(
      lam.rows.map((r) => r.labels[0]),
      [
        'TRACT, λ = 0.1',
        'TRACT, λ = 0.2',
        'TRACT',
        'TRACT, λ = 2',
        'TRACT, λ = 5',
        'TRACT, λ = 10',
        'TRACT, λ = "5e_5" (ambiguous)',
      ],
    );
    assert.deepEqual(
      lam.rows.map((r) => r.cells[4]!.value.toFixed(3)),
      ['0.496', '0.643', '0.649', '0.632', '0.595', '0.618', '0.656'],
    );
    const n = printed(paperNCotTable(rows));
    assert.deepEqual(n['TRACT | CoT-RAIL | 5'].slice(0, 5), ['0.932', '0.525', '0.604', '0.544', '0.651']);
    assert.deepEqual(n['Prometheus-2-7B | CoT-RAIL | 5'].slice(0, 5), ['0.891', '0.637', '0.650', '0.611', '0.697']);
    assert.equal(n['TRACT | standard | 5'][4], '0.618');
  });

  it('puts our runs beside the paper rows, matched by method id and readout', () => {
    const dir = join(ROOT, 'test', 'fixtures', 'report', 'suite-main');
    const ours = readOurRuns(dir);
    const t = paperMainTable(rows, ours);
    const byName = Object.fromEntries(t.rows.map((r) => [r.labels[0], r.cells.slice(-2)]));
    for (const [name, method] of [
      ['TRACT', 'tract'],
      ['CE (w/ CoT)', 'ce-cot'],
      ['RAFT', 'raft'],
    ]) {
      const m = ours.get(method)!;
      assert.deepEqual(
        byName[name].map((c) => c?.value),
        ['test', 'test-ood'].map((s) => m.splits[s][m.primary].pearson),
        name,
      );
      assert.deepEqual(
        byName[name].map((c) => c?.lo),
        ['test', 'test-ood'].map((s) => m.splits[s][m.primary].pearsonLo),
        name,
      );
    }
    assert.equal(ours.get('ce-cot')!.primary, 'standard', 'ce-cot is read with standard decoding, as the paper row');
    assert.deepEqual(byName['Prometheus-2-7B'], [null, null]);
    assert.deepEqual(byName['CE (w/o CoT)'], [null, null]);
    assert.match(toMarkdown(t), /ours in-domain r \| ours OOD r/);
    assert.throws(() => readOurRuns(join(dir, 'nope')), /summary\.json/);
  });
});
