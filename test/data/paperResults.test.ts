import { strict as assert } from 'node:assert';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { deriveFromLog, paperResultsToCsv, readPaperResults, PAPER_RESULT_COLUMNS } from '../../src/data/paperResults';

const ROOT = join(__dirname, '..', '..');
const REFERENCE = join(ROOT, 'data', 'reference', 'tract-paper-results.csv');

// The log's header (results.csv of d223302/TRACT) and a row builder.
const HEADER = [
  'output_dir,seed,num_samples,model_name_or_path,tokenizer,dataset,mode,score_generation_mode,tensor_parallel_size',
  'temperature,top_p,repetition_penalty,max_cot_tokens,prompt_dir,v100,max_model_len,pearson_r,pearson_p_value',
  'spearman_r,spearman_p_value,kendall_tau,kenall_p_value,rmse,validation_ratio,n_cot,save_score_logits',
  'save_score_probs,is_formattted,prepare_training_data,output_training_data_name,training_data_validation_ratio',
  'use_system_prompt,remove_reference',
].join(',');
const row = (model: string, dataset: string, mode: string, r: string, nCot = '1.0', samples = '-1') =>
  [
    `evaluation_result,42,${samples},/home/x/models/${model}/,mistralai/Mistral-7B-Instruct-v0.2,${dataset}`,
    `feedback_score,${mode},1,1.0,0.9,1.03,1024.0,../prompts,False,4096,${r},0.0,0.5,0.0,0.4,0.0,0.9,0.0,${nCot}`,
    ',,,,,,,',
  ].join(',');

describe('data/paperResults', () => {
  it('derives the paper rows from a run log, counting every row left out and merging identical repeats', () => {
    const T = 'lora_cot_raft_lora_cot_raft_feedback_score_1';
    const log = [
      HEADER,
      row(T, 'data/vicuna_eval.json', 'raft', '0.593'), // line 2: kept
      row(T, 'data/vicuna_eval.json', 'raft', '0.593'), // line 3: identical repeat
      row(T, 'data/vicuna_eval.json', 'raft', '0.5930000000000001'), // line 4: same run, last digit differs
      row(T, 'data/vicuna_eval.json', 'decode', '0.519'), // kept (other decoding)
      row(T, 'data/mt_bench_eval.json', 'raft', '0.555', '5.0'), // kept (n_cot 5)
      row(T, 'data/mt_bench_eval.json', 'raft', '0.3', '1.0', '40'), // subsample
      row('full_ce_feedback_score', 'data/vicuna_eval.json', 'raft', '0.4'), // exploratory model
      row(T, 'prometheus-eval/Feedback-Bench', 'raft', '0.9'), // HF copy
      row(T, 'data/flask_eval.json', 'raft', '4096.0'), // shifted columns
    ].join('\n');
    const d = deriveFromLog(log, 'log.csv');
    const logRows = d.rows.filter((r) => r.source === 'log');
    assert.deepEqual(
      logRows.map((r) => [r.benchmark, r.decoding, r.nCot, r.pearson, r.sourceLine]),
      [
        ['vicuna', 'cot-rail', 1, 0.593, 2],
        ['vicuna', 'standard', 1, 0.519, 5],
        ['mt-bench', 'cot-rail', 5, 0.555, 6],
      ],
    );
    assert.equal(d.duplicates, 2);
    assert.deepEqual(d.excluded, {
      'subsample run (num_samples != -1)': 1,
      'model not a row of the paper (exploratory run)': 1,
      'dataset not a paper benchmark file (prometheus-eval/Feedback-Bench)': 1,
      'shifted columns (malformed row)': 1,
    });
    assert.equal(logRows[0].method, 'tract');
    assert.equal(logRows[0].paperMethod, 'TRACT');
    // the paper-text rows: CE w/o CoT and RAFT, four benchmarks and the average each
    const text = d.rows.filter((r) => r.source === 'paper-text');
    assert.equal(text.length, 10);
    assert.deepEqual(
      text.filter((r) => r.method === 'raft').map((r) => r.pearson),
      [0.932, 0.509, 0.567, 0.483, 0.623],
    );
  });

  it('refuses two different results for the same model, benchmark, decoding and n_cot, naming both lines', () => {
    const T = 'lora_cot_raft_lora_cot_raft_feedback_score_1';
    const log = [
      HEADER,
      row(T, 'data/vicuna_eval.json', 'raft', '0.593'),
      row(T, 'data/vicuna_eval.json', 'raft', '0.61'),
    ].join('\n');
    assert.throws(
      () => deriveFromLog(log, 'log.csv'),
      /log\.csv: lines 2 and 3 give different results for .* on vicuna \(cot-rail, n_cot 1\)/,
    );
    assert.throws(() => deriveFromLog('a,b\n1,2\n', 'x.csv'), /x\.csv: missing column\(s\) model_name_or_path/);
  });

  it('round-trips through the CSV writer and reader', () => {
    const d = deriveFromLog(
      [HEADER, row('lora_cot_raft_2_epoch', 'data/flask_eval.json', 'decode', '0.409')].join('\n'),
      'log.csv',
    );
    const dir = mkdtempSync(join(tmpdir(), 'tract-paper-'));
    const file = join(dir, 'ref.csv');
    writeFileSync(file, paperResultsToCsv(d.rows));
    const back = readPaperResults(file);
    assert.equal(back.length, d.rows.length);
    assert.deepEqual({ ...back[0] }, { ...d.rows[0] });
    assert.ok(Number.isNaN(back[back.length - 1].kendall), 'empty fields read as NaN');
  });

  it('names the file, line and column of a bad field', () => {
    const dir = mkdtempSync(join(tmpdir(), 'tract-paper-'));
    const file = join(dir, 'bad.csv');
    const good = 'tract,T,TRACT,true,1,m,mistral,vicuna,cot-rail,1,0.593,0.552,0.42,0.85,1,0.9,1.03,1024,log,2';
    writeFileSync(file, `${PAPER_RESULT_COLUMNS.join(',')}\n${good}\n${good.replace('0.593', 'high')}\n`);
    assert.throws(() => readPaperResults(file), /bad\.csv: line 3, column pearson: 'high' is not a number/);
    writeFileSync(file, `${PAPER_RESULT_COLUMNS.join(',')}\n${good.replace('vicuna', 'mmlu')}\n`);
    assert.throws(() => readPaperResults(file), /bad\.csv: line 2, column benchmark: 'mmlu' is not one of/);
  });

  it('the shipped reference file holds every paper row, from the log unless the paper text is the only source', () => {
    const rows = readPaperResults(REFERENCE);
    const count = (method: string) =>
      rows.filter((r) => r.method === method && r.nCot === 1 && r.benchmark !== 'feedback-collection-test').length;
    for (const m of [
      'tract',
      'ce-cot',
      'prometheus-2-7b',
      'cot-raft-ref',
      'self-cot-ce',
      'cot-raft-then-ce',
      'mixed-cot',
    ])
      assert.equal(count(m), 8, `${m}: 4 benchmarks × 2 decodings`);
    for (const m of ['tract-stage2-from-stage1', 'ce-then-raft']) assert.equal(count(m), 4, `${m}: CoT-RAIL only`);
    assert.ok(
      rows.filter((r) => r.method === 'raft' || r.method === 'ce-no-cot').every((r) => r.source === 'paper-text'),
    );
    assert.ok(
      rows
        .filter((r) => r.source === 'log')
        .every((r) => r.sourceLine >= 2 && r.seedModel === 'mistralai/Mistral-7B-Instruct-v0.2'),
    );
  });
});
