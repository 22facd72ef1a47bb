/**
 * Writing CSV fields (RFC 4180 quoting). Reading goes through `csv-parse`.
 *
 * @module data/csv
 */

/** A CSV field: quoted (with doubled quotes) when it holds a comma, a quote or a newline. */
export function csvField(s: string): string {
  return /[",\n]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
}
