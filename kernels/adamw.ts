// AssemblyScript, compiled with the other kernels/*.ts into src/engine/kernelsWasm.ts by `npm run build:kernels`
// (tools/build_kernels.ts). Not TypeScript: `usize`, `f32`, `i32`, `v128` are AssemblyScript's types.
//
// One AdamW update of one variable in one pass (training/optimizer `AdamW.apply`). Composed of TF.js ops it is 11-13
// kernels, each a pass over the variable; here each element is read once (w, m, v, g) and written once (w, m, v):
//   m' = m·β1 + g·(1 − β1)
//   v' = v·β2 + (g·g)·(1 − β2)
//   u  = (m' / c1) / (√(v' / c2) + ε)        (+ w·λ with decoupled weight decay)
//   w' = w − u·lr
// Every operation is one float32 operation in this order, as the composed ops compute it (no fused multiply-add, no
// reassociation), so the bits are theirs; the SIMD lanes compute the same operations as the scalar tail.

// @ts-nocheck

/**
 * AdamW for `n` floats (byte offsets in the imported memory; the outputs may alias the inputs). The scalars arrive as
 * float32, as TF.js makes scalar tensors of them: 1 − β1 and 1 − β2 computed by the caller, c1 and c2 the bias
 * corrections, `decay` λ (used when `useDecay` is 1).
 */
export function adamw(
  w: usize,
  m: usize,
  v: usize,
  g: usize,
  wOut: usize,
  mOut: usize,
  vOut: usize,
  n: i32,
  beta1: f32,
  oneMinusBeta1: f32,
  beta2: f32,
  oneMinusBeta2: f32,
  c1: f32,
  c2: f32,
  eps: f32,
  decay: f32,
  useDecay: i32,
  lr: f32,
): void {
  const b1 = f32x4.splat(beta1);
  const ob1 = f32x4.splat(oneMinusBeta1);
  const b2 = f32x4.splat(beta2);
  const ob2 = f32x4.splat(oneMinusBeta2);
  const vc1 = f32x4.splat(c1);
  const vc2 = f32x4.splat(c2);
  const ve = f32x4.splat(eps);
  const vd = f32x4.splat(decay);
  const vlr = f32x4.splat(lr);
  const vecBytes = (<usize>(n & ~3)) << 2;
  const bytes = (<usize>n) << 2;
  let i: usize = 0;
  for (; i < vecBytes; i += 16) {
    const gi = v128.load(g + i);
    const wi = v128.load(w + i);
    const mn = f32x4.add(f32x4.mul(v128.load(m + i), b1), f32x4.mul(gi, ob1));
    const vn = f32x4.add(f32x4.mul(v128.load(v + i), b2), f32x4.mul(f32x4.mul(gi, gi), ob2));
    let u = f32x4.div(f32x4.div(mn, vc1), f32x4.add(f32x4.sqrt(f32x4.div(vn, vc2)), ve));
    if (useDecay) u = f32x4.add(u, f32x4.mul(wi, vd));
    v128.store(mOut + i, mn);
    v128.store(vOut + i, vn);
    v128.store(wOut + i, f32x4.sub(wi, f32x4.mul(u, vlr)));
  }
  for (; i < bytes; i += 4) {
    const gi = load<f32>(g + i);
    const wi = load<f32>(w + i);
    const mn: f32 = load<f32>(m + i) * beta1 + gi * oneMinusBeta1;
    const vn: f32 = load<f32>(v + i) * beta2 + gi * gi * oneMinusBeta2;
    let u: f32 = mn / c1 / (<f32>Mathf.sqrt(vn / c2) + eps);
    if (useDecay) u = u + wi * decay;
    store<f32>(mOut + i, mn);
    store<f32>(vOut + i, vn);
    store<f32>(wOut + i, wi - u * lr);
  }
}
