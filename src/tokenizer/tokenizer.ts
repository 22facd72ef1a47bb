/**
 * The one tokenizer interface the toolkit uses, whatever the file format behind it
 * (llama2.c `tokenizer.bin`, Hugging Face `tokenizer.json`).
 *
 * @module tokenizer/tokenizer
 */

/** Options of {@link Tokenizer.encode}. */
export interface EncodeOptions {
  /** Prepend the BOS token (default false). */
  bos?: boolean;
  /** Append the EOS token (default false). */
  eos?: boolean;
  /**
   * SentencePiece's dummy prefix: encode the text as if it started with a space (default true,
   * as SentencePiece does for a whole text). Set false to encode a continuation, such as a target
   * that follows a prompt. Tokenizers without the concept ignore it.
   */
  prefixSpace?: boolean;
}

/** Options of {@link Tokenizer.decode}. */
export interface DecodeOptions {
  /** Drop special tokens such as BOS, EOS, padding (default true). */
  skipSpecialTokens?: boolean;
}

/** A tokenizer: text ↔ token ids. */
export interface Tokenizer {
  /** A short description of the format and source, for logs and `env.json`. */
  readonly kind: string;
  readonly vocabSize: number;
  /** Beginning-of-sequence id, or null when the tokenizer has none. */
  readonly bos: number | null;
  /** End-of-sequence id (the token that ends a target). */
  readonly eos: number;
  /** Padding id used in batches (the pad token if defined, else EOS). */
  readonly pad: number;
  encode(text: string, options?: EncodeOptions): number[];
  decode(ids: readonly number[], options?: DecodeOptions): string;
  /** The vocabulary string of a token id (throws on an unknown id). */
  idToToken(id: number): string;
  /** The id of an exact vocabulary string, or undefined. */
  tokenToId(token: string): number | undefined;
}
