/**
 * Seeded pseudo-random numbers for every random choice in the toolkit.
 *
 * TF.js has no global, reproducible random state (tfjs#316, #7104), so the toolkit never calls
 * `Math.random` and never lets TF.js pick a seed: data splits, shuffles, sampling and initialisers
 * all draw from an {@link Rng}, and each concern gets its own stream through {@link Rng.fork}.
 *
 * Generator: xoshiro128** (Blackman & Vigna, 2018), 128-bit state, period 2^128 − 1, seeded by
 * four SplitMix32 outputs. A Python mirror in `tools/make_rng_golden.py` produced the golden
 * sequences that `test/engine/rng.test.ts` checks.
 *
 * @module engine/rng
 */

const GOLDEN = 0x9e3779b9;
const TWO_POW_32 = 4294967296;

/** SplitMix32 finaliser: a bijective 32-bit mix. */
function mix32(z: number): number {
  z = Math.imul(z ^ (z >>> 16), 0x21f0aaad);
  z = Math.imul(z ^ (z >>> 15), 0x735a2d97);
  return (z ^ (z >>> 15)) >>> 0;
}

/** FNV-1a over the UTF-8 bytes of a string, 32 bits. */
function fnv1a(text: string): number {
  let h = 0x811c9dc5;
  for (const byte of Buffer.from(text, 'utf8')) {
    h ^= byte;
    h = Math.imul(h, 0x01000193);
  }
  return h >>> 0;
}

/** Reduces a seed (a non-negative safe integer or a string) to a 32-bit key. */
function seedKey(seed: number | string): number {
  if (typeof seed === 'string') return fnv1a(seed);
  if (!Number.isSafeInteger(seed) || seed < 0) {
    throw new RangeError(`Rng: seed must be a non-negative safe integer or a string, got ${seed}`);
  }
  const lo = seed >>> 0;
  const hi = Math.floor(seed / TWO_POW_32) >>> 0;
  return (lo ^ Math.imul(hi, GOLDEN)) >>> 0;
}

function rotl(x: number, k: number): number {
  return ((x << k) | (x >>> (32 - k))) >>> 0;
}

/** The serialisable state of an {@link Rng}: enough to resume a stream exactly. */
export interface RngState {
  key: number;
  s: [number, number, number, number];
}

/**
 * A seeded, forkable pseudo-random number generator.
 *
 * @example
 * ```ts
 * const rng = new Rng(42);
 * const order = rng.fork('data/shuffle').shuffle([0, 1, 2, 3]);
 * const x = rng.fork('noise').normal();
 * ```
 */
export class Rng {
  /** The 32-bit key this stream was seeded from; forks derive their keys from it. */
  readonly key: number;
  private s0 = 0;
  private s1 = 0;
  private s2 = 0;
  private s3 = 0;

  /** @param seed a non-negative safe integer or a string (hashed with FNV-1a). */
  constructor(seed: number | string) {
    this.key = seedKey(seed);
    let x = this.key;
    const next = () => {
      x = (x + GOLDEN) >>> 0;
      return mix32(x);
    };
    this.s0 = next();
    this.s1 = next();
    this.s2 = next();
    this.s3 = next();
    if ((this.s0 | this.s1 | this.s2 | this.s3) === 0) this.s0 = 1; // xoshiro must not start at 0
  }

  /** Restores a stream saved with {@link Rng.state}, e.g. when resuming a training run. */
  static fromState(state: RngState): Rng {
    const rng = new Rng(0);
    (rng as { key: number }).key = state.key >>> 0;
    [rng.s0, rng.s1, rng.s2, rng.s3] = state.s.map((v) => v >>> 0);
    return rng;
  }

  /** A copy of the current state (JSON-serialisable). */
  state(): RngState {
    return { key: this.key, s: [this.s0, this.s1, this.s2, this.s3] };
  }

  /**
   * An independent stream for one concern, named by a label such as `'init/block3/attn'`.
   * The child depends only on this stream's key and the label, never on how many numbers this
   * stream has drawn, so adding draws in one place does not move the numbers of another.
   */
  fork(label: string): Rng {
    return new Rng(mix32((this.key ^ fnv1a(label)) >>> 0));
  }

  /** The next raw 32-bit unsigned integer (xoshiro128**). */
  nextUint32(): number {
    const result = Math.imul(rotl(Math.imul(this.s1, 5) >>> 0, 7), 9) >>> 0;
    const t = (this.s1 << 9) >>> 0;
    this.s2 = (this.s2 ^ this.s0) >>> 0;
    this.s3 = (this.s3 ^ this.s1) >>> 0;
    this.s1 = (this.s1 ^ this.s2) >>> 0;
    this.s0 = (this.s0 ^ this.s3) >>> 0;
    this.s2 = (this.s2 ^ t) >>> 0;
    this.s3 = rotl(this.s3, 11);
    return result;
  }

  /** A seed for a TF.js random op (`tf.randomNormal(shape, 0, 1, 'float32', rng.tfSeed())`). */
  tfSeed(): number {
    return this.nextUint32();
  }

  /**
   * A uniform double in [lo, hi), built from 53 random bits (default [0, 1)).
   */
  uniform(lo = 0, hi = 1): number {
    const a = this.nextUint32() >>> 5; // 27 bits
    const b = this.nextUint32() >>> 6; // 26 bits
    const u = (a * 67108864 + b) / 9007199254740992;
    return lo + (hi - lo) * u;
  }

  /** A uniform integer in [0, n), without modulo bias (n ≤ 2^32). */
  int(n: number): number {
    if (!Number.isInteger(n) || n <= 0 || n > TWO_POW_32) {
      throw new RangeError(`Rng.int: n must be an integer in [1, 2^32], got ${n}`);
    }
    const limit = TWO_POW_32 - (TWO_POW_32 % n);
    for (;;) {
      const x = this.nextUint32();
      if (x < limit) return x % n;
    }
  }

  /** A normal draw (Box–Muller, one value per two uniforms). */
  normal(mean = 0, std = 1): number {
    const u1 = 1 - this.uniform(); // (0, 1]
    const u2 = this.uniform();
    return mean + std * Math.sqrt(-2 * Math.log(u1)) * Math.cos(2 * Math.PI * u2);
  }

  /**
   * An index drawn with probability proportional to `weights[i]`.
   * Weights need not sum to 1; they must be finite, non-negative, and not all zero.
   */
  categorical(weights: ArrayLike<number>): number {
    let total = 0;
    for (let i = 0; i < weights.length; i++) {
      const w = weights[i];
      if (!Number.isFinite(w) || w < 0) {
        throw new RangeError(`Rng.categorical: weights[${i}] = ${w} is not a finite non-negative number`);
      }
      total += w;
    }
    if (total <= 0) throw new RangeError('Rng.categorical: all weights are zero');
    const target = this.uniform() * total;
    let acc = 0;
    let last = -1;
    for (let i = 0; i < weights.length; i++) {
      if (weights[i] === 0) continue;
      acc += weights[i];
      last = i;
      if (target < acc) return i;
    }
    return last; // only reached through rounding at the top end
  }

  /** A shuffled copy of `items` (Fisher–Yates); the input is not modified. */
  shuffle<T>(items: readonly T[]): T[] {
    const out = items.slice();
    for (let i = out.length - 1; i > 0; i--) {
      const j = this.int(i + 1);
      const tmp = out[i];
      out[i] = out[j];
      out[j] = tmp;
    }
    return out;
  }
}
