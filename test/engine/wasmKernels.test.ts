import { strict as assert } from 'node:assert';
import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { assertClose } from '../../src/engine/asserts';
import {
  fastWasmMatMulInstalled,
  installFastWasmMatMul,
  CAUSAL_SOFTMAX,
  causalProductCalls,
  DECODE_ATTENTION,
  installWasmKernels,
  NLL_GRAD,
  ownGemmCalls,
  ownKernelAvailable,
  RMS_NORM,
  ROPE_APPEND,
  rowsProductCalls,
  SOFTMAX_BACKWARD,
  swapAxesCalls,
  swapOfAxisGroups,
  SWIGLU,
  transposedProductCalls,
  uninstallFastWasmMatMul,
  useOwnGemm,
  useRowsProduct,
  useTransposedProduct,
  wasmKernelsOff,
} from '../../src/engine/wasmKernels';
import { softmaxLastAxis } from '../../src/engine/ops';
import {
  attentionBias,
  causalAttention,
  causalAttentionBias,
  decodeStepAttention,
  decodeStepRopeAppend,
  keyPaddingBias,
} from '../../src/model/attention';
import { makeConfig } from '../../src/model/config';
import { disposeCache, type KvCache, LlamaModel } from '../../src/model/llama';
import { applyRope, ropeTables } from '../../src/model/rope';
import { useBackend } from '../helpers/backends';

/** matMul on the cpu backend (the reference) for the same values. */
async function onCpu(
  a: number[],
  aShape: number[],
  b: number[],
  bShape: number[],
  ta: boolean,
  tb: boolean,
): Promise<number[]> {
  await useBackend('cpu');
  const r = tf.tidy(() => tf.matMul(tf.tensor(a, aShape), tf.tensor(b, bShape), ta, tb));
  const out = Array.from(r.dataSync());
  r.dispose();
  await useBackend('wasm');
  return out;
}

/** `fn()` with one of the engine's switches (`useOwnGemm`, `useRowsProduct`, …) off, and the switch restored after. */
function switchedOff<T>(use: (on: boolean) => boolean, fn: () => T): T {
  const was = use(false);
  try {
    return fn();
  } finally {
    use(was);
  }
}

/**
 * The tensors of a causal attention check at [B, KV, G, T, past, hd]: q, k, v and the output weights w from `seed`
 * on; the key padding from `real(i, j)` (whether row i's new token j is real; null: no padding) with a cache of `past`
 * real keys; `keep` [B, KV, G·T, 1] 0 on the queries that see only padded keys (no real key at or before them: their
 * output is garbage either way, read by nothing, and the kernels may differ there), 1 elsewhere; w is 0 there too.
 */
function causalCase(
  [b, kvh, g, t, past, hd]: number[],
  real: ((i: number, j: number) => boolean) | null,
  seed: number,
) {
  const tk = past + t;
  const q = tf.randomNormal([b, kvh, g * t, hd], 0, 1, 'float32', seed) as tf.Tensor4D;
  const k = tf.randomNormal([b, kvh, tk, hd], 0, 1, 'float32', seed + 1) as tf.Tensor4D;
  const v = tf.randomNormal([b, kvh, tk, hd], 0, 1, 'float32', seed + 2) as tf.Tensor4D;
  const mask = Array.from({ length: b }, (_, i) => Array.from({ length: t }, (_, j) => (real && !real(i, j) ? 0 : 1)));
  const lonely = (i: number, j: number) => past === 0 && mask[i]!.slice(0, j + 1).every((m) => m === 0);
  const rows = Array.from({ length: b }, (_, i) =>
    Array.from({ length: kvh }, () => Array.from({ length: g * t }, (_, r) => (lonely(i, r % t) ? 0 : 1))),
  );
  const keep = tf.tensor4d(rows.flat(3), [b, kvh, g * t, 1]);
  const w = tf.mul(tf.randomNormal([b, kvh, g * t, hd], 0, 1, 'float32', seed + 3), keep);
  const cache = past
    ? { k: [], v: [], valid: Array.from({ length: b }, () => new Array(past).fill(1)), nextPosition: [] }
    : null;
  const keyBias = real ? keyPaddingBias(b, t, past, mask, cache) : null;
  const bias = attentionBias(causalAttentionBias(g, t, past), keyBias);
  return { q, k, v, w, keep, keyBias, bias };
}

describe('engine/wasmKernels: fast BatchMatMul', () => {
  before(() => useBackend('wasm'));
  after(() => useBackend('wasm'));

  it('is installed by initBackend on wasm', () => {
    assert.ok(fastWasmMatMulInstalled());
  });

  const cases: [string, number[], number[], boolean, boolean][] = [
    ['2-D plain', [5, 7], [7, 3], false, false],
    ['2-D transposeA', [7, 5], [7, 3], true, false],
    ['2-D transposeB', [5, 7], [3, 7], false, true],
    ['2-D both transposed', [7, 5], [3, 7], true, true],
    ['batched', [4, 5, 7], [4, 7, 3], false, false],
    ['batched transposeB (attention scores)', [2, 3, 6, 4], [2, 3, 5, 4], false, true],
    ['batched transposeA (attention backward)', [2, 3, 6, 4], [2, 3, 6, 5], true, false],
    // Aᵀ·B with a narrow B (N a multiple of 4, at most 16): kernels/transposedProduct.ts
    [
      'transposed product, head dim 8, T = 9 (two blocks of 4 rows and one more)',
      [2, 3, 9, 5],
      [2, 3, 9, 8],
      true,
      false,
    ],
    ['transposed product, head dim 8, T = 3 (rows one at a time)', [2, 3, 3, 6], [2, 3, 3, 8], true, false],
    ['transposed product, N = 4', [3, 7, 6], [3, 7, 4], true, false],
    ['transposed product, N = 16', [2, 10, 33], [2, 10, 16], true, false],
    ['transposed product, 2-D', [11, 5], [11, 12], true, false],
    ['transposed product, N = 20 (too wide: XNNPACK)', [2, 6, 5], [2, 6, 20], true, false],
    ['batch against a shared matrix', [4, 5, 7], [7, 3], false, false],
    ['batch against a shared transposed matrix', [4, 5, 7], [3, 7], false, true],
    ['shared left operand', [5, 7], [4, 7, 3], false, false],
    ['one row (generation)', [1, 7], [7, 9], false, false],
    // few rows: kernels/rowsProduct.ts
    ['few rows: 4 rows × (8 + 4 + 1) columns', [4, 11], [11, 13], false, false],
    ['few rows: 3 rows × (16 + 4 + 1) columns, one at a time', [3, 20], [20, 21], false, false],
    ['few rows against a transposed matrix (a tied head)', [3, 10], [6, 10], false, true],
    ['few rows: a batch of one-row products against a shared matrix', [4, 1, 8], [8, 12], false, false],
    ['17 rows (too many: XNNPACK)', [17, 7], [7, 3], false, false],
  ];
  for (const [name, aShape, bShape, ta, tb] of cases) {
    it(`${name}: equals the cpu backend`, async () => {
      const a = Array.from({ length: aShape.reduce((x, y) => x * y, 1) }, (_, i) => Math.sin(i * 1.3) + 0.1 * i);
      const b = Array.from({ length: bShape.reduce((x, y) => x * y, 1) }, (_, i) => Math.cos(i * 0.7) - 0.05 * i);
      const expected = await onCpu(a, aShape, b, bShape, ta, tb);
      const before = tf.memory().numTensors;
      const r = tf.matMul(tf.tensor(a, aShape), tf.tensor(b, bShape), ta, tb);
      assertClose(r.dataSync(), expected, { atol: 1e-4, rtol: 1e-5 });
      r.dispose();
      assert.equal(tf.memory().numTensors, before + 2, 'only the two inputs remain');
    });
  }

  it("the few-rows product gives XNNPACK's bits on a decoding step's operands (batch size does not matter)", () => {
    for (const [m, k, n, tb] of [
      [1, 64, 172, false],
      [4, 64, 64, false],
      [1, 64, 512, true],
      [16, 64, 512, true], // stories260K's tied head at batch 16
      [16, 64, 172, false],
      [5, 64, 512, true], // rows padded to 8 in the transposed copy
      [3, 128, 100, false],
    ] as [number, number, number, boolean][]) {
      const x = tf.randomNormal([m, k], 0, 1, 'float32', 22);
      const w = tf.randomNormal(tb ? [n, k] : [k, n], 0, 0.1, 'float32', 23);
      const calls = rowsProductCalls();
      const own = tf.matMul(x, w, false, tb);
      assert.equal(rowsProductCalls(), calls + 1, `the own kernel computed [${m}, ${k}] × [${k}, ${n}]`);
      const xnnpack = switchedOff(useRowsProduct, () => tf.matMul(x, w, false, tb));
      assert.equal(rowsProductCalls(), calls + 1, 'switched off, XNNPACK computed it');
      assert.deepEqual(
        own.dataSync(),
        xnnpack.dataSync(),
        `[${m}, ${k}] × [${k}, ${n}]${tb ? 'ᵀ' : ''}: the same bits`,
      );
      tf.dispose([x, w, own, xnnpack]);
    }
    // a right operand with a leading axis of size 1 keeps it in the output, as the stock kernel does
    const a = tf.randomNormal([3, 8]);
    const b = tf.randomNormal([1, 5, 8]);
    const c = tf.matMul(a, b, false, true);
    assert.deepEqual(c.shape, [1, 3, 5]);
    tf.dispose([a, b, c]);
  });

  it("the own GEMM gives XNNPACK's bits on large products (transposes, K blocks, ragged edges, batches)", async () => {
    // [A shape, B shape, transposeA, transposeB]; each has at least GEMM_MIN_MACS multiply-adds
    const large: [number[], number[], boolean, boolean][] = [
      [[263, 601], [601, 229], false, false], // M % 4 = 3, K = 2 blocks + 89, N % 8 = 5
      [[601, 263], [601, 229], true, false], // a weight gradient: op(A) read through strides
      [[263, 601], [229, 601], false, true], // an input gradient
      [[601, 263], [229, 601], true, true],
      [[4, 130, 300], [300, 116], false, false], // a batch folded into rows against a shared W; N % 8 = 4
      [[6, 130, 260], [6, 260, 100], false, false], // a batch of products
      [[6, 260, 130], [6, 100, 260], true, true],
      [[6, 130, 260], [100, 260], false, true], // a batch against a shared transposed W
      [[4, 300, 130], [300, 120], true, false], // a transposed batch against a shared W
      [[130, 260], [6, 260, 100], false, false], // a shared left operand
      [[2048, 64], [64, 172], false, false], // K in one short block, N % 8 = 4 (stories260K's feed-forward)
      [[4, 2048, 64], [4, 64, 256], false, false], // one short K block in a batch
    ];
    for (const [aShape, bShape, ta, tb] of large) {
      const name = `[${aShape}]${ta ? 'ᵀ' : ''} × [${bShape}]${tb ? 'ᵀ' : ''}`;
      const a = tf.randomNormal(aShape, 0, 1, 'float32', 31);
      const b = tf.randomNormal(bShape, 0, 1, 'float32', 32);
      const backend = tf.engine().backend;
      const before = backend.numDataIds();
      const calls = ownGemmCalls();
      const own = tf.matMul(a, b, ta, tb);
      assert.equal(ownGemmCalls(), calls + 1, `${name}: the own GEMM computed it`);
      assert.equal(backend.numDataIds(), before + 1, `${name}: no scratch left behind`);
      const xnnpack = switchedOff(useOwnGemm, () => tf.matMul(a, b, ta, tb));
      assert.equal(ownGemmCalls(), calls + 1, `${name}: switched off, XNNPACK computed it`);
      assert.deepEqual(own.shape, xnnpack.shape, name);
      assert.deepEqual(own.dataSync(), xnnpack.dataSync(), `${name}: the same bits`);
      tf.dispose([a, b, own, xnnpack]);
    }
    // NaN and ±∞ propagate as through XNNPACK
    const special = tf.randomNormal([300, 260], 0, 1, 'float32', 36).bufferSync();
    special.set(Number.NaN, 5, 7);
    special.set(Number.POSITIVE_INFINITY, 200, 3);
    special.set(Number.NEGATIVE_INFINITY, 201, 9);
    const sa = special.toTensor();
    const sb = tf.randomNormal([260, 300], 0, 1, 'float32', 37);
    const viaOwn = tf.matMul(sa, sb);
    const viaXnnpack = switchedOff(useOwnGemm, () => tf.matMul(sa, sb));
    assert.deepEqual(viaOwn.dataSync(), viaXnnpack.dataSync(), 'NaN and infinities: the same bits');
    tf.dispose([sa, sb, viaOwn, viaXnnpack]);
    // a decoding step's few rows stay with XNNPACK (its cached packing of W), even with 2²⁴ multiply-adds
    const head = tf.randomNormal([4096, 256]);
    const rowsOf16 = tf.randomNormal([16, 256]);
    const calls = ownGemmCalls();
    tf.matMul(rowsOf16, head, false, true).dispose();
    assert.equal(ownGemmCalls(), calls, '16 rows: XNNPACK');
    tf.dispose([head, rowsOf16]);
    // batch axes of different ranks broadcast as the stock kernel does ([3] against [1, 1]: [1, 3])
    const x3 = tf.randomNormal([3, 130, 260], 0, 1, 'float32', 38);
    const w11 = tf.randomNormal([1, 1, 260, 200], 0, 1, 'float32', 39);
    const broadcast = tf.matMul(x3, w11);
    assert.deepEqual(broadcast.shape, [1, 3, 130, 200]);
    const one = tf.matMul(x3.slice([1, 0, 0], [1, 130, 260]).reshape([130, 260]), w11.reshape([260, 200]));
    // (the stock kernel's own loop: the values, not XNNPACK's bits)
    assertClose(broadcast.slice([0, 1, 0, 0], [1, 1, 130, 200]).reshape([130, 200]), one, { atol: 1e-3, rtol: 1e-5 });
    const single = tf.matMul(tf.randomNormal([130, 260]), tf.randomNormal([1, 260, 200])); // B's axis stays
    assert.deepEqual(single.shape, [1, 130, 200]);
    tf.dispose([x3, w11, broadcast, one, single]);
    // and the values of the cpu backend, on the ragged one
    const a = Array.from({ length: 263 * 601 }, (_, i) => Math.sin(i * 1.3));
    const b = Array.from({ length: 601 * 229 }, (_, i) => Math.cos(i * 0.7));
    const expected = await onCpu(a, [263, 601], b, [601, 229], false, false);
    const r = tf.matMul(tf.tensor(a, [263, 601]), tf.tensor(b, [601, 229]));
    assertClose(r.dataSync(), expected, { atol: 1e-3, rtol: 1e-5 });
    r.dispose();
  });

  it("GatherV2 and Sum over leading axes give the stock kernels' bits (axes, dtypes, tails, keepDims)", () => {
    const table = tf.randomNormal([4096, 20], 0, 1, 'float32', 41);
    const ids = tf.tensor1d([5, 0, 4095, 5, 17], 'int32');
    const ragged = tf.randomNormal([3, 10, 7], 0, 1, 'float32', 42);
    const picks = tf.tensor2d(
      [
        [9, 0],
        [3, 3],
      ],
      [2, 2],
      'int32',
    );
    const ints = tf.tensor2d(
      [
        [1, 2, 3],
        [4, 5, 6],
      ],
      [2, 3],
      'int32',
    );
    const rows = tf.randomNormal([2048, 37], 0, 1, 'float32', 43);
    const heads = tf.randomNormal([8, 16, 4, 64], 0, 1, 'float32', 44);
    const run = () => [
      tf.gather(table, ids), // [5, 20]: an embedding lookup
      tf.gather(ragged, picks, 1), // [3, 2, 2, 7]: a middle axis, 2-D indices
      tf.gather(ints, tf.tensor1d([1, 1, 0], 'int32')), // int32 rows
      tf.sum(rows, 0), // 37 columns: blocks of 16, of 4 and single ones
      tf.sum(heads, [0, 1]), // [4, 64]
      tf.sum(heads, [0, 1], true), // [1, 1, 4, 64]
      tf.sum(heads, [1, 0]), // axes in another order: the stock kernel (it sums in that order)
      tf.sum(rows, 1), // the last axis: the stock kernel
    ];
    const own = run();
    installWasmKernels(new Set(['gather', 'sum']));
    let stock: tf.Tensor[];
    try {
      stock = run();
    } finally {
      installWasmKernels();
    }
    for (let i = 0; i < own.length; i++) {
      assert.deepEqual(own[i]!.shape, stock[i]!.shape, `result ${i}: shape`);
      assert.equal(own[i]!.dtype, stock[i]!.dtype, `result ${i}: dtype`);
      assert.deepEqual(own[i]!.dataSync(), stock[i]!.dataSync(), `result ${i}: the same bits`);
    }
    assert.throws(
      () => tf.gather(table, tf.tensor1d([3, 4096], 'int32')),
      /GatherV2: the index value 4096 is not in \[0, 4095\]/,
    );
    tf.dispose([table, ids, ragged, picks, ints, rows, heads, ...own, ...stock!]);
  });

  it('the transposed product equals the transposed copy through XNNPACK on attention-sized operands', () => {
    const a = tf.randomNormal([2, 4, 64, 32], 0, 1, 'float32', 3); // probabilities-like [B, H, T, S]
    const b = tf.randomNormal([2, 4, 64, 8], 0, 1, 'float32', 4); // [B, H, T, 8]
    const calls = transposedProductCalls();
    const own = tf.matMul(a, b, true, false); // [B, H, S, 8]
    assert.equal(transposedProductCalls(), calls + 1, 'the own kernel computed it');
    const viaCopy = switchedOff(useTransposedProduct, () => tf.matMul(a, b, true, false));
    assert.equal(transposedProductCalls(), calls + 1, 'switched off, XNNPACK computed it');
    // a wide S (C of S × N floats beyond the cache-sized limit) goes to XNNPACK too
    const wideA = tf.randomNormal([2, 3, 1100]);
    const wideB = tf.randomNormal([2, 3, 8]);
    const wide = tf.matMul(wideA, wideB, true, false); // [2, 1100, 8]
    assert.equal(transposedProductCalls(), calls + 1, 'S × N = 8800 > 8192: XNNPACK');
    tf.dispose([wideA, wideB, wide]);
    assert.deepEqual(own.shape, [2, 4, 32, 8]);
    assertClose(own, viaCopy, { atol: 1e-5, rtol: 1e-5 });
    tf.dispose([a, b, own, viaCopy]);
  });

  it('gives the same values as the stock kernel, and can be switched off', async () => {
    const a = tf.randomNormal([3, 4, 8, 6], 0, 1, 'float32', 1);
    const b = tf.randomNormal([3, 4, 5, 6], 0, 1, 'float32', 2);
    const fast = tf.matMul(a, b, false, true);
    uninstallFastWasmMatMul();
    assert.ok(!fastWasmMatMulInstalled());
    const slow = tf.matMul(a, b, false, true);
    installFastWasmMatMul();
    assertClose(fast, slow, { atol: 1e-5, rtol: 1e-5 });
    tf.dispose([a, b, fast, slow]);
  });

  it('runs in the threaded build too (shared memory), with the values of the single-threaded one', function () {
    this.timeout(120000);
    const script = [
      "const tf = require('@tensorflow/tfjs');",
      "const { initBackend } = require('./src/engine/backend.ts');",
      "const { transposedProductCalls } = require('./src/engine/wasmKernels.ts');",
      '(async () => {',
      '  const report = await initBackend();',
      '  const a = tf.randomNormal([2, 4, 64, 32], 0, 1, "float32", 3);',
      '  const b = tf.randomNormal([2, 4, 64, 8], 0, 1, "float32", 4);',
      '  const c = tf.matMul(a, b, true, false);',
      '  console.log(JSON.stringify({ build: report.wasm.build, calls: transposedProductCalls(),',
      '    values: Array.from(c.dataSync()) }));',
      '  process.exit(0);',
      '})();',
    ].join('\n');
    const run = (threads: string) => {
      const r = spawnSync(process.execPath, ['--import', 'tsx', '-e', script], {
        cwd: join(__dirname, '..', '..'),
        encoding: 'utf8',
        env: { ...process.env, TRACT_THREADS: threads },
        timeout: 90000,
      });
      assert.equal(r.status, 0, r.stderr);
      return JSON.parse(r.stdout.trim().split('\n').pop()!) as { build: string; calls: number; values: number[] };
    };
    const two = run('2');
    const one = run('1');
    assert.equal(two.build, 'threaded-simd');
    assert.equal(one.build, 'simd');
    assert.equal(two.calls, 1);
    assert.equal(one.calls, 1);
    assert.deepEqual(two.values, one.values);
  });

  it('the helper computes half of causal attention, transposes, Exp, GEMMs and AdamW, bit for bit alone', function () {
    this.timeout(120000);
    const script = [
      "const tf = require('@tensorflow/tfjs');",
      "const { initBackend } = require('./src/engine/backend.ts');",
      "const { helperCalls, useKernelHelper } = require('./src/engine/wasmKernels.ts');",
      "const { causalAttention, causalAttentionBias, keyPaddingBias } = require('./src/model/attention.ts');",
      '(async () => {',
      '  const report = await initBackend();',
      '  const [b, kvh, g, t, hd] = [4, 2, 2, 96, 8];',
      '  const q = tf.randomNormal([b, kvh, g * t, hd], 0, 1, "float32", 5);',
      '  const k = tf.randomNormal([b, kvh, t, hd], 0, 1, "float32", 6);',
      '  const v = tf.randomNormal([b, kvh, t, hd], 0, 1, "float32", 7);',
      '  const mask = Array.from({ length: b }, (_, i) => Array.from({ length: t }, (_, j) => +(j < t - 9 * i)));',
      '  const keyBias = keyPaddingBias(b, t, 0, mask, null);',
      '  const bias = tf.add(causalAttentionBias(g, t, 0), keyBias);',
      '  const attend = (qq, kk, vv) => causalAttention(qq, kk, vv, bias, { t, past: 0, keyBias });',
      '  const f = (qq, kk, vv) => tf.sum(tf.square(attend(qq, kk, vv)));',
      '  const big = tf.randomNormal([8, 201, 64], 0, 3, "float32", 8);',
      '  const x = tf.randomNormal([6, 130, 260], 0, 1, "float32", 9);',
      '  const w = tf.randomNormal([260, 300], 0, 1, "float32", 10);',
      '  const y = tf.randomNormal([6, 260, 100], 0, 1, "float32", 11);',
      '  const tr = tf.randomNormal([300, 263], 0, 1, "float32", 12);',
      '  const rag = tf.randomNormal([300, 229], 0, 1, "float32", 13);',
      '  const adam = { beta1: 0.9, beta2: 0.999, c1: 0.19, c2: 0.002, epsilon: 1e-8, decay: 0.01, lr: 1e-3 };',
      '  const moments = { w: big, m: tf.abs(big), v: tf.square(big), g: tf.neg(big) };',
      '  const run = () =>',
      '    [...tf.grads(f)([q, k, v]), tf.exp(big), tf.transpose(big, [0, 2, 1]), tf.matMul(x, w), tf.matMul(x, y),',
      '     tf.matMul(tr, rag, true, false), ...tf.engine().runKernel("AdamW", moments, adam)]',
      '      .map((r) => [...r.dataSync()]);',
      '  const before = helperCalls();',
      '  const on = run();',
      '  const calls = helperCalls() - before;',
      '  useKernelHelper(false);',
      '  const off = run();',
      '  const same = JSON.stringify(on) === JSON.stringify(off);',
      '  console.log(JSON.stringify({ build: report.wasm.build, calls, same }));',
      '  process.exit(0);',
      '})();',
    ].join('\n');
    const r = spawnSync(process.execPath, ['--import', 'tsx', '-e', script], {
      cwd: join(__dirname, '..', '..'),
      encoding: 'utf8',
      env: { ...process.env, TRACT_THREADS: '2' },
      timeout: 90000,
    });
    assert.equal(r.status, 0, r.stderr);
    const out = JSON.parse(r.stdout.trim().split('\n').pop()!) as { build: string; calls: number; same: boolean };
    assert.equal(out.build, 'threaded-simd');
    // the probabilities, the backward pass, Exp and the transpose of the large tensor (the small ones stay here),
    // then the GEMM against a shared W, the batch of GEMMs and a transposed ragged GEMM (shared out part by part), and
    // an AdamW update
    assert.equal(out.calls, 8, 'kernels that ran half or shared on the helper');
    assert.ok(out.same, 'the same bits with and without the helper');
  });

  it('a helper given up while it computes: its outputs are left to it, the kernels compute afresh alone', function () {
    this.timeout(120000);
    // TRACT_HELPER_TIMEOUT_MS=0: the first kernel split with the helper gives it up at once, while it computes
    const script = [
      "const tf = require('@tensorflow/tfjs');",
      "const { initBackend } = require('./src/engine/backend.ts');",
      "const { helperCalls, helperFailure } = require('./src/engine/wasmKernels.ts');",
      '(async () => {',
      '  await initBackend();',
      '  const big = tf.randomNormal([64, 256, 256], 0, 1, "float32", 9);',
      '  const adam = { beta1: 0.9, beta2: 0.999, c1: 0.19, c2: 0.002, epsilon: 1e-8, decay: 0, lr: 1e-3 };',
      '  const outs = [tf.exp(big), tf.transpose(big, [0, 2, 1]), tf.sum(big, 0),',
      '    ...tf.engine().runKernel("AdamW", { w: big, m: big, v: big, g: big }, adam)];',
      '  const results = outs.map((r) => Array.from(r.dataSync()));',
      '  tf.dispose([big, ...outs]);',
      '  const digest = require("node:crypto").createHash("sha256").update(JSON.stringify(results)).digest("hex");',
      '  const left = tf.backend().numDataIds() - tf.memory().numTensors; // buffers no tensor holds',
      '  console.log(JSON.stringify({ digest, calls: helperCalls(), failure: helperFailure(), left }));',
      '  process.exit(0);',
      '})();',
    ].join('\n');
    const run = (env: Record<string, string>) => {
      const r = spawnSync(process.execPath, ['--import', 'tsx', '-e', script], {
        cwd: join(__dirname, '..', '..'),
        encoding: 'utf8',
        env: { ...process.env, TRACT_THREADS: '2', ...env },
        timeout: 90000,
      });
      assert.equal(r.status, 0, r.stderr);
      type Out = { digest: string; calls: number; failure: string; left: number };
      return JSON.parse(r.stdout.trim().split('\n').pop()!) as Out;
    };
    const lost = run({ TRACT_HELPER_TIMEOUT_MS: '0' });
    const alone = run({ TRACT_WASM_OFF: 'helper' });
    assert.match(lost.failure, /did not finish exp within 0 s/, 'the first split gave the helper up');
    assert.equal(lost.calls, 0, 'no kernel counted a part done on the helper');
    assert.equal(alone.failure, null);
    assert.equal(lost.digest, alone.digest, 'the same bits as without a helper');
    // the output of the kernel that gave the helper up stays allocated (the helper may still write to it)
    assert.equal(lost.left - alone.left, 1, 'one buffer left to the helper');
  });

  it('softmaxLastAxis: the fused gradient equals TF.js softmax gradient (rows with and without a SIMD tail)', () => {
    assert.ok(ownKernelAvailable(SOFTMAX_BACKWARD));
    for (const shape of [
      [2, 3, 5, 16],
      [4, 7],
      [3, 1],
    ]) {
      const x = tf.randomNormal(shape, 0, 2, 'float32', 5);
      const w = tf.randomNormal(shape, 0, 1, 'float32', 6);
      const before = tf.memory().numTensors;
      const fused = tf.grad((v: tf.Tensor) => tf.sum(tf.mul(softmaxLastAxis(v), w)))(x);
      const stock = tf.grad((v: tf.Tensor) => tf.sum(tf.mul(tf.softmax(v), w)))(x);
      assertClose(fused, stock, { atol: 1e-6, rtol: 1e-5 });
      tf.dispose([fused, stock]);
      assert.equal(tf.memory().numTensors, before, 'the gradients leave no tensor behind');
      const [y1, y2] = [softmaxLastAxis(x), tf.softmax(x)];
      assertClose(y1, y2, { atol: 0, rtol: 0 });
      tf.dispose([y1, y2]);
      tf.dispose([x, w]);
    }
  });

  it('DecodeAttention equals the broadcast products it replaces (with and without padded keys)', () => {
    for (const [b, kvh, g, tk, hd, padded] of [
      [2, 3, 2, 7, 8, true],
      [1, 1, 1, 1, 4, false],
      [3, 2, 3, 33, 12, true],
      [2, 2, 2, 9, 6, true], // a head dimension with a scalar tail
      [1, 2, 4, 40, 64, false],
    ] as [number, number, number, number, number, boolean][]) {
      const q = tf.randomNormal([b, kvh, g, hd], 0, 1, 'float32', 7) as tf.Tensor4D;
      const k = tf.randomNormal([b, kvh, tk, hd], 0, 1, 'float32', 8) as tf.Tensor4D;
      const v = tf.randomNormal([b, kvh, tk, hd], 0, 1, 'float32', 9) as tf.Tensor4D;
      // row i pads its first i keys (left padding of a prompt batch)
      const mask = Array.from({ length: b }, (_, i) => Array.from({ length: tk }, (_, j) => (j < i ? 0 : 1)));
      const bias = padded ? keyPaddingBias(b, tk, 0, mask, null) : null; // [B, 1, 1, Tk]
      assert.ok(ownKernelAvailable(DECODE_ATTENTION));
      const own = decodeStepAttention(q, k, v, bias);
      let composed: tf.Tensor4D;
      installWasmKernels(new Set(['decode']));
      try {
        assert.ok(!ownKernelAvailable(DECODE_ATTENTION));
        composed = decodeStepAttention(q, k, v, bias);
      } finally {
        installWasmKernels();
      }
      assert.deepEqual(own.shape, [b, kvh, g, hd]);
      assertClose(own, composed, { atol: 1e-6, rtol: 1e-5 });
      tf.dispose([q, k, v, own, composed]);
      if (bias) bias.dispose();
    }
  });

  it('DecodeAttention keeps the bits of its two-pass version (a hash of outputs made at 44619db)', () => {
    // The hash was printed by this loop with the kernel of commit 44619db (scores computed twice, scalar e^x); the
    // kernel since then keeps the scores, takes four keys and four exponentials at a time and skips padded keys.
    const hash = createHash('sha256');
    for (const [b, kvh, g, tk, hd] of [
      [2, 3, 2, 7, 8],
      [3, 2, 3, 33, 12],
      [2, 2, 2, 9, 6],
      [1, 2, 4, 40, 64],
      [4, 4, 2, 130, 8],
    ]) {
      const q = tf.randomNormal([b, kvh, g, hd], 0, 1, 'float32', 7) as tf.Tensor4D;
      const k = tf.randomNormal([b, kvh, tk, hd], 0, 2, 'float32', 8) as tf.Tensor4D;
      const v = tf.randomNormal([b, kvh, tk, hd], 0, 1, 'float32', 9) as tf.Tensor4D;
      const mask = Array.from({ length: b }, (_, i) => Array.from({ length: tk }, (_, j) => (j < 2 * i ? 0 : 1)));
      const bias = keyPaddingBias(b, tk, 0, mask, null) as tf.Tensor4D; // [B, 1, 1, Tk]
      for (const withBias of [bias, null]) {
        const out = decodeStepAttention(q, k, v, withBias);
        hash.update(Buffer.from((out.dataSync() as Float32Array).buffer));
        out.dispose();
      }
      tf.dispose([q, k, v, bias]);
    }
    assert.equal(hash.digest('hex'), '060d8503748f4e620103d696744958b0178657875ecf49064eb1bad6c5868a58');
  });

  it('causal attention with CausalSoftmax equals the composed bias and softmax, forward and gradients', () => {
    for (const [b, kvh, g, t, past, hd, padded] of [
      [2, 2, 2, 9, 0, 8, true],
      [3, 1, 3, 6, 4, 4, true], // after a cache of 4 keys
      [1, 2, 1, 13, 0, 6, false], // a head dimension with a scalar tail, 13 keys (a vector tail)
    ] as [number, number, number, number, number, number, boolean][]) {
      // row i pads its first i new tokens (left padding)
      const real = padded ? (i: number, j: number) => j >= i : null;
      const { q, k, v, w, keep, keyBias, bias } = causalCase([b, kvh, g, t, past, hd], real, 25);
      const layout = { t, past, keyBias };
      const run = (fused: boolean) =>
        tf.tidy(() => {
          const attend = (qq: tf.Tensor, kk: tf.Tensor, vv: tf.Tensor) =>
            causalAttention(qq as tf.Tensor4D, kk as tf.Tensor4D, vv as tf.Tensor4D, bias, fused ? layout : undefined);
          const out = tf.mul(attend(q, k, v), keep);
          return [out, ...tf.grads((qq, kk, vv) => tf.sum(tf.mul(attend(qq, kk, vv), w)))([q, k, v])];
        });
      assert.ok(ownKernelAvailable(CAUSAL_SOFTMAX));
      const before = tf.memory().numTensors;
      const fused = run(true);
      assert.equal(tf.memory().numTensors, before + 4, 'the output and three gradients, nothing else');
      const composed = run(false);
      ['output', 'dq', 'dk', 'dv'].forEach((name, i) => {
        const message = `${name} [${b}, ${kvh}, ${g}, ${t}, ${past}, ${hd}]`;
        assertClose(fused[i], composed[i], { atol: 1e-5, rtol: 1e-4, message });
      });
      tf.dispose([q, k, v, w, keep, bias, ...fused, ...composed]);
      if (keyBias) keyBias.dispose();
    }
  });

  it('causal attention at a larger head dimension skips the masked part with the bits of the composed form', () => {
    const zeros = (x: tf.Tensor) => Array.from(x.dataSync(), (y) => (y === 0 ? 0 : y)); // -0 and +0 alike
    for (const [b, kvh, g, t, past, hd, padding] of [
      [6, 2, 2, 112, 0, 64, 'none'], // blocks of 32 query rows that reach into the next group
      [6, 2, 1, 100, 60, 96, 'right'], // after 60 cached keys, right-padded rows (training batches)
      [6, 2, 2, 112, 0, 64, 'left'], // left-padded rows (prompts)
    ] as [number, number, number, number, number, number, 'none' | 'left' | 'right'][]) {
      // row i pads 5·i tokens at its start (left) or end (right)
      const pads = {
        none: null,
        left: (i: number, j: number) => j >= 5 * i,
        right: (i: number, j: number) => j < t - 5 * i,
      };
      const { q, k, v, w, keep, keyBias, bias } = causalCase([b, kvh, g, t, past, hd], pads[padding], 35);
      const run = (skipping: boolean) =>
        tf.tidy(() => {
          const layout = skipping ? { t, past, keyBias } : undefined;
          const attend = (qq: tf.Tensor, kk: tf.Tensor, vv: tf.Tensor) =>
            causalAttention(qq as tf.Tensor4D, kk as tf.Tensor4D, vv as tf.Tensor4D, bias, layout);
          const [dq, dk, dv] = tf.grads((qq, kk, vv) => tf.sum(tf.mul(attend(qq, kk, vv), w)))([q, k, v]);
          return [tf.mul(attend(q, k, v), keep), tf.mul(dq, keep), dk, dv];
        });
      const calls = causalProductCalls();
      const before = tf.memory().numTensors;
      const skipping = run(true);
      assert.equal(tf.memory().numTensors, before + 4, 'the output and three gradients, nothing else');
      assert.ok(causalProductCalls() >= calls + 6, 'the two products forward and four backward skipped');
      const composed = run(false);
      ['output', 'dq', 'dk', 'dv'].forEach((name, i) => {
        const message = `${name} [${b}, ${kvh}, ${g}, ${t}, ${past}, ${hd}], ${padding} padding: the same bits`;
        assert.deepEqual(zeros(skipping[i]), zeros(composed[i]), message);
      });
      tf.dispose([q, k, v, w, keep, bias, ...skipping, ...composed]);
      if (keyBias) keyBias.dispose();
    }
  });

  it('Rope has the bits of the composed rotary embedding (Mul, Add, the product by R), forward and backward', () => {
    const zeros = (x: tf.Tensor) => Array.from(x.dataSync(), (y) => (Object.is(y, -0) ? 'minus zero' : y));
    for (const ropeStyle of ['halfSplit', 'interleaved'] as const) {
      const config = makeConfig({ dim: 48, nLayers: 1, nHeads: 3, vocabSize: 16, maxSeqLen: 8, ropeStyle });
      const rope = ropeTables(config);
      const signed = (seed: number) =>
        tf.tensor4d(
          tf
            .randomNormal([2, 5, 3, 16], 0, 1, 'float32', seed)
            .dataSync()
            .map((v, i) => (i % 7 === 0 ? 0 : i % 11 === 0 ? -0 : v)),
          [2, 5, 3, 16],
        );
      const [x, dy] = [signed(43), signed(44)];
      const positions = tf.tensor1d([0, 1, 2, 3, 4, 0, 2, 4, 6, 7], 'int32');
      const [cos, sin] = [rope.cos, rope.sin].map((t) => tf.reshape(tf.gather(t, positions), [2, 5, 1, 16]));
      const run = () => {
        const f = (v: tf.Tensor) =>
          applyRope(v as tf.Tensor4D, cos as tf.Tensor4D, sin as tf.Tensor4D, rope.rot, rope.halfSplit);
        const { value, grads } = tf.variableGrads(() => tf.sum(tf.mul(f(xv), dy)) as tf.Scalar, [xv]);
        const out = f(x);
        const res = [zeros(out), zeros(grads[xv.name])];
        tf.dispose([value, out, ...Object.values(grads)]);
        return res;
      };
      const xv = tf.variable(x, true);
      const fused = run();
      installWasmKernels(new Set(['rope']));
      let composed: typeof fused;
      try {
        composed = run();
      } finally {
        installWasmKernels();
      }
      assert.deepEqual(fused[0], composed[0], `${ropeStyle}: forward, the same bits`);
      assert.deepEqual(fused[1], composed[1], `${ropeStyle}: gradient, the same bits`);
      tf.dispose([x, dy, xv, positions, cos, sin, rope.cos, rope.sin, rope.rot]);
    }
  });

  it('RmsNorm equals the six kernels it replaces (within float32 rounding)', () => {
    for (const [n, d] of [
      [3, 64],
      [1, 7],
      [16, 256],
    ]) {
      const x = tf.randomNormal([n, d], 0, 3, 'float32', 11) as tf.Tensor2D;
      const w = tf.randomNormal([d], 1, 0.2, 'float32', 12) as tf.Tensor1D;
      const own = tf.engine().runKernel(RMS_NORM, { x, w }, { eps: 1e-5 }) as tf.Tensor2D;
      const composed = tf.tidy(() => tf.mul(tf.mul(x, tf.rsqrt(tf.add(tf.mean(tf.square(x), -1, true), 1e-5))), w));
      assertClose(own, composed, { atol: 1e-6, rtol: 1e-5 });
      tf.dispose([x, w, own, composed]);
    }
    const x = tf.zeros([2, 3]);
    assert.throws(() => tf.engine().runKernel(RMS_NORM, { x, w: tf.ones([4]) }, { eps: 1e-5 }), /RmsNorm: x \[N, D\]/);
    x.dispose();
  });

  it('SwiGlu equals the three kernels it replaces (within float32 rounding)', () => {
    for (const shape of [
      [3, 172],
      [1, 5],
      [16, 768],
    ]) {
      const gate = tf.randomNormal(shape, 0, 4, 'float32', 18);
      const up = tf.randomNormal(shape, 0, 1, 'float32', 19);
      const own = tf.engine().runKernel(SWIGLU, { gate, up }) as tf.Tensor;
      const composed = tf.tidy(() => tf.mul(tf.mul(gate, tf.sigmoid(gate)), up));
      assertClose(own, composed, { atol: 1e-6, rtol: 1e-5 });
      tf.dispose([gate, up, own, composed]);
    }
    const extreme = tf.tensor([-100, -30, 0, 30, 100]);
    const ones = tf.onesLike(extreme);
    const own = tf.engine().runKernel(SWIGLU, { gate: extreme, up: ones }) as tf.Tensor;
    assertClose(own, [0, -30 / (1 + Math.exp(30)), 0, 30, 100], { atol: 1e-6, rtol: 1e-6 });
    tf.dispose([extreme, ones, own]);
  });

  it('RopeAppend gives the same bits as rotating, transposing and concatenating (both rotary layouts)', () => {
    for (const [ropeStyle, b, h, kvh, tp, hd] of [
      ['halfSplit', 2, 4, 2, 5, 8],
      ['interleaved', 3, 6, 3, 1, 6],
      ['halfSplit', 1, 2, 2, 9, 4],
    ] as ['halfSplit' | 'interleaved', number, number, number, number, number][]) {
      const config = makeConfig({ dim: h * hd, nLayers: 1, nHeads: h, nKvHeads: kvh, hiddenDim: 8, vocabSize: 9 });
      const rope = ropeTables({ ...config, ropeStyle });
      const positions = tf.tensor1d(
        Array.from({ length: b }, (_, i) => tp + i),
        'int32',
      );
      const cos = tf.gather(rope.cos, positions) as tf.Tensor2D; // [B, hd]
      const sin = tf.gather(rope.sin, positions) as tf.Tensor2D;
      const q = tf.randomNormal([b, h * hd], 0, 1, 'float32', 13) as tf.Tensor2D;
      const k = tf.randomNormal([b, kvh * hd], 0, 1, 'float32', 14) as tf.Tensor2D;
      const v = tf.randomNormal([b, kvh * hd], 0, 1, 'float32', 15) as tf.Tensor2D;
      const pastK = tf.randomNormal([b, kvh, tp, hd], 0, 1, 'float32', 16) as tf.Tensor4D;
      const pastV = tf.randomNormal([b, kvh, tp, hd], 0, 1, 'float32', 17) as tf.Tensor4D;
      assert.ok(ownKernelAvailable(ROPE_APPEND));
      const own = decodeStepRopeAppend(q, k, v, cos, sin, pastK, pastV, {
        heads: h,
        kvHeads: kvh,
        halfSplit: ropeStyle === 'halfSplit',
      });
      const composed = tf.tidy(() => {
        const c4 = tf.reshape(cos, [b, 1, 1, hd]) as tf.Tensor4D;
        const s4 = tf.reshape(sin, [b, 1, 1, hd]) as tf.Tensor4D;
        const [q4, k4] = [tf.reshape(q, [b, 1, h, hd]), tf.reshape(k, [b, 1, kvh, hd])] as tf.Tensor4D[];
        const qr = applyRope(q4, c4, s4, rope.rot, rope.halfSplit); // [B, 1, H, hd]
        const kr = applyRope(k4, c4, s4, rope.rot, rope.halfSplit);
        return {
          q: tf.reshape(qr, [b, kvh, h / kvh, hd]),
          k: tf.concat([pastK, tf.transpose(kr, [0, 2, 1, 3])], 2),
          v: tf.concat([pastV, tf.transpose(tf.reshape(v, [b, 1, kvh, hd]), [0, 2, 1, 3])], 2),
        };
      });
      for (const key of ['q', 'k', 'v'] as const) {
        assert.deepEqual(own[key].shape, composed[key].shape, key);
        assert.deepEqual(Array.from(own[key].dataSync()), Array.from(composed[key].dataSync()), `${key}: same bits`);
      }
      tf.dispose([positions, cos, sin, q, k, v, pastK, pastV, rope.cos, rope.sin, rope.rot]);
      tf.dispose([...Object.values(own), ...Object.values(composed)]);
    }
  });

  it('a decoding step on the own kernels equals the composed (padded rows, grouped heads, both ropes)', async () => {
    for (const ropeStyle of ['halfSplit', 'interleaved'] as const) {
      const config = makeConfig({
        dim: 24,
        nLayers: 2,
        nHeads: 6,
        nKvHeads: 2,
        hiddenDim: 40,
        vocabSize: 31,
        maxSeqLen: 32,
        ropeStyle,
      });
      const model = LlamaModel.init(config, 21);
      const prompts = [
        [0, 0, 3, 7, 1],
        [4, 9, 2, 8, 6],
      ];
      const mask = [
        [0, 0, 1, 1, 1],
        [1, 1, 1, 1, 1],
      ];
      /** Logits of three decoding steps after the prompts, and the final cache's keys. */
      const decode = (): { logits: number[][]; keys: number[] } => {
        const first = model.forwardWithCache(prompts, null, { attentionMask: mask });
        first.logits.dispose();
        let cache: KvCache = first.cache;
        const logits: number[][] = [];
        for (const next of [[5], [11], [2]]) {
          const step = model.forwardWithCache([next, next], cache);
          disposeCache(cache);
          cache = step.cache;
          logits.push(Array.from(step.logits.dataSync()));
          step.logits.dispose();
        }
        const keys = Array.from(cache.k[1].dataSync());
        disposeCache(cache);
        return { logits, keys };
      };
      const before = tf.memory().numTensors;
      let own = { logits: [] as number[][], keys: [] as number[] };
      const profile = await tf.profile(() => {
        own = decode();
      });
      assert.equal(tf.memory().numTensors, before, 'the fused steps leave no tensor behind');
      const calls = (name: string) => profile.kernels.filter((k) => k.name === name).length;
      // 3 steps × 2 layers; the prompt (5 tokens) runs the composed forward
      assert.equal(calls(ROPE_APPEND), 6);
      assert.equal(calls(RMS_NORM), 3 * (2 * 2 + 1));
      assert.equal(calls(SWIGLU), 6);
      assert.equal(calls('Sigmoid'), 2, 'only the prompt runs the composed MLP');
      installWasmKernels(new Set(['step']));
      let composed: { logits: number[][]; keys: number[] };
      try {
        composed = decode();
      } finally {
        installWasmKernels();
      }
      for (const [i, row] of own.logits.entries()) assertClose(row, composed.logits[i], { atol: 1e-5, rtol: 1e-5 });
      assertClose(own.keys, composed.keys, { atol: 1e-5, rtol: 1e-5 });
      model.dispose();
    }
  });

  it('reads a permutation as a swap of two adjacent axis groups, or not', () => {
    assert.deepEqual(swapOfAxisGroups([4096, 64], [1, 0]), { outer: 1, a: 4096, b: 64, inner: 1, identity: false });
    // attention: [B, T, KV, G, hd] → [B, KV, G, T, hd]
    assert.deepEqual(swapOfAxisGroups([16, 256, 4, 2, 8], [0, 2, 3, 1, 4]), {
      outer: 16,
      a: 256,
      b: 8,
      inner: 8,
      identity: false,
    });
    assert.deepEqual(swapOfAxisGroups([2, 3, 5], [2, 0, 1]), { outer: 1, a: 6, b: 5, inner: 1, identity: false });
    assert.equal(swapOfAxisGroups([2, 1, 3], [1, 0, 2])?.identity, true, 'only an axis of size 1 moves');
    assert.equal(swapOfAxisGroups([2, 3, 5], [2, 1, 0]), null, 'a reversal is not one swap');
    assert.equal(swapOfAxisGroups([2, 3, 5, 7], [1, 0, 3, 2]), null, 'two swaps');
  });

  it('Transpose by swapped axis groups equals the stock kernel (ragged matrices, rows of floats, batches)', () => {
    const cases: [number[], number[]][] = [
      [
        [37, 70],
        [1, 0],
      ],
      [
        [4096, 172],
        [1, 0],
      ],
      [
        [3, 9, 5],
        [0, 2, 1],
      ],
      [
        [2, 33, 4, 2, 8],
        [0, 2, 3, 1, 4],
      ],
      [
        [2, 4, 2, 33, 8],
        [0, 3, 1, 2, 4],
      ],
      [
        [5, 6, 3],
        [1, 0, 2],
      ],
      [
        [2, 3, 5],
        [2, 0, 1],
      ],
      [
        [2, 3, 5, 7],
        [1, 0, 3, 2],
      ], // not one swap: the stock kernel
      [
        [4, 1, 6],
        [1, 0, 2],
      ], // only a size-1 axis moves
    ];
    for (const [shape, perm] of cases) {
      const x = tf.randomNormal(shape, 0, 1, 'float32', 24);
      const calls = swapAxesCalls();
      const own = tf.transpose(x, perm);
      const swap = swapOfAxisGroups(shape, perm);
      assert.equal(swapAxesCalls(), calls + (swap && !swap.identity ? 1 : 0), `[${shape}] by [${perm}]`);
      installWasmKernels(new Set(['transpose']));
      let stock: tf.Tensor;
      try {
        stock = tf.transpose(x, perm);
      } finally {
        installWasmKernels();
      }
      assert.deepEqual(own.shape, stock.shape);
      assert.deepEqual(own.dataSync(), stock.dataSync(), `[${shape}] by [${perm}]: the same floats`);
      tf.dispose([x, own, stock]);
    }
    const ints = tf.tensor2d([1, 2, 3, 4, 5, 6], [2, 3], 'int32');
    const t = tf.transpose(ints);
    assert.deepEqual(Array.from(t.dataSync()), [1, 4, 2, 5, 3, 6], 'int32 goes to the stock kernel');
    tf.dispose([ints, t]);
  });

  it('Exp is within 2 ulp of the exact value (SIMD lanes and tail alike), with +∞, 0 and NaN at the edges', () => {
    const xs: number[] = [];
    for (let i = 0; i < 20001; i++) xs.push(-87 + (176 * i) / 20000); // -87 … 89
    xs.push(0, -0, 1e-30, -1e-30, 88.72, 88.73, -87.3, -87.4, -1000, 1000, Number.NaN, 0.5, 1, 2);
    const x = tf.tensor1d(xs);
    const y = tf.exp(x);
    const got = y.dataSync();
    xs.forEach((v, i) => {
      const want = Math.fround(Math.exp(Math.fround(v))); // the tensor holds v in float32
      if (Number.isNaN(v)) assert.ok(Number.isNaN(got[i]), 'NaN');
      else if (want === Number.POSITIVE_INFINITY || v > 88.7228) assert.equal(got[i], want, `e^${v}`);
      else if (v < -87.3365) assert.ok(got[i] === 0 && want < 1.2e-38, `e^${v} flushed to 0`);
      else {
        const ulp = 2 ** (Math.floor(Math.log2(want)) - 23);
        assert.ok(Math.abs(got[i] - want) <= 2 * ulp, `e^${v}: ${got[i]} vs ${want}`);
      }
    });
    // the value of an element does not depend on whether it falls in a SIMD lane or the tail
    const one = tf.exp(tf.tensor1d([xs[5]]));
    assert.equal(one.dataSync()[0], got[5]);
    tf.dispose([x, y, one]);
  });

  it('Identity shares the buffer: a clone is not a copy, and disposing either leaves the other intact', () => {
    const x = tf.tensor([1, 2, 3, 4]);
    const y = tf.clone(x);
    assert.equal(y.dataId, x.dataId, 'the same buffer');
    x.dispose();
    assert.deepEqual(Array.from(y.dataSync()), [1, 2, 3, 4]);
    y.dispose();
    const s = tf.tensor(['a', 'b']);
    const t = tf.clone(s);
    s.dispose();
    assert.deepEqual(t.dataSync(), ['a', 'b']);
    t.dispose();
  });

  it('Cast to the same dtype shares the buffer; other casts convert', () => {
    const x = tf.tensor([1.75, -2.5, 3]);
    const same = tf.engine().runKernel('Cast', { x }, { dtype: 'float32' }) as tf.Tensor;
    assert.equal(same.dataId, x.dataId, 'the same buffer');
    const ints = tf.cast(x, 'int32');
    assert.notEqual(ints.dataId, x.dataId);
    assert.deepEqual(Array.from(ints.dataSync()), [1, -2, 3]);
    x.dispose();
    assert.deepEqual(Array.from(same.dataSync()), [1.75, -2.5, 3]);
    tf.dispose([same, ints]);
  });

  it('TRACT_WASM_OFF leaves the named kernels off (tract info says which), and names an unknown one', () => {
    assert.deepEqual([...wasmKernelsOff({})], []);
    assert.deepEqual([...wasmKernelsOff({ TRACT_WASM_OFF: 'softmax, identity' })], ['softmax', 'identity']);
    assert.equal(wasmKernelsOff({ TRACT_WASM_OFF: 'all' }).size, 18);
    assert.equal(wasmKernelsOff({ TRACT_WASM_STOCK_MATMUL: '1' }).size, 18);
    assert.throws(() => wasmKernelsOff({ TRACT_WASM_OFF: 'softmax,fft' }), /TRACT_WASM_OFF: unknown kernel 'fft'/);
    try {
      const lines = installWasmKernels(new Set(['softmax']));
      assert.ok(!ownKernelAvailable(SOFTMAX_BACKWARD));
      assert.ok(
        lines.some((l) => l.startsWith('softmax gradient') && l.endsWith('[off (TRACT_WASM_OFF): stock TF.js]')),
      );
      assert.ok(lines.some((l) => l.startsWith('BatchMatMul') && !l.includes('[off')));
      // the cross-entropy kernels compute e^x as the own Exp does: without it they are off too
      const withoutExp = installWasmKernels(new Set(['exp']));
      assert.ok(
        withoutExp.some(
          (l) =>
            l.startsWith('the cross-entropy') && l.endsWith('[off (Exp is off (TRACT_WASM_OFF=exp)): stock TF.js]'),
        ),
      );
      assert.ok(!ownKernelAvailable(NLL_GRAD));
    } finally {
      installWasmKernels();
    }
    assert.ok(ownKernelAvailable(SOFTMAX_BACKWARD));
    assert.ok(ownKernelAvailable(NLL_GRAD));
  });

  it('the committed kernel binaries are a fresh build of kernels/*.ts', function () {
    this.timeout(120000);
    const r = spawnSync(process.execPath, ['--import', 'tsx', 'tools/build_kernels.ts', '--check'], {
      cwd: join(__dirname, '..', '..'),
      encoding: 'utf8',
    });
    assert.equal(r.status, 0, r.stderr);
  });
});
