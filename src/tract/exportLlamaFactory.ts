/**
 * TRACT's training sets in the layout of the authors' LLaMA-Factory-based trainer, for multi-GPU training
 * (`tract export --stage 1|2 --format llamafactory --out DIR`).
 *
 * - Stage 1: prompt → reference CoT + " So the overall score is <gold>" (docs/method.md §5, the
 *   `feedback_score_cot_no_result` data of the official `prepare_dataset.py`).
 * - Stage 2: prompt → self-generated CoT (a self-CoT cache of the pipeline, cut before "So the overall") +
 *   " So the overall score is <gold>".
 *
 * Written as the official `finetuning_utils/data/dataset_info.json` does: `sharegpt` JSONL with a
 * `conversations` column of `{from: human|gpt, value}` turns, one dataset per split, plus a training config
 * with the official loss (`stage: cot_raft`, LoRA on all linear layers, DeepSpeed ZeRO-3, bf16, cosine schedule;
 * the authors' `finetuning_utils/config/cot_raft_*.yaml`), the DeepSpeed file it names, and an accelerate config
 * for multi-GPU launches. The folder is replaced atomically.
 *
 * @module tract/exportLlamaFactory
 */
import { existsSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import type { ChatTemplate } from '../data/chatTemplates';
import type { TinyJudgeExample } from '../data/tinyJudge';
import { replaceFolder, writeFileAtomic } from '../io/atomic';
import { readJsonl } from '../io/jsonl';
import type { ExperimentConfig } from '../results/formats';
import { SCORE_PREFIX } from '../tokenizer/scoreTokens';
import type { SelfCotRecord } from './judgeData';
import { experimentData } from './pipeline';

/** Options of {@link exportLlamaFactory}. */
export interface LlamaFactoryExportOptions {
  stage: 1 | 2;
  /** The experiment whose data is exported (its TinyJudge sizes and seed). */
  config: ExperimentConfig;
  /** Output folder (replaced). */
  out: string;
  /** Stage 2: the self-CoT cache (JSONL of {@link SelfCotRecord}) written by the pipeline. */
  selfCots?: string;
  /** The base model the config trains (default the paper's Llama-3.1-8B-Instruct). */
  baseModel?: string;
  /** LLaMA-Factory's chat template name (default `llama3`). */
  template?: Exclude<ChatTemplate, 'none'> | string;
  /** GPUs of the accelerate config (default 8). */
  gpus?: number;
}

/** One sharegpt row. */
export interface ShareGptRow {
  conversations: { from: 'human' | 'gpt'; value: string }[];
  /** The example id (ignored by the loader, kept for tracing). */
  id: string;
  score: number;
}

/** What was written. */
export interface LlamaFactoryExport {
  dir: string;
  datasets: Record<string, { file: string; rows: number }>;
  files: string[];
}

/** The CoT text of a target: cut before "So the overall", trimmed (as JudgeTokens.cot cuts it). */
function cutCot(text: string): string {
  return text.split('So the overall')[0].trim();
}

/** A training row: the prompt, and the CoT followed by the forced score sentence. */
export function shareGptRow(id: string, prompt: string, cot: string, score: number): ShareGptRow {
  const c = cutCot(cot);
  const target = `${c === '' ? '' : `${c} `}${SCORE_PREFIX} ${score}`;
  return {
    conversations: [
      { from: 'human', value: prompt },
      { from: 'gpt', value: target },
    ],
    id,
    score,
  };
}

function rowsOf(opts: LlamaFactoryExportOptions, examples: readonly TinyJudgeExample[]): ShareGptRow[] {
  if (opts.stage === 1) return examples.map((e) => shareGptRow(e.id, e.prompt, e.referenceCot, e.goldExact));
  if (!opts.selfCots || !existsSync(opts.selfCots)) {
    throw new Error(`stage 2 needs the stage-1 model's self-CoTs: --self-cots FILE (got ${opts.selfCots ?? 'none'})`);
  }
  const byId = new Map(readJsonl<SelfCotRecord>(opts.selfCots).map((r) => [r.id, r]));
  return examples.map((e) => {
    const rec = byId.get(e.id);
    if (!rec) throw new Error(`${opts.selfCots}: no self-CoT for example ${e.id}`);
    return shareGptRow(e.id, e.prompt, rec.text, e.goldExact);
  });
}

/** DeepSpeed ZeRO-3 as LLaMA-Factory's `examples/deepspeed/ds_z3_config.json` (values left to the trainer: auto). */
export const DS_Z3_CONFIG = {
  train_batch_size: 'auto',
  train_micro_batch_size_per_gpu: 'auto',
  gradient_accumulation_steps: 'auto',
  gradient_clipping: 'auto',
  zero_allow_untested_optimizer: true,
  fp16: { enabled: 'auto', loss_scale: 0, loss_scale_window: 1000, initial_scale_power: 16, hysteresis: 2 },
  bf16: { enabled: 'auto' },
  zero_optimization: {
    stage: 3,
    overlap_comm: true,
    contiguous_gradients: true,
    sub_group_size: 1e9,
    reduce_bucket_size: 'auto',
    stage3_prefetch_bucket_size: 'auto',
    stage3_param_persistence_threshold: 'auto',
    stage3_max_live_parameters: 1e9,
    stage3_max_reuse_distance: 1e9,
    stage3_gather_16bit_weights_on_model_save: true,
  },
};

/** The LLaMA-Factory training config (YAML) of a stage, with the official loss. */
export function trainYaml(opts: LlamaFactoryExportOptions, train: string, validation: string): string {
  const stage = opts.stage;
  return [
    "# TRACT training with the official CoT-RAFT loss (the authors' LLaMA-Factory fork registers stage: cot_raft;",
    '# see finetuning_utils/config/cot_raft_llama.yaml in their repository). Launch on N GPUs with',
    `#   FORCE_TORCHRUN=1 llamafactory-cli train train_stage${stage}.yaml`,
    `# or: accelerate launch --config_file accelerate.yaml src/train.py train_stage${stage}.yaml`,
    `# exported by tract export --stage ${stage}; lambda (the score loss weight) is 1 in the official loss.`,
    '### model',
    `model_name_or_path: ${opts.baseModel ?? 'meta-llama/Llama-3.1-8B-Instruct'}`,
    '',
    '### method',
    'stage: cot_raft',
    'do_train: true',
    'finetuning_type: lora',
    'lora_target: all',
    'lora_rank: 8',
    'lora_alpha: 16',
    'lora_dropout: 0',
    'deepspeed: ds_z3_config.json',
    '',
    '### dataset',
    'dataset_dir: data',
    `dataset: ${train}`,
    `eval_dataset: ${validation}`,
    `template: ${opts.template ?? 'llama3'}`,
    'cutoff_len: 3000',
    'overwrite_cache: true',
    'preprocessing_num_workers: 16',
    '',
    '### output',
    `output_dir: saves/tract-stage${stage}-lora`,
    'logging_steps: 10',
    'save_strategy: steps',
    'save_steps: 500',
    'plot_loss: true',
    'overwrite_output_dir: true',
    '',
    '### train',
    'per_device_train_batch_size: 4',
    'gradient_accumulation_steps: 1',
    'learning_rate: 1.0e-5',
    'num_train_epochs: 1.0',
    'lr_scheduler_type: cosine',
    'warmup_ratio: 0.1',
    'bf16: true',
    'ddp_timeout: 180000000',
    '',
  ].join('\n');
}

/** An accelerate config for a DeepSpeed launch on `gpus` GPUs of one machine. */
export function accelerateYaml(gpus: number): string {
  return [
    'compute_environment: LOCAL_MACHINE',
    'distributed_type: DEEPSPEED',
    'deepspeed_config:',
    '  deepspeed_config_file: ds_z3_config.json',
    '  zero3_init_flag: true',
    'machine_rank: 0',
    'main_training_function: main',
    'num_machines: 1',
    `num_processes: ${gpus}`,
    'rdzv_backend: static',
    'same_network: true',
    'use_cpu: false',
    '',
  ].join('\n');
}

/** Writes the export folder: data/dataset_info.json, the JSONL files, the training, DeepSpeed, accelerate configs. */
export function exportLlamaFactory(opts: LlamaFactoryExportOptions): LlamaFactoryExport {
  const data = experimentData(opts.config);
  const name = (split: string) => `tract_stage${opts.stage}_${split}`;
  const splits = { train: data.train, validation: data.val } as const;
  const datasets: LlamaFactoryExport['datasets'] = {};
  const files: string[] = [];
  const rows = Object.fromEntries(Object.entries(splits).map(([s, ex]) => [s, rowsOf(opts, ex)]));
  replaceFolder(opts.out, (tmp) => {
    const info: Record<string, unknown> = {};
    mkdirSync(join(tmp, 'data'));
    const write = (rel: string, text: string) => {
      writeFileAtomic(join(tmp, rel), text);
      files.push(rel);
    };
    for (const [split, rs] of Object.entries(rows)) {
      const file = `${name(split)}.jsonl`;
      write(join('data', file), rs.map((r) => JSON.stringify(r)).join('\n') + (rs.length ? '\n' : ''));
      info[name(split)] = {
        file_name: file,
        formatting: 'sharegpt',
        columns: { messages: 'conversations' },
        tags: { role_tag: 'from', content_tag: 'value', user_tag: 'human', assistant_tag: 'gpt' },
      };
      datasets[name(split)] = { file: join('data', file), rows: rs.length };
    }
    write(join('data', 'dataset_info.json'), `${JSON.stringify(info, null, 2)}\n`);
    write(`train_stage${opts.stage}.yaml`, trainYaml(opts, name('train'), name('validation')));
    write('ds_z3_config.json', `${JSON.stringify(DS_Z3_CONFIG, null, 2)}\n`);
    write('accelerate.yaml', accelerateYaml(opts.gpus ?? 8));
  });
  return { dir: opts.out, datasets, files };
}
