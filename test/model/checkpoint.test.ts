import { strict as assert } from 'node:assert';
import {
  copyFileSync,
  cpSync,
  existsSync,
  mkdtempSync,
  readFileSync,
  readdirSync,
  truncateSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { assertClose } from '../../src/engine/asserts';
import {
  loadModel,
  loadModelConfig,
  loadModelTokenizer,
  readHfModel,
  readLlama2cModel,
  saveCheckpoint,
} from '../../src/model/checkpoint';
import { SafetensorsFile, writeSafetensors } from '../../src/model/safetensors';
import { useBackend } from '../helpers/backends';

const ROOT = join(__dirname, '..', '..');
const STORIES = join(ROOT, 'models', 'stories260K');
const HF = join(__dirname, '..', 'fixtures', 'hf');
const tmp = () => mkdtempSync(join(tmpdir(), 'tract-ckpt-'));

describe('model/checkpoint', () => {
  before(() => useBackend('wasm'));

  it('saves the project format (HF-compatible) and loads it back with identical logits and tokenizer', () => {
    const { model, tokenizer } = loadModel(STORIES);
    const dir = join(tmp(), 'ckpt');
    saveCheckpoint(model, dir, { tokenizerFrom: STORIES, metadata: { step: '0' } });
    assert.deepEqual(readdirSync(dir).sort(), ['config.json', 'model.safetensors', 'tokenizer.bin']);
    const cfg = JSON.parse(readFileSync(join(dir, 'config.json'), 'utf8'));
    assert.equal(cfg.model_type, 'llama');
    assert.equal(cfg.tie_word_embeddings, true);
    assert.equal(new SafetensorsFile(join(dir, 'model.safetensors')).metadata.step, '0');
    const again = loadModel(dir);
    assert.equal(again.format, 'hf');
    const ids = tokenizer.encode('Once upon a time', { bos: true });
    assert.deepEqual(again.tokenizer.encode('Once upon a time', { bos: true }), ids);
    // the tokenizer alone, without reading weights, from both kinds of folder and from a .bin file
    for (const p of [dir, STORIES, join(STORIES, 'stories260K.bin')])
      assert.deepEqual(loadModelTokenizer(p).encode('Once upon a time', { bos: true }), ids);
    // and the architecture alone: config.json, or the 28-byte header of the llama2.c file
    for (const p of [dir, STORIES, join(STORIES, 'stories260K.bin')])
      assert.deepEqual(loadModelConfig(p), model.config, p);
    const a = model.forward([ids]);
    const b = again.model.forward([ids]);
    assertClose(b, a, { atol: 0, rtol: 0 });
    // saving again replaces the folder only once the new one is complete
    saveCheckpoint(again.model, dir, { tokenizerFrom: dir });
    assert.ok(existsSync(join(dir, 'model.safetensors')));
    assert.deepEqual(readdirSync(join(dir, '..')), ['ckpt']);
    tf.dispose([a, b]);
    model.dispose();
    again.model.dispose();
  });

  it('reads F16 and BF16 tensors and sharded checkpoints (fixtures of tools/make_llama_fixture.py)', () => {
    const f16 = new SafetensorsFile(join(HF, 'llama3-tied-f16', 'model.safetensors'));
    assert.equal(f16.entries.get('model.norm.weight')!.dtype, 'F16');
    const m = readHfModel(join(HF, 'qwen2-bias-bf16'));
    assert.equal(m.config.architecture, 'qwen2');
    assert.ok(m.params.has('model.layers.0.self_attn.q_proj.bias'));
    m.dispose();
  });

  it('round-trips safetensors values exactly', () => {
    const path = join(tmp(), 'x.safetensors');
    const data = Float32Array.from([1.5, -2.25, 3e-8, 65504, -0]);
    writeSafetensors(
      path,
      new Map([
        ['a', { shape: [5], data }],
        ['b', { shape: [1, 2], data: Int32Array.from([7, -9]) }],
      ]),
    );
    const f = new SafetensorsFile(path);
    assertClose(f.read('a').data, data, { atol: 0, rtol: 0 });
    assert.deepEqual(Array.from(f.read('b').data), [7, -9]);
  });

  describe('clear errors that name the file and the tensor', () => {
    const copyFixture = (name: string) => {
      const dir = join(tmp(), name);
      cpSync(join(HF, name), dir, { recursive: true });
      return dir;
    };

    it('unknown architecture', () => {
      const dir = copyFixture('llama-gqa');
      const cfg = JSON.parse(readFileSync(join(dir, 'config.json'), 'utf8'));
      writeFileSync(
        join(dir, 'config.json'),
        JSON.stringify({ ...cfg, model_type: 'gpt2', architectures: ['GPT2LMHeadModel'] }),
      );
      assert.throws(
        () => readHfModel(dir),
        /config.json: unsupported model_type 'gpt2' \(architectures: GPT2LMHeadModel\)/,
      );
    });

    it('missing tensor', () => {
      const dir = copyFixture('qwen2-bias-bf16');
      const index = JSON.parse(readFileSync(join(dir, 'model.safetensors.index.json'), 'utf8'));
      delete index.weight_map['model.layers.1.mlp.up_proj.weight'];
      writeFileSync(join(dir, 'model.safetensors.index.json'), JSON.stringify(index));
      assert.throws(() => readHfModel(dir), /missing tensor 'model.layers.1.mlp.up_proj.weight'/);
    });

    it('shape mismatch', () => {
      const dir = copyFixture('llama-gqa');
      const cfg = JSON.parse(readFileSync(join(dir, 'config.json'), 'utf8'));
      writeFileSync(join(dir, 'config.json'), JSON.stringify({ ...cfg, intermediate_size: 50 }));
      assert.throws(
        () => readHfModel(dir),
        /model.safetensors: tensor 'model.layers.0.mlp.gate_proj.weight' has shape \[48,32\], expected \[50,32\]/,
      );
    });

    it('truncated safetensors file', () => {
      const dir = copyFixture('llama-gqa');
      const file = join(dir, 'model.safetensors');
      truncateSync(file, 40000);
      assert.throws(
        () => readHfModel(dir),
        /model.safetensors: truncated file: tensor '.*' ends at byte \d+, file has 40000/,
      );
    });

    it('truncated llama2.c checkpoint', () => {
      const dir = tmp();
      copyFileSync(join(STORIES, 'stories260K.bin'), join(dir, 'm.bin'));
      truncateSync(join(dir, 'm.bin'), 500000);
      assert.throws(
        () => readLlama2cModel(join(dir, 'm.bin')),
        /m.bin: truncated llama2.c checkpoint: tensor 'w1' needs bytes/,
      );
    });

    it('a NaN or ±Infinity weight in a saved checkpoint (named with its first index)', () => {
      const { model } = loadModel(STORIES);
      const dir = join(tmp(), 'ckpt');
      saveCheckpoint(model, dir, { tokenizerFrom: STORIES });
      model.dispose();
      const file = join(dir, 'model.safetensors');
      const st = new SafetensorsFile(file);
      const tensors = new Map([...st.entries.keys()].map((name) => [name, st.read(name)]));
      const name = 'model.layers.2.self_attn.v_proj.weight';
      const clean = tensors.get(name)!.data.slice();
      for (const bad of [NaN, Infinity, -Infinity]) {
        const data = clean.slice();
        data[37] = bad;
        data[90] = NaN; // only the first is named
        tensors.set(name, { shape: tensors.get(name)!.shape, data });
        writeSafetensors(file, tensors, st.metadata);
        const msg = `model.safetensors: tensor '${name}' has a non-finite value ${bad} at index 37`;
        assert.throws(
          () => loadModel(dir),
          (err: Error) => err.message.includes(msg),
          String(bad),
        );
      }
      tensors.set(name, { shape: tensors.get(name)!.shape, data: clean });
      writeSafetensors(file, tensors, st.metadata);
      loadModel(dir).model.dispose();
    });

    it('an Infinity in an F16 tensor (patched at its byte offset)', () => {
      const dir = copyFixture('llama3-tied-f16');
      const file = join(dir, 'model.safetensors');
      const entry = new SafetensorsFile(file).entries.get('model.norm.weight')!;
      const buf = readFileSync(file);
      buf.writeUInt16LE(0xfc00, 8 + Number(buf.readBigUInt64LE(0)) + entry.data_offsets[0] + 2 * 3); // -Infinity
      writeFileSync(file, buf);
      const msg = /model\.safetensors: tensor 'model\.norm\.weight' has a non-finite value -Infinity at index 3/;
      assert.throws(() => readHfModel(dir), msg);
    });

    it('a NaN weight in a llama2.c checkpoint (named with its index and byte)', () => {
      const dir = tmp();
      const bin = join(dir, 'stories260K.bin');
      copyFileSync(join(STORIES, 'stories260K.bin'), bin);
      copyFileSync(join(STORIES, 'tok512.bin'), join(dir, 'tok512.bin'));
      const { dim, vocabSize, nLayers } = loadModelConfig(bin);
      const wq = 28 + 4 * (vocabSize * dim + nLayers * dim); // after the embedding and rms_att
      const buf = readFileSync(bin);
      buf.writeFloatLE(NaN, wq + 4 * 100);
      buf.writeFloatLE(Infinity, wq + 4 * 200);
      writeFileSync(bin, buf);
      const msg = `stories260K.bin: tensor 'wq' has a non-finite value NaN at index 100 (byte ${wq + 400} of the file)`;
      for (const path of [bin, dir]) {
        assert.throws(
          () => loadModel(path),
          (err: Error) => err.message.includes(msg),
          path,
        );
      }
    });

    it('a folder with no model, and an unknown path', () => {
      assert.throws(() => loadModel(tmp()), /expected config.json, or one llama2.c .bin checkpoint/);
      assert.throws(() => loadModel('/no/such/model'), /\/no\/such\/model: no such file or folder/);
    });
  });
});
