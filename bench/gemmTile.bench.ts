/**
 * The GEMM's inner tile (kernels/gemm.ts) in isolation: one thread, operands in L1, GFLOP/s of variants of the tile
 * compiled from AssemblyScript and run by this Node. It answers what V8's wasm code reaches with 128-bit SIMD, and
 * whether fused multiply-add (relaxed SIMD's `f32x4.relaxed_madd`, behind `--experimental-wasm-relaxed-simd` in
 * Node 20) or larger tiles would raise it.
 *
 *   npm run bench:gemm-tile            # best of 5 runs of 20,000 tiles of K = 256 per variant, after a warm-up
 *
 * Variants: rows × columns of C per tile (4 × 8 is the one kernels/gemm.ts uses), "unrolled" goes two k at a time,
 * "fma" adds with relaxed_madd (a child process with the flag; its sums round once, so it is not the kernel's bits;
 * the plain 4 × 8 tile runs in that process too, as a control). Each process runs with `--no-liftoff`, so that V8's
 * optimising compiler has compiled every variant before it is timed.
 */
import { spawnSync } from 'node:child_process';

/** AssemblyScript of a tile of `rows` × 4·`vecs` (accumulators in registers), K steps of one broadcast per row. */
function tileSource(name: string, rows: number, vecs: number, fma: boolean, unroll: number): string {
  const acc = (r: number, v: number) => `c${r}${v}`;
  const lines: string[] = [];
  for (let r = 0; r < rows; r++) for (let v = 0; v < vecs; v++) lines.push(`let ${acc(r, v)} = f32x4.splat(0);`);
  const body: string[] = [];
  for (let u = 0; u < unroll; u++) {
    for (let v = 0; v < vecs; v++) body.push(`const b${u}${v} = v128.load(b, ${(u * vecs + v) * 16});`);
    for (let r = 0; r < rows; r++) {
      body.push(`const a${u}${r} = v128.load32_splat(a, ${(u * rows + r) * 4});`);
      for (let v = 0; v < vecs; v++) {
        const c = acc(r, v);
        body.push(
          fma
            ? `${c} = f32x4.relaxed_madd(a${u}${r}, b${u}${v}, ${c});`
            : `${c} = f32x4.add(${c}, f32x4.mul(a${u}${r}, b${u}${v}));`,
        );
      }
    }
  }
  const stores: string[] = [];
  for (let r = 0; r < rows; r++) {
    for (let v = 0; v < vecs; v++) stores.push(`v128.store(cp, ${acc(r, v)}, ${(r * vecs + v) * 16});`);
  }
  return `
export function ${name}(pa: usize, pb: usize, cp: usize, kc: i32, reps: i32): void {
  for (let rep = 0; rep < reps; rep++) {
    ${lines.join('\n    ')}
    let a = pa;
    let b = pb;
    const end = pa + <usize>(kc * ${rows * 4});
    while (a < end) {
      ${body.join('\n      ')}
      a += ${rows * 4 * unroll};
      b += ${vecs * 16 * unroll};
    }
    ${stores.join('\n    ')}
  }
}`;
}

interface Variant {
  name: string;
  rows: number;
  vecs: number;
  fma: boolean;
  unroll: number;
}

const VARIANTS: Variant[] = [
  { name: 'tile4x8', rows: 4, vecs: 2, fma: false, unroll: 1 },
  { name: 'tile4x8unrolled', rows: 4, vecs: 2, fma: false, unroll: 2 },
  { name: 'tile5x8', rows: 5, vecs: 2, fma: false, unroll: 1 },
  { name: 'tile6x8', rows: 6, vecs: 2, fma: false, unroll: 1 },
  { name: 'tile3x12', rows: 3, vecs: 3, fma: false, unroll: 1 },
  { name: 'tile4x8fma', rows: 4, vecs: 2, fma: true, unroll: 1 },
];

/** The runner a child process executes: instantiates the module and times each export (best of 5). */
const RUNNER = `
const bytes = Buffer.from(process.argv[1], 'base64');
const flopsPerK = JSON.parse(process.argv[2]);
const memory = new WebAssembly.Memory({ initial: 64 });
const ex = new WebAssembly.Instance(new WebAssembly.Module(bytes), { env: { memory } }).exports;
const f = new Float32Array(memory.buffer);
for (let i = 0; i < 200000; i++) f[i] = Math.sin(i);
const kc = 256, reps = 20000, out = {};
for (const [name, flops] of Object.entries(flopsPerK)) {
  ex[name](0, 65536, 131072, kc, reps); // warm-up: V8 tiers the function up
  let best = Infinity;
  for (let t = 0; t < 5; t++) {
    const t0 = performance.now();
    ex[name](0, 65536, 131072, kc, reps);
    best = Math.min(best, performance.now() - t0);
  }
  out[name] = (flops * kc * reps) / (best / 1000) / 1e9;
}
console.log(JSON.stringify(out));
`;

/** Compiles AssemblyScript source to a module, with relaxed SIMD when `relaxed`. */
async function compile(source: string, relaxed: boolean): Promise<Uint8Array> {
  const specifier = 'assemblyscript/asc';
  const asc = (
    (await import(specifier)) as {
      default: {
        compileString(
          source: string,
          options: Record<string, unknown>,
        ): Promise<{ binary: Uint8Array | null; error: Error | null; stderr: { toString(): string } }>;
      };
    }
  ).default;
  const features = relaxed ? ['simd', 'relaxed-simd'] : ['simd'];
  const result = await asc.compileString(source, {
    importMemory: true,
    runtime: 'stub',
    optimizeLevel: 3,
    noAssert: true,
    enable: features,
  });
  if (result.error || !result.binary) throw new Error(`asc: ${result.error?.message}\n${result.stderr.toString()}`);
  return result.binary;
}

(async () => {
  const results: Record<string, number> = {};
  for (const relaxed of [false, true]) {
    // the relaxed-SIMD module also holds the plain 4 × 8 tile, as a control measured in the same process
    const chosen = VARIANTS.filter((v) => v.fma === relaxed || (relaxed && v.name === 'tile4x8'));
    const bytes = await compile(
      chosen.map((v) => tileSource(v.name, v.rows, v.vecs, v.fma, v.unroll)).join('\n'),
      relaxed,
    );
    const flops = Object.fromEntries(chosen.map((v) => [v.name, 2 * v.rows * v.vecs * 4]));
    // --no-liftoff: every function compiled by the optimising compiler at once (no tiering during the timing)
    const flags = ['--no-liftoff', ...(relaxed ? ['--experimental-wasm-relaxed-simd'] : [])];
    const r = spawnSync(
      process.execPath,
      [...flags, '-e', RUNNER, Buffer.from(bytes).toString('base64'), JSON.stringify(flops)],
      {
        encoding: 'utf8',
      },
    );
    if (r.status !== 0) throw new Error(`tile runner failed: ${r.stderr}`);
    const got = JSON.parse(r.stdout.trim().split('\n').pop()!) as Record<string, number>;
    for (const [name, gflops] of Object.entries(got))
      results[relaxed && name === 'tile4x8' ? 'control' : name] = gflops;
  }
  console.log(`GEMM tile alone, one thread, K = 256 in L1, node ${process.version}; GFLOP/s, best of 5`);
  console.log('| tile | accumulators (v128) | GFLOP/s |\n|---|---|---|');
  for (const v of VARIANTS) {
    console.log(`| ${v.name} | ${v.rows * v.vecs} | ${results[v.name]!.toFixed(1)} |`);
  }
  console.log(`| tile4x8 again, in the relaxed-SIMD process (control) | 8 | ${results.control!.toFixed(1)} |`);
})();
