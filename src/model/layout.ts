/**
 * The parameter layout of a Llama-family model: the names of the linear layers, their Hugging Face
 * module paths and the stored shape of every parameter. Shared by the model (`model/llama.ts`), its
 * adapters (`model/lora.ts`) and checkpoint I/O (`model/checkpoint.ts`), so none of them imports
 * another for names alone.
 *
 * Linear weights are stored as [in, out], the transpose of Hugging Face's [out, in], so that the
 * forward is a plain 2-D matmul; checkpoint I/O transposes ({@link isTransposedWeight}).
 *
 * @module model/layout
 */
import type { LlamaConfig } from './config';

/** Linear layers of one block's attention, by Hugging Face module name. */
export const ATTENTION_LINEARS = ['q_proj', 'k_proj', 'v_proj', 'o_proj'] as const;
/** Linear layers of one block's SwiGLU MLP, by Hugging Face module name. */
export const MLP_LINEARS = ['gate_proj', 'up_proj', 'down_proj'] as const;
/** A linear layer of one block. */
export type LinearName = (typeof ATTENTION_LINEARS)[number] | (typeof MLP_LINEARS)[number];

/** Hugging Face module path of a linear layer. */
export function linearPath(layer: number, name: LinearName): string {
  const group = (ATTENTION_LINEARS as readonly string[]).includes(name) ? 'self_attn' : 'mlp';
  return `model.layers.${layer}.${group}.${name}`;
}

/** Shape [in, out] of a linear layer's stored weight. */
export function linearShape(c: LlamaConfig, name: LinearName): [number, number] {
  const q = c.nHeads * c.headDim;
  const kv = c.nKvHeads * c.headDim;
  switch (name) {
    case 'q_proj':
      return [c.dim, q];
    case 'k_proj':
    case 'v_proj':
      return [c.dim, kv];
    case 'o_proj':
      return [q, c.dim];
    case 'gate_proj':
    case 'up_proj':
      return [c.dim, c.hiddenDim];
    case 'down_proj':
      return [c.hiddenDim, c.dim];
  }
}

/** Every parameter of a config with its stored shape (linear weights as [in, out]). */
export function parameterShapes(c: LlamaConfig): Map<string, number[]> {
  const shapes = new Map<string, number[]>();
  shapes.set('model.embed_tokens.weight', [c.vocabSize, c.dim]);
  for (let l = 0; l < c.nLayers; l++) {
    shapes.set(`model.layers.${l}.input_layernorm.weight`, [c.dim]);
    for (const name of [...ATTENTION_LINEARS, ...MLP_LINEARS]) {
      shapes.set(`${linearPath(l, name)}.weight`, linearShape(c, name));
      if (c.attentionBias && (name === 'q_proj' || name === 'k_proj' || name === 'v_proj')) {
        shapes.set(`${linearPath(l, name)}.bias`, [linearShape(c, name)[1]]);
      }
    }
    shapes.set(`model.layers.${l}.post_attention_layernorm.weight`, [c.dim]);
  }
  shapes.set('model.norm.weight', [c.dim]);
  if (!c.tiedEmbeddings) shapes.set('lm_head.weight', [c.dim, c.vocabSize]);
  return shapes;
}

/** True for parameters stored transposed relative to Hugging Face ([in, out] vs [out, in]). */
export function isTransposedWeight(name: string): boolean {
  return name === 'lm_head.weight' || /\.(q|k|v|o|gate|up|down)_proj\.weight$/.test(name);
}
