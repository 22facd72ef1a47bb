/**
 * The special functions behind the p-values: log-gamma, the regularised incomplete beta and gamma
 * functions, and the tails of the normal and Pearson-r null distributions. Double precision,
 * checked against scipy 1.10 (`test/fixtures/scipy-correlations.json`).
 *
 * Algorithms: Lanczos log-gamma (g = 7, 9 terms); incomplete beta by its continued fraction
 * (modified Lentz) with the symmetry switch at x > (a+1)/(a+b+2); incomplete gamma by series below
 * x < a+1 and continued fraction above (Numerical Recipes, 3rd ed., §6.1-6.4).
 *
 * @module metrics/distributions
 */

const LANCZOS = [
  0.99999999999980993, 676.5203681218851, -1259.1392167224028, 771.32342877765313, -176.61502916214059,
  12.507343278686905, -0.13857109526572012, 9.9843695780195716e-6, 1.5056327351493116e-7,
];

/** ln Γ(x) for x > 0. */
export function logGamma(x: number): number {
  if (!(x > 0)) throw new RangeError(`logGamma: x must be > 0, got ${x}`);
  if (x < 0.5) return Math.log(Math.PI / Math.sin(Math.PI * x)) - logGamma(1 - x);
  const z = x - 1;
  let a = LANCZOS[0];
  const t = z + 7.5;
  for (let i = 1; i < 9; i++) a += LANCZOS[i] / (z + i);
  return 0.5 * Math.log(2 * Math.PI) + (z + 0.5) * Math.log(t) - t + Math.log(a);
}

const EPS = 1e-16;
const TINY = 1e-300;
const MAX_ITER = 100000;

/** Continued fraction of the incomplete beta function (modified Lentz). */
function betaContinuedFraction(a: number, b: number, x: number): number {
  const qab = a + b;
  const qap = a + 1;
  const qam = a - 1;
  let c = 1;
  let d = 1 - (qab * x) / qap;
  if (Math.abs(d) < TINY) d = TINY;
  d = 1 / d;
  let h = d;
  for (let m = 1; m <= MAX_ITER; m++) {
    const m2 = 2 * m;
    let aa = (m * (b - m) * x) / ((qam + m2) * (a + m2));
    d = 1 + aa * d;
    if (Math.abs(d) < TINY) d = TINY;
    c = 1 + aa / c;
    if (Math.abs(c) < TINY) c = TINY;
    d = 1 / d;
    h *= d * c;
    aa = (-(a + m) * (qab + m) * x) / ((a + m2) * (qap + m2));
    d = 1 + aa * d;
    if (Math.abs(d) < TINY) d = TINY;
    c = 1 + aa / c;
    if (Math.abs(c) < TINY) c = TINY;
    d = 1 / d;
    const del = d * c;
    h *= del;
    if (Math.abs(del - 1) <= EPS) return h;
  }
  throw new Error(`betaContinuedFraction: no convergence for a=${a}, b=${b}, x=${x}`);
}

/** The regularised incomplete beta function I_x(a, b), for a, b > 0 and 0 ≤ x ≤ 1. */
export function betaIncRegularized(a: number, b: number, x: number): number {
  if (!(a > 0) || !(b > 0)) throw new RangeError(`betaIncRegularized: a, b must be > 0 (a=${a}, b=${b})`);
  if (!(x >= 0 && x <= 1)) throw new RangeError(`betaIncRegularized: x must be in [0, 1], got ${x}`);
  if (x === 0 || x === 1) return x;
  const logFront = logGamma(a + b) - logGamma(a) - logGamma(b) + a * Math.log(x) + b * Math.log1p(-x);
  const front = Math.exp(logFront);
  if (x < (a + 1) / (a + b + 2)) return (front * betaContinuedFraction(a, b, x)) / a;
  return 1 - (front * betaContinuedFraction(b, a, 1 - x)) / b;
}

/** The regularised upper incomplete gamma function Q(a, x) = Γ(a, x) / Γ(a). */
export function gammaIncUpperRegularized(a: number, x: number): number {
  if (!(a > 0) || !(x >= 0)) throw new RangeError(`gammaIncUpperRegularized: need a > 0, x >= 0 (a=${a}, x=${x})`);
  if (x === 0) return 1;
  const logFront = -x + a * Math.log(x) - logGamma(a);
  if (x < a + 1) {
    // Series for P(a, x); Q = 1 − P (P is not close to 1 in this region).
    let ap = a;
    let sum = 1 / a;
    let del = sum;
    for (let n = 0; n < MAX_ITER; n++) {
      ap += 1;
      del *= x / ap;
      sum += del;
      if (Math.abs(del) < Math.abs(sum) * EPS) return 1 - sum * Math.exp(logFront);
    }
    throw new Error(`gammaIncUpperRegularized: series did not converge (a=${a}, x=${x})`);
  }
  // Continued fraction for Q(a, x) (modified Lentz).
  let b = x + 1 - a;
  let c = 1 / TINY;
  let d = 1 / b;
  let h = d;
  for (let i = 1; i <= MAX_ITER; i++) {
    const an = -i * (i - a);
    b += 2;
    d = an * d + b;
    if (Math.abs(d) < TINY) d = TINY;
    c = b + an / c;
    if (Math.abs(c) < TINY) c = TINY;
    d = 1 / d;
    const del = d * c;
    h *= del;
    if (Math.abs(del - 1) <= EPS) return Math.exp(logFront) * h;
  }
  throw new Error(`gammaIncUpperRegularized: continued fraction did not converge (a=${a}, x=${x})`);
}

/** The standard normal survival function P(Z > z), accurate in the far tail. */
export function normalSf(z: number): number {
  if (Number.isNaN(z)) return NaN;
  if (z < 0) return 1 - normalSf(-z);
  // P(Z > z) = erfc(z/√2)/2 = Q(1/2, z²/2)/2
  return 0.5 * gammaIncUpperRegularized(0.5, (z * z) / 2);
}

/** The standard normal CDF P(Z ≤ z). */
export function normalCdf(z: number): number {
  return normalSf(-z);
}

/**
 * Two-sided p-value of a Pearson correlation r from n pairs under the null of independent normal
 * samples: r follows Beta(n/2 − 1, n/2 − 1) on [−1, 1] (scipy ≥ 1.9's formulation).
 */
export function pearsonPValue(r: number, n: number): number {
  if (n < 3) return 1;
  const ab = n / 2 - 1;
  const tail = (1 - Math.abs(r)) / 2; // P(R > |r|) = I_{(1−|r|)/2}(ab, ab) by symmetry
  return Math.min(1, 2 * betaIncRegularized(ab, ab, Math.max(0, Math.min(1, tail))));
}
