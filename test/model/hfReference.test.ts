import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { assertClose } from '../../src/engine/asserts';
import { readHfModel } from '../../src/model/checkpoint';
import { TEST_BACKENDS, useBackend } from '../helpers/backends';

// Fixtures: tools/make_llama_fixture.py (an independent PyTorch Llama forward; see its header).
const CASES = ['llama-gqa', 'llama3-tied-f16', 'qwen2-bias-bf16'];
const DIR = join(__dirname, '..', 'fixtures', 'hf');

for (const backend of TEST_BACKENDS) {
  describe(`model: Hugging Face checkpoints against PyTorch [${backend}]`, () => {
    before(() => useBackend(backend));
    for (const name of CASES) {
      it(`${name}: logits match to 1e-4`, () => {
        const ref = JSON.parse(readFileSync(join(DIR, name, 'reference.json'), 'utf8')) as {
          inputIds: number[][];
          logits: number[][][];
        };
        const model = readHfModel(join(DIR, name));
        const logits = model.forward(ref.inputIds);
        assertClose(logits, ref.logits, { atol: 1e-4, rtol: 1e-4 });
        logits.dispose();
        model.dispose();
      });
    }
  });
}
