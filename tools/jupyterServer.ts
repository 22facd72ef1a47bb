/**
 * What the tools that drive a Jupyter server headless share (`tools/lab_check.ts`, JupyterLab;
 * `tools/view_check.ts`, the classic Notebook): the project kernel, a free port, and waiting for the
 * server to answer.
 */
import type { ChildProcess } from 'node:child_process';
import { spawnSync } from 'node:child_process';
import { createServer } from 'node:net';
import { join, resolve } from 'node:path';

/** The project root. */
export const ROOT = resolve(__dirname, '..');
/** How long a server may take to answer. */
export const START_TIMEOUT_MS = 90_000;

export const sleep = (ms: number) => new Promise((ok) => setTimeout(ok, ms));

/** Registers the project kernel in `.jupyter/` (tools/install_kernel.sh); throws with its stderr. */
export function installKernel(): void {
  const install = spawnSync('sh', [join(ROOT, 'tools', 'install_kernel.sh')], { encoding: 'utf8' });
  if (install.status !== 0) throw new Error(`kernel install failed: ${install.stderr}`);
}

/** A free TCP port on 127.0.0.1. */
export function freePort(): Promise<number> {
  return new Promise((ok, fail) => {
    const srv = createServer();
    srv.once('error', fail);
    srv.listen(0, '127.0.0.1', () => {
      const { port } = srv.address() as { port: number };
      srv.close(() => ok(port));
    });
  });
}

/**
 * Waits until a Jupyter server answers on its status API; rejects with its log when it exits or
 * does not answer within {@link START_TIMEOUT_MS}.
 * @param name how errors call the server, e.g. `jupyter lab`
 */
export async function waitForServer(url: string, server: ChildProcess, log: () => string, name: string): Promise<void> {
  const until = Date.now() + START_TIMEOUT_MS;
  while (Date.now() < until) {
    if (server.exitCode !== null) throw new Error(`${name} exited with ${server.exitCode}:\n${log()}`);
    try {
      if ((await fetch(url)).ok) return;
    } catch {
      // not listening yet
    }
    await sleep(500);
  }
  throw new Error(`${name} did not answer within ${START_TIMEOUT_MS / 1000} s:\n${log()}`);
}
