/**
 * Runs the CLI's `main()` in-process with console.log / console.error captured, so CLI tests need
 * no child process.
 */
import { format } from 'node:util';
import { main } from '../../src/cli/main';

/** What one call of `main()` printed and returned. */
export interface CliResult {
  code: number;
  stdout: string;
  stderr: string;
}

/** Calls `main(args)` with console.log and console.error captured (restored afterwards, even on a throw). */
export async function tract(...args: string[]): Promise<CliResult> {
  const out: string[] = [];
  const err: string[] = [];
  const { log, error } = console;
  console.log = (...a: unknown[]) => void out.push(format(...a));
  console.error = (...a: unknown[]) => void err.push(format(...a));
  try {
    const code = await main(args);
    return { code, stdout: out.map((l) => `${l}\n`).join(''), stderr: err.map((l) => `${l}\n`).join('') };
  } finally {
    console.log = log;
    console.error = error;
  }
}
