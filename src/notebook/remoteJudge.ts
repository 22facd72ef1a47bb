/**
 * Notebook helpers for a judge on a server: `tract serve` started as a child process on loopback, and the
 * per-record comparison of a remote run with a local one.
 *
 * @module notebook/remoteJudge
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { join } from 'node:path';
import type { Prediction } from '../results/formats';

const ROOT = join(__dirname, '..', '..');

/** A `tract serve` child process. */
export interface ServeProcess {
  /** `http://127.0.0.1:<port>/v1`. */
  baseUrl: string;
  child: ChildProcess;
  /** Stops the server (SIGTERM) and waits for it to exit. */
  stop(): Promise<void>;
}

/**
 * Starts `tract serve --model <model> --port <port>` (default 0: any free one) on loopback and resolves
 * with its URL once it listens
 * (it prints `serving '<name>' at <url>`); rejects if it exits first or takes over `timeoutMs`.
 */
export function startServeProcess(
  model: string,
  modelName: string,
  opts: { port?: number; timeoutMs?: number } = {},
): Promise<ServeProcess> {
  const port = String(opts.port ?? 0);
  const timeoutMs = opts.timeoutMs ?? 120000;
  const args = [join(ROOT, 'bin', 'tract.js'), 'serve', '--model', model, '--model-name', modelName, '--port', port];
  const child = spawn(process.execPath, args, { cwd: ROOT, stdio: ['ignore', 'ignore', 'pipe'] });
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  return new Promise((resolve, reject) => {
    let err = '';
    const timer = setTimeout(() => {
      child.kill('SIGTERM');
      reject(new Error(`tract serve did not start within ${timeoutMs} ms: ${err.slice(-500)}`));
    }, timeoutMs);
    child.stderr?.on('data', (chunk: Buffer) => {
      err += chunk.toString();
      const m = /serving '.*' at (http:\/\/\S+)/.exec(err);
      if (!m) return;
      clearTimeout(timer);
      const stop = async () => {
        if (child.exitCode === null) child.kill('SIGTERM');
        await exited;
      };
      resolve({ baseUrl: m[1], child, stop });
    });
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`tract serve exited with code ${code}: ${err.slice(-500)}`));
    });
  });
}

/** Local and remote RAIL per record, side by side with their difference and whether the CoTs agree (Markdown). */
export function localRemoteMarkdown(local: readonly Prediction[], remote: readonly Prediction[]): string {
  const byId = new Map(remote.map((p) => [p.id, p]));
  const diffs: number[] = [];
  const lines = local.map((l) => {
    const r = byId.get(l.id);
    const same = r?.readouts.every((x, i) => x.cot === l.readouts[i]?.cot) ?? false;
    const diff = r ? Math.abs(r.rail - l.rail) : NaN;
    diffs.push(diff);
    const remoteRail = r ? r.rail.toFixed(6) : 'missing';
    const cells = [
      l.id,
      l.gold.toFixed(3),
      l.rail.toFixed(6),
      remoteRail,
      diff.toExponential(2),
      same ? 'same' : 'differ',
    ];
    return `| ${cells.join(' | ')} |`;
  });
  return [
    '**CoT-RAIL per record: local backend vs tract serve through the remote backend**',
    '',
    '| record | label | RAIL local | RAIL remote | difference | CoTs |',
    '|---|---|---|---|---|---|',
    ...lines,
    '',
    `Largest |difference| ${Math.max(...diffs).toExponential(2)} (exact mode; the issue asks for at most 1e-4).`,
  ].join('\n');
}
