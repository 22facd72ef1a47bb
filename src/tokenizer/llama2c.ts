/**
 * The llama2.c tokenizer format (`tokenizer.bin`, e.g. stories260K's `tok512.bin`): a SentencePiece
 * BPE vocabulary with merge scores, encoded the way llama2.c's `encode()` does it: a dummy-prefix
 * space, one token per UTF-8 character (byte fallback `<0xHH>` = id byte+3 when the character is
 * not in the vocabulary), then repeated merging of the adjacent pair whose merged string has the
 * highest score (the leftmost on ties).
 *
 * File layout: int32 max_token_length, then for each token: float32 score, int32 byte length, bytes.
 * SentencePiece's "▁" is stored as a plain space.
 *
 * @module tokenizer/llama2c
 */
import { readFileSync } from 'node:fs';
import type { DecodeOptions, EncodeOptions, Tokenizer } from './tokenizer';

const BYTE_TOKEN = /^<0x([0-9A-Fa-f]{2})>$/;

/** A llama2.c-format tokenizer. Ids 0, 1, 2 are `<unk>`, `<s>`, `</s>`; 3-258 are the bytes. */
export class Llama2cTokenizer implements Tokenizer {
  readonly kind: string;
  readonly vocabSize: number;
  readonly bos = 1;
  readonly eos = 2;
  readonly pad = 2;
  private readonly pieces: string[];
  private readonly pieceBytes: Uint8Array[];
  private readonly scores: Float32Array;
  private readonly lookup = new Map<string, number>();
  /** Encodings of space-started chunks, valid when no piece has an inner space (checked at load). */
  private readonly chunkCache: Map<string, number[]> | null;

  constructor(pieces: string[], scores: Float32Array, source = 'tokenizer.bin') {
    if (pieces.length !== scores.length)
      throw new Error(`${source}: ${pieces.length} pieces but ${scores.length} scores`);
    if (pieces.length < 259)
      throw new Error(
        `${source}: ${pieces.length} tokens; a llama2.c vocabulary has at least 259 (3 special + 256 bytes)`,
      );
    this.kind = `llama2.c tokenizer (${source}, ${pieces.length} tokens)`;
    this.vocabSize = pieces.length;
    this.pieces = pieces;
    this.scores = scores;
    this.pieceBytes = pieces.map((p, id) => {
      const m = BYTE_TOKEN.exec(p);
      return m && id >= 3 && id < 259 ? Uint8Array.of(parseInt(m[1], 16)) : Buffer.from(p, 'utf8');
    });
    pieces.forEach((p, id) => {
      if (!this.lookup.has(p)) this.lookup.set(p, id);
    });
    const innerSpace = pieces.some((p, id) => id >= 3 && p.indexOf(' ', 1) > 0);
    this.chunkCache = innerSpace ? null : new Map();
  }

  /** Reads a llama2.c `tokenizer.bin`. */
  static fromFile(path: string): Llama2cTokenizer {
    const buf = readFileSync(path);
    const fail = (what: string) => new Error(`${path}: truncated or malformed llama2.c tokenizer (${what})`);
    if (buf.length < 4) throw fail('no header');
    let off = 4; // max_token_length, not needed
    const pieces: string[] = [];
    const scores: number[] = [];
    while (off < buf.length) {
      if (off + 8 > buf.length) throw fail(`token ${pieces.length} header at byte ${off}`);
      scores.push(buf.readFloatLE(off));
      const len = buf.readInt32LE(off + 4);
      off += 8;
      if (len < 0 || off + len > buf.length) throw fail(`token ${pieces.length} length ${len} at byte ${off - 4}`);
      pieces.push(buf.toString('utf8', off, off + len));
      off += len;
    }
    return new Llama2cTokenizer(pieces, Float32Array.from(scores), path);
  }

  idToToken(id: number): string {
    const p = this.pieces[id];
    if (p === undefined) throw new RangeError(`token id ${id} is outside [0, ${this.vocabSize})`);
    return p;
  }

  tokenToId(token: string): number | undefined {
    return this.lookup.get(token);
  }

  /** Characters → ids with byte fallback, then greedy best-score merging. */
  private mergeEncode(text: string): number[] {
    const ids: number[] = [];
    for (const ch of text) {
      const id = this.lookup.get(ch);
      if (id !== undefined) ids.push(id);
      else for (const byte of Buffer.from(ch, 'utf8')) ids.push(byte + 3);
    }
    for (;;) {
      let bestScore = -1e10;
      let bestId = -1;
      let bestIdx = -1;
      for (let i = 0; i + 1 < ids.length; i++) {
        const id = this.lookup.get(this.pieces[ids[i]] + this.pieces[ids[i + 1]]);
        if (id !== undefined && this.scores[id] > bestScore) {
          bestScore = this.scores[id];
          bestId = id;
          bestIdx = i;
        }
      }
      if (bestIdx < 0) return ids;
      ids.splice(bestIdx, 2, bestId);
    }
  }

  encode(text: string, options: EncodeOptions = {}): number[] {
    const { bos = false, eos = false, prefixSpace = true } = options;
    const out: number[] = bos ? [this.bos] : [];
    const body = prefixSpace && text !== '' ? ` ${text}` : text;
    if (this.chunkCache === null) {
      out.push(...this.mergeEncode(body));
    } else {
      // No piece contains an inner space, so no merge crosses a space: encode chunks that start at
      // each space separately and cache them (the merge loop is quadratic in the chunk length).
      for (const chunk of body.split(/(?= )/)) {
        let ids = this.chunkCache.get(chunk);
        if (ids === undefined) {
          ids = this.mergeEncode(chunk);
          if (this.chunkCache.size < 100000) this.chunkCache.set(chunk, ids);
        }
        out.push(...ids);
      }
    }
    if (eos) out.push(this.eos);
    return out;
  }

  decode(ids: readonly number[], options: DecodeOptions = {}): string {
    const { skipSpecialTokens = true } = options;
    const parts: Uint8Array[] = [];
    let first = true;
    for (const id of ids) {
      if (id < 0 || id >= this.vocabSize)
        throw new RangeError(`decode: token id ${id} is outside [0, ${this.vocabSize})`);
      if (id < 3) {
        if (!skipSpecialTokens) parts.push(Buffer.from(this.pieces[id], 'utf8'));
        continue;
      }
      let bytes = this.pieceBytes[id];
      // SentencePiece drops the dummy-prefix space of the first piece.
      if (first && bytes.length > 0 && bytes[0] === 0x20) bytes = bytes.subarray(1);
      first = false;
      parts.push(bytes);
    }
    return Buffer.concat(parts).toString('utf8');
  }
}
