/**
 * Markdown to HTML for the `text/html` twin of the notebooks' Markdown outputs (classic Notebook
 * drops `text/markdown` outputs of an untrusted notebook; nbconvert and GitHub show either). Covers
 * what the notebooks write: headings, paragraphs, bullet and numbered lists, GitHub tables (with
 * column alignment), fenced code, `code`, **bold**, *italic*, [links](url) and line breaks. Other
 * text is escaped and kept as it is. Pure: no I/O.
 *
 * @module notebook/markdownHtml
 */

/** Escapes `& < > "` for HTML text and attribute values. */
export function escapeHtml(s: string): string {
  return s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');
}

/** Inline Markdown of one line or cell: code spans, links, bold, italic (escaped otherwise). */
export function inlineHtml(text: string): string {
  const parts = text.split(/(`[^`]+`)/);
  return parts
    .map((part, i) => {
      if (i % 2 === 1) return `<code>${escapeHtml(part.slice(1, -1))}</code>`;
      return escapeHtml(part)
        .replace(/\[([^\]]+)\]\(([^)\s]+)\)/g, '<a href="$2">$1</a>')
        .replace(/\*\*([^*]+)\*\*/g, '<strong>$1</strong>')
        .replace(/(^|[^*\w])\*([^*\s][^*]*)\*(?!\w)/g, '$1<em>$2</em>')
        .replace(/(^|[^_\w])_([^_\s][^_]*)_(?!\w)/g, '$1<em>$2</em>');
    })
    .join('');
}

/** The cells of a table row `| a | b |` (escaped pipes `\|` stay in their cell). */
function tableCells(line: string): string[] {
  const inner = line.trim().replace(/^\|/, '').replace(/\|$/, '');
  return inner.split(/(?<!\\)\|/).map((c) => c.trim().replace(/\\\|/g, '|'));
}

const TABLE_RULE = /^\s*\|?\s*:?-{1,}:?\s*(\|\s*:?-{1,}:?\s*)*\|?\s*$/;

/** The HTML of a table from its Markdown lines (header, rule, rows). */
function tableHtml(lines: string[]): string {
  const align = tableCells(lines[1]).map((c) =>
    c.startsWith(':') && c.endsWith(':') ? 'center' : c.endsWith(':') ? 'right' : c.startsWith(':') ? 'left' : '',
  );
  const cell = (tag: string, c: string, i: number) =>
    `<${tag}${align[i] ? ` style="text-align: ${align[i]}"` : ''}>${inlineHtml(c)}</${tag}>`;
  const head = `<thead><tr>${tableCells(lines[0])
    .map((c, i) => cell('th', c, i))
    .join('')}</tr></thead>`;
  const rows = lines.slice(2).map(
    (l) =>
      `<tr>${tableCells(l)
        .map((c, i) => cell('td', c, i))
        .join('')}</tr>`,
  );
  return `<table>${head}<tbody>${rows.join('')}</tbody></table>`;
}

/** Converts Markdown to an HTML fragment (see the module comment for what is covered). */
export function markdownToHtml(md: string): string {
  const lines = md.replace(/\r\n?/g, '\n').split('\n');
  const out: string[] = [];
  let i = 0;
  while (i < lines.length) {
    const line = lines[i];
    if (!line.trim()) {
      i++;
      continue;
    }
    const fence = /^\s*(```|~~~)/.exec(line);
    if (fence) {
      const body: string[] = [];
      for (i++; i < lines.length && !lines[i].trim().startsWith(fence[1]); i++) body.push(lines[i]);
      i++;
      out.push(`<pre><code>${escapeHtml(body.join('\n'))}</code></pre>`);
      continue;
    }
    const heading = /^(#{1,6})\s+(.*?)\s*#*\s*$/.exec(line);
    if (heading) {
      const n = heading[1].length;
      out.push(`<h${n}>${inlineHtml(heading[2])}</h${n}>`);
      i++;
      continue;
    }
    if (line.trim().startsWith('|') && i + 1 < lines.length && TABLE_RULE.test(lines[i + 1])) {
      const block = [line, lines[i + 1]];
      for (i += 2; i < lines.length && lines[i].trim().startsWith('|'); i++) block.push(lines[i]);
      out.push(tableHtml(block));
      continue;
    }
    const item = /^\s*([-*+]|\d+[.)])\s+/;
    if (item.test(line)) {
      const ordered = /^\s*\d/.test(line);
      const items: string[] = [];
      for (; i < lines.length && lines[i].trim(); i++) {
        if (item.test(lines[i])) items.push(lines[i].replace(item, ''));
        else items[items.length - 1] += ` ${lines[i].trim()}`; // a continuation line
      }
      const tag = ordered ? 'ol' : 'ul';
      out.push(`<${tag}>${items.map((t) => `<li>${inlineHtml(t)}</li>`).join('')}</${tag}>`);
      continue;
    }
    const para: string[] = [];
    for (; i < lines.length && lines[i].trim() && !/^(#{1,6}\s|\s*```|\s*~~~)/.test(lines[i]); i++) {
      if (lines[i].trim().startsWith('|') && i + 1 < lines.length && TABLE_RULE.test(lines[i + 1])) break;
      para.push(lines[i]);
    }
    const html = para.map((l) => (/ {2}$/.test(l) ? `${inlineHtml(l.trimEnd())}<br>` : inlineHtml(l)));
    out.push(`<p>${html.join('\n')}</p>`);
  }
  return out.join('\n');
}
