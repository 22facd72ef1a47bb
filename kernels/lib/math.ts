// AssemblyScript, imported by kernels/*.ts (not an entry of the module: it exports nothing to JavaScript).
// Not TypeScript: `f32`, `i32`, `v128` are AssemblyScript's types.
//
// e^x in float32, four lanes or one at a time, without tables (the module has no memory of its own):
//   e^x = 2^n · e^r,  n = round(x / ln 2),  r = x − n·ln 2 (in two parts),  e^r by its degree-7 series (|r| ≤ ln2/2)
// Within 2 ulp of the exact value; x > 88.72 gives +∞, x < −87.33 gives 0 (no subnormals), NaN gives NaN. The
// vector lanes and the scalar form do the same float32 operations, so a value never depends on its position.

// @ts-nocheck

const LOG2E: f32 = 1.4426950408889634;
const LN2_HI: f32 = 0.693145751953125;
const LN2_LO: f32 = 1.428606765330187e-6;
const C7: f32 = 0.0001984126984126984;
const C6: f32 = 0.001388888888888889;
const C5: f32 = 0.008333333333333333;
const C4: f32 = 0.041666666666666664;
const C3: f32 = 0.16666666666666666;
const C2: f32 = 0.5;
const HI: f32 = 88.72283935546875;
const LO: f32 = -87.33654022216797;

/** e^r for |r| ≤ ln2/2: the degree-7 Taylor series by Horner's rule. */
@inline
function series(r: f32): f32 {
  let p: f32 = C7;
  p = p * r + C6;
  p = p * r + C5;
  p = p * r + C4;
  p = p * r + C3;
  p = p * r + C2;
  p = p * r + <f32>1.0;
  p = p * r + <f32>1.0;
  return p;
}

/** {@link series} four lanes at a time (the same operations per lane). */
@inline
function seriesVector(r: v128): v128 {
  let p = f32x4.splat(C7);
  p = f32x4.add(f32x4.mul(p, r), f32x4.splat(C6));
  p = f32x4.add(f32x4.mul(p, r), f32x4.splat(C5));
  p = f32x4.add(f32x4.mul(p, r), f32x4.splat(C4));
  p = f32x4.add(f32x4.mul(p, r), f32x4.splat(C3));
  p = f32x4.add(f32x4.mul(p, r), f32x4.splat(C2));
  p = f32x4.add(f32x4.mul(p, r), f32x4.splat(1.0));
  p = f32x4.add(f32x4.mul(p, r), f32x4.splat(1.0));
  return p;
}

// e^x as the decoding kernels (kernels/decodeAttention.ts, swiGlu.ts) compute it: the degree-6 series and one scaling
// by 2^n after clamping x to 88 (x < −87 gives 0).

/** e^x for one float, degree-6 series, clamped at 88. */
@inline
export function expDecode(x: f32): f32 {
  if (x < <f32>-87.0) return 0;
  if (x > <f32>88.0) x = <f32>88.0;
  const n: f32 = nearest<f32>(x * <f32>1.4426950408889634);
  const r: f32 = x - n * <f32>0.693145751953125 - n * <f32>1.428606765330187e-6; // ln 2 in two parts (Cody-Waite)
  let p: f32 = <f32>0.001388888888888889;
  p = p * r + <f32>0.008333333333333333;
  p = p * r + <f32>0.041666666666666664;
  p = p * r + <f32>0.16666666666666666;
  p = p * r + <f32>0.5;
  p = p * r + <f32>1.0;
  p = p * r + <f32>1.0;
  return p * reinterpret<f32>((<i32>n + 127) << 23);
}

/** {@link expDecode} four lanes at a time: the same float32 operations per lane, so the same values. */
@inline
export function expDecodeVector(x: v128): v128 {
  const xc = f32x4.min(x, f32x4.splat(<f32>88.0)); // NaN stays NaN, as `x > 88` is false for it in the scalar form
  const n = f32x4.nearest(f32x4.mul(xc, f32x4.splat(<f32>1.4426950408889634)));
  const r = f32x4.sub(
    f32x4.sub(xc, f32x4.mul(n, f32x4.splat(<f32>0.693145751953125))),
    f32x4.mul(n, f32x4.splat(<f32>1.428606765330187e-6)),
  );
  let p = f32x4.splat(<f32>0.001388888888888889);
  p = f32x4.add(f32x4.mul(p, r), f32x4.splat(<f32>0.008333333333333333));
  p = f32x4.add(f32x4.mul(p, r), f32x4.splat(<f32>0.041666666666666664));
  p = f32x4.add(f32x4.mul(p, r), f32x4.splat(<f32>0.16666666666666666));
  p = f32x4.add(f32x4.mul(p, r), f32x4.splat(<f32>0.5));
  p = f32x4.add(f32x4.mul(p, r), f32x4.splat(<f32>1.0));
  p = f32x4.add(f32x4.mul(p, r), f32x4.splat(<f32>1.0));
  const y = f32x4.mul(p, i32x4.shl(i32x4.add(i32x4.trunc_sat_f32x4_s(n), i32x4.splat(127)), 23));
  return v128.andnot(y, f32x4.lt(x, f32x4.splat(<f32>-87.0))); // x < −87 gives 0
}

/** e^x for one float: the operations of {@link expVector}, lane by lane. */
@inline
export function expScalar(x: f32): f32 {
  if (x != x) return x; // NaN
  if (x > HI) return Infinity;
  if (x < LO) return 0;
  const n: f32 = nearest<f32>(x * LOG2E);
  const r: f32 = x - n * LN2_HI - n * LN2_LO;
  const p = series(r);
  const ni = <i32>n;
  const h = ni >> 1;
  return p * reinterpret<f32>((h + 127) << 23) * reinterpret<f32>((ni - h + 127) << 23);
}

/** e^x for four floats. */
@inline
export function expVector(x: v128): v128 {
  const xc = f32x4.max(f32x4.min(x, f32x4.splat(HI)), f32x4.splat(LO)); // NaN stays NaN (propagated by min/max)
  const n = f32x4.nearest(f32x4.mul(xc, f32x4.splat(LOG2E)));
  const r = f32x4.sub(f32x4.sub(xc, f32x4.mul(n, f32x4.splat(LN2_HI))), f32x4.mul(n, f32x4.splat(LN2_LO)));
  const p = seriesVector(r);
  const ni = i32x4.trunc_sat_f32x4_s(n);
  const h = i32x4.shr_s(ni, 1);
  const bias = i32x4.splat(127);
  const s1 = i32x4.shl(i32x4.add(h, bias), 23);
  const s2 = i32x4.shl(i32x4.add(i32x4.sub(ni, h), bias), 23);
  let y = f32x4.mul(f32x4.mul(p, s1), s2);
  y = v128.bitselect(f32x4.splat(Infinity), y, f32x4.gt(x, f32x4.splat(HI)));
  return v128.bitselect(f32x4.splat(0), y, f32x4.lt(x, f32x4.splat(LO)));
}


// e^x for x ≤ 0 (a softmax's x − max), cheaper: the rounding of x / ln 2 by adding 1.5·2²³ (the integer lands in the
// low bits of the sum), one scaling by 2^n (n ≥ −126 after the clamp at −87.33), and 0 below −87.33. Within 2 ulp.
const MAGIC: f32 = 12582912.0; // 1.5·2²³

/** e^x for one float x ≤ 0: the operations of {@link expNonPositiveVector}, lane by lane. */
@inline
export function expNonPositiveScalar(x: f32): f32 {
  if (x != x) return x; // NaN
  const xc: f32 = max(x, LO);
  const t: f32 = xc * LOG2E + MAGIC;
  const n: f32 = t - MAGIC;
  const r: f32 = xc - n * LN2_HI - n * LN2_LO;
  const p = series(r);
  const scale = reinterpret<f32>((reinterpret<i32>(t) - reinterpret<i32>(MAGIC) + 127) << 23);
  return x < LO ? 0 : p * scale;
}

/** e^x for four floats x ≤ 0. */
@inline
export function expNonPositiveVector(x: v128): v128 {
  const xc = f32x4.max(x, f32x4.splat(LO));
  const t = f32x4.add(f32x4.mul(xc, f32x4.splat(LOG2E)), f32x4.splat(MAGIC));
  const n = f32x4.sub(t, f32x4.splat(MAGIC));
  const r = f32x4.sub(f32x4.sub(xc, f32x4.mul(n, f32x4.splat(LN2_HI))), f32x4.mul(n, f32x4.splat(LN2_LO)));
  const p = seriesVector(r);
  const scale = i32x4.shl(i32x4.add(i32x4.sub(t, i32x4.splat(reinterpret<i32>(MAGIC))), i32x4.splat(127)), 23);
  return v128.andnot(f32x4.mul(p, scale), f32x4.lt(x, f32x4.splat(LO)));
}
