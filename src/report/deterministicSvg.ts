/**
 * Makes plotly's SVG export reproducible: the same figure gives the same bytes. Plotly names its
 * clip paths and defs after a random per-plot id (`clip3e3c43xyplot`, `defs-3e3c43`), and its
 * first rendering in a page writes some attributes in another order than later ones; both are
 * rewritten here. Works on the serialised text (attribute values in double quotes, as the
 * browser writes them).
 *
 * @module report/deterministicSvg
 */
import { createHash } from 'node:crypto';

/** A start tag with its attributes: name, attributes, and `/` when self-closing. */
const START_TAG = /<([A-Za-z][\w.:-]*)((?:\s+[^\s="/>]+="[^"]*")+)\s*(\/?)>/g;
const ATTRIBUTE = /([^\s="/>]+)="[^"]*"/g;

/** Writes the attributes of every start tag in name order (their order carries no meaning in XML). */
export function sortSvgAttributes(svg: string): string {
  return svg.replace(START_TAG, (_tag, name: string, attrs: string, slash: string) => {
    const list = [...attrs.matchAll(ATTRIBUTE)].sort((a, b) => (a[1] < b[1] ? -1 : a[1] > b[1] ? 1 : 0));
    return `<${name} ${list.map((m) => m[0]).join(' ')}${slash}>`;
  });
}

/** Where an id stands: `id="X"`, `url(#X)` (quoted or not), `href="#X"` (also `xlink:href`). */
const ID_PLACE = /(\sid=")([^"]+)(")|(url\(['"]?#)([^'")]+)(['"]?\))|(href="#)([^"]+)(")/g;

/**
 * Renames every id the SVG defines (`id="..."`) to `<prefix><n>`, n = 1, 2, … in order of first
 * appearance (definition or reference), in the definitions and in every `url(#…)` and `href="#…"`
 * that points at one. References to ids the SVG does not define are left as they are.
 */
export function renumberSvgIds(svg: string, prefix: string): string {
  const defined = new Set([...svg.matchAll(/\sid="([^"]+)"/g)].map((m) => m[1]));
  const renamed = new Map<string, string>();
  const rename = (id: string): string => {
    if (!defined.has(id)) return id;
    if (!renamed.has(id)) renamed.set(id, `${prefix}${renamed.size + 1}`);
    return renamed.get(id)!;
  };
  return svg.replace(ID_PLACE, (...m: string[]) => {
    const at = m[2] !== undefined ? 1 : m[5] !== undefined ? 4 : 7;
    return `${m[at]}${rename(m[at + 1])}${m[at + 2]}`;
  });
}

/**
 * The SVG with sorted attributes and sequential ids. The id prefix `f<8 hex>-` is a hash of the
 * figure's content, so that two different figures inlined in one HTML page do not share ids
 * while one figure always gets the same ones.
 */
export function deterministicSvg(svg: string): string {
  const sorted = sortSvgAttributes(svg);
  const hash = createHash('sha256').update(renumberSvgIds(sorted, 'id')).digest('hex').slice(0, 8);
  return renumberSvgIds(sorted, `f${hash}-`);
}
