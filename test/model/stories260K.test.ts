import { strict as assert } from 'node:assert';
import { join } from 'node:path';
import { loadModel } from '../../src/model/checkpoint';
import { generate } from '../../src/decoding/generate';
import { parameterCount } from '../../src/model/config';
import { TEST_BACKENDS, useBackend } from '../helpers/backends';

const MODEL = join(__dirname, '..', '..', 'models', 'stories260K');
// llama2.c reference (models/stories260K/PROVENANCE.md): greedy, -n 64, prompt "Once upon a time".
const REFERENCE =
  'Once upon a time, there was a little girl named Lily. She loved to play outside in the park. ' +
  'One day, she saw a big, red ball. She wanted to play with it, but it was too high.\nLily';

for (const backend of TEST_BACKENDS) {
  describe(`model: stories260K [${backend}]`, () => {
    before(() => useBackend(backend));

    it('loads the llama2.c checkpoint with the documented architecture', () => {
      const { model, format } = loadModel(MODEL);
      assert.equal(format, 'llama2c');
      const c = model.config;
      assert.deepEqual(
        [c.dim, c.hiddenDim, c.nLayers, c.nHeads, c.nKvHeads, c.vocabSize, c.maxSeqLen, c.tiedEmbeddings],
        [64, 172, 5, 8, 4, 512, 512, true],
      );
      // 264,128 floats in the file minus the 2 × 512 × 4 unused RoPE tables
      assert.equal(parameterCount(c), 264128 - 2 * 512 * 4);
      model.dispose();
    });

    it('reproduces llama2.c greedy decoding byte for byte', async () => {
      const { model, tokenizer } = loadModel(MODEL);
      // llama2.c's -n 64 counts the 5 prompt positions (BOS + 4 tokens) minus the first: 60 new tokens
      const [out] = await generate(model, tokenizer, ['Once upon a time'], { maxNewTokens: 60, temperature: 0 });
      assert.equal(`Once upon a time${out.text}`, REFERENCE);
      assert.equal(out.tokenIds.length, 60);
      assert.equal(out.finishReason, 'length');
      model.dispose();
    });
  });
}
