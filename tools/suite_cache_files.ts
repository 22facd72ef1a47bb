/**
 * Prints the step-cache files a suite folder's runs were made from (one seed): each run's trained
 * stages (`results/cache/stages/<key>/`: model, stage.json, train-log.csv, manifest.json) and the
 * self-CoT files its second stages trained on (`results/cache/selfcot/<key>.jsonl` and its
 * manifest), one path per line. They are what notebooks need to re-derive an analysis from a fresh
 * clone (the distribution shift of notebook 04, the judge of notebook 00), and what `tract run`
 * reuses instead of training again. `results/cache/` is ignored by git, so committing them is
 * explicit:
 *
 *   git add -f $(npx tsx tools/suite_cache_files.ts results/default-full)
 *
 *   npx tsx tools/suite_cache_files.ts <suite folder> [--seed N] [--results DIR]
 *
 * Fails, naming the path, when a file the runs need is missing from the cache.
 */
import { existsSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { selfCotFile, stageDir } from '../src/results/paths';
import { readStageFile } from '../src/results/stageFile';
import { readSuiteFolder } from '../src/results/suiteFolder';

/** Every file under a folder (recursively), as paths. */
function filesUnder(dir: string): string[] {
  return readdirSync(dir, { recursive: true, withFileTypes: true })
    .filter((e) => e.isFile())
    .map((e) => join(e.parentPath, e.name))
    .sort();
}

function main(): void {
  const { values, positionals } = parseArgs({
    allowPositionals: true,
    options: { seed: { type: 'string', default: '0' }, results: { type: 'string', default: 'results' } },
  });
  if (positionals.length !== 1) throw new Error('usage: npx tsx tools/suite_cache_files.ts <suite folder> [--seed N]');
  const seed = Number(values.seed);
  const suite = readSuiteFolder(positionals[0]);
  const runs = suite.runs.filter((r) => r.seed === seed);
  if (runs.length === 0) throw new Error(`${positionals[0]}: no runs of seed ${seed}`);
  const paths = new Set<string>();
  for (const run of runs) {
    for (const stage of run.metrics.stages) {
      const dir = stageDir(values.results, stage.key);
      if (!existsSync(join(dir, 'model')))
        throw new Error(`${run.dir}: its ${stage.name} is not in the cache (${dir})`);
      for (const f of filesUnder(dir)) if (!f.includes(`${join(dir, 'checkpoint')}`)) paths.add(f);
      const info = readStageFile(dir);
      if (info.selfCot) {
        const file = selfCotFile(values.results, info.selfCot.key);
        for (const f of [file, `${file}.manifest.json`]) {
          if (!existsSync(f))
            throw new Error(`${run.dir}: the self-CoTs of its ${stage.name} are not in the cache (${f})`);
          paths.add(f);
        }
      }
    }
  }
  console.log([...paths].join('\n'));
}

main();
