/**
 * Where our results agree with the paper's, computed rather than typed: for pairs of runs of a suite,
 * the paper's average r of both methods beside our paired-bootstrap Δr (pooled over seeds), and a
 * verdict per split: the paper's ordering holds (significantly), is reversed (significantly), or the
 * difference here is not significant.
 *
 * @module notebook/paperAgreement
 */
import type { PaperResult } from '../data/paperResults';
import { IN_DOMAIN, SPLIT_NAMES, SPLITS } from '../results/formats';
import { paperAverageR } from '../report/paperTables';
import { paperRowName, pairedPearsonDiff, seedPairs } from '../tract/suiteTables';
import { type LabeledRun, labeledRuns } from './readings';
import type { SuiteResults } from './suites';

/** The paper's row for one of our runs: its method (TRACT at λ ≠ 1 is `tract-lambda-<λ>`) and number of CoTs. */
export function paperMethodOf(run: Pick<LabeledRun, 'metrics' | 'config'>): { method: string; nCot: number } {
  const { method } = run.metrics;
  const lambda = run.config.objective.lambda;
  return { method: method === 'tract' && lambda !== 1 ? `tract-lambda-${lambda}` : method, nCot: run.config.eval.nCot };
}

function signed(x: number): string {
  return `${x >= 0 ? '+' : '−'}${Math.abs(x).toFixed(3)}`;
}

/** The verdict of our Δr (a − b) against the sign of the paper's difference. */
function agreement(paperDiff: number, lo: number, hi: number): string {
  if (!Number.isFinite(paperDiff)) return 'no paper value';
  if (lo > 0 || hi < 0) return Math.sign(lo > 0 ? 1 : -1) === Math.sign(paperDiff) ? '**agrees**' : '**reversed**';
  return 'not significant here';
}

/**
 * One line per pair: `a` minus `b` in the paper (average r over its four benchmarks) and here (paired bootstrap of
 * Pearson r per split, pooled over the suite's seeds), with the verdict.
 * @param pairs labels of runs of the suite (`labeledRuns`), e.g. `[['tract', 'cot-raft-ref']]`
 * @param paper rows of `data/reference/tract-paper-results.csv` (`readPaperResults`)
 */
export function paperAgreement(res: SuiteResults, paper: PaperResult[], pairs: readonly [string, string][]): string {
  const bySeed = labeledRuns(res);
  const lines: string[] = [];
  for (const [a, b] of pairs) {
    const ra = bySeed[0]?.find((r) => r.label === a);
    const rb = bySeed[0]?.find((r) => r.label === b);
    if (!ra || !rb) throw new Error(`paperAgreement: no run labelled '${ra ? b : a}' in ${res.outDir}`);
    const both = seedPairs(bySeed, a, b);
    const name = (r: LabeledRun) =>
      r.metrics.paperId === '-'
        ? paperRowName(r.label, '-')
        : `${paperRowName(r.label, r.metrics.paperId)} [${r.metrics.paperId}]`;
    const pa = paperAverageR(paper, paperMethodOf(ra));
    const pb = paperAverageR(paper, paperMethodOf(rb));
    const paperText = Number.isFinite(pa - pb)
      ? `paper Avg r ${pa.toFixed(3)} vs ${pb.toFixed(3)} (${signed(pa - pb)})`
      : "not both in the paper's log";
    const per = SPLITS.map((split) => {
      const d = pairedPearsonDiff(
        both.map((p) => p.a),
        both.map((p) => p.b),
        split,
        ra.config.eval.bootstrapSamples,
        `paired/${split}/${b}`, // the verdict table's stream: the same Δr interval when a is the compared run
      );
      const where = split === IN_DOMAIN ? 'in domain' : SPLIT_NAMES[split].toLowerCase();
      if (!d) return `${where} n/a`;
      return (
        `${where} Δr ${signed(d.diff)} [${signed(d.lower)}, ${signed(d.upper)}] (p = ${d.pValue.toFixed(3)}): ` +
        agreement(pa - pb, d.lower, d.upper)
      );
    });
    const seeds = both.length > 1 ? ` over ${both.length} seeds` : '';
    lines.push(`- **${name(ra)} − ${name(rb)}**: ${paperText}; here${seeds}: ${per.join('; ')}.`);
  }
  return `${lines.join('\n')}\n`;
}
