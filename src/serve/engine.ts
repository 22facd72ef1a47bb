/**
 * The model behind `tract serve`: a queue of sequences to complete, batched into one `generate` call when their
 * sampling settings match (each sequence keeps its own seed, so its sample does not depend on its batch), then
 * scored by one forward over prompt + completion where logprobs were asked for (sequences of equal length share
 * that forward; others run alone, so no padding touches the numbers).
 *
 * Logprobs are those of the model's own distribution (log-softmax of the logits, before temperature, top-p or
 * the repetition penalty), as vLLM reports them by default.
 *
 * @module serve/engine
 */
import * as tf from '@tensorflow/tfjs';
import { type FinishReason, generate } from '../decoding/generate';
import type { LlamaModel } from '../model/llama';
import type { Tokenizer } from '../tokenizer/tokenizer';

/** How a group of sequences is sampled; sequences with equal settings can share a batch. */
export interface SamplingSettings {
  maxTokens: number;
  temperature: number;
  topP: number;
  repetitionPenalty: number;
  stop: string[];
  /** Alternatives per position, or null for no logprobs. */
  logprobs: number | null;
  /** Report logprobs of the prompt tokens too. */
  echo: boolean;
}

/** One sequence to complete. */
export interface SequenceJob {
  promptIds: number[];
  /** The seed of its sampling stream. */
  seed: number | string;
}

/** Logprobs over a run of positions: the token there, its logprob (null for the first token) and alternatives. */
export interface PositionLogprobs {
  ids: number[];
  logprobs: (number | null)[];
  top: { id: number; logprob: number }[][];
}

/** A completed sequence. */
export interface SequenceResult {
  promptIds: number[];
  /** Generated ids (a final EOS left out). */
  completionIds: number[];
  /** The completion text (ending before a stop string). */
  text: string;
  finishReason: 'stop' | 'length';
  /** Over the prompt and completion when echoed, else over the completion; null when not asked for. */
  logprobs: PositionLogprobs | null;
}

interface Pending {
  job: SequenceJob;
  settings: SamplingSettings;
  key: string;
  resolve: (r: SequenceResult) => void;
  reject: (e: unknown) => void;
}

/** Statistics of the batches the engine ran. */
export interface EngineStats {
  batches: number;
  sequences: number;
  largestBatch: number;
}

/** A single-model completion engine with a batching queue (one batch runs at a time). */
export class CompletionEngine {
  readonly model: LlamaModel;
  readonly tokenizer: Tokenizer;
  /** Most sequences per generate call. */
  readonly maxBatch: number;
  readonly stats: EngineStats = { batches: 0, sequences: 0, largestBatch: 0 };
  private queue: Pending[] = [];
  private running = false;

  constructor(model: LlamaModel, tokenizer: Tokenizer, maxBatch = 16) {
    this.model = model;
    this.tokenizer = tokenizer;
    this.maxBatch = maxBatch;
  }

  /** Queues sequences with one sampling setting; resolves with their results in order. */
  complete(jobs: readonly SequenceJob[], settings: SamplingSettings): Promise<SequenceResult[]> {
    const key = JSON.stringify([
      settings.maxTokens,
      settings.temperature,
      settings.topP,
      settings.repetitionPenalty,
      settings.stop,
    ]);
    const all = jobs.map(
      (job) =>
        new Promise<SequenceResult>((resolve, reject) => {
          this.queue.push({ job, settings, key, resolve, reject });
        }),
    );
    setImmediate(() => void this.pump());
    return Promise.all(all);
  }

  /** Runs queued batches until the queue is empty. */
  private async pump(): Promise<void> {
    if (this.running) return;
    this.running = true;
    try {
      while (this.queue.length > 0) {
        const key = this.queue[0].key;
        const batch: Pending[] = [];
        this.queue = this.queue.filter((p) => {
          if (p.key !== key || batch.length >= this.maxBatch) return true;
          batch.push(p);
          return false;
        });
        try {
          const results = await this.runBatch(batch);
          batch.forEach((p, i) => {
            p.resolve(results[i]);
          });
        } catch (err) {
          for (const p of batch) p.reject(err);
        }
      }
    } finally {
      this.running = false;
    }
  }

  private async runBatch(batch: Pending[]): Promise<SequenceResult[]> {
    const s = batch[0].settings;
    this.stats.batches++;
    this.stats.sequences += batch.length;
    this.stats.largestBatch = Math.max(this.stats.largestBatch, batch.length);
    const prompts = batch.map((p) => p.job.promptIds);
    let gens: { tokenIds: number[]; text: string; finishReason: FinishReason }[];
    if (s.maxTokens === 0) gens = prompts.map(() => ({ tokenIds: [], text: '', finishReason: 'length' as const }));
    else {
      const config = {
        maxNewTokens: s.maxTokens,
        temperature: s.temperature,
        topP: s.topP,
        repetitionPenalty: s.repetitionPenalty,
        stop: s.stop,
      };
      const seeds = batch.map((p) => p.job.seed);
      gens = await generate(this.model, this.tokenizer, prompts, config, undefined, seeds);
    }
    const results: SequenceResult[] = gens.map((g, i) => {
      const ids = g.tokenIds;
      const completionIds = g.finishReason === 'eos' ? ids.slice(0, -1) : ids;
      return {
        promptIds: prompts[i],
        completionIds,
        text: g.text,
        finishReason: g.finishReason === 'length' ? 'length' : 'stop',
        logprobs: null,
      };
    });
    this.scoreAll(results, batch);
    return results;
  }

  /** Fills the logprobs of the results that asked for them, one forward per sequence length. */
  private scoreAll(results: SequenceResult[], batch: Pending[]): void {
    const byLength = new Map<number, number[]>();
    results.forEach((r, i) => {
      if (batch[i].settings.logprobs === null) return;
      const t = r.promptIds.length + r.completionIds.length;
      byLength.set(t, [...(byLength.get(t) ?? []), i]);
    });
    for (const rows of byLength.values()) {
      for (let b = 0; b < rows.length; b += this.maxBatch) {
        const part = rows.slice(b, b + this.maxBatch);
        const seqs = part.map((i) => [...results[i].promptIds, ...results[i].completionIds]);
        const lsm = this.logSoftmax(seqs);
        part.forEach((i, j) => {
          const s = batch[i].settings;
          const from = s.echo ? 0 : results[i].promptIds.length;
          results[i].logprobs = positionLogprobs(lsm[j], seqs[j], from, s.logprobs ?? 0);
        });
      }
    }
  }

  /** Log-softmax rows of each sequence (all of one length): per sequence T rows of V. */
  private logSoftmax(seqs: number[][]): Float32Array[][] {
    const logits = this.model.forward(seqs); // [B, T, V]
    const lsm = tf.tidy(() => tf.logSoftmax(logits)); // [B, T, V]
    const data = lsm.dataSync() as Float32Array;
    const [b, t, v] = lsm.shape;
    tf.dispose([logits, lsm]);
    return Array.from({ length: b }, (_, r) =>
      Array.from({ length: t }, (_, p) => data.subarray((r * t + p) * v, (r * t + p + 1) * v)),
    );
  }
}

/** The logprobs of positions `from`.. of `ids` from its log-softmax rows (row p predicts token p + 1). */
export function positionLogprobs(rows: Float32Array[], ids: number[], from: number, k: number): PositionLogprobs {
  const out: PositionLogprobs = { ids: [], logprobs: [], top: [] };
  for (let p = from; p < ids.length; p++) {
    out.ids.push(ids[p]);
    if (p === 0) {
      out.logprobs.push(null);
      out.top.push([]);
      continue;
    }
    const row = rows[p - 1];
    out.logprobs.push(row[ids[p]]);
    out.top.push(topK(row, k));
  }
  return out;
}

/** The k largest entries of a row, largest first (ties: lower id first). */
export function topK(row: Float32Array, k: number): { id: number; logprob: number }[] {
  if (k <= 0) return [];
  const best: { id: number; logprob: number }[] = [];
  for (let id = 0; id < row.length; id++) {
    const x = row[id];
    if (best.length === k && x <= best[k - 1].logprob) continue;
    let at = best.length;
    while (at > 0 && best[at - 1].logprob < x) at--;
    best.splice(at, 0, { id, logprob: x });
    if (best.length > k) best.pop();
  }
  return best;
}
