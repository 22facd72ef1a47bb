/**
 * Token-length statistics of the shipped benchmarks under the paper's tokenizers (and stories260K's),
 * to size maximum lengths. Writes the table printed into docs/data.md.
 *
 *   npx tsx tools/benchmark_stats.ts
 */
import { join } from 'node:path';
import { loadPrometheusBenchmark } from '../src/data/benchmarks';
import { Llama2cTokenizer } from '../src/tokenizer/llama2c';
import type { Tokenizer } from '../src/tokenizer/tokenizer';
import { llama31Tokenizer, mistralTokenizer } from '../test/helpers/paperTokenizers';

function stats(xs: number[]): string {
  const s = [...xs].sort((a, b) => a - b);
  const q = (p: number) => s[Math.min(s.length - 1, Math.floor(p * (s.length - 1)))];
  return `${s[0]} / ${q(0.5)} / ${q(0.95)} / ${s[s.length - 1]}`;
}

(async () => {
  const root = join(__dirname, '..');
  const tokenizers: [string, Tokenizer][] = [
    ['Mistral-7B', await mistralTokenizer()],
    ['Llama-3.1', llama31Tokenizer()],
    ['stories260K (tok512)', Llama2cTokenizer.fromFile(join(root, 'models/stories260K/tok512.bin'))],
  ];
  console.log(
    '| benchmark | tokenizer | prompt tokens min / median / p95 / max | ' +
      'GPT-4 feedback tokens min / median / p95 / max |',
  );
  console.log('|---|---|---|---|');
  for (const [name, file] of [
    ['Vicuna Bench', 'data/benchmarks/vicuna_bench/vicuna_eval.json'],
    ['MT Bench', 'data/benchmarks/mt_bench/mt_bench_eval.json'],
  ]) {
    const { records } = loadPrometheusBenchmark(join(root, file));
    for (const [tname, tok] of tokenizers) {
      const prompts = records.map((r) => tok.encode(r.prompt.trimEnd()).length);
      const feedback = records.flatMap((r) => r.gpt4Feedback.map((f) => tok.encode(f).length));
      console.log(`| ${name} | ${tname} | ${stats(prompts)} | ${stats(feedback)} |`);
    }
  }
})();
