/**
 * The `tract` command line (`npx tract <command> ...`). Each command is a thin layer over the
 * library (cli/inference.ts, cli/experiments.ts, cli/reports.ts) and declares its options
 * (cli/args.ts), which gives it `--help`. Bad arguments print one line and exit with code 2, never
 * a stack trace; a failure exits with code 1 (`TRACT_DEBUG=1` prints its stack).
 *
 * @module cli/main
 */
import { type CommandSpec, commandHelp, parseCommandArgs, UsageError } from './args';
import { evalCommand, runCommand } from './experiments';
import { generateCommand, infoCommand, logitsCommand } from './inference';
import { figuresCommand, reportCommand } from './reports';
import { exportCommand, serveCommand, withScaleOptions } from './scale';

export { UsageError } from './args';

/** The commands, in the order `tract help` lists them. */
export const COMMANDS: Readonly<Record<string, CommandSpec>> = {
  info: infoCommand,
  logits: logitsCommand,
  generate: generateCommand,
  run: runCommand,
  eval: withScaleOptions(evalCommand),
  report: reportCommand,
  figures: figuresCommand,
  serve: serveCommand,
  export: exportCommand,
};

/** The overall usage: every command with its summary. */
export function usage(): string {
  const lines = Object.entries(COMMANDS).map(([name, c]) => `  ${name.padEnd(10)} ${c.summary}`);
  return [
    'usage: tract <command> [options]',
    '',
    'commands:',
    ...lines,
    '',
    "'tract <command> --help' or 'tract help <command>' lists a command's options.",
  ].join('\n');
}

function command(name: string): CommandSpec | undefined {
  return Object.hasOwn(COMMANDS, name) ? COMMANDS[name] : undefined;
}

function unknownCommand(name: string): number {
  console.error(`tract: unknown command '${name}' (commands: ${Object.keys(COMMANDS).join(', ')}; tract help)`);
  return 2;
}

/** `tract help [command]`. */
function help(args: string[]): number {
  if (args.length === 0 || (args.length === 1 && (args[0] === '--help' || args[0] === '-h'))) {
    console.log(usage());
    return 0;
  }
  if (args.length > 1) {
    console.error(`tract help: expected one command, got ${args.length} arguments ('${args.join(' ')}')`);
    return 2;
  }
  const spec = command(args[0]);
  if (!spec) return unknownCommand(args[0]);
  console.log(commandHelp(args[0], spec));
  return 0;
}

/**
 * Runs the CLI and returns the exit code (0 ok, 1 failure, 2 usage error). Output goes through
 * `console.log` (results) and `console.error` (progress and errors).
 * @param argv arguments after the program name.
 */
export async function main(argv: string[]): Promise<number> {
  const [name, ...rest] = argv;
  if (name === undefined) {
    console.error(usage());
    return 2;
  }
  if (name === 'help' || name === '--help' || name === '-h') return help(rest);
  const spec = command(name);
  if (!spec) return unknownCommand(name);
  try {
    const parsed = parseCommandArgs(name, spec, rest);
    if (parsed.help) {
      console.log(commandHelp(name, spec));
      return 0;
    }
    await spec.run(parsed.values, parsed.positionals);
    return 0;
  } catch (err) {
    const message = err instanceof Error ? err.message : String(err);
    if (err instanceof UsageError) {
      console.error(`tract ${name}: ${message.replace(/\s*\n\s*/g, ' ')}`);
      return 2;
    }
    console.error(`tract ${name}: ${message}`);
    if (process.env.TRACT_DEBUG && err instanceof Error) console.error(err.stack);
    return 1;
  }
}
