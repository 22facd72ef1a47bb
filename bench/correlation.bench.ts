/**
 * Speed of the rank correlations on large inputs (a benchmark, never a timed test).
 *
 *   npm run bench:correlation            # n = 1,000,000 pairs, integer gold vs continuous predictions
 *   npx tsx bench/correlation.bench.ts 200000
 *
 * Target (issue 2): kendallTauB and spearman under 2 s each at n = 1e6 on a 2-core machine.
 * References in the same run: scipy 1.10 (`/usr/bin/python3`, Debian's python3-scipy; skipped
 * when absent) on data of the same kind and size, and a naive O(n²) tau-b on a 20,000-pair
 * prefix, extrapolated to n, whose value must equal ours.
 */
import { spawnSync } from 'node:child_process';
import { Rng } from '../src/engine/rng';
import { kendallTauB, pearson, spearman } from '../src/metrics/correlation';

function naiveTauB(x: ArrayLike<number>, y: ArrayLike<number>): number {
  let con = 0,
    dis = 0,
    tx = 0,
    ty = 0;
  for (let i = 0; i < x.length; i++) {
    for (let j = i + 1; j < x.length; j++) {
      const dx = Math.sign(x[i] - x[j]);
      const dy = Math.sign(y[i] - y[j]);
      if (dx === 0 && dy === 0) continue;
      if (dx === 0) tx++;
      else if (dy === 0) ty++;
      else if (dx === dy) con++;
      else dis++;
    }
  }
  return (con - dis) / Math.sqrt((con + dis + tx) * (con + dis + ty));
}

function time<T>(fn: () => T): { value: T; seconds: number } {
  const t0 = process.hrtime.bigint();
  const value = fn();
  return { value, seconds: Number(process.hrtime.bigint() - t0) / 1e9 };
}

const n = Number(process.argv[2] ?? 1_000_000);
const rng = new Rng('bench/correlation');
const gold = new Float64Array(n);
const pred = new Float64Array(n);
for (let i = 0; i < n; i++) {
  gold[i] = 1 + rng.int(5); // heavy ties, as gold scores are
  pred[i] = gold[i] + rng.normal(0, 1.2);
}
time(() => kendallTauB(gold.subarray(0, 1000), pred.subarray(0, 1000))); // warm-up (JIT)

const rows: string[] = [];
for (const [name, fn] of [
  ['kendallTauB', kendallTauB],
  ['spearman', spearman],
  ['pearson', pearson],
] as const) {
  const best = Math.min(...[0, 1, 2].map(() => time(() => fn(gold, pred)).seconds));
  rows.push(`| ${name} | ${n.toLocaleString('en')} | ${best.toFixed(3)} | ${fn(gold, pred).toFixed(6)} |`);
}
const m = Math.min(n, 20000);
const naive = time(() => naiveTauB(gold.subarray(0, m), pred.subarray(0, m)));
const fast = kendallTauB(gold.subarray(0, m), pred.subarray(0, m));
console.log(`node ${process.version}, best of 3 runs`);
console.log('| function | n | seconds | value |\n|---|---|---|---|');
console.log(rows.join('\n'));
console.log(
  `| naive O(n²) tau-b (reference) | ${m.toLocaleString('en')} | ${naive.seconds.toFixed(3)} | ` +
    `${naive.value.toFixed(6)} (ours ${fast.toFixed(6)}) |`,
);
console.log(
  `naive tau-b extrapolated to n = ${n.toLocaleString('en')}: ${(naive.seconds * (n / m) ** 2).toFixed(0)} s`,
);
if (Math.abs(naive.value - fast) > 1e-12) throw new Error('tau-b disagrees with the naive reference');

const py = spawnSync(
  '/usr/bin/python3',
  [
    '-c',
    `
import numpy as np, time
from scipy import stats
rs = np.random.RandomState(0); n = ${n}
g = rs.randint(1, 6, n).astype(float); p = g + rs.normal(0, 1.2, n)
for f in [stats.kendalltau, stats.spearmanr]:
    best = min((lambda t0: (f(g, p), time.perf_counter() - t0)[1])(time.perf_counter()) for _ in range(3))
    print(f"| scipy {f.__name__} (reference) | {n:,} | {best:.3f} | |")
`,
  ],
  { encoding: 'utf8' },
);
console.log(
  py.status === 0
    ? py.stdout.trimEnd()
    : `scipy reference skipped (${(py.stderr || String(py.error)).trim().split('\n').pop()})`,
);
