/**
 * Generation settings as data, with defaults, and TRACT's CoT sampling preset.
 *
 * @module decoding/generationConfig
 */

/** How {@link generate} decodes. */
export interface GenerationConfig {
  /** Most tokens to generate per prompt. */
  maxNewTokens: number;
  /** Softmax temperature; 0 means greedy (argmax). */
  temperature: number;
  /** Keep the k most likely tokens (0: off). */
  topK: number;
  /** Nucleus sampling: keep the smallest set with probability ≥ topP (1: off). */
  topP: number;
  /** Hugging Face / vLLM repetition penalty over prompt and generated tokens (1: off). */
  repetitionPenalty: number;
  /** Strings that end generation; the text returned stops before the first one. */
  stop: string[];
  /** Stop at the tokenizer's EOS token. */
  stopAtEos: boolean;
  /**
   * Token ids that also end generation (finish reason 'stop'); e.g. [1] for llama2.c story models,
   * which separate stories with BOS.
   */
  stopTokenIds: number[];
  /** Seed of the sampling streams (prompt i samples from `seed`, fork `prompt/i`). */
  seed: number | string;
}

/** Defaults: greedy-free plain sampling at T = 1 for 256 tokens. */
export const DEFAULT_GENERATION: Readonly<GenerationConfig> = Object.freeze({
  maxNewTokens: 256,
  temperature: 1,
  topK: 0,
  topP: 1,
  repetitionPenalty: 1,
  stop: [],
  stopAtEos: true,
  stopTokenIds: [],
  seed: 0,
});

/**
 * TRACT's CoT sampling (inference.py L171-182, L443-448): T = 1.0, top-p 0.9, repetition penalty
 * 1.03, at most 1024 tokens, stop at "[RESULT]", seed 42.
 */
export const TRACT_COT_SAMPLING: Readonly<GenerationConfig> = Object.freeze({
  ...DEFAULT_GENERATION,
  maxNewTokens: 1024,
  temperature: 1.0,
  topP: 0.9,
  repetitionPenalty: 1.03,
  stop: ['[RESULT]', ' [RESULT]'],
  seed: 42,
});

/** Fills defaults and checks every field; unknown keys are an error. */
export function resolveGenerationConfig(
  overrides: Partial<GenerationConfig> = {},
  base: Readonly<GenerationConfig> = DEFAULT_GENERATION,
): GenerationConfig {
  for (const k of Object.keys(overrides)) {
    if (!(k in base)) throw new Error(`generation config: unknown key '${k}' (known: ${Object.keys(base).join(', ')})`);
  }
  const c: GenerationConfig = {
    ...base,
    ...overrides,
    stop: [...(overrides.stop ?? base.stop)],
    stopTokenIds: [...(overrides.stopTokenIds ?? base.stopTokenIds)],
  };
  if (!Number.isInteger(c.maxNewTokens) || c.maxNewTokens < 0)
    throw new Error(`generation config: maxNewTokens must be an integer >= 0, got ${c.maxNewTokens}`);
  if (!(c.temperature >= 0)) throw new Error(`generation config: temperature must be >= 0, got ${c.temperature}`);
  if (!Number.isInteger(c.topK) || c.topK < 0)
    throw new Error(`generation config: topK must be an integer >= 0, got ${c.topK}`);
  if (!(c.topP > 0 && c.topP <= 1)) throw new Error(`generation config: topP must be in (0, 1], got ${c.topP}`);
  if (!(c.repetitionPenalty > 0))
    throw new Error(`generation config: repetitionPenalty must be > 0, got ${c.repetitionPenalty}`);
  if (c.stop.some((s) => typeof s !== 'string' || s === ''))
    throw new Error('generation config: stop strings must be non-empty strings');
  if (c.stopTokenIds.some((id) => !Number.isInteger(id) || id < 0))
    throw new Error('generation config: stopTokenIds must be token ids');
  return c;
}
