/**
 * The configuration of a Llama-family decoder (Llama 1-3, Mistral, Qwen2, llama2.c models), and its
 * conversion from and to a Hugging Face `config.json`.
 *
 * @module model/config
 */

/** Llama 3.1's rotary frequency rescaling (`rope_scaling.rope_type = "llama3"`). */
export interface Llama3RopeScaling {
  type: 'llama3';
  factor: number;
  lowFreqFactor: number;
  highFreqFactor: number;
  originalMaxPositionEmbeddings: number;
}

/** Architecture hyper-parameters of a Llama-family decoder. */
export interface LlamaConfig {
  /** `model_type` it maps to in Hugging Face format. */
  architecture: 'llama' | 'mistral' | 'qwen2';
  /** Model width (hidden_size). */
  dim: number;
  nLayers: number;
  /** Query heads. */
  nHeads: number;
  /** Key/value heads (grouped-query attention when < nHeads). */
  nKvHeads: number;
  /** Per-head width (default dim / nHeads). */
  headDim: number;
  /** SwiGLU inner width (intermediate_size). */
  hiddenDim: number;
  vocabSize: number;
  /** Longest sequence the rotary tables cover. */
  maxSeqLen: number;
  ropeTheta: number;
  /** RMSNorm epsilon. */
  normEps: number;
  /** Output head shares the token embedding. */
  tiedEmbeddings: boolean;
  /**
   * Pairing of rotary dimensions: `'halfSplit'` rotates (j, j + d/2) as Hugging Face Llama does;
   * `'interleaved'` rotates (2i, 2i+1) as llama2.c and Meta's original code do. Importers convert
   * llama2.c weights to halfSplit, so both kinds of checkpoint run through the same kernels.
   */
  ropeStyle: 'halfSplit' | 'interleaved';
  /** Biases on the q, k, v projections (Qwen2). */
  attentionBias: boolean;
  ropeScaling: Llama3RopeScaling | null;
}

const POSITIVE_INT_KEYS = [
  'dim',
  'nLayers',
  'nHeads',
  'nKvHeads',
  'headDim',
  'hiddenDim',
  'vocabSize',
  'maxSeqLen',
] as const;

/** Throws a clear error for an inconsistent configuration; `source` names where it came from. */
export function validateConfig(c: LlamaConfig, source = 'model config'): LlamaConfig {
  for (const k of POSITIVE_INT_KEYS) {
    if (!Number.isInteger(c[k]) || c[k] <= 0)
      throw new Error(`${source}: ${k} must be a positive integer, got ${c[k]}`);
  }
  if (c.nHeads % c.nKvHeads !== 0)
    throw new Error(`${source}: nHeads (${c.nHeads}) must be a multiple of nKvHeads (${c.nKvHeads})`);
  if (c.headDim % 2 !== 0) throw new Error(`${source}: headDim (${c.headDim}) must be even for rotary embeddings`);
  if (!(c.ropeTheta > 0)) throw new Error(`${source}: ropeTheta must be > 0, got ${c.ropeTheta}`);
  if (!(c.normEps > 0)) throw new Error(`${source}: normEps must be > 0, got ${c.normEps}`);
  if (c.ropeStyle !== 'halfSplit' && c.ropeStyle !== 'interleaved')
    throw new Error(`${source}: unknown ropeStyle '${c.ropeStyle}'`);
  return c;
}

/** A config with defaults for what the caller leaves out (headDim = dim / nHeads, Llama defaults). */
export function makeConfig(
  partial: Partial<LlamaConfig> & Pick<LlamaConfig, 'dim' | 'nLayers' | 'nHeads' | 'vocabSize'>,
): LlamaConfig {
  const nHeads = partial.nHeads;
  return validateConfig({
    architecture: 'llama',
    nKvHeads: nHeads,
    headDim: partial.dim / nHeads,
    hiddenDim: 4 * partial.dim,
    maxSeqLen: 2048,
    ropeTheta: 10000,
    normEps: 1e-5,
    tiedEmbeddings: false,
    ropeStyle: 'halfSplit',
    attentionBias: false,
    ropeScaling: null,
    ...partial,
  });
}

type HfConfig = Record<string, unknown>;

function num(cfg: HfConfig, key: string, source: string, fallback?: number): number {
  const v = cfg[key];
  if (v === undefined || v === null) {
    if (fallback !== undefined) return fallback;
    throw new Error(`${source}: missing '${key}'`);
  }
  if (typeof v !== 'number') throw new Error(`${source}: '${key}' must be a number, got ${JSON.stringify(v)}`);
  return v;
}

/** The architectures this toolkit runs (Hugging Face `model_type`). */
export const SUPPORTED_ARCHITECTURES = ['llama', 'mistral', 'qwen2'] as const;

/**
 * Converts a Hugging Face `config.json` (Llama, Mistral, Qwen2) to a {@link LlamaConfig}.
 * @param source the file name, for error messages.
 * @throws for an unknown architecture or rope scaling, or a missing or mistyped key.
 */
export function fromHfConfig(cfg: HfConfig, source = 'config.json'): LlamaConfig {
  const modelType = String(cfg.model_type ?? '');
  if (!(SUPPORTED_ARCHITECTURES as readonly string[]).includes(modelType)) {
    const archs = Array.isArray(cfg.architectures) ? ` (architectures: ${cfg.architectures.join(', ')})` : '';
    throw new Error(
      `${source}: unsupported model_type '${modelType}'${archs}; supported: ${SUPPORTED_ARCHITECTURES.join(', ')}`,
    );
  }
  const dim = num(cfg, 'hidden_size', source);
  const nHeads = num(cfg, 'num_attention_heads', source);
  let ropeScaling: Llama3RopeScaling | null = null;
  const rs = cfg.rope_scaling as Record<string, unknown> | null | undefined;
  if (rs) {
    const type = rs.rope_type ?? rs.type;
    if (type !== 'llama3')
      throw new Error(`${source}: unsupported rope_scaling type '${String(type)}' (supported: llama3)`);
    const sub = `${source} rope_scaling`;
    ropeScaling = {
      type: 'llama3',
      factor: num(rs, 'factor', sub),
      lowFreqFactor: num(rs, 'low_freq_factor', sub),
      highFreqFactor: num(rs, 'high_freq_factor', sub),
      originalMaxPositionEmbeddings: num(rs, 'original_max_position_embeddings', sub),
    };
  }
  return validateConfig(
    {
      architecture: modelType as LlamaConfig['architecture'],
      dim,
      nLayers: num(cfg, 'num_hidden_layers', source),
      nHeads,
      nKvHeads: num(cfg, 'num_key_value_heads', source, nHeads),
      headDim: num(cfg, 'head_dim', source, dim / nHeads),
      hiddenDim: num(cfg, 'intermediate_size', source),
      vocabSize: num(cfg, 'vocab_size', source),
      maxSeqLen: num(cfg, 'max_position_embeddings', source, 2048),
      ropeTheta: num(cfg, 'rope_theta', source, 10000),
      normEps: num(cfg, 'rms_norm_eps', source, 1e-6),
      tiedEmbeddings: Boolean(cfg.tie_word_embeddings ?? false),
      ropeStyle: 'halfSplit',
      attentionBias: Boolean(cfg.attention_bias ?? modelType === 'qwen2'),
      ropeScaling,
    },
    source,
  );
}

/** The Hugging Face `config.json` of a {@link LlamaConfig} (ropeStyle must be halfSplit). */
export function toHfConfig(c: LlamaConfig): HfConfig {
  if (c.ropeStyle !== 'halfSplit') throw new Error('toHfConfig: Hugging Face checkpoints use halfSplit rotary layout');
  const archName = { llama: 'LlamaForCausalLM', mistral: 'MistralForCausalLM', qwen2: 'Qwen2ForCausalLM' }[
    c.architecture
  ];
  const out: HfConfig = {
    architectures: [archName],
    model_type: c.architecture,
    hidden_size: c.dim,
    num_hidden_layers: c.nLayers,
    num_attention_heads: c.nHeads,
    num_key_value_heads: c.nKvHeads,
    head_dim: c.headDim,
    intermediate_size: c.hiddenDim,
    vocab_size: c.vocabSize,
    max_position_embeddings: c.maxSeqLen,
    rope_theta: c.ropeTheta,
    rms_norm_eps: c.normEps,
    tie_word_embeddings: c.tiedEmbeddings,
    attention_bias: c.attentionBias,
    hidden_act: 'silu',
    torch_dtype: 'float32',
  };
  if (c.ropeScaling) {
    out.rope_scaling = {
      rope_type: 'llama3',
      factor: c.ropeScaling.factor,
      low_freq_factor: c.ropeScaling.lowFreqFactor,
      high_freq_factor: c.ropeScaling.highFreqFactor,
      original_max_position_embeddings: c.ropeScaling.originalMaxPositionEmbeddings,
    };
  }
  return out;
}

/** Number of parameters of a config (embedding counted once when tied). */
export function parameterCount(c: LlamaConfig): number {
  const q = c.dim * c.nHeads * c.headDim;
  const kv = 2 * c.dim * c.nKvHeads * c.headDim + (c.attentionBias ? 2 * c.nKvHeads * c.headDim : 0);
  const o = c.nHeads * c.headDim * c.dim;
  const mlp = 3 * c.dim * c.hiddenDim;
  const perLayer = q + (c.attentionBias ? c.nHeads * c.headDim : 0) + kv + o + mlp + 2 * c.dim;
  return c.vocabSize * c.dim * (c.tiedEmbeddings ? 1 : 2) + c.nLayers * perLayer + c.dim;
}
