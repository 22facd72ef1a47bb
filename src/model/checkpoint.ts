/**
 * Loading and saving models.
 *
 * - The project's own format is Hugging Face-compatible: `config.json` + `model.safetensors`
 *   (float32) + the tokenizer file(s), written into a temporary folder that is renamed into place,
 *   so an interrupted save never leaves a half-written checkpoint.
 * - Import: Hugging Face Llama / Mistral / Qwen2 folders (single or sharded safetensors with
 *   `model.safetensors.index.json`; F32/F16/BF16 → float32; `tokenizer.json`), and llama2.c `.bin`
 *   checkpoints with their `tokenizer.bin` (interleaved RoPE converted to the half-split layout).
 *
 * Errors name the file and the tensor: unknown architecture, missing tensor, shape mismatch,
 * truncated file, a NaN or ±Infinity weight (with its first index).
 *
 * @module model/checkpoint
 */
import * as tf from '@tensorflow/tfjs';
import { closeSync, copyFileSync, existsSync, openSync, readdirSync, readFileSync, readSync, statSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import { HfTokenizer } from '../tokenizer/hf';
import { Llama2cTokenizer } from '../tokenizer/llama2c';
import type { Tokenizer } from '../tokenizer/tokenizer';
import { fromHfConfig, toHfConfig, validateConfig, type LlamaConfig } from './config';
import { isTransposedWeight, parameterShapes } from './layout';
import { LlamaModel } from './llama';
import { assertFinite, SafetensorsFile, writeSafetensors, type RawTensor } from './safetensors';
import { replaceFolder, writeFileAtomic } from '../io/atomic';

/** A loaded model with its tokenizer and where it came from. */
export interface LoadedModel {
  model: LlamaModel;
  tokenizer: Tokenizer;
  /** 'hf' or 'llama2c', and the path it was read from. */
  format: 'hf' | 'llama2c';
  path: string;
}

/** The Hugging Face [out, in] layout of a stored parameter → our stored layout. */
function toStored(name: string, raw: RawTensor): tf.Tensor {
  const t = tf.tensor(raw.data, raw.shape, 'float32');
  if (!isTransposedWeight(name)) return t;
  const tt = tf.transpose(t);
  t.dispose();
  return tt;
}

// ---------------------------------------------------------------------------------------------
// llama2.c

/** The 7 × int32 header of a llama2.c checkpoint. */
function llama2cHeader(buf: Buffer, path: string): number[] {
  if (buf.length < 28) throw new Error(`${path}: truncated llama2.c checkpoint (${buf.length} bytes, header needs 28)`);
  return Array.from({ length: 7 }, (_, i) => buf.readInt32LE(4 * i));
}

/** The architecture of a llama2.c checkpoint from its header (`buf` needs only its first 28 bytes). */
function llama2cConfig(buf: Buffer, path: string): LlamaConfig {
  const header = llama2cHeader(buf, path);
  const [dim, hiddenDim, nLayers, nHeads, nKvHeads, vocabRaw, seqLen] = header;
  return validateConfig(
    {
      architecture: 'llama',
      dim,
      nLayers,
      nHeads,
      nKvHeads,
      headDim: dim / nHeads,
      hiddenDim,
      vocabSize: Math.abs(vocabRaw),
      maxSeqLen: seqLen,
      ropeTheta: 10000,
      normEps: 1e-5,
      tiedEmbeddings: vocabRaw > 0,
      ropeStyle: 'halfSplit', // after the permutation below
      attentionBias: false,
      ropeScaling: null,
    },
    `${path} header [${header}]`,
  );
}

/**
 * Reads a llama2.c checkpoint (legacy `.bin`): a 7 × int32 header (dim, hidden_dim, n_layers,
 * n_heads, n_kv_heads, vocab_size (negative: separate classifier), seq_len), then float32 weights.
 * The q and k projections are permuted from llama2.c's interleaved rotary pairs to the half-split
 * layout (a per-head row permutation that leaves every attention score unchanged).
 * @throws naming the file, the tensor and its first bad index (and byte) for a NaN or ±Infinity weight.
 */
export function readLlama2cModel(path: string): LlamaModel {
  const buf = readFileSync(path);
  const config = llama2cConfig(buf, path);
  const { dim, hiddenDim, nLayers, nHeads, nKvHeads } = config;
  const kvDim = nKvHeads * config.headDim;
  const w = llama2cWeights(buf, path, config);
  const tensors = new Map<string, tf.Tensor>();
  const put = (name: string, data: Float32Array, shape: number[]) => tensors.set(name, toStored(name, { data, shape }));
  const permute = (a: Float32Array, heads: number) => interleavedToHalfSplit(a, heads, config.headDim, dim);
  put('model.embed_tokens.weight', w.emb, [config.vocabSize, dim]);
  for (let l = 0; l < nLayers; l++) {
    const p = `model.layers.${l}`;
    const slice = (a: Float32Array, size: number) => a.subarray(l * size, (l + 1) * size);
    put(`${p}.input_layernorm.weight`, slice(w.rmsAtt, dim), [dim]);
    put(`${p}.self_attn.q_proj.weight`, permute(slice(w.wq, dim * dim), nHeads), [dim, dim]);
    put(`${p}.self_attn.k_proj.weight`, permute(slice(w.wk, kvDim * dim), nKvHeads), [kvDim, dim]);
    put(`${p}.self_attn.v_proj.weight`, slice(w.wv, kvDim * dim), [kvDim, dim]);
    put(`${p}.self_attn.o_proj.weight`, slice(w.wo, dim * dim), [dim, dim]);
    put(`${p}.post_attention_layernorm.weight`, slice(w.rmsFfn, dim), [dim]);
    put(`${p}.mlp.gate_proj.weight`, slice(w.w1, hiddenDim * dim), [hiddenDim, dim]);
    put(`${p}.mlp.down_proj.weight`, slice(w.w2, dim * hiddenDim), [dim, hiddenDim]);
    put(`${p}.mlp.up_proj.weight`, slice(w.w3, hiddenDim * dim), [hiddenDim, dim]);
  }
  put('model.norm.weight', w.rmsFinal, [dim]);
  if (w.wcls) put('lm_head.weight', w.wcls, [config.vocabSize, dim]);
  return new LlamaModel(config, tensors);
}

/**
 * The float32 arrays of a llama2.c checkpoint after its header, in file order; each per-layer
 * tensor is stacked as [L, ...] in Hugging Face's [out, in] layout.
 */
function llama2cWeights(buf: Buffer, path: string, config: LlamaConfig) {
  const { dim, hiddenDim, nLayers, vocabSize, maxSeqLen: seqLen, headDim: hd } = config;
  const kvDim = config.nKvHeads * hd;
  let offset = 28;
  const take = (name: string, count: number, check = true): Float32Array => {
    const end = offset + 4 * count;
    if (end > buf.length) {
      throw new Error(
        `${path}: truncated llama2.c checkpoint: tensor '${name}' needs bytes ${offset}-${end}, file has ${buf.length}`,
      );
    }
    const out = new Float32Array(count);
    for (let i = 0; i < count; i++) out[i] = buf.readFloatLE(offset + 4 * i);
    const start = offset;
    if (check) assertFinite(out, path, name, (i) => `index ${i} (byte ${start + 4 * i} of the file)`);
    offset = end;
    return out;
  };
  const w = {
    emb: take('token_embedding', vocabSize * dim),
    rmsAtt: take('rms_att', nLayers * dim),
    wq: take('wq', nLayers * dim * dim),
    wk: take('wk', nLayers * kvDim * dim),
    wv: take('wv', nLayers * kvDim * dim),
    wo: take('wo', nLayers * dim * dim),
    rmsFfn: take('rms_ffn', nLayers * dim),
    w1: take('w1', nLayers * hiddenDim * dim),
    w2: take('w2', nLayers * dim * hiddenDim),
    w3: take('w3', nLayers * hiddenDim * dim),
    rmsFinal: take('rms_final', dim),
  };
  take('freq_cis_real', (seqLen * hd) / 2, false); // unused: RoPE is recomputed
  take('freq_cis_imag', (seqLen * hd) / 2, false);
  const wcls = config.tiedEmbeddings ? null : take('wcls', vocabSize * dim);
  if (offset !== buf.length)
    throw new Error(`${path}: ${buf.length - offset} unexpected trailing bytes after the weights`);
  return { ...w, wcls };
}

/** Rows of an [out, in] matrix reordered within each head: interleaved rotary pairs → half-split. */
function interleavedToHalfSplit(w: Float32Array, heads: number, hd: number, inDim: number): Float32Array {
  const out = new Float32Array(w.length);
  for (let h = 0; h < heads; h++) {
    for (let j = 0; j < hd / 2; j++) {
      out.set(w.subarray((h * hd + 2 * j) * inDim, (h * hd + 2 * j + 1) * inDim), (h * hd + j) * inDim);
      out.set(w.subarray((h * hd + 2 * j + 1) * inDim, (h * hd + 2 * j + 2) * inDim), (h * hd + hd / 2 + j) * inDim);
    }
  }
  return out;
}

// ---------------------------------------------------------------------------------------------
// Hugging Face

/** Harmless buffers some checkpoints carry; everything else unexpected is an error. */
const IGNORED_TENSORS = /\.rotary_emb\.inv_freq$/;

/** Reads the safetensors file(s) of a Hugging Face model folder into our stored layout. */
function readHfTensors(dir: string, config: LlamaConfig): Map<string, tf.Tensor> {
  const where = locateHfTensors(dir);
  const shapes = parameterShapes(config);
  for (const name of where.keys()) {
    if (shapes.has(name) || IGNORED_TENSORS.test(name)) continue;
    if (name === 'lm_head.weight' && config.tiedEmbeddings) continue; // a tied copy
    throw new Error(
      `${where.get(name)!.path}: unexpected tensor '${name}' for a ${config.architecture} model ` +
        '(unsupported variant?)',
    );
  }
  const tensors = new Map<string, tf.Tensor>();
  try {
    for (const [name, stored] of shapes) {
      const file = where.get(name);
      if (!file) throw new Error(`${dir}: missing tensor '${name}'`);
      const raw = file.read(name);
      const expected = isTransposedWeight(name) ? [stored[1], stored[0]] : stored;
      if (raw.shape.join(',') !== expected.join(',')) {
        throw new Error(
          `${file.path}: tensor '${name}' has shape [${raw.shape}], expected [${expected}] from config.json`,
        );
      }
      assertFinite(raw.data, file.path, name);
      tensors.set(name, toStored(name, raw));
    }
  } catch (err) {
    tf.dispose([...tensors.values()]);
    throw err;
  }
  return tensors;
}

/**
 * The safetensors file holding each tensor of a Hugging Face model folder: the shards listed by
 * `model.safetensors.index.json`, else `model.safetensors` (each file opened once).
 */
function locateHfTensors(dir: string): Map<string, SafetensorsFile> {
  const single = join(dir, 'model.safetensors');
  const index = join(dir, 'model.safetensors.index.json');
  const files = new Map<string, SafetensorsFile>();
  const where = new Map<string, SafetensorsFile>();
  const open = (file: string) => {
    let f = files.get(file);
    if (!f) {
      if (!existsSync(file)) throw new Error(`${file}: missing shard`);
      f = new SafetensorsFile(file);
      files.set(file, f);
    }
    return f;
  };
  if (existsSync(index)) {
    const weightMap = (JSON.parse(readFileSync(index, 'utf8')) as { weight_map?: Record<string, string> }).weight_map;
    if (!weightMap) throw new Error(`${index}: no weight_map`);
    for (const [name, file] of Object.entries(weightMap)) where.set(name, open(join(dir, file)));
  } else if (existsSync(single)) {
    const f = open(single);
    for (const name of f.entries.keys()) where.set(name, f);
  } else {
    const pt = readdirSync(dir).find((f) => f.endsWith('.bin') || f.endsWith('.pt'));
    const hint = pt ? ` (found ${pt}: convert PyTorch weights to safetensors first)` : '';
    throw new Error(`${dir}: no model.safetensors or model.safetensors.index.json${hint}`);
  }
  return where;
}

/** Reads the model of a Hugging Face folder (config.json + safetensors), without its tokenizer. */
export function readHfModel(dir: string): LlamaModel {
  const config = readHfConfig(dir);
  return new LlamaModel(config, readHfTensors(dir, config));
}

/** The architecture in a Hugging Face folder's config.json. */
function readHfConfig(dir: string): LlamaConfig {
  const cfgPath = join(dir, 'config.json');
  if (!existsSync(cfgPath)) throw new Error(`${dir}: no config.json`);
  let raw: Record<string, unknown>;
  try {
    raw = JSON.parse(readFileSync(cfgPath, 'utf8')) as Record<string, unknown>;
  } catch (err) {
    throw new Error(`${cfgPath}: not valid JSON (${(err as Error).message})`);
  }
  return fromHfConfig(raw, cfgPath);
}

/** Loads a Hugging Face model folder (config.json, safetensors, tokenizer.json or tokenizer.bin). */
export function loadHfModel(dir: string): LoadedModel {
  const tokenizer = loadTokenizer(dir);
  return { model: readHfModel(dir), tokenizer, format: 'hf', path: dir };
}

/** The tokenizer of a model folder: `tokenizer.json`, else a llama2.c `tokenizer.bin`. */
export function loadTokenizer(dir: string): Tokenizer {
  const json = join(dir, 'tokenizer.json');
  if (existsSync(json)) return HfTokenizer.fromFile(json);
  const bin = join(dir, 'tokenizer.bin');
  if (existsSync(bin)) return Llama2cTokenizer.fromFile(bin);
  throw new Error(`${dir}: no tokenizer.json or tokenizer.bin`);
}

/** The checkpoint and tokenizer files of a llama2.c folder (one model .bin, one tokenizer .bin). */
function llama2cFolder(path: string): { model: string; tokenizer: string } {
  const bins = readdirSync(path).filter((f) => f.endsWith('.bin'));
  const toks = bins.filter((f) => f === 'tokenizer.bin' || /^tok.*\.bin$/.test(f));
  const models = bins.filter((f) => !toks.includes(f));
  if (models.length !== 1 || toks.length !== 1) {
    throw new Error(
      `${path}: expected config.json, or one llama2.c .bin checkpoint and one tokenizer .bin ` +
        `(found ${bins.join(', ') || 'none'})`,
    );
  }
  return { model: join(path, models[0]), tokenizer: join(path, toks[0]) };
}

/** The tokenizer beside a llama2.c `.bin` checkpoint file. */
function llama2cTokenizerBeside(path: string): string {
  const dir = dirname(path);
  const tok = ['tokenizer.bin', ...readdirSync(dir).filter((f) => /^tok.*\.bin$/.test(f) && f !== basename(path))].find(
    (f) => existsSync(join(dir, f)),
  );
  if (!tok) throw new Error(`${path}: no tokenizer.bin beside the checkpoint`);
  return join(dir, tok);
}

/**
 * Loads a model from a path:
 *  - a folder with `config.json`: Hugging Face format (also the project's own checkpoints);
 *  - a folder with one llama2.c `.bin` checkpoint and a `tokenizer.bin` / `tok*.bin` tokenizer;
 *  - a llama2.c `.bin` file (its tokenizer beside it).
 */
export function loadModel(path: string): LoadedModel {
  if (!existsSync(path)) throw new Error(`${path}: no such file or folder`);
  if (statSync(path).isDirectory()) {
    if (existsSync(join(path, 'config.json'))) return loadHfModel(path);
    const files = llama2cFolder(path);
    return {
      model: readLlama2cModel(files.model),
      tokenizer: Llama2cTokenizer.fromFile(files.tokenizer),
      format: 'llama2c',
      path,
    };
  }
  return {
    model: readLlama2cModel(path),
    tokenizer: Llama2cTokenizer.fromFile(llama2cTokenizerBeside(path)),
    format: 'llama2c',
    path,
  };
}

/** The architecture of any path {@link loadModel} accepts, without reading the weights. */
export function loadModelConfig(path: string): LlamaConfig {
  if (!existsSync(path)) throw new Error(`${path}: no such file or folder`);
  const file = !statSync(path).isDirectory()
    ? path
    : existsSync(join(path, 'config.json'))
      ? null
      : llama2cFolder(path).model;
  if (file === null) return readHfConfig(path);
  const fd = openSync(file, 'r');
  try {
    const head = Buffer.alloc(28);
    const n = readSync(fd, head, 0, 28, 0);
    return llama2cConfig(head.subarray(0, n), file);
  } finally {
    closeSync(fd);
  }
}

/** The tokenizer of any path {@link loadModel} accepts, without reading the weights. */
export function loadModelTokenizer(path: string): Tokenizer {
  if (!existsSync(path)) throw new Error(`${path}: no such file or folder`);
  if (!statSync(path).isDirectory()) return Llama2cTokenizer.fromFile(llama2cTokenizerBeside(path));
  if (existsSync(join(path, 'config.json'))) return loadTokenizer(path);
  return Llama2cTokenizer.fromFile(llama2cFolder(path).tokenizer);
}

/** The parameters of a model in Hugging Face layout, as raw float32 arrays. */
export function hfTensors(model: LlamaModel): Map<string, RawTensor> {
  const out = new Map<string, RawTensor>();
  for (const [name, v] of model.params) {
    const t = isTransposedWeight(name) ? tf.tidy(() => tf.transpose(v)) : v;
    out.set(name, { shape: [...t.shape], data: (t.dataSync() as Float32Array).slice() });
    if (t !== v) t.dispose();
  }
  return out;
}

/**
 * Saves a model as a Hugging Face-compatible folder (config.json, model.safetensors in float32, and
 * the tokenizer files copied from `tokenizerFrom`, if given). The folder is written under a
 * temporary name and renamed into place; an existing folder at `dir` is replaced only after the new
 * one is complete.
 * @param metadata extra strings stored in the safetensors header (e.g. the training step).
 */
export function saveCheckpoint(
  model: LlamaModel,
  dir: string,
  options: { tokenizerFrom?: string; metadata?: Record<string, string> } = {},
): void {
  if (model.lora)
    throw new Error('saveCheckpoint: merge the LoRA adapters first (mergeLora), or save them with saveLora');
  replaceFolder(dir, (tmp) => {
    writeFileAtomic(join(tmp, 'config.json'), `${JSON.stringify(toHfConfig(model.config), null, 2)}\n`);
    writeSafetensors(join(tmp, 'model.safetensors'), hfTensors(model), options.metadata);
    if (options.tokenizerFrom) copyTokenizerFiles(options.tokenizerFrom, tmp);
  });
}

/** Copies the tokenizer files of a model folder (HF or llama2.c, whose `tok*.bin` becomes `tokenizer.bin`). */
function copyTokenizerFiles(src: string, dest: string): void {
  const files = ['tokenizer.json', 'tokenizer_config.json', 'tokenizer.bin'].filter((f) => existsSync(join(src, f)));
  const llama2cTok = readdirSync(src).find((f) => /^tok.*\.bin$/.test(f));
  if (files.length === 0 && !llama2cTok) throw new Error(`saveCheckpoint: no tokenizer files in ${src}`);
  for (const f of files) copyFileSync(join(src, f), join(dest, f));
  if (!files.includes('tokenizer.bin') && !files.includes('tokenizer.json') && llama2cTok) {
    copyFileSync(join(src, llama2cTok), join(dest, 'tokenizer.bin'));
  }
}
