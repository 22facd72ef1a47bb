/**
 * Derives data/reference/tract-paper-results.csv from the TRACT authors' run log
 * (`inference/evaluation_result/results.csv` of d223302/TRACT, given as the first argument;
 * data/reference/PROVENANCE.md names the commit and its hash).
 *
 *   npx tsx tools/make_paper_reference.ts path/to/results.csv
 *
 * Prints the sha256 of the log, the rows kept and every reason rows were left out, with counts.
 */
import { createHash } from 'node:crypto';
import { mkdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { deriveFromLog, paperResultsToCsv } from '../src/data/paperResults';
import { writeFileAtomic } from '../src/io/atomic';

const root = join(__dirname, '..');
const input = process.argv[2];
if (!input) {
  console.error(
    'usage: npx tsx tools/make_paper_reference.ts path/to/results.csv ' +
      "(the authors' run log; data/reference/PROVENANCE.md)",
  );
  process.exit(2);
}
const text = readFileSync(input, 'utf8');
const derived = deriveFromLog(text, input);
const out = join(root, 'data', 'reference', 'tract-paper-results.csv');
mkdirSync(join(root, 'data', 'reference'), { recursive: true });
writeFileAtomic(out, paperResultsToCsv(derived.rows));
const logRows = derived.rows.filter((r) => r.source === 'log').length;
console.log(`input ${input}\nsha256 ${createHash('sha256').update(text).digest('hex')}`);
console.log(
  `kept ${logRows} log rows (+ ${derived.duplicates} identical repeats merged) ` +
    `and ${derived.rows.length - logRows} paper-text rows -> ${out}`,
);
for (const [reason, n] of Object.entries(derived.excluded)) console.log(`left out ${n}: ${reason}`);
