/**
 * Batched generation with a KV cache, and the one-forward next-token distribution RAIL reads.
 *
 * Prompts are left-padded into one batch (padding masked out of attention, rotary positions counted
 * per row), the prompt is run once, then one token per step reuses the cached keys and values.
 *
 * @module decoding/generate
 */
import * as tf from '@tensorflow/tfjs';
import { Rng } from '../engine/rng';
import { disposeCache, type KvCache, type LlamaModel } from '../model/llama';
import type { Tokenizer } from '../tokenizer/tokenizer';
import { resolveGenerationConfig, type GenerationConfig } from './generationConfig';
import { selectToken } from './logitsProcessors';

/** Why generation ended for one prompt. */
export type FinishReason = 'eos' | 'stop' | 'length';

/** The output for one prompt. */
export interface Generation {
  /** Generated text, ending before the first stop string (if one was hit). */
  text: string;
  /** Every generated token id (including an EOS, a stop token, or the tokens that formed a stop string). */
  tokenIds: number[];
  finishReason: FinishReason;
  /** Number of prompt tokens (BOS included). */
  promptTokens: number;
}

/** A prompt as text (encoded with BOS) or as token ids (used as given). */
export type Prompt = string | readonly number[];

function encodePrompt(tokenizer: Tokenizer, prompt: Prompt): number[] {
  if (typeof prompt !== 'string') return [...prompt];
  return tokenizer.encode(prompt, { bos: tokenizer.bos !== null });
}

/** Left-pads rows to one length; returns ids and the attention mask. */
export function leftPad(rows: readonly (readonly number[])[], pad: number): { ids: number[][]; mask: number[][] } {
  const t = Math.max(...rows.map((r) => r.length));
  if (t === 0) throw new Error('leftPad: every row is empty');
  return {
    ids: rows.map((r) => [...new Array<number>(t - r.length).fill(pad), ...r]),
    mask: rows.map((r) => [...new Array<number>(t - r.length).fill(0), ...new Array<number>(r.length).fill(1)]),
  };
}

/** The text of `generated` after a prompt (decoded together, so a leading space survives). */
function continuationText(
  tokenizer: Tokenizer,
  promptIds: readonly number[],
  promptText: string,
  generated: readonly number[],
): string {
  const full = tokenizer.decode([...promptIds, ...generated]);
  return full.startsWith(promptText) ? full.slice(promptText.length) : tokenizer.decode(generated);
}

/** Reads the logits of the last position: [B, T, V] → B rows of V. */
function lastRows(logits: tf.Tensor3D): Float32Array[] {
  const [b, t, v] = logits.shape;
  const last = tf.tidy(() => tf.reshape(tf.slice(logits, [0, t - 1, 0], [b, 1, v]), [b, v]));
  const data = last.dataSync() as Float32Array;
  last.dispose();
  return Array.from({ length: b }, (_, i) => data.slice(i * v, (i + 1) * v));
}

/**
 * Generates a continuation for each prompt.
 *
 * @example
 * ```ts
 * const [out] = await generate(model, tokenizer, ['Once upon a time'], { maxNewTokens: 64, temperature: 0 });
 * console.log(out.text, out.finishReason);
 * ```
 * @param rowSeeds one seed per prompt: prompt i samples from its own stream of `rowSeeds[i]` instead of
 *   the stream of `config.seed` forked by its position, so its sample does not depend on the batch it is in
 */
export async function generate(
  model: LlamaModel,
  tokenizer: Tokenizer,
  prompts: readonly Prompt[],
  config: Partial<GenerationConfig> = {},
  onToken?: (step: number) => void,
  rowSeeds?: readonly (number | string)[],
): Promise<Generation[]> {
  const cfg = resolveGenerationConfig(config);
  if (prompts.length === 0) return [];
  const promptIds = encodePrompts(model, tokenizer, prompts, cfg);
  if (rowSeeds && rowSeeds.length !== prompts.length) {
    throw new Error(`generate: ${rowSeeds.length} row seeds for ${prompts.length} prompts`);
  }
  const state: DecodeState = {
    promptIds,
    promptText: promptIds.map((ids) => tokenizer.decode(ids)),
    rngs: promptIds.map((_, i) => (rowSeeds ? new Rng(rowSeeds[i]) : new Rng(cfg.seed).fork(`prompt/${i}`))),
    generated: promptIds.map(() => []),
    finish: promptIds.map(() => null),
    texts: promptIds.map(() => ''),
  };
  const { ids, mask } = leftPad(promptIds, tokenizer.pad);
  let step = model.forwardWithCache(ids, null, { attentionMask: mask, lastOnly: true });
  let cache: KvCache = step.cache;
  let rows = lastRows(step.logits);
  step.logits.dispose();
  try {
    for (let s = 0; s < cfg.maxNewTokens; s++) {
      const next = rows.map((row, i) => nextToken(state, i, row, tokenizer, cfg));
      onToken?.(s);
      if (state.finish.every((f) => f !== null) || s === cfg.maxNewTokens - 1) break;
      const active = state.finish.map((f) => [f === null ? 1 : 0]);
      step = model.forwardWithCache(
        next.map((t) => [t]),
        cache,
        { attentionMask: active },
      );
      disposeCache(cache);
      cache = step.cache;
      rows = lastRows(step.logits);
      step.logits.dispose();
      await new Promise((resolve) => setImmediate(resolve)); // keep the event loop (progress bars) alive
    }
  } finally {
    disposeCache(cache);
  }
  return generations(state, tokenizer);
}

/** Per-prompt state of {@link generate}, indexed by prompt. */
interface DecodeState {
  promptIds: number[][];
  promptText: string[];
  /** Each prompt's own sampling stream. */
  rngs: Rng[];
  generated: number[][];
  /** Why the prompt stopped, or null while it is still generating. */
  finish: (FinishReason | null)[];
  /** The text of a prompt that stopped on a stop token or stop string (set when it stops). */
  texts: string[];
}

/** The prompts' token ids, checking that none is empty and that the longest fits maxNewTokens in maxSeqLen. */
function encodePrompts(
  model: LlamaModel,
  tokenizer: Tokenizer,
  prompts: readonly Prompt[],
  cfg: GenerationConfig,
): number[][] {
  const promptIds = prompts.map((p, i) => {
    const ids = encodePrompt(tokenizer, p);
    if (ids.length === 0) throw new Error(`generate: prompt ${i} is empty`);
    return ids;
  });
  const longest = Math.max(...promptIds.map((r) => r.length));
  if (longest + cfg.maxNewTokens > model.config.maxSeqLen) {
    throw new Error(
      `generate: prompt of ${longest} tokens + maxNewTokens ${cfg.maxNewTokens} exceeds ` +
        `the model's maxSeqLen ${model.config.maxSeqLen}`,
    );
  }
  return promptIds;
}

/**
 * Prompt i's next token from its last logits `row` (the pad token once it has finished), recording it and
 * whether it ends the prompt's generation (EOS, a stop token, or a stop string in the text so far).
 */
function nextToken(
  state: DecodeState,
  i: number,
  row: Float32Array,
  tokenizer: Tokenizer,
  cfg: GenerationConfig,
): number {
  const { promptIds, promptText, generated, finish, texts } = state;
  if (finish[i]) return tokenizer.pad;
  const token = selectToken(row, [...promptIds[i], ...generated[i]], cfg, state.rngs[i]);
  generated[i].push(token);
  if (cfg.stopAtEos && token === tokenizer.eos) {
    finish[i] = 'eos';
    return token;
  }
  if (cfg.stopTokenIds.includes(token)) {
    finish[i] = 'stop';
    texts[i] = continuationText(tokenizer, promptIds[i], promptText[i], generated[i].slice(0, -1));
    return token;
  }
  if (cfg.stop.length > 0) {
    const text = continuationText(tokenizer, promptIds[i], promptText[i], generated[i]);
    const hits = cfg.stop.map((st) => text.indexOf(st)).filter((k) => k >= 0);
    if (hits.length > 0) {
      texts[i] = text.slice(0, Math.min(...hits));
      finish[i] = 'stop';
    }
  }
  return token;
}

/** The outputs: prompts still generating at the end finish for `length`; EOS is left out of the text. */
function generations(state: DecodeState, tokenizer: Tokenizer): Generation[] {
  const { promptIds, promptText, generated, finish, texts } = state;
  return promptIds.map((p, i) => {
    const reason = finish[i] ?? 'length';
    let text = texts[i];
    if (reason !== 'stop')
      text = continuationText(tokenizer, p, promptText[i], reason === 'eos' ? generated[i].slice(0, -1) : generated[i]);
    return { text, tokenIds: generated[i], finishReason: reason, promptTokens: p.length };
  });
}

/**
 * Logits of the next token after each prefix, from one batched forward (prefixes left-padded).
 * This is RAIL's readout: pass them to `expectedScore`.
 * @returns [B, V]; the caller owns it.
 */
export function nextTokenLogits(model: LlamaModel, prefixes: readonly (readonly number[])[], pad = 0): tf.Tensor2D {
  if (prefixes.length === 0) throw new Error('nextTokenLogits: no prefixes');
  prefixes.forEach((p, i) => {
    if (p.length === 0) throw new Error(`nextTokenLogits: prefix ${i} is empty`);
  });
  const { ids, mask } = leftPad(prefixes, pad);
  const logits = model.forward(ids, { attentionMask: mask, lastOnly: true }); // [B, 1, V]
  const [b, , v] = logits.shape;
  const last = tf.reshape(logits, [b, v]) as tf.Tensor2D;
  logits.dispose();
  return last;
}

/** Probabilities of the next token after each prefix (softmax of {@link nextTokenLogits}). */
export function nextTokenDistribution(
  model: LlamaModel,
  prefixes: readonly (readonly number[])[],
  pad = 0,
): Float32Array[] {
  const logits = nextTokenLogits(model, prefixes, pad);
  const probs = tf.tidy(() => tf.softmax(logits));
  const data = probs.dataSync() as Float32Array;
  const v = logits.shape[1];
  tf.dispose([logits, probs]);
  return Array.from({ length: prefixes.length }, (_, i) => data.slice(i * v, (i + 1) * v));
}
