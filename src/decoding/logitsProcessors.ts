/**
 * Logits processors: small pure functions on one row of logits (a copy is returned), with
 * Hugging Face semantics (vLLM's agree): repetition penalty, temperature, top-k, top-p; then a
 * sampler picks a token.
 *
 * @module decoding/logitsProcessors
 */
import type { Rng } from '../engine/rng';
import type { GenerationConfig } from './generationConfig';

/**
 * Repetition penalty (Keskar et al. 2019, as transformers' `RepetitionPenaltyLogitsProcessor` and
 * vLLM): for every token already seen, a positive logit is divided by `penalty`, a negative one
 * multiplied.
 */
export function applyRepetitionPenalty(logits: Float32Array, seen: Iterable<number>, penalty: number): Float32Array {
  const out = logits.slice();
  if (penalty === 1) return out;
  for (const id of new Set(seen)) {
    const z = out[id];
    out[id] = z < 0 ? z * penalty : z / penalty;
  }
  return out;
}

/** Divides the logits by the temperature (> 0). */
export function applyTemperature(logits: Float32Array, temperature: number): Float32Array {
  if (!(temperature > 0)) throw new RangeError(`temperature must be > 0 here, got ${temperature}`);
  return logits.map((z) => z / temperature);
}

/** Keeps the k largest logits (and any tied with the k-th), sets the rest to −∞. */
export function applyTopK(logits: Float32Array, k: number): Float32Array {
  if (k <= 0 || k >= logits.length) return logits.slice();
  const kth = Float32Array.from(logits).sort().reverse()[k - 1];
  return logits.map((z) => (z < kth ? -Infinity : z));
}

/**
 * Nucleus filter as transformers' `TopPLogitsWarper`: sort ascending, drop the tokens whose
 * cumulative probability stays ≤ 1 − p, always keep the most likely token.
 */
export function applyTopP(logits: Float32Array, p: number): Float32Array {
  if (p >= 1) return logits.slice();
  const order = ascendingOrder(logits);
  const probs = softmax(logits);
  const out = logits.slice();
  let cum = 0;
  for (let r = 0; r < order.length - 1; r++) {
    cum += probs[order[r]];
    if (cum <= 1 - p) out[order[r]] = -Infinity;
    else break;
  }
  return out;
}

/**
 * The indices of `values` by ascending value, equal values in index order: the order a stable sort with
 * `(a, b) => values[a] - values[b]` gives (−0 and +0 are equal there too), from one sort of a Float64Array
 * without a comparator. Each key is the float's bits mapped to an unsigned integer of the same order
 * (negative floats bit-flipped, positive ones with the sign bit set), times 2^b plus the index (b index bits):
 * at most 32 + 21 bits, exact in a float64. NaN is not ordered (nor is it by the comparator).
 */
export function ascendingOrder(values: Float32Array): Uint32Array {
  const n = values.length;
  const indexBits = Math.max(1, Math.ceil(Math.log2(n)));
  if (indexBits > 21) throw new RangeError(`ascendingOrder: ${n} values is more than 2^21`);
  const scale = 2 ** indexBits;
  const bits = new Uint32Array(values.buffer, values.byteOffset, n);
  const keys = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    const u = values[i] === 0 ? 0 : bits[i]; // −0 → +0
    const monotone = u & 0x80000000 ? ~u >>> 0 : (u | 0x80000000) >>> 0;
    keys[i] = monotone * scale + i;
  }
  keys.sort();
  const order = new Uint32Array(n);
  const mask = scale - 1;
  for (let i = 0; i < n; i++) order[i] = keys[i] & mask; // the low bits: keys[i] mod 2^indexBits (< 2^32 lost above)
  return order;
}

/** Softmax of one row in float64 accumulation. */
export function softmax(logits: ArrayLike<number>): Float64Array {
  let max = -Infinity;
  for (let i = 0; i < logits.length; i++) if (logits[i] > max) max = logits[i];
  const out = new Float64Array(logits.length);
  let sum = 0;
  for (let i = 0; i < logits.length; i++) {
    const e = logits[i] === -Infinity ? 0 : Math.exp(logits[i] - max);
    out[i] = e;
    sum += e;
  }
  for (let i = 0; i < out.length; i++) out[i] /= sum;
  return out;
}

/** Index of the largest value (the first on ties). */
export function argmax(values: ArrayLike<number>): number {
  let best = 0;
  for (let i = 1; i < values.length; i++) if (values[i] > values[best]) best = i;
  return best;
}

/**
 * Picks the next token of one row: repetition penalty, then greedy (temperature 0) or
 * temperature → top-k → top-p → a draw from `rng`.
 * @param seen prompt and generated tokens so far (for the repetition penalty)
 */
export function selectToken(logits: Float32Array, seen: readonly number[], config: GenerationConfig, rng: Rng): number {
  let z = applyRepetitionPenalty(logits, seen, config.repetitionPenalty);
  if (config.temperature === 0) return argmax(z);
  z = applyTemperature(z, config.temperature);
  z = applyTopK(z, config.topK);
  z = applyTopP(z, config.topP);
  return rng.categorical(softmax(z));
}
