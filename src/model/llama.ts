/**
 * A Llama-architecture decoder on TF.js, read top to bottom like nanoGPT's `model.py`:
 * token embedding → nLayers × [RMSNorm → grouped-query causal attention with RoPE → residual,
 * RMSNorm → SwiGLU MLP → residual] → RMSNorm → output head (tied or separate).
 *
 * The same class runs llama2.c models (stories260K) and Hugging Face Llama / Mistral / Qwen2
 * checkpoints. Parameters are named as in Hugging Face (`model.layers.0.self_attn.q_proj.weight`)
 * but linear weights are stored as [in, out] (the transpose of Hugging Face's [out, in]) so that the
 * forward is a plain 2-D matmul; checkpoint I/O transposes.
 *
 * Two forwards share one code path:
 *  - {@link LlamaModel.forward}: [B, T] ids → [B, T, V] logits (training, scoring); an attention
 *    mask supports padded batches (left or right padding, per-row positions).
 *  - {@link LlamaModel.forwardWithCache}: the incremental forward for generation; keys and values of
 *    earlier positions come from a {@link KvCache}.
 *
 * The attention math (positions, biases, grouped-query attention, the cache) is `model/attention.ts`.
 *
 * @module model/llama
 */
import * as tf from '@tensorflow/tfjs';
import { Rng } from '../engine/rng';
import { ownKernelAvailable, RMS_NORM, SWIGLU, SWIGLU_GRAD } from '../engine/wasmKernels';
import { gatherRows } from '../engine/ops';
import { validateConfig, type LlamaConfig } from './config';
import {
  attentionBias,
  causalAttention,
  causalAttentionBias,
  decodeStepAttention,
  decodeStepRopeAppend,
  extendCache,
  fusedDecodingAvailable,
  keyPaddingBias,
  tokenPositions,
  type KvCache,
  type Mask,
} from './attention';
import { linearPath, parameterShapes, type LinearName } from './layout';
import type { LoraAdapters } from './loraAdapters';
import { applyRope, ropeTables, type RopeTables } from './rope';

export { disposeCache, type KvCache } from './attention';

/** Options of a forward pass. */
export interface ForwardOptions {
  /** [B, T] 1 for real tokens, 0 for padding (default all 1). */
  attentionMask?: readonly (readonly number[])[];
  /** Training mode: enables LoRA dropout. */
  training?: boolean;
  /**
   * Logits of the last position only, [B, 1, V] (a prompt's next token, a RAIL readout): the final norm and the
   * output head skip the other T − 1 positions. The same values as the last position of the full logits.
   */
  lastOnly?: boolean;
}

type IdGrid = tf.Tensor2D | readonly (readonly number[])[];

/** A Llama-family decoder. Owns its variables: call {@link LlamaModel.dispose} when done. */
export class LlamaModel {
  readonly config: LlamaConfig;
  /** Parameters by Hugging Face name; linear weights stored as [in, out]. */
  readonly params: Map<string, tf.Variable>;
  /** LoRA adapters, when attached (see `model/lora.ts`). */
  lora: LoraAdapters | null = null;
  private readonly rope: RopeTables;

  /**
   * @param tensors parameters in the stored layout ({@link parameterShapes}); they become variables
   *   (the tensors are disposed after copying).
   */
  constructor(config: LlamaConfig, tensors: Map<string, tf.Tensor>) {
    this.config = validateConfig({ ...config });
    const shapes = parameterShapes(this.config);
    for (const name of tensors.keys()) {
      if (!shapes.has(name)) throw new Error(`LlamaModel: unexpected parameter '${name}'`);
    }
    this.params = new Map();
    for (const [name, shape] of shapes) {
      const t = tensors.get(name);
      if (!t) throw new Error(`LlamaModel: missing parameter '${name}' (shape [${shape}])`);
      if (t.shape.join(',') !== shape.join(',')) {
        throw new Error(`LlamaModel: parameter '${name}' has shape [${t.shape}], expected [${shape}]`);
      }
      // unnamed: TF.js variable names are global, and two models may coexist
      this.params.set(
        name,
        tf.tidy(() => tf.variable(t.dtype === 'float32' ? t : tf.cast(t, 'float32'), true)),
      );
      t.dispose(); // the variable keeps the data
    }
    this.rope = ropeTables(this.config);
  }

  /**
   * A randomly initialised model: normal(0, 0.02) weights (output projections scaled by
   * 1/sqrt(2·nLayers), as GPT-2), unit norms, zero biases. Seeds come from `seed`.
   */
  static init(config: LlamaConfig, seed: number | string = 0): LlamaModel {
    const c = validateConfig({ ...config });
    const rng = new Rng(seed).fork('model/init');
    const tensors = new Map<string, tf.Tensor>();
    for (const [name, shape] of parameterShapes(c)) {
      if (name.endsWith('norm.weight')) tensors.set(name, tf.ones(shape));
      else if (name.endsWith('.bias')) tensors.set(name, tf.zeros(shape));
      else {
        const std = /(o_proj|down_proj)\.weight$/.test(name) ? 0.02 / Math.sqrt(2 * c.nLayers) : 0.02;
        tensors.set(name, tf.randomNormal(shape, 0, std, 'float32', rng.fork(name).tfSeed()));
      }
    }
    return new LlamaModel(c, tensors);
  }

  /** The variables training updates: the LoRA adapters when attached, else every parameter. */
  trainableVariables(): tf.Variable[] {
    return this.lora ? this.lora.variables() : [...this.params.values()];
  }

  /** Frees the variables, the rotary tables and any adapters. */
  dispose(): void {
    tf.dispose([...this.params.values(), this.rope.cos, this.rope.sin, this.rope.rot]);
    this.lora?.dispose();
  }

  private param(name: string): tf.Variable {
    const p = this.params.get(name);
    if (!p) throw new Error(`LlamaModel: no parameter '${name}'`);
    return p;
  }

  /** y = x W (+ b) (+ LoRA): x [N, in] → [N, out]. */
  private linear(x: tf.Tensor2D, layer: number, name: LinearName, training: boolean): tf.Tensor2D {
    const path = linearPath(layer, name);
    let y: tf.Tensor2D = tf.matMul(x, this.param(`${path}.weight`) as tf.Tensor2D); // [N, out]
    const bias = this.params.get(`${path}.bias`);
    if (bias) y = tf.add(y, bias);
    return this.lora ? this.lora.apply(path, x, y, training) : y;
  }

  /** RMSNorm over the last axis: x / sqrt(mean(x²) + eps) · w; one kernel call on a fused decoding step. */
  private rmsNorm(x: tf.Tensor2D, weight: string, fused = false): tf.Tensor2D {
    if (fused) {
      return tf.engine().runKernel(RMS_NORM, { x, w: this.param(weight) }, { eps: this.config.normEps }) as tf.Tensor2D;
    }
    const ms = tf.mean(tf.square(x), -1, true); // [N, 1]
    return tf.mul(tf.mul(x, tf.rsqrt(tf.add(ms, this.config.normEps))), this.param(weight));
  }

  /**
   * The training / scoring forward.
   * @param inputIds [B, T] token ids
   * @returns logits [B, T, V]; the caller owns them.
   */
  forward(inputIds: IdGrid, options: ForwardOptions = {}): tf.Tensor3D {
    const ids = toIdRows(inputIds);
    const { attentionMask = null, training = false, lastOnly = false } = options;
    return tf.tidy(() => this.run(ids, attentionMask, null, training, lastOnly).logits);
  }

  /**
   * The incremental forward: runs `inputIds` after the positions held in `cache` (none when null)
   * and returns the logits and a new cache that also holds these positions. The old cache is left
   * to the caller to dispose.
   * @param inputIds [B, T] new token ids
   * @param options.attentionMask [B, T] validity of the new tokens (left padding in a prompt batch)
   */
  forwardWithCache(
    inputIds: IdGrid,
    cache: KvCache | null,
    options: ForwardOptions = {},
  ): { logits: tf.Tensor3D; cache: KvCache } {
    const ids = toIdRows(inputIds);
    const out = tf.tidy(() => {
      const r = this.run(ids, options.attentionMask ?? null, cache, false, options.lastOnly ?? false);
      return { logits: r.logits, k: r.k, v: r.v };
    });
    const mask = options.attentionMask ?? ids.map((row) => row.map(() => 1));
    return { logits: out.logits, cache: extendCache(cache, mask, out.k, out.v) };
  }

  /**
   * The shared forward: embed → nLayers × (attention block, MLP block) → final norm and head.
   * @returns logits [B, T, V] ([B, 1, V] with `lastOnly`) and the full keys/values (past + new) of every layer,
   *   [B, KV, Tk, hd] each.
   */
  private run(
    ids: number[][],
    attentionMask: Mask | null,
    cache: KvCache | null,
    training: boolean,
    lastOnly = false,
  ): { logits: tf.Tensor3D; k: tf.Tensor4D[]; v: tf.Tensor4D[] } {
    this.checkInputs(ids, attentionMask, cache);
    const fwd = this.forwardContext(ids, attentionMask, cache, training);
    let x = this.embed(ids); // [N, D], N = B·T
    const ks: tf.Tensor4D[] = [];
    const vs: tf.Tensor4D[] = [];
    for (let l = 0; l < this.config.nLayers; l++) {
      const attention = this.attentionBlock(x, l, fwd);
      ks.push(attention.k);
      vs.push(attention.v);
      x = this.mlpBlock(attention.x, l, training, fwd.fused);
    }
    if (lastOnly && fwd.t > 1) {
      const d = this.config.dim;
      const lastRow = tf.slice(tf.reshape(x, [fwd.b, fwd.t, d]), [0, fwd.t - 1, 0], [fwd.b, 1, d]); // [B, 1, D]
      x = tf.reshape(lastRow, [fwd.b, d]); // [B, D]
      return { logits: this.head(x, fwd.b, 1, fwd.fused), k: ks, v: vs };
    }
    return { logits: this.head(x, fwd.b, fwd.t, fwd.fused), k: ks, v: vs };
  }

  /** Rejects a cache, mask or token id that does not fit the batch or the vocabulary. */
  private checkInputs(ids: number[][], attentionMask: Mask | null, cache: KvCache | null): void {
    const b = ids.length;
    const t = ids[0].length;
    if (cache && cache.valid.length !== b) {
      throw new Error(`forward: cache holds ${cache.valid.length} rows, batch has ${b}`);
    }
    if (attentionMask && (attentionMask.length !== b || attentionMask.some((r) => r.length !== t))) {
      throw new Error(`forward: attentionMask must have shape [${b}, ${t}]`);
    }
    const v = this.config.vocabSize;
    for (const [i, row] of ids.entries()) {
      for (const [j, id] of row.entries()) {
        if (!Number.isInteger(id) || id < 0 || id >= v) {
          throw new RangeError(`forward: inputIds[${i}][${j}] = ${id} is outside [0, ${v})`);
        }
      }
    }
  }

  /** Sizes, rotary tables at each token's position and the attention biases every layer shares. */
  private forwardContext(
    ids: number[][],
    attentionMask: Mask | null,
    cache: KvCache | null,
    training: boolean,
  ): ForwardContext {
    const c = this.config;
    const b = ids.length;
    const t = ids[0].length;
    const past = cache ? cache.valid[0].length : 0;
    const positions = tokenPositions(b, t, attentionMask, cache); // [B·T]
    const maxPos = positions.reduce((m, p) => Math.max(m, p), 0);
    if (maxPos >= c.maxSeqLen) throw new Error(`forward: position ${maxPos} exceeds maxSeqLen ${c.maxSeqLen}`);
    const posT = tf.tensor1d(positions, 'int32');
    const cosRows = tf.gather(this.rope.cos, posT) as tf.Tensor2D; // [B·T, hd]
    const sinRows = tf.gather(this.rope.sin, posT) as tf.Tensor2D;
    const keyBias = keyPaddingBias(b, t, past, attentionMask, cache); // [B, 1, 1, Tk] or null
    // a decoding step (one new token) uses the key bias alone (model/attention decodeStepAttention)
    const decoding = t === 1 && cache !== null;
    const fused = decoding && !training && past > 0 && fusedDecodingAvailable();
    if (fused) return { b, t, cache, training, fused, cosRows, sinRows, cos: null, sin: null, bias: null, keyBias };
    const cos = tf.reshape(cosRows, [b, t, 1, c.headDim]) as tf.Tensor4D; // [B, T, 1, hd]
    const sin = tf.reshape(sinRows, [b, t, 1, c.headDim]) as tf.Tensor4D;
    const g = c.nHeads / c.nKvHeads;
    const bias = decoding ? null : attentionBias(causalAttentionBias(g, t, past), keyBias); // [B|1, 1, G·T, Tk]
    return { b, t, cache, training, fused, cosRows, sinRows, cos, sin, bias, keyBias };
  }

  /** Token embeddings: ids [B][T] → x [N, D], N = B·T. */
  private embed(ids: number[][]): tf.Tensor2D {
    const flatIds = tf.tensor1d(ids.flat(), 'int32'); // [N]
    return gatherRows(this.param('model.embed_tokens.weight') as tf.Tensor2D, flatIds); // [N, D]
  }

  /**
   * Layer `l`'s attention with its residual: x + o_proj(attention(RMSNorm(x))), x [N, D] → [N, D].
   * Also returns the layer's keys and values (cached past + new), [B, KV, Tk, hd] each.
   */
  private attentionBlock(
    x: tf.Tensor2D,
    l: number,
    fwd: ForwardContext,
  ): { x: tf.Tensor2D; k: tf.Tensor4D; v: tf.Tensor4D } {
    const { b, t, cache, training } = fwd;
    const { nHeads: h, nKvHeads: kvh, headDim: hd } = this.config;
    const g = h / kvh;
    const xn = this.rmsNorm(x, `model.layers.${l}.input_layernorm.weight`, fwd.fused); // [N, D]
    if (fwd.fused && cache) {
      // a decoding step on the own kernels: rotary embedding and cache append in one call, then the attention
      const step = decodeStepRopeAppend(
        this.linear(xn, l, 'q_proj', false), // [B, H·hd]
        this.linear(xn, l, 'k_proj', false), // [B, KV·hd]
        this.linear(xn, l, 'v_proj', false),
        fwd.cosRows,
        fwd.sinRows,
        cache.k[l],
        cache.v[l],
        { heads: h, kvHeads: kvh, halfSplit: this.config.ropeStyle === 'halfSplit' },
      ); // q [B, KV, G, hd], k and v [B, KV, Tk, hd]
      const attended = decodeStepAttention(step.q, step.k, step.v, fwd.keyBias); // [B, KV, G, hd]
      const merged = tf.reshape(attended, [b, h * hd]) as tf.Tensor2D; // [B, H·hd]: h = kv·G + g
      return { x: tf.add(x, this.linear(merged, l, 'o_proj', false)), k: step.k, v: step.v };
    }
    if (!fwd.cos || !fwd.sin) throw new Error('forward: rotary tables missing');
    let q = tf.reshape(this.linear(xn, l, 'q_proj', training), [b, t, h, hd]) as tf.Tensor4D; // [B, T, H, hd]
    let k = tf.reshape(this.linear(xn, l, 'k_proj', training), [b, t, kvh, hd]) as tf.Tensor4D; // [B, T, KV, hd]
    const v = tf.reshape(this.linear(xn, l, 'v_proj', training), [b, t, kvh, hd]) as tf.Tensor4D;
    q = applyRope(q, fwd.cos, fwd.sin, this.rope.rot, this.rope.halfSplit);
    k = applyRope(k, fwd.cos, fwd.sin, this.rope.rot, this.rope.halfSplit);
    // grouped-query layout without repeating K/V: query heads h = kv·G + g
    const qByGroup = tf.transpose(tf.reshape(q, [b, t, kvh, g, hd]), [0, 2, 3, 1, 4]); // [B, KV, G, T, hd]
    const qg = tf.reshape(qByGroup, [b, kvh, g * t, hd]) as tf.Tensor4D; // [B, KV, G·T, hd]
    let kt = tf.transpose(k, [0, 2, 1, 3]) as tf.Tensor4D; // [B, KV, T, hd]
    let vt = tf.transpose(v, [0, 2, 1, 3]) as tf.Tensor4D; // [B, KV, T, hd]
    if (cache) {
      kt = tf.concat([cache.k[l], kt], 2); // [B, KV, Tk, hd]
      vt = tf.concat([cache.v[l], vt], 2);
    }
    const attended =
      // [B, KV, G·T, hd]
      fwd.bias
        ? causalAttention(qg, kt, vt, fwd.bias, { t, past: kt.shape[2] - t, keyBias: fwd.keyBias })
        : decodeStepAttention(qg, kt, vt, fwd.keyBias);
    const byToken = tf.transpose(tf.reshape(attended, [b, kvh, g, t, hd]), [0, 3, 1, 2, 4]); // [B, T, KV, G, hd]
    const merged = tf.reshape(byToken, [b * t, h * hd]); // [N, H·hd]
    return { x: tf.add(x, this.linear(merged as tf.Tensor2D, l, 'o_proj', training)), k: kt, v: vt };
  }

  /**
   * Layer `l`'s SwiGLU MLP with its residual: x + down(silu(gate(xn)) ⊙ up(xn)), xn = RMSNorm(x);
   * [N, D] → [N, D].
   */
  private mlpBlock(x: tf.Tensor2D, l: number, training: boolean, fused: boolean): tf.Tensor2D {
    const xm = this.rmsNorm(x, `model.layers.${l}.post_attention_layernorm.weight`, fused); // [N, D]
    const gate = this.linear(xm, l, 'gate_proj', training); // [N, hidden]
    const up = this.linear(xm, l, 'up_proj', training); // [N, hidden]
    const act: tf.Tensor2D = fused
      ? (tf.engine().runKernel(SWIGLU, { gate, up }) as tf.Tensor2D) // one call on a fused decoding step
      : swiGlu(gate, up); // silu(gate) ⊙ up
    return tf.add(x, this.linear(act, l, 'down_proj', training));
  }

  /** Final RMSNorm and output head (tied to the embedding or separate): x [N, D] → logits [B, T, V]. */
  private head(x: tf.Tensor2D, b: number, t: number, fused: boolean): tf.Tensor3D {
    const c = this.config;
    const xf = this.rmsNorm(x, 'model.norm.weight', fused); // [N, D]
    const logits = c.tiedEmbeddings
      ? tf.matMul(xf, this.param('model.embed_tokens.weight'), false, true) // [N, V]
      : tf.matMul(xf, this.param('lm_head.weight'));
    return tf.reshape(logits, [b, t, c.vocabSize]) as tf.Tensor3D;
  }
}

/** What every layer of one forward shares. */
interface ForwardContext {
  /** Batch rows B and new tokens T. */
  b: number;
  t: number;
  cache: KvCache | null;
  training: boolean;
  /**
   * A decoding step on the own one-call kernels (wasm; one new token per row after a non-empty cache, no gradient):
   * fused RMSNorm, rotary embedding with the cache append, and attention.
   */
  fused: boolean;
  /** Rotary tables at each token's position, [B·T, hd]. */
  cosRows: tf.Tensor2D;
  sinRows: tf.Tensor2D;
  /** The same as [B, T, 1, hd]; null on a fused decoding step, which reads the rows. */
  cos: tf.Tensor4D | null;
  sin: tf.Tensor4D | null;
  /**
   * The causal and key-padding biases in one: [1 or B, 1, G·T, Tk] (0 where a query may attend to a key); null on a
   * decoding step (one new token after a cache), which needs the key bias alone.
   */
  bias: tf.Tensor4D | null;
  /** Large negative on padded keys (mask or cache), [B, 1, 1, Tk]; null without mask and cache. */
  keyBias: tf.Tensor4D | null;
}

/** Token ids as rows of numbers, checked to be a non-empty rectangle. */
function toIdRows(ids: IdGrid): number[][] {
  const rows = ids instanceof tf.Tensor ? (ids.arraySync() as number[][]) : ids.map((r) => [...r]);
  if (rows.length === 0 || rows[0].length === 0) throw new Error('forward: inputIds is empty');
  const t = rows[0].length;
  rows.forEach((r, i) => {
    if (r.length !== t) throw new Error(`forward: inputIds row ${i} has ${r.length} tokens, row 0 has ${t}`);
  });
  return rows;
}

/**
 * silu(gate) ⊙ up = (gate · σ(gate)) · up, TF.js's ops; on wasm its gradient is one pass (engine/wasmKernels
 * `SwiGluGrad`, the bits of TF.js's gradients of these ops) instead of eight.
 * @param gate [N, H]; up [N, H]
 * @returns [N, H]
 */
function swiGlu(gate: tf.Tensor2D, up: tf.Tensor2D): tf.Tensor2D {
  if (!ownKernelAvailable(SWIGLU_GRAD)) return tf.mul(tf.mul(gate, tf.sigmoid(gate)), up);
  const op = tf.customGrad((...args: (tf.Tensor | tf.GradSaveFunc)[]) => {
    const [g, u, save] = args as [tf.Tensor2D, tf.Tensor2D, tf.GradSaveFunc];
    const s = tf.sigmoid(g); // [N, H]
    const value = tf.mul(tf.mul(g, s), u); // [N, H]
    save([g, u, s]);
    return {
      value,
      gradFunc: (dy: tf.Tensor, saved: tf.Tensor[]) => {
        const [sg, su, ss] = saved;
        return tf.engine().runKernel(SWIGLU_GRAD, { dy, gate: sg, up: su, s: ss }) as tf.Tensor[]; // [N, H] each
      },
    };
  });
  return op(gate, up) as tf.Tensor2D;
}
