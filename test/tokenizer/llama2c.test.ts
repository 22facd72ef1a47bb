import { strict as assert } from 'node:assert';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { tmpdir } from 'node:os';
import { Llama2cTokenizer } from '../../src/tokenizer/llama2c';
import { scoreTokenIds } from '../../src/tokenizer/scoreTokens';
import type { Tokenizer } from '../../src/tokenizer/tokenizer';

const TOK = join(__dirname, '..', '..', 'models', 'stories260K', 'tok512.bin');

describe('tokenizer/llama2c (stories260K tok512.bin)', () => {
  const tok = Llama2cTokenizer.fromFile(TOK);

  it('encodes as llama2.c does (BOS, dummy prefix, merges)', () => {
    // the ids of the CLI example and of llama2.c's run on this prompt
    assert.deepEqual(tok.encode('Once upon a time', { bos: true }), [1, 403, 407, 261, 378]);
    assert.deepEqual(tok.encode('', { bos: true, eos: true }), [1, 2]);
    assert.equal(tok.vocabSize, 512);
    assert.equal(tok.idToToken(403), ' Once');
  });

  it('falls back to bytes for characters outside the vocabulary and round-trips text', () => {
    const text = 'Hello wörld ☃ 123\nnew line';
    const ids = tok.encode(text, { bos: true });
    assert.ok(ids.includes(229 + 0) || ids.some((id) => id >= 3 && id < 259), 'some byte-fallback tokens');
    assert.equal(tok.decode(ids), text);
    assert.throws(() => tok.decode([9999]), /outside \[0, 512\)/);
  });

  it('gives the same ids with and without the per-chunk cache', () => {
    const text = 'The little dog ran to the park and saw a big red ball. He was happy!';
    const first = tok.encode(text);
    assert.deepEqual(tok.encode(text), first); // second call: from the cache
    // an independent, uncached tokenizer built from the same vocabulary
    const pieces = Array.from({ length: tok.vocabSize }, (_, i) => tok.idToToken(i));
    const scores = Float32Array.from(pieces, (_, i) => (tok as unknown as { scores: Float32Array }).scores[i]);
    const plain = new Llama2cTokenizer(
      [...pieces.slice(0, 511), 'x y'],
      Float32Array.from([...scores.slice(0, 511), -1e9]),
    );
    assert.deepEqual(plain.encode(text), first);
  });

  it('encodes a continuation without the dummy prefix', () => {
    const withPrefix = tok.encode('So the');
    const without = tok.encode('So the', { prefixSpace: false });
    assert.notDeepEqual(withPrefix, without);
    assert.equal(tok.decode(without), 'So the');
  });

  it('derives the score token ids from the vocabulary', () => {
    // tok512 digits per PROVENANCE.md: '1'=475, '2'=479, '3'=472, '4'=484, '5'=480
    assert.deepEqual(scoreTokenIds(tok), [475, 479, 472, 484, 480]);
  });

  it('rejects a truncated file, naming it', () => {
    const path = join(tmpdir(), `tract-trunc-${process.pid}.bin`);
    writeFileSync(path, Buffer.from([7, 0, 0, 0, 0, 0, 128, 63, 5, 0, 0]));
    assert.throws(() => Llama2cTokenizer.fromFile(path), new RegExp(`${path}: truncated or malformed`));
  });
});

describe('tokenizer/scoreTokens', () => {
  /** A toy tokenizer: one id per character, merging "5" with the preceding space. */
  const toy = (mergeSpaceFive: boolean): Tokenizer => {
    const encode = (text: string) => {
      const out: number[] = [];
      for (let i = 0; i < text.length; i++) {
        if (mergeSpaceFive && text[i] === ' ' && text[i + 1] === '5') {
          out.push(1000);
          i++;
        } else out.push(text.charCodeAt(i));
      }
      return out;
    };
    return {
      kind: 'toy',
      vocabSize: 1001,
      bos: null,
      eos: 0,
      pad: 0,
      encode,
      decode: (ids) => String.fromCharCode(...ids),
      idToToken: (id) => String.fromCharCode(id),
      tokenToId: (t) => t.charCodeAt(0),
    };
  };

  it('accepts a tokenizer whose digits follow the context as bare tokens', () => {
    assert.deepEqual(scoreTokenIds(toy(false)), [49, 50, 51, 52, 53]);
  });

  it('refuses a tokenizer that merges the space with the digit, or multi-token scores', () => {
    assert.throws(() => scoreTokenIds(toy(true)), /in 'So the overall score is 5' the digit is not the bare token 53/);
    assert.throws(() => scoreTokenIds(toy(false), ['10']), /'10' encodes to 2 tokens/);
  });
});
