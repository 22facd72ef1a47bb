import { strict as assert } from 'node:assert';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DEFAULT_EXPERIMENT } from '../../src/tract/config';
import { exportLlamaFactory } from '../../src/tract/exportLlamaFactory';

// biome-ignore lint/suspicious/noExplicitAny: rows and dataset_info.json are JSON, checked field by field below
type Json = Record<string, any>;

/**
 * The fields LLaMA-Factory's loader reads, as `src/llamafactory/data/parser.py` (hiyouga/LLaMA-Factory @01d3ac67)
 * reads them:
 * - L106-107: the dataset name must be a key of dataset_info.json ("Undefined dataset ...");
 * - L124: `file_name` (a file in `dataset_dir`) when there is no hub or script URL;
 * - L126: `formatting` in {alpaca, sharegpt} (default alpaca);
 * - L133-141: for sharegpt, `columns.messages` names the column of turns (default "conversations", L57);
 * - L143-: `tags` role_tag / content_tag / user_tag / assistant_tag (defaults from / value / human / gpt, L59-62).
 * The authors' own registration is the same shape: finetuning_utils/data/dataset_info.json of
 * github.com/d223302/TRACT (sharegpt, columns.messages = conversations). Their training config
 * finetuning_utils/config/cot_raft_llama.yaml (L14-22) sets stage: cot_raft, finetuning_type: lora,
 * lora_target: all, the ZeRO-3 DeepSpeed file, template and cutoff_len 3000.
 */
function loadLikeLlamaFactory(datasetDir: string, name: string): Json[] {
  const info = JSON.parse(readFileSync(join(datasetDir, 'dataset_info.json'), 'utf8')) as Json;
  assert.ok(name in info, `Undefined dataset ${name} in dataset_info.json`);
  const attr = info[name];
  assert.ok(!('hf_hub_url' in attr) && !('ms_hub_url' in attr) && !('script_url' in attr));
  assert.equal(typeof attr.file_name, 'string');
  const formatting = attr.formatting ?? 'alpaca';
  assert.equal(formatting, 'sharegpt');
  const messages = attr.columns?.messages ?? 'conversations';
  const tags = { role_tag: 'from', content_tag: 'value', user_tag: 'human', assistant_tag: 'gpt', ...attr.tags };
  const rows = readFileSync(join(datasetDir, attr.file_name), 'utf8')
    .trim()
    .split('\n')
    .map((l) => JSON.parse(l) as Json);
  for (const row of rows) {
    const turns = row[messages];
    assert.ok(Array.isArray(turns) && turns.length === 2, 'one user turn and one assistant turn');
    assert.equal(turns[0][tags.role_tag], tags.user_tag);
    assert.equal(turns[1][tags.role_tag], tags.assistant_tag);
    for (const t of turns) assert.ok(typeof t[tags.content_tag] === 'string' && t[tags.content_tag].length > 0);
  }
  return rows;
}

describe('tract/exportLlamaFactory', () => {
  const out = mkdtempSync(join(tmpdir(), 'tract-export-'));
  after(() => rmSync(out, { recursive: true, force: true }));
  const config = {
    ...DEFAULT_EXPERIMENT,
    data: { ...DEFAULT_EXPERIMENT.data, train: 12, val: 4, test: 3, testOod: 3 },
  };

  it('writes stage 1 in the layout the official loader reads, with the cot_raft training config', () => {
    const dir = join(out, 'stage1');
    const res = exportLlamaFactory({ stage: 1, config, out: dir });
    const rows = loadLikeLlamaFactory(join(dir, 'data'), 'tract_stage1_train');
    assert.equal(rows.length, 12);
    assert.equal(loadLikeLlamaFactory(join(dir, 'data'), 'tract_stage1_validation').length, 4);
    const target = rows[0].conversations[1].value as string;
    assert.match(target, /^[\s\S]*\S So the overall score is [1-5]$/);
    assert.equal(Number(target.at(-1)), rows[0].score);
    assert.ok(rows[0].conversations[0].value.endsWith('Feedback:'));
    const yaml = readFileSync(join(dir, 'train_stage1.yaml'), 'utf8');
    for (const line of [
      'stage: cot_raft',
      'finetuning_type: lora',
      'lora_target: all',
      'deepspeed: ds_z3_config.json',
      'dataset_dir: data',
      'dataset: tract_stage1_train',
      'eval_dataset: tract_stage1_validation',
      'cutoff_len: 3000',
      'bf16: true',
    ]) {
      assert.ok(yaml.split('\n').includes(line), line);
    }
    const ds = JSON.parse(readFileSync(join(dir, 'ds_z3_config.json'), 'utf8'));
    assert.equal(ds.zero_optimization.stage, 3);
    assert.match(
      readFileSync(join(dir, 'accelerate.yaml'), 'utf8'),
      /distributed_type: DEEPSPEED\n[\s\S]*num_processes: 8/,
    );
    assert.deepEqual(Object.keys(res.datasets).sort(), ['tract_stage1_train', 'tract_stage1_validation']);
  });

  it('writes stage 2 from a self-CoT cache (CoT cut before "So the overall", gold score appended)', () => {
    const first = exportLlamaFactory({ stage: 1, config, out: join(out, 's1') });
    const ids = [
      ...loadLikeLlamaFactory(join(first.dir, 'data'), 'tract_stage1_train'),
      ...loadLikeLlamaFactory(join(first.dir, 'data'), 'tract_stage1_validation'),
    ].map((r) => r.id as string);
    const cache = join(out, 'selfcots.jsonl');
    writeFileSync(
      cache,
      ids
        .map((id) => JSON.stringify({ id, ids: [], text: `self cot of ${id} So the overall score is 9`, cut: true }))
        .join('\n'),
    );
    const dir = join(out, 'stage2');
    assert.throws(() => exportLlamaFactory({ stage: 2, config, out: dir }), /--self-cots FILE/);
    assert.ok(!existsSync(dir), 'nothing written on failure');
    exportLlamaFactory({ stage: 2, config, out: dir, selfCots: cache });
    const rows = loadLikeLlamaFactory(join(dir, 'data'), 'tract_stage2_train');
    const r = rows[0];
    assert.equal(r.conversations[1].value, `self cot of ${r.id} So the overall score is ${r.score}`);
  });
});
