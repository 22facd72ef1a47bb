/**
 * Screenshots of a notebook's stored outputs as two other front ends show them: the HTML export
 * (`jupyter nbconvert --to html`) and the classic Notebook (Debian's `jupyter-notebook`, the notebook
 * opened untrusted, as a fresh clone is), in headless Chromium. Nothing is executed; it checks that
 * the committed outputs read well where JupyterLab (`npm run lab:check`) is not used.
 *
 *   npx tsx tools/view_check.ts [notebooks/01-main-table.ipynb ...] [--out-dir results]
 *
 * Writes `<out-dir>/view-check-<notebook>-html.png` and `-classic.png` (ignored by git) and prints,
 * per view, how many tables and images are visible; exits 1 when a view shows no table.
 */
import { spawn, spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, join, resolve } from 'node:path';
import type { Page } from 'playwright-core';
import { chromiumExecutable } from '../src/report/chromium';
import { CHROMIUM_ARGS } from '../src/report/figureRenderer';
import { freePort, installKernel, ROOT, waitForServer } from './jupyterServer';

/** The first jupyter that has a subcommand: the project's virtualenv, then Debian's. */
function jupyterWith(sub: string): string | null {
  for (const j of [join(ROOT, '.venv', 'bin', 'jupyter'), '/usr/bin/jupyter']) {
    if (existsSync(j) && spawnSync(j, [sub, '--version'], { encoding: 'utf8' }).status === 0) return j;
  }
  return null;
}

async function counts(page: Page): Promise<{ tables: number; images: number }> {
  return {
    tables: await page.locator('.output_area table, .jp-OutputArea table, .jp-RenderedHTMLCommon table').count(),
    images: await page.locator('.output_area img, .jp-OutputArea img, img').count(),
  };
}

async function main(): Promise<number> {
  const argv = process.argv.slice(2);
  const outIdx = argv.indexOf('--out-dir');
  const outDir = resolve(ROOT, outIdx >= 0 ? argv[outIdx + 1] : 'results');
  const notebooks = argv.filter((a, i) => a.endsWith('.ipynb') && argv[i - 1] !== '--out-dir');
  if (notebooks.length === 0) notebooks.push('notebooks/01-main-table.ipynb');
  mkdirSync(outDir, { recursive: true });
  const { chromium } = require('playwright-core') as typeof import('playwright-core');
  const browser = await chromium.launch({ executablePath: await chromiumExecutable(), args: [...CHROMIUM_ARGS] });
  installKernel();
  const tmp = mkdtempSync(join(tmpdir(), 'tract-view-'));
  let failed = 0;
  const report = (view: string, nb: string, c: { tables: number; images: number }, shot: string) => {
    console.log(`${c.tables > 0 ? 'PASS' : 'FAIL'} ${view} ${nb}: ${c.tables} tables, ${c.images} images → ${shot}`);
    if (c.tables === 0) failed++;
  };
  try {
    const page = await browser.newPage({ viewport: { width: 1280, height: 1600 } });
    const nbconvert = jupyterWith('nbconvert');
    for (const nb of notebooks) {
      const name = basename(nb, '.ipynb');
      if (!nbconvert) {
        console.log(`SKIP html ${nb}: no jupyter with nbconvert (.venv or /usr/bin)`);
        continue;
      }
      const r = spawnSync(nbconvert, ['nbconvert', '--to', 'html', '--output-dir', tmp, resolve(ROOT, nb)], {
        encoding: 'utf8',
      });
      if (r.status !== 0) throw new Error(`nbconvert ${nb}: ${r.stderr}`);
      await page.goto(`file://${join(tmp, `${name}.html`)}`);
      const shot = join(outDir, `view-check-${name}-html.png`);
      await page.screenshot({ path: shot, fullPage: true });
      report('html', nb, await counts(page), shot);
    }
    if (!existsSync('/usr/bin/jupyter-notebook')) {
      console.log('SKIP classic: no /usr/bin/jupyter-notebook (apt install jupyter-notebook)');
      return failed ? 1 : 0;
    }
    const port = await freePort();
    const token = randomBytes(16).toString('hex');
    const args = ['--no-browser', '--ip=127.0.0.1', `--port=${port}`, `--NotebookApp.token=${token}`];
    args.push(`--notebook-dir=${ROOT}`, '--NotebookApp.port_retries=0');
    if (process.getuid?.() === 0) args.push('--allow-root');
    const server = spawn('/usr/bin/jupyter-notebook', args, {
      detached: true,
      env: {
        ...process.env,
        JUPYTER_PATH: join(ROOT, '.jupyter', 'share', 'jupyter'), // the project kernel (tools/install_kernel.sh)
        JUPYTER_CONFIG_DIR: join(tmp, 'config'),
        JUPYTER_RUNTIME_DIR: join(tmp, 'runtime'),
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let log = '';
    server.stdout?.on('data', (d) => (log += d));
    server.stderr?.on('data', (d) => (log += d));
    try {
      const base = `http://127.0.0.1:${port}`;
      await waitForServer(`${base}/api/status?token=${token}`, server, () => log.slice(-3000), 'jupyter notebook');
      for (const nb of notebooks) {
        await page.goto(`${base}/notebooks/${nb}?token=${token}`);
        await page.waitForSelector('#notebook-container .cell', { timeout: 60_000 });
        await page.waitForTimeout(3000); // MathJax and the outputs settle
        const shot = join(outDir, `view-check-${basename(nb, '.ipynb')}-classic.png`);
        await page.screenshot({ path: shot, fullPage: true });
        report('classic', nb, await counts(page), shot);
      }
    } finally {
      if (server.pid) process.kill(-server.pid, 'SIGTERM');
    }
  } finally {
    await browser.close();
    rmSync(tmp, { recursive: true, force: true });
  }
  return failed ? 1 : 0;
}

main().then(
  (code) => process.exit(code),
  (err) => {
    console.error(err);
    process.exit(2);
  },
);
