/**
 * Profiles: how long a suite trains. `full` runs the experiment files as written; every other
 * profile is a layer `experiments/profiles/<name>.json` merged over each experiment (fewer steps,
 * fewer examples). The defaults of the two front ends are defined here, once:
 *
 * - the CLI (`tract run`, `npm start`) runs {@link CLI_PROFILE}, `quick`: a first run that ends in
 *   minutes;
 * - a notebook computes with {@link NOTEBOOK_PROFILE}, `full`: it reads the committed full-profile
 *   results and only trains what is missing (`TRACT_PROFILE` picks another one; the headless
 *   notebook runner sets `ci`).
 *
 * @module tract/profiles
 */
import { existsSync, readdirSync } from 'node:fs';
import { join } from 'node:path';

/** The profile that applies no layer: the experiment files as written. */
export const FULL_PROFILE = 'full';
/** The profile of `tract run` and `npm start` when `--profile` is not given. */
export const CLI_PROFILE = 'quick';
/** The profile of a notebook when `TRACT_PROFILE` is not set. */
export const NOTEBOOK_PROFILE = FULL_PROFILE;
/** The environment variable that picks a notebook's profile. */
export const PROFILE_ENV = 'TRACT_PROFILE';

/** The layer file of a profile under an `experiments/` folder (null for `full`, which has none). */
export function profileFile(experimentsDir: string, profile: string): string | null {
  return profile === FULL_PROFILE ? null : join(experimentsDir, 'profiles', `${profile}.json`);
}

/** Profiles known under an `experiments/` folder: `full` and every `profiles/<name>.json`, sorted. */
export function availableProfiles(experimentsDir: string): string[] {
  const dir = join(experimentsDir, 'profiles');
  const files = existsSync(dir) ? readdirSync(dir).filter((f) => f.endsWith('.json')) : [];
  return [...new Set([FULL_PROFILE, ...files.map((f) => f.slice(0, -'.json'.length))])].sort();
}

/**
 * Checks a profile name against an `experiments/` folder.
 * @throws naming the profile and the known ones
 */
export function checkProfile(experimentsDir: string, profile: string): void {
  const file = profileFile(experimentsDir, profile);
  if (file !== null && !existsSync(file)) {
    const known = availableProfiles(experimentsDir).join(', ');
    throw new Error(`unknown profile '${profile}' (no ${file}; known: ${known})`);
  }
}
