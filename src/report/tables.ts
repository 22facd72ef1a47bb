/**
 * Result tables in Markdown, CSV and LaTeX, built from run files (metrics.json, predictions.jsonl),
 * never from file names. Each metric has a direction (a registry, as lm-evaluation-harness does),
 * used to put the best value of each column in bold.
 *
 * @module report/tables
 */
import { csvField } from '../data/csv';
import type { Cell, Table } from '../results/formats';

/** A metric column and which way is better. */
export interface MetricInfo {
  key: string;
  label: string;
  higherIsBetter: boolean;
  digits: number;
}

export const METRICS: Record<string, MetricInfo> = {
  pearson: { key: 'pearson', label: 'r', higherIsBetter: true, digits: 3 },
  spearman: { key: 'spearman', label: 'ρ', higherIsBetter: true, digits: 3 },
  kendall: { key: 'kendall', label: 'τ', higherIsBetter: true, digits: 3 },
  rmse: { key: 'rmse', label: 'RMSE', higherIsBetter: false, digits: 3 },
  nInvalid: { key: 'nInvalid', label: 'invalid', higherIsBetter: false, digits: 0 },
};

function fmt(x: number, digits: number): string {
  return Number.isFinite(x) ? x.toFixed(digits) : 'n/a';
}

/** Index of the best row per column (by the metric's direction), ignoring NaN. */
export function bestRows(table: Table): (number | null)[] {
  if (table.bold === false) return table.columns.map(() => null);
  return table.columns.map((col, j) => {
    const info = METRICS[col.metric];
    let best: number | null = null;
    table.rows.forEach((r, i) => {
      const v = r.cells[j]?.value;
      if (v === undefined || !Number.isFinite(v)) return;
      if (best === null) best = i;
      else {
        const b = table.rows[best].cells[j]!.value;
        if (info.higherIsBetter ? v > b : v < b) best = i;
      }
    });
    return best;
  });
}

function cellText(c: Cell | null, info: MetricInfo, withInterval: boolean): string {
  if (!c) return '';
  let s = fmt(c.value, info.digits);
  if (c.sd !== undefined && Number.isFinite(c.sd)) s += ` ± ${fmt(c.sd, info.digits)}`;
  if (withInterval && c.lo !== undefined && Number.isFinite(c.lo))
    s += ` [${fmt(c.lo, info.digits)}, ${fmt(c.hi!, info.digits)}]`;
  return s;
}

/** GitHub-flavoured Markdown, best value per column in bold. */
export function toMarkdown(table: Table): string {
  const best = bestRows(table);
  const head = [...table.labelColumns, ...table.columns.map((c) => `${c.group} ${METRICS[c.metric].label}`.trim())];
  const lines = [`**${table.title}**`, '', `| ${head.join(' | ')} |`, `|${head.map(() => '---').join('|')}|`];
  table.rows.forEach((r, i) => {
    const cells = table.columns.map((col, j) => {
      const t = cellText(r.cells[j], METRICS[col.metric], true);
      return best[j] === i && t ? `**${t}**` : t;
    });
    lines.push(`| ${[...r.labels, ...cells].join(' | ')} |`);
  });
  if (table.notes.length) lines.push('', ...table.notes.map((n) => `- ${n}`));
  return `${lines.join('\n')}\n`;
}

/** CSV with one column per value, its sd, and its interval bounds. */
export function toCsv(table: Table): string {
  const head = [...table.labelColumns];
  for (const c of table.columns) {
    const base = c.group ? `${c.group}_${c.metric}` : c.metric;
    head.push(base, `${base}_sd`, `${base}_lo`, `${base}_hi`);
  }
  const lines = [head.map(csvField).join(',')];
  for (const r of table.rows) {
    const vals = r.cells.flatMap((c) =>
      c
        ? [c.value, c.sd, c.lo, c.hi].map((v) => (v === undefined || !Number.isFinite(v) ? '' : String(v)))
        : ['', '', '', ''],
    );
    lines.push([...r.labels.map(csvField), ...vals].join(','));
  }
  return `${lines.join('\n')}\n`;
}

function texEscape(s: string): string {
  return s
    .replace(/\\/g, '\\textbackslash{}')
    .replace(/([&%$#_{}])/g, '\\$1')
    .replace(/ρ/g, '$\\rho$')
    .replace(/τ/g, '$\\tau$')
    .replace(/±/g, '$\\pm$');
}

/** A LaTeX tabular (booktabs), best value per column in bold. */
export function toLatex(table: Table): string {
  const best = bestRows(table);
  const groups = [...new Set(table.columns.map((c) => c.group))];
  const blanks = table.labelColumns.map(() => '').join(' & ');
  const groupHeads = groups.map((g) => {
    const span = table.columns.filter((c) => c.group === g).length;
    return `\\multicolumn{${span}}{c}{${texEscape(g)}}`;
  });
  const metricHeads = table.columns.map((c) => texEscape(METRICS[c.metric].label));
  const lines = [
    `% ${table.title}`,
    `\\begin{tabular}{${'l'.repeat(table.labelColumns.length)}${'r'.repeat(table.columns.length)}}`,
    '\\toprule',
    `${blanks} & ${groupHeads.join(' & ')} \\\\`,
    `${table.labelColumns.map(texEscape).join(' & ')} & ${metricHeads.join(' & ')} \\\\`,
    '\\midrule',
  ];
  table.rows.forEach((r, i) => {
    const cells = table.columns.map((col, j) => {
      const t = texEscape(cellText(r.cells[j], METRICS[col.metric], false));
      return best[j] === i && t ? `\\textbf{${t}}` : t;
    });
    lines.push(`${[...r.labels.map(texEscape), ...cells].join(' & ')} \\\\`);
  });
  lines.push('\\bottomrule', '\\end{tabular}');
  return `${lines.join('\n')}\n`;
}
