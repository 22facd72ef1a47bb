/**
 * The argument parser of the `tract` command line: each command declares its options (with a
 * placeholder and a one-line description, which are also its `--help`) and the positional
 * arguments it takes; anything else is a {@link UsageError} that says what the command takes.
 * Numbers are parsed strictly: integers are decimal digits only (no `1e2`, `0x10`, `1.5`), lists
 * have no empty items, and every error names the option and the bad value.
 *
 * @module cli/args
 */

/** A usage error: printed as one line, exit code 2. */
export class UsageError extends Error {}

/** One option of a command. */
export interface OptionSpec {
  /** Placeholder of the value in the help (`N`, `DIR`); absent for a flag, which takes no value. */
  value?: string;
  /** May be given several times (the values are collected in order); otherwise twice is an error. */
  multiple?: boolean;
  /** One-line description for `--help`. */
  help: string;
}

/** Parsed option values: a string (or strings, for `multiple`) per option, `true` per flag given. */
export type Values = Record<string, string | string[] | boolean | undefined>;

/** A command of the CLI: its help and what it does. */
export interface CommandSpec {
  /** One line: what the command does. */
  summary: string;
  /** The positional arguments the command takes (none when absent). */
  positionals?: { usage: string; min: number; max: number };
  options: Record<string, OptionSpec>;
  /** A hint for a positional argument the command does not take, e.g. `--suite FILE` for a `.json` path. */
  suggest?: (arg: string) => string | undefined;
  run(values: Values, positionals: string[]): Promise<void>;
}

/** The result of {@link parseCommandArgs}. */
export interface ParsedArgs {
  values: Values;
  positionals: string[];
  /** `--help` or `-h` was given: print the command's help and do nothing else. */
  help: boolean;
}

const HELP_FLAGS = new Set(['--help', '-h']);

/** Levenshtein distance (for "did you mean" hints on option names). */
function editDistance(a: string, b: string): number {
  let prev = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const row = [i];
    for (let j = 1; j <= b.length; j++) {
      row[j] = Math.min(prev[j] + 1, row[j - 1] + 1, prev[j - 1] + (a[i - 1] === b[j - 1] ? 0 : 1));
    }
    prev = row;
  }
  return prev[b.length];
}

/** The usage line of a command: `tract run [options]`, `tract report paper [options]`. */
export function usageLine(name: string, spec: CommandSpec): string {
  const pos = spec.positionals ? ` ${spec.positionals.usage}` : '';
  return `tract ${name}${pos} [options]`;
}

/** The `--help` text of a command: its summary, usage line, and each option with its description. */
export function commandHelp(name: string, spec: CommandSpec): string {
  const rows = Object.entries(spec.options).map(([opt, o]) => {
    const flag = `--${opt}${o.value ? ` ${o.value}` : ''}`;
    return [flag, `${o.help}${o.multiple ? ' (repeatable)' : ''}`];
  });
  rows.push(['-h, --help', 'show this help']);
  const width = Math.max(...rows.map(([flag]) => flag.length));
  const lines = rows.map(([flag, help]) => `  ${flag.padEnd(width)}  ${help}`);
  return `tract ${name}: ${spec.summary}\n\nusage: ${usageLine(name, spec)}\n\noptions:\n${lines.join('\n')}`;
}

function unknownOption(name: string, spec: CommandSpec, opt: string): UsageError {
  const known = Object.keys(spec.options);
  const bare = opt.replace(/^-+/, '');
  const close = known.filter((k) => editDistance(k, bare) <= 2 || (bare.length >= 3 && k.startsWith(bare)));
  const hint = close.length ? `did you mean ${close.map((k) => `--${k}`).join(' or ')}? ` : '';
  const list = known.length ? `options: ${known.map((k) => `--${k}`).join(', ')}` : 'it takes no options';
  return new UsageError(`unknown option '${opt}'; ${hint}${list} (tract ${name} --help)`);
}

function unexpectedPositional(name: string, spec: CommandSpec, arg: string): UsageError {
  const p = spec.positionals;
  const takes = p
    ? `takes ${p.max === 1 ? 'one argument' : `at most ${p.max} arguments`} (${usageLine(name, spec)})`
    : `takes no positional arguments, only options (${usageLine(name, spec)})`;
  const hint = spec.suggest?.(arg);
  return new UsageError(`unexpected argument '${arg}': tract ${name} ${takes}${hint ? `; did you mean ${hint}?` : ''}`);
}

/**
 * Parses a command's arguments: `--name value`, `--name=value`, flags, `--` (everything after it
 * is positional), `-h`/`--help`. A value that starts with `-` must be attached with `=`
 * (`--temperature=-1`), so that a forgotten value never swallows the next option.
 * @throws UsageError for an unknown option, a missing value, an option given twice, a value given
 *   to a flag, or positional arguments the command does not take.
 */
export function parseCommandArgs(name: string, spec: CommandSpec, argv: readonly string[]): ParsedArgs {
  const values: Values = {};
  const positionals: string[] = [];
  const dash = argv.indexOf('--');
  const options = dash < 0 ? argv : argv.slice(0, dash);
  if (options.some((a) => HELP_FLAGS.has(a))) return { values, positionals, help: true };
  for (let i = 0; i < options.length; i++) {
    const arg = options[i];
    if (!arg.startsWith('-') || arg === '-') {
      positionals.push(arg);
      continue;
    }
    if (!arg.startsWith('--')) throw unknownOption(name, spec, arg);
    const eq = arg.indexOf('=');
    const key = arg.slice(2, eq < 0 ? undefined : eq);
    const opt = Object.hasOwn(spec.options, key) ? spec.options[key] : undefined;
    if (!opt) throw unknownOption(name, spec, eq < 0 ? arg : arg.slice(0, eq));
    let value: string | boolean;
    if (!opt.value) {
      if (eq >= 0) throw new UsageError(`--${key} is a flag and takes no value (got '${arg}')`);
      value = true;
    } else if (eq >= 0) {
      value = arg.slice(eq + 1);
    } else {
      const next = options[i + 1];
      if (next === undefined) throw new UsageError(`--${key} needs a value (${opt.value})`);
      if (next.startsWith('-') && next !== '-') {
        if (/^-\.?\d/.test(next)) {
          throw new UsageError(
            `--${key}: a value that starts with '-' must be attached with '=': write --${key}=${next}`,
          );
        }
        throw new UsageError(`--${key} needs a value (${opt.value}) but is followed by the option '${next}'`);
      }
      value = next;
      i++;
    }
    const prev = values[key];
    if (opt.multiple) values[key] = [...((prev as string[] | undefined) ?? []), value as string];
    else if (prev !== undefined) throw new UsageError(`--${key} is given twice`);
    else values[key] = value;
  }
  if (dash >= 0) positionals.push(...argv.slice(dash + 1));
  const max = spec.positionals?.max ?? 0;
  if (positionals.length > max) throw unexpectedPositional(name, spec, positionals[max]);
  const min = spec.positionals?.min ?? 0;
  if (positionals.length < min) {
    throw new UsageError(`missing argument: ${usageLine(name, spec)} (tract ${name} --help)`);
  }
  return { values, positionals, help: false };
}

/** A string option, or undefined when it was not given; an empty string is an error. */
export function stringOption(values: Values, key: string): string | undefined {
  const v = values[key];
  if (v === undefined) return undefined;
  if (typeof v !== 'string') throw new UsageError(`--${key} takes one value`);
  if (v === '') throw new UsageError(`--${key} must not be empty`);
  return v;
}

/** A required string option. */
export function requireString(values: Values, key: string): string {
  const v = stringOption(values, key);
  if (v === undefined) throw new UsageError(`--${key} is required`);
  return v;
}

/**
 * A non-negative integer in decimal digits (`12`; not `1e2`, `0x10`, `1.5`, `-1`, ``), checked
 * against `min` (and `max`). `what` names the value in the error (`--seeds`, `--tokens item 2`).
 */
export function parseInteger(text: string, what: string, min = 0, max = Number.MAX_SAFE_INTEGER): number {
  const t = text.trim();
  if (!/^\d+$/.test(t)) {
    const why = t === '' ? 'is empty' : `'${text}' is not a whole number in decimal digits`;
    throw new UsageError(`${what} must be an integer >= ${min}; ${why}`);
  }
  const n = Number(t);
  if (!Number.isSafeInteger(n) || n < min || n > max) {
    const range = max === Number.MAX_SAFE_INTEGER ? `>= ${min}` : `in ${min}..${max}`;
    throw new UsageError(`${what} must be an integer ${range}, got ${t}`);
  }
  return n;
}

/** An integer option (see {@link parseInteger}), or undefined when it was not given. */
export function intOption(values: Values, key: string, min = 0, max?: number): number | undefined {
  const v = stringOption(values, key);
  return v === undefined ? undefined : parseInteger(v, `--${key}`, min, max);
}

/**
 * A comma-separated list of integers (`1,403,407`): every item decimal digits, no empty item; the
 * error names the option, the item's position and the item.
 */
export function parseIntegerList(text: string, key: string, min = 0): number[] {
  const items = text.split(',');
  return items.map((item, i) => {
    if (item.trim() === '') throw new UsageError(`--${key}: item ${i + 1} of '${text}' is empty`);
    return parseInteger(item, `--${key} item ${i + 1}`, min);
  });
}

/** A range check on a number option: `min`/`max` inclusive, `above`/`below` exclusive. */
export interface NumberRange {
  min?: number;
  max?: number;
  above?: number;
  below?: number;
}

function rangeText(r: NumberRange): string {
  const lo = r.above !== undefined ? `> ${r.above}` : r.min !== undefined ? `>= ${r.min}` : '';
  const hi = r.below !== undefined ? `< ${r.below}` : r.max !== undefined ? `<= ${r.max}` : '';
  if (lo && hi) {
    const open = r.above !== undefined ? '(' : '[';
    const close = r.below !== undefined ? ')' : ']';
    return `in ${open}${r.above ?? r.min}, ${r.below ?? r.max}${close}`;
  }
  return lo || hi;
}

/**
 * A number option in decimal notation (`0.9`, `-1`, `.5`; not `1e2`, `0x10`, `Infinity`), checked
 * against `range`; undefined when it was not given.
 */
export function numberOption(values: Values, key: string, range: NumberRange = {}): number | undefined {
  const v = stringOption(values, key);
  if (v === undefined) return undefined;
  const t = v.trim();
  const wanted = rangeText(range);
  if (!/^-?(\d+(\.\d*)?|\.\d+)$/.test(t)) {
    throw new UsageError(`--${key} must be a decimal number${wanted ? ` ${wanted}` : ''}, got '${v}'`);
  }
  const n = Number(t);
  const ok =
    (range.min === undefined || n >= range.min) &&
    (range.max === undefined || n <= range.max) &&
    (range.above === undefined || n > range.above) &&
    (range.below === undefined || n < range.below);
  if (!ok) throw new UsageError(`--${key} must be ${wanted}, got ${t}`);
  return n;
}

/** An option that must be one of `choices`, or undefined when it was not given. */
export function choiceOption<T extends string>(values: Values, key: string, choices: readonly T[]): T | undefined {
  const v = stringOption(values, key);
  if (v === undefined) return undefined;
  if (!(choices as readonly string[]).includes(v)) {
    throw new UsageError(`--${key} must be one of ${choices.join(', ')}; got '${v}'`);
  }
  return v as T;
}
