/**
 * What the benchmark scripts share: reading `--name value` options and the median of repetitions.
 * @module bench/cli
 */

/** The value after `--name` on the command line, or `fallback` when the option is not given. */
export function option(name: string, fallback: string, argv: readonly string[] = process.argv.slice(2)): string {
  const at = argv.indexOf(name);
  return at >= 0 ? argv[at + 1] : fallback;
}

/** The median of repetitions (the upper one of the middle two for an even count). */
export function median(xs: readonly number[]): number {
  return [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
}
