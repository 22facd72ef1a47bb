/**
 * Checks that the notebooks work in JupyterLab, as a user sees them (`npm run lab:check`; CI).
 *
 *   python3 -m venv .venv && .venv/bin/pip install jupyterlab plotly   # once (README "Notebooks")
 *   npm run lab:check [-- --notebook notebooks/01-main-table.ipynb] [--out results/lab-check.png]
 *
 * Registers the project kernel (tools/install_kernel.sh), copies the notebook, outputs cleared, into
 * a temporary folder, starts JupyterLab from the virtualenv (`TRACT_LAB_VENV`, default `.venv`) on
 * 127.0.0.1 with a random token and its own config and runtime folders there, opens the notebook in
 * headless Chromium through playwright-core (the chromium of report/figureRenderer.ts), runs all
 * cells from the Run menu, waits until no cell is queued or running and the kernel is idle, and
 * asserts that no cell failed, that a results table (an HTML table in a cell output) and an
 * interactive plotly figure (`.js-plotly-plot`) are on the page. Saves a screenshot of the first
 * figure with the table above it. Ends with `N passed, N failed`; exit code 1 on failure, 2 when
 * JupyterLab is not installed. TRACT_PROFILE defaults to `full`, whose results are in the
 * repository (nothing is trained).
 */
import { spawn, spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, dirname, join, resolve } from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { chromiumExecutable } from '../src/report/chromium';
import { CHROMIUM_ARGS } from '../src/report/figureRenderer';
import { freePort, installKernel, ROOT, START_TIMEOUT_MS, sleep, waitForServer } from './jupyterServer';

const RUN_TIMEOUT_MS = Number(process.env.TRACT_LAB_TIMEOUT_MS ?? 600_000);

function arg(name: string, fallback: string): string {
  const i = process.argv.indexOf(name);
  return i >= 0 && process.argv[i + 1] ? process.argv[i + 1] : fallback;
}

/** What the page shows about the run: queued or running prompts, the kernel status, failed cells. */
interface RunState {
  busy: number;
  executed: number;
  kernel: string;
  errors: string[];
}

async function runState(page: Page): Promise<RunState> {
  return page.evaluate(() => {
    const doc = (globalThis as unknown as { document: DomLike }).document;
    interface El {
      textContent: string | null;
      getAttribute(n: string): string | null;
    }
    interface DomLike {
      querySelectorAll(s: string): Iterable<El>;
      querySelector(s: string): El | null;
    }
    const prompts = [...doc.querySelectorAll('.jp-CodeCell .jp-InputPrompt')].map((p) => p.textContent ?? '');
    const indicator = doc.querySelector('.jp-Notebook-ExecutionIndicator');
    const errors = [
      ...doc.querySelectorAll(
        '.jp-OutputArea-output[data-mime-type="application/vnd.jupyter.stderr"], ' +
          '.jp-RenderedText[data-mime-type="application/vnd.jupyter.error"]',
      ),
    ].map((e) => (e.textContent ?? '').slice(0, 400));
    return {
      busy: prompts.filter((p) => p.includes('*')).length,
      executed: prompts.filter((p) => /\[\d+\]/.test(p)).length,
      kernel: indicator?.getAttribute('data-status') ?? 'unknown',
      errors,
    };
  });
}

/**
 * Answers a "Select Kernel" dialog, when JupyterLab shows one, with the project kernel (its
 * display name has "tract").
 */
async function acceptKernelDialog(page: Page): Promise<void> {
  const dialog = page.locator('.jp-Dialog');
  if ((await dialog.count()) === 0) return;
  const select = dialog.locator('select');
  if ((await select.count()) > 0) {
    const labels = await select.locator('option').allTextContents();
    const ours = labels.find((l) => /tract/i.test(l));
    if (ours) await select.selectOption({ label: ours });
  }
  await dialog.locator('.jp-mod-accept').click();
  console.log('answered a kernel dialog with the project kernel');
}

async function main(): Promise<number> {
  const notebook = resolve(ROOT, arg('--notebook', 'notebooks/01-main-table.ipynb'));
  const shot = resolve(ROOT, arg('--out', 'results/lab-check.png'));
  const venv = resolve(ROOT, process.env.TRACT_LAB_VENV ?? '.venv');
  const jupyter = join(venv, 'bin', 'jupyter');
  if (!existsSync(jupyter) || spawnSync(jupyter, ['lab', '--version'], { encoding: 'utf8' }).status !== 0) {
    console.error(
      `lab_check: no JupyterLab in ${venv} (set TRACT_LAB_VENV, or: python3 -m venv .venv && ` +
        '.venv/bin/pip install jupyterlab plotly)',
    );
    return 2;
  }
  installKernel();

  const tmp = mkdtempSync(join(tmpdir(), 'tract-lab-'));
  const work = join(tmp, 'work');
  mkdirSync(work);
  const nb = JSON.parse(readFileSync(notebook, 'utf8')) as {
    cells: { outputs?: unknown[]; execution_count?: unknown }[];
  };
  for (const c of nb.cells) if (c.outputs) Object.assign(c, { outputs: [], execution_count: null });
  const name = basename(notebook);
  writeFileSync(join(work, name), JSON.stringify(nb));

  // no "get notified about Jupyter news?" toast over the screenshot
  const notes = join(tmp, 'settings', '@jupyterlab', 'apputils-extension');
  mkdirSync(notes, { recursive: true });
  writeFileSync(join(notes, 'notification.jupyterlab-settings'), JSON.stringify({ fetchNews: 'false' }));
  const port = await freePort();
  const token = randomBytes(16).toString('hex');
  const args = ['lab', '--no-browser', '--ip=127.0.0.1', `--port=${port}`, `--ServerApp.token=${token}`];
  args.push(`--ServerApp.root_dir=${work}`, '--ServerApp.port_retries=0', '--LabApp.news_url=');
  if (process.getuid?.() === 0) args.push('--allow-root');
  let log = '';
  const server = spawn(jupyter, args, {
    cwd: work,
    detached: true, // its own process group: the kernel goes with it
    env: {
      ...process.env,
      JUPYTER_PATH: join(ROOT, '.jupyter', 'share', 'jupyter'),
      JUPYTER_CONFIG_DIR: join(tmp, 'config'),
      JUPYTER_RUNTIME_DIR: join(tmp, 'runtime'),
      JUPYTERLAB_SETTINGS_DIR: join(tmp, 'settings'),
      JUPYTERLAB_WORKSPACES_DIR: join(tmp, 'workspaces'),
      TRACT_PROFILE: process.env.TRACT_PROFILE ?? 'full',
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  server.stdout?.on('data', (d) => (log += d));
  server.stderr?.on('data', (d) => (log += d));
  const tail = () => log.split('\n').slice(-30).join('\n');
  let browser: Browser | null = null;
  let passed = 0;
  let failed = 0;
  const check = (ok: boolean, what: string) => {
    console.log(`${ok ? 'PASS' : 'FAIL'} ${what}`);
    if (ok) passed++;
    else failed++;
  };
  try {
    const base = `http://127.0.0.1:${port}`;
    await waitForServer(`${base}/api/status?token=${token}`, server, tail, 'jupyter lab');
    const t0 = Date.now();
    const { chromium } = require('playwright-core') as typeof import('playwright-core');
    browser = await chromium.launch({ executablePath: await chromiumExecutable(), args: [...CHROMIUM_ARGS] });
    const page = await browser.newPage({ viewport: { width: 1400, height: 1800 } });
    await page.goto(`${base}/lab/tree/${encodeURIComponent(name)}?token=${token}`);
    await page.waitForSelector('.jp-Notebook .jp-Cell', { timeout: START_TIMEOUT_MS });
    // the kernel is ready when it has been idle, with no dialog open, for 3 s in a row
    for (let steady = 0, until = Date.now() + START_TIMEOUT_MS; steady < 3; ) {
      if (Date.now() > until) throw new Error(`the kernel did not become idle within ${START_TIMEOUT_MS / 1000} s`);
      await acceptKernelDialog(page);
      const s = await runState(page);
      steady = s.kernel === 'idle' && (await page.locator('.jp-Dialog').count()) === 0 ? steady + 1 : 0;
      await sleep(1000);
    }
    await acceptKernelDialog(page);
    console.log(`notebook open, kernel idle (${((Date.now() - t0) / 1000).toFixed(1)} s)`);
    const runAll = async () => {
      await page.locator('.lm-MenuBar-itemLabel', { hasText: /^Run$/ }).click();
      await page.locator('.lm-Menu-itemLabel', { hasText: /^Run All Cells$/ }).click();
    };
    await runAll();
    let started = Date.now();
    const until = Date.now() + RUN_TIMEOUT_MS;
    let state = await runState(page);
    let idleFor = 0;
    while (Date.now() < until) {
      await sleep(1000);
      await acceptKernelDialog(page);
      state = await runState(page);
      if (state.executed === 0 && state.busy === 0 && Date.now() - started > 20_000) {
        console.log('  nothing ran yet: Run All Cells again');
        await runAll();
        started = Date.now();
      }
      if (Date.now() - t0 > 0 && Math.round((Date.now() - t0) / 1000) % 15 === 0) {
        console.log(`  … ${state.executed} executed, ${state.busy} queued or running, kernel ${state.kernel}`);
        if (process.env.TRACT_LAB_DEBUG) console.log(tail());
        await page.screenshot({ path: shot.replace(/\.png$/, '-progress.png') }).catch(() => undefined);
      }
      idleFor = state.busy === 0 && state.kernel === 'idle' && state.executed > 0 ? idleFor + 1 : 0;
      if (idleFor >= 3) break; // idle for 3 s in a row: between two cells the kernel is briefly idle
    }
    console.log(
      `ran all cells: ${state.executed} executed, ${state.busy} still queued or running, kernel ${state.kernel} ` +
        `(${((Date.now() - t0) / 1000).toFixed(1)} s)`,
    );
    check(idleFor >= 3, `every cell ran and the kernel is idle (timeout ${RUN_TIMEOUT_MS / 1000} s)`);
    check(
      state.errors.length === 0,
      `no cell wrote an error${state.errors.length ? `:\n${state.errors.join('\n')}` : ''}`,
    );
    const tables = await page.locator('.jp-OutputArea-output table').count();
    check(tables > 0, `a results table is shown (${tables} tables in outputs)`);
    if (process.env.TRACT_LAB_DEBUG) {
      const outs = page.locator('.jp-OutputArea-output');
      for (let i = 0; i < (await outs.count()); i++) {
        console.log(
          await outs.nth(i).evaluate((e) => {
            const el = e as unknown as { className: string; getAttribute(n: string): string | null; innerHTML: string };
            return `${el.className} ${el.getAttribute('data-mime-type')} ${el.innerHTML.slice(0, 300)}`;
          }),
        );
      }
    }
    // with a PNG in the output, JupyterLab's plotly renderer shows the PNG and swaps in the live plot when the
    // pointer enters it (jupyterlab-plotly's RenderedPlotly): send it that mouseenter
    const rendered = page.locator('.jp-RenderedPlotly').first();
    if ((await rendered.count()) > 0) {
      await rendered.scrollIntoViewIfNeeded();
      const img = rendered.locator('.plot-img');
      if ((await img.count()) > 0) await img.dispatchEvent('mouseenter');
      await page.waitForSelector('.jp-OutputArea .js-plotly-plot', { timeout: 90_000 }).catch(() => undefined);
    }
    const plots = page.locator('.jp-OutputArea .js-plotly-plot');
    const nPlots = await plots.count();
    check(nPlots > 0, `an interactive plotly figure is shown (${nPlots} .js-plotly-plot)`);
    if (nPlots > 0) {
      const modebar = await page.locator('.jp-OutputArea .js-plotly-plot .modebar').count();
      check(modebar > 0, 'the figure is interactive (plotly mode bar present)');
      // the table above the first figure and the figure, in one picture
      await page
        .locator('.jp-OutputArea-output table')
        .first()
        .evaluate((el) => (el as unknown as { scrollIntoView(o: unknown): void }).scrollIntoView({ block: 'start' }));
      await sleep(500);
    }
    mkdirSync(dirname(shot), { recursive: true });
    await page.screenshot({ path: shot });
    console.log(`screenshot: ${shot}`);
  } catch (err) {
    check(false, (err as Error).message);
    console.log(`--- jupyter lab log (last lines) ---\n${tail()}`);
  } finally {
    await browser?.close().catch(() => undefined);
    try {
      process.kill(-server.pid!, 'SIGTERM');
    } catch {
      // already gone
    }
    await sleep(1000);
    try {
      process.kill(-server.pid!, 'SIGKILL');
    } catch {
      // gone
    }
    rmSync(tmp, { recursive: true, force: true });
  }
  console.log(`lab:check: ${passed} passed, ${failed} failed`);
  return failed ? 1 : 0;
}

main().then(
  (code) => process.exit(code),
  (err) => {
    console.error(`lab_check: ${(err as Error).message}`);
    process.exit(1);
  },
);
