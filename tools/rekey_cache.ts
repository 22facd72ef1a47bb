/**
 * Renames the step-cache entries of a suite that were keyed with an older digest of the seed model to
 * the keys the current code gives them: trained stages (`results/cache/stages/<key>/`, whose
 * `stage.json` names its own key and its self-CoTs' key), self-CoT files and evaluations; and the stage
 * keys that the suite's run folders record (`results/runs/<runId>/metrics.json` and `stages.json`), so that
 * `tract run --reuse-runs` can take them on a clone without the cache. The weights
 * are unchanged; only the key of the seed model they started from was computed differently.
 *
 * Why it exists: until a6768dd the seed digest hashed every file in the model folder, documentation
 * included, so 284a484's edit of `models/stories260K/PROVENANCE.md` gave every cached stage a new key
 * although no weight changed. `modelDigest` (`src/tract/provenance.ts`) now skips `*.md`. The digest
 * the committed default-suite stages were made with is `5dcef68259a54eb1`: the old rule (sha256 over
 * each file's relative path and bytes, in sorted order, first 16 hex digits) applied to
 * `models/stories260K/` with PROVENANCE.md as of 284a484^.
 *
 *   npx tsx tools/rekey_cache.ts --from-digest 5dcef68259a54eb1 [--suite FILE] [--profile full]
 *     [--seeds N] [--results DIR] [--out SUITE_FOLDER] [--dry-run]
 *
 * The suite folder's `shift.json` (default `<results>/<suite>[-<profile>]`) is keyed by its run's stage keys and
 * is rekeyed with them.
 *
 * An entry whose new key already exists is left alone (reported); an entry that is missing is skipped.
 * Each renamed entry's manifest is rewritten after its files, so an interrupted rename leaves either the
 * old entry or a complete new one (or an entry without a matching manifest, which `tract run` recomputes).
 */
import { existsSync, renameSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { readManifest, writeManifest } from '../src/io/manifest';
import { evalDir, runDir, selfCotFile, stageDir, suiteOutDir } from '../src/results/paths';
import { readShiftFile, writeShiftFile } from '../src/results/shiftFile';
import { readRunMetrics, renameRunStageKeys } from '../src/results/runFolder';
import { readStageFile, stageFilePath, writeStageFile } from '../src/results/stageFile';
import { shiftKey } from '../src/tract/distributionShift';
import { plannedKeys, runIdOf } from '../src/tract/pipeline';
import { modelDigest } from '../src/tract/provenance';
import { DEFAULT_SUITE, loadSuite } from '../src/tract/suite';

function main(): void {
  const { values } = parseArgs({
    options: {
      'from-digest': { type: 'string' },
      suite: { type: 'string', default: DEFAULT_SUITE },
      profile: { type: 'string', default: 'full' },
      seeds: { type: 'string', default: '1' },
      results: { type: 'string', default: 'results' },
      out: { type: 'string' },
      'dry-run': { type: 'boolean', default: false },
    },
  });
  const from = values['from-digest'];
  if (!from || !/^[0-9a-f]{16}$/.test(from)) {
    console.error('usage: npx tsx tools/rekey_cache.ts --from-digest HEX16 [--suite FILE] [--profile P] [--seeds N]');
    process.exit(2);
  }
  const results = values.results;
  const dry = values['dry-run'];
  const renamed = new Map<string, string>(); // old key → new key, for stage.json's selfCot field
  const done = new Set<string>();
  let moved = 0;
  // the suite folder's shift.json is keyed by its run's stage keys (tract/distributionShift.ts shiftKey)
  const out = values.out ?? suiteOutDir(values.suite, values.profile, results);
  const shift = existsSync(join(out, 'shift.json')) ? readShiftFile(out) : null;
  const move = (what: string, oldPath: string, newPath: string, after: () => void): void => {
    if (done.has(oldPath)) return;
    done.add(oldPath);
    if (!existsSync(oldPath)) return void console.log(`missing  ${what} ${oldPath}`);
    if (existsSync(newPath)) return void console.log(`exists   ${what} ${newPath} (left ${oldPath} alone)`);
    console.log(`${dry ? 'would move' : 'move'} ${what} ${oldPath} -> ${newPath}`);
    moved++;
    if (dry) return;
    renameSync(oldPath, newPath);
    after();
  };
  for (let seed = 0; seed < Number(values.seeds); seed++) {
    for (const cfg of loadSuite(values.suite, values.profile, seed).configs) {
      const oldKeys = plannedKeys(cfg, from);
      const newKeys = plannedKeys(cfg, modelDigest(resolve(cfg.model)));
      if (oldKeys.selfCot && newKeys.selfCot) {
        renamed.set(oldKeys.selfCot, newKeys.selfCot);
        const [o, n] = [selfCotFile(results, oldKeys.selfCot), selfCotFile(results, newKeys.selfCot)];
        move('self-CoTs', o, n, () => {
          renameSync(`${o}.manifest.json`, `${n}.manifest.json`);
          writeManifest(`${n}.manifest.json`, [n], { records: readManifest(`${n}.manifest.json`).records });
        });
      }
      for (const [name, oldKey] of Object.entries(oldKeys.stages)) {
        const newKey = newKeys.stages[name];
        const dir = stageDir(results, newKey);
        move(`${cfg.method}/${name}`, stageDir(results, oldKey), dir, () => {
          const info = readStageFile(dir);
          const selfCot = info.selfCot
            ? { ...info.selfCot, key: renamed.get(info.selfCot.key) ?? info.selfCot.key }
            : null;
          writeStageFile(dir, { ...info, key: newKey, selfCot });
          writeManifest(join(dir, 'manifest.json'), [
            stageFilePath(dir),
            join(dir, 'train-log.csv'),
            join(dir, 'model'),
          ]);
        });
      }
      // the run folder records its stages' keys: rename them when they are the old ones
      const run = runDir(results, runIdOf(cfg));
      const stored = existsSync(run) ? readRunMetrics(run).stages.map((st) => st.key) : [];
      if (stored.length > 0 && JSON.stringify(stored) === JSON.stringify(Object.values(oldKeys.stages))) {
        const rename = new Map(Object.keys(oldKeys.stages).map((n) => [oldKeys.stages[n], newKeys.stages[n]]));
        console.log(`${dry ? 'would rename' : 'rename'} the stage keys of run folder ${run}`);
        if (!dry) renameRunStageKeys(run, rename);
        moved++;
      }
      if (shift && runIdOf(cfg) === shift.run) {
        const [oldKey, newKey] = [oldKeys, newKeys].map((k) => shiftKey(Object.values(k.stages), shift.n));
        if (shift.key === oldKey && oldKey !== newKey) {
          console.log(`${dry ? 'would rekey' : 'rekey'} ${join(out, 'shift.json')}: ${oldKey} -> ${newKey}`);
          moved++;
          if (!dry) writeShiftFile(out, { ...shift, key: newKey });
        }
      }
      const [oe, ne] = [evalDir(results, oldKeys.eval), evalDir(results, newKeys.eval)];
      move(`${cfg.method}/eval`, oe, ne, () => {
        const file = join(ne, 'predictions.jsonl');
        writeManifest(join(ne, 'manifest.json'), [file], { records: readManifest(join(ne, 'manifest.json')).records });
      });
    }
  }
  console.log(`${dry ? 'would move' : 'moved'} ${moved} entr${moved === 1 ? 'y' : 'ies'}`);
}

main();
