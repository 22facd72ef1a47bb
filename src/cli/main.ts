/**
 * The `tract` command line (`npx tract <command> ...`). Each command is a thin layer over the
 * library; bad arguments print one line and exit with code 2, never a stack trace.
 *
 * @module cli/main
 */
import { parseArgs, type ParseArgsConfig } from 'node:util';
import * as tf from '@tensorflow/tfjs';
import { describeBackend, initBackend } from '../engine/backend';

/** A usage error: printed as one line, exit code 2. */
export class UsageError extends Error {}

interface Command {
  summary: string;
  options: NonNullable<ParseArgsConfig['options']>;
  run(values: Record<string, unknown>, positionals: string[]): Promise<void>;
}

const COMMANDS: Record<string, Command> = {
  info: {
    summary: 'show the TF.js backend chosen on this machine (and why) and the library versions',
    options: { json: { type: 'boolean' } },
    async run(values) {
      const report = await initBackend();
      const info = { node: process.version, tfjs: tf.version_core, backend: report };
      console.log(values.json ? JSON.stringify(info) : `node ${info.node}, tfjs ${info.tfjs}\n${describeBackend(report)}`);
    },
  },
};

function usage(): string {
  const lines = Object.entries(COMMANDS).map(([name, c]) => `  ${name.padEnd(10)} ${c.summary}`);
  return `usage: tract <command> [options]\n\ncommands:\n${lines.join('\n')}`;
}

/**
 * Runs the CLI and returns the exit code (0 ok, 1 failure, 2 usage error).
 * @param argv arguments after the program name.
 */
export async function main(argv: string[]): Promise<number> {
  const [name, ...rest] = argv;
  if (name === undefined || name === '--help' || name === '-h' || name === 'help') {
    console.log(usage());
    return name === undefined ? 2 : 0;
  }
  const command = COMMANDS[name];
  if (!command) {
    console.error(`tract: unknown command '${name}' (commands: ${Object.keys(COMMANDS).join(', ')})`);
    return 2;
  }
  let parsed;
  try {
    parsed = parseArgs({ args: rest, options: command.options, allowPositionals: true, strict: true });
  } catch (err) {
    console.error(`tract ${name}: ${(err as Error).message.split('\n')[0]}`);
    return 2;
  }
  try {
    await command.run(parsed.values, parsed.positionals);
    return 0;
  } catch (err) {
    if (err instanceof UsageError) {
      console.error(`tract ${name}: ${err.message}`);
      return 2;
    }
    console.error(`tract ${name}: ${(err as Error).message}`);
    if (process.env.TRACT_DEBUG) console.error((err as Error).stack);
    return 1;
  }
}
