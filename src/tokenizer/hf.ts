/**
 * Hugging Face `tokenizer.json` tokenizers (Llama 3, Mistral, Qwen2, ...) through
 * `@huggingface/tokenizers` (pure JS), behind the toolkit's {@link Tokenizer} interface.
 *
 * Special tokens come from `tokenizer_config.json` (`bos_token`, `eos_token`, `pad_token`) when
 * present, else from well-known added tokens. `prefixSpace` is left to the tokenizer's own
 * normalizer and pre-tokenizer (a SentencePiece-style `tokenizer.json` prepends "▁" by itself).
 *
 * @module tokenizer/hf
 */
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { Tokenizer as HfTokenizerImpl } from '@huggingface/tokenizers';
import type { DecodeOptions, EncodeOptions, Tokenizer } from './tokenizer';

function tokenString(v: unknown): string | undefined {
  if (typeof v === 'string') return v;
  if (v && typeof v === 'object' && typeof (v as { content?: unknown }).content === 'string')
    return (v as { content: string }).content;
  return undefined;
}

/** A `tokenizer.json` tokenizer. */
export class HfTokenizer implements Tokenizer {
  readonly kind: string;
  readonly vocabSize: number;
  readonly bos: number | null;
  readonly eos: number;
  readonly pad: number;
  private readonly impl: HfTokenizerImpl;
  private readonly idToTok: Map<number, string>;
  private readonly vocab: Map<string, number>;

  constructor(tokenizerJson: object, tokenizerConfig: Record<string, unknown> = {}, source = 'tokenizer.json') {
    this.impl = new HfTokenizerImpl(tokenizerJson, tokenizerConfig);
    this.vocab = this.impl.get_vocab(true);
    this.idToTok = new Map([...this.vocab].map(([t, id]) => [id, t]));
    let maxId = -1;
    for (const id of this.vocab.values()) if (id > maxId) maxId = id; // no spread: vocabularies have 100k+ entries
    this.vocabSize = maxId + 1;
    this.kind = `tokenizer.json (${source}, ${this.vocabSize} tokens)`;
    const find = (configKey: string, fallbacks: string[]): number | undefined => {
      const named = tokenString(tokenizerConfig[configKey]);
      for (const t of named ? [named] : fallbacks) {
        const id = this.vocab.get(t);
        if (id !== undefined) return id;
      }
      if (named) throw new Error(`${source}: ${configKey} '${named}' is not in the vocabulary`);
      return undefined;
    };
    this.bos = find('bos_token', ['<s>', '<|begin_of_text|>', '<bos>']) ?? null;
    const eos = find('eos_token', ['</s>', '<|eot_id|>', '<|end_of_text|>', '<|endoftext|>', '<|im_end|>', '<eos>']);
    if (eos === undefined) throw new Error(`${source}: no EOS token found (set eos_token in tokenizer_config.json)`);
    this.eos = eos;
    this.pad = find('pad_token', []) ?? eos;
  }

  /** Reads `tokenizer.json` (and `tokenizer_config.json` beside it, if present). */
  static fromFile(path: string): HfTokenizer {
    let json: object;
    try {
      json = JSON.parse(readFileSync(path, 'utf8'));
    } catch (err) {
      throw new Error(`${path}: cannot read tokenizer.json (${(err as Error).message})`);
    }
    const cfgPath = join(dirname(path), 'tokenizer_config.json');
    const cfg = existsSync(cfgPath) ? (JSON.parse(readFileSync(cfgPath, 'utf8')) as Record<string, unknown>) : {};
    return new HfTokenizer(json, cfg, path);
  }

  encode(text: string, options: EncodeOptions = {}): number[] {
    const ids = [...this.impl.encode(text, { add_special_tokens: false }).ids];
    if (options.bos) {
      if (this.bos === null) throw new Error(`${this.kind}: this tokenizer has no BOS token`);
      ids.unshift(this.bos);
    }
    if (options.eos) ids.push(this.eos);
    return ids;
  }

  decode(ids: readonly number[], options: DecodeOptions = {}): string {
    return this.impl.decode([...ids], {
      skip_special_tokens: options.skipSpecialTokens ?? true,
      clean_up_tokenization_spaces: false,
    });
  }

  idToToken(id: number): string {
    const t = this.idToTok.get(id);
    if (t === undefined) throw new RangeError(`token id ${id} is not in the vocabulary`);
    return t;
  }

  tokenToId(token: string): number | undefined {
    return this.vocab.get(token);
  }
}
