import { strict as assert } from 'node:assert';
import { applyChatTemplate } from '../../src/data/chatTemplates';
import { llama31Tokenizer } from '../helpers/paperTokenizers';

describe('data/chatTemplates (LLaMA-Factory @c6e3c14a)', () => {
  it('mistral: [INST] wrapping, response with a leading space and </s>', () => {
    assert.deepEqual(applyChatTemplate('mistral', 'Judge this.', 'Good. So the overall score is 4'), {
      prompt: '<s>[INST] Judge this.[/INST]',
      response: ' Good. So the overall score is 4</s>',
    });
  });

  it('llama3: header tokens, encoded as special tokens by the Llama-3.1 tokenizer', () => {
    const t = applyChatTemplate('llama3', 'Judge this.', 'Fine. So the overall score is 3');
    assert.equal(
      t.prompt,
      '<|begin_of_text|><|start_header_id|>user<|end_header_id|>\n\nJudge this.' +
        '<|eot_id|><|start_header_id|>assistant<|end_header_id|>\n\n',
    );
    assert.equal(t.response, 'Fine. So the overall score is 3<|eot_id|>');
    const tok = llama31Tokenizer();
    const ids = tok.encode(t.prompt);
    assert.equal(ids[0], tok.tokenToId('<|begin_of_text|>'));
    assert.equal(ids[1], tok.tokenToId('<|start_header_id|>'));
    assert.equal(tok.encode(t.response).at(-1), tok.eos);
  });

  it('none: unchanged; unknown templates are errors', () => {
    assert.deepEqual(applyChatTemplate('none', 'p', 'r'), { prompt: 'p', response: 'r' });
    assert.throws(() => applyChatTemplate('chatml' as never, 'p'), /unknown chat template 'chatml'/);
  });
});
