import { strict as assert } from 'node:assert';
import * as tf from '@tensorflow/tfjs';
import fixture from '../fixtures/adamw-torch.json';
import { assertClose } from '../../src/engine/asserts';
import { AdamW, clipByGlobalNorm } from '../../src/training/optimizer';
import { ADAMW, installWasmKernels } from '../../src/engine/wasmKernels';
import { Rng } from '../../src/engine/rng';
import { TEST_BACKENDS, useBackend } from '../helpers/backends';

/**
 * Our AdamW step (and the trainer's clip before it) against torch.optim.AdamW, from
 * test/fixtures/adamw-torch.json (made by tools/make_adamw_fixture.py; the command is in its header).
 * The reference runs in float64; ours in float32, hence rtol 1e-6 on weights. Moments can pass near
 * zero, so their tolerance is relative to the largest moment of the tensor.
 */
type Case = (typeof fixture.cases)[number];

const maxAbs = (xs: number[]) => xs.reduce((s, x) => Math.max(s, Math.abs(x)), 0);

function runCase(c: Case, check: (step: number, vars: tf.Variable[], opt: AdamW, norm: number | null) => void): void {
  const vars = fixture.initial.map((d, i) => tf.variable(tf.tensor(d, fixture.shapes[i]), true));
  const opt = new AdamW(vars, { beta1: c.beta1, beta2: c.beta2, epsilon: c.epsilon, weightDecay: c.weightDecay });
  try {
    c.steps.forEach((s, step) => {
      let grads = c.grads[step].map((g, i) => tf.tensor(g, fixture.shapes[i]));
      let norm: number | null = null;
      if (c.maxGradNorm > 0) ({ grads, norm } = clipByGlobalNorm(grads, c.maxGradNorm));
      opt.apply(grads, s.lr);
      tf.dispose(grads);
      check(step, vars, opt, norm);
    });
  } finally {
    opt.dispose();
    tf.dispose(vars);
  }
}

for (const backend of TEST_BACKENDS) {
  describe(`training/optimizer: AdamW against torch.optim.AdamW [${backend}]`, () => {
    before(() => useBackend(backend));

    it('the fixture was made by the documented command', () => {
      assert.equal(fixture.command, '/usr/bin/python3 tools/make_adamw_fixture.py > test/fixtures/adamw-torch.json');
      assert.equal(fixture.cases.length, 2);
    });

    for (const c of fixture.cases) {
      it(`${c.name}: weights, moments and the clip norm after each of ${c.steps.length} steps`, () => {
        runCase(c, (step, vars, opt, norm) => {
          const want = c.steps[step];
          const where = `${c.name}, step ${step + 1}`;
          if (c.maxGradNorm > 0) {
            // torch divides by (norm + 1e-6), we by the norm: a relative 3e-7 apart at these norms
            assertClose(norm!, want.gradNorm!, { atol: 0, rtol: 1e-6, message: `${where}: gradient norm` });
          }
          assert.equal(opt.step, step + 1);
          const state = opt.state();
          vars.forEach((v, i) => {
            assertClose(v.dataSync(), want.params[i], { atol: 1e-7, rtol: 1e-6, message: `${where}: parameter ${i}` });
            const moment = (x: number[]) => ({ atol: 1e-6 * maxAbs(x), rtol: 1e-5 });
            assertClose(state.m[i], want.m[i], { ...moment(want.m[i]), message: `${where}: m ${i}` });
            assertClose(state.v[i], want.v[i], { ...moment(want.v[i]), message: `${where}: v ${i}` });
          });
        });
      });
    }

    it('fails when the decay also hit vectors (the fixture decays matrices only)', () => {
      // guards the test itself: a wrong rule must be outside the tolerance
      const c = fixture.cases[1];
      const vars = fixture.initial.map((d, i) => tf.variable(tf.tensor(d, fixture.shapes[i]), true));
      const opt = new AdamW(vars, { beta1: c.beta1, beta2: c.beta2, epsilon: c.epsilon, weightDecay: c.weightDecay });
      const grads = c.grads[0].map((g, i) => tf.tensor(g, fixture.shapes[i]));
      opt.apply(grads, c.steps[0].lr);
      const vector = vars[1].dataSync();
      const decayedToo = vector.map((w, j) => w - c.steps[0].lr * c.weightDecay * fixture.initial[1][j]);
      assertClose(vector, c.steps[0].params[1], { atol: 1e-7, rtol: 1e-6 });
      assert.throws(() => assertClose(decayedToo, c.steps[0].params[1], { atol: 1e-7, rtol: 1e-6 }), /not close/);
      tf.dispose([...grads, ...vars]);
      opt.dispose();
    });
  });
}

describe('training/optimizer: the one-pass AdamW kernel on wasm (kernels/adamw.ts)', () => {
  before(() => useBackend('wasm'));
  after(() => useBackend('wasm'));

  /** Weights and moments after `steps` updates of variables of `shapes` from seeded values, as arrays. */
  function train(
    shapes: number[][],
    steps: number,
    weightDecay: number,
  ): { w: number[][]; m: number[][]; v: number[][] } {
    const rng = new Rng('adamw-kernel');
    const values = (shape: number[], scale: number) =>
      tf.tensor(
        Float32Array.from({ length: shape.reduce((a, d) => a * d, 1) }, () => scale * rng.normal()),
        shape,
      );
    const vars = shapes.map((s) => tf.variable(values(s, 0.5), true));
    const opt = new AdamW(vars, { weightDecay });
    try {
      for (let step = 0; step < steps; step++) {
        // gradients of mixed scales, with exact zeros, so that m, v and the update span many exponents
        const grads = shapes.map((s) => tf.tidy(() => tf.relu(values(s, 10 ** (step - 2)))));
        opt.apply(grads, 1e-3 * (step + 1));
        tf.dispose(grads);
      }
      const state = opt.state();
      return { w: vars.map((x) => [...x.dataSync()]), m: state.m.map((x) => [...x]), v: state.v.map((x) => [...x]) };
    } finally {
      opt.dispose();
      tf.dispose(vars);
    }
  }

  // a vector (no decay), a tail of 3 floats past the SIMD lanes, and one large enough to be split between threads (in
  // the threaded build; engine/wasmKernels' helper test checks the split's bits)
  const shapes = [[7], [33, 5], [256, 688]];

  for (const decay of [0, 0.01]) {
    it(`has the bits of the composed ops (weight decay ${decay})`, () => {
      assert.ok(tf.getKernel(ADAMW, 'wasm'), 'registered by initBackend');
      const fused = train(shapes, 4, decay);
      installWasmKernels(new Set(['adamw']));
      let composed: typeof fused;
      try {
        assert.equal(tf.getKernel(ADAMW, 'wasm'), undefined, 'TRACT_WASM_OFF=adamw leaves it out');
        composed = train(shapes, 4, decay);
      } finally {
        installWasmKernels();
      }
      for (const k of ['w', 'm', 'v'] as const) {
        for (const [i, x] of fused[k].entries()) assert.deepEqual(x, composed[k][i], `${k} ${i}: the same bits`);
      }
    });
  }

  it('leaves no tensor behind', () => {
    const w = tf.variable(tf.ones([300, 7]), true);
    const opt = new AdamW([w]);
    const g = tf.fill([300, 7], 0.5);
    opt.apply([g], 1e-3);
    const before = tf.memory().numTensors;
    for (let i = 0; i < 3; i++) opt.apply([g], 1e-3);
    assert.equal(tf.memory().numTensors, before);
    opt.dispose();
    tf.dispose([w, g]);
  });

  it('names the input that is wrong', () => {
    const w = tf.ones([4]);
    const v = tf.ones([5]);
    const attrs = { beta1: 0.9, beta2: 0.999, c1: 0.1, c2: 0.001, epsilon: 1e-8, decay: 0, lr: 1e-3 };
    assert.throws(() => tf.engine().runKernel(ADAMW, { w, m: w, v, g: w }, attrs), /AdamW: v is \[5\], w is \[4\]/);
    assert.throws(() => tf.engine().runKernel(ADAMW, { w, m: w, v: w }, attrs), /AdamW: input g is missing/);
    tf.dispose([w, v]);
  });
});
