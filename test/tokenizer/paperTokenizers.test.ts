import { strict as assert } from 'node:assert';
import { JudgeTokens } from '../../src/data/judgeTokens';
import { scoreTokenIds } from '../../src/tokenizer/scoreTokens';
import { llama31Tokenizer, mistralTokenizer } from '../helpers/paperTokenizers';

describe("tokenizer: the paper's seed-model tokenizers", () => {
  it('Mistral-7B: derives the ids the official code hard-codes (28740, 28750, 28770, 28781, 28782)', async () => {
    const tok = await mistralTokenizer();
    assert.deepEqual(scoreTokenIds(tok), [28740, 28750, 28770, 28781, 28782]);
    // the space before the digit is its own token ("▁", 28705), as docs/method.md §2.2 describes
    const jt = new JudgeTokens(tok);
    assert.equal(jt.cotContext[jt.cotContext.length - 1], 28705);
  });

  it('Llama-3.1: derives 16..20, and the context ends with the space token 220', () => {
    const tok = llama31Tokenizer();
    assert.deepEqual(scoreTokenIds(tok), [16, 17, 18, 19, 20]);
    const jt = new JudgeTokens(tok);
    assert.equal(jt.cotContext[jt.cotContext.length - 1], 220);
    assert.equal(tok.eos, tok.tokenToId('<|eot_id|>'));
  });
});
