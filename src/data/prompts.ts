/**
 * TRACT's prompts as data files (docs/method.md §6, verbatim) and a strict renderer.
 *
 * - `with_feedback.prompt`: the training prompt (CoT methods), placeholders are Feedback
 *   Collection's `orig_*` columns; no newline at the end, it ends in "###Feedback:".
 * - `no_feedback.prompt`: the score-only prompt (CE w/o CoT, RAFT), with the authors' typo
 *   "betweeb" kept.
 * - `benchmark.prompt`: Prometheus' original wording used by the benchmark files (Vicuna, MT Bench,
 *   FLASK, Feedback Bench); it ends in "###Feedback: " with a trailing space.
 *
 * @module data/prompts
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';

/** The prompt templates shipped with the toolkit. */
export type TemplateName = 'with_feedback' | 'no_feedback' | 'benchmark';

const cache = new Map<TemplateName, string>();

/** The text of a shipped template. */
export function loadTemplate(name: TemplateName): string {
  let t = cache.get(name);
  if (t === undefined) {
    t = readFileSync(join(__dirname, 'prompts', `${name}.prompt`), 'utf8');
    cache.set(name, t);
  }
  return t;
}

const PLACEHOLDER = /\{([a-z0-9_]+)\}/g;

/** The placeholders of a template, in order of first appearance. */
export function placeholders(template: string): string[] {
  return [...new Set([...template.matchAll(PLACEHOLDER)].map((m) => m[1]))];
}

/**
 * Fills every `{placeholder}` of `template` from `fields` in one pass (values are inserted
 * verbatim, so braces inside a response are safe).
 * @throws naming the placeholder when a field is missing or not a string, or when `fields` has a key
 *   the template does not use (a misspelt field would otherwise be dropped silently).
 */
export function renderPrompt(template: string, fields: Record<string, unknown>, where = 'renderPrompt'): string {
  const names = placeholders(template);
  for (const n of names) {
    if (!(n in fields)) throw new Error(`${where}: missing field '${n}' for placeholder {${n}}`);
    if (typeof fields[n] !== 'string')
      throw new Error(`${where}: field '${n}' must be a string, got ${typeof fields[n]}`);
  }
  for (const k of Object.keys(fields)) {
    if (!names.includes(k))
      throw new Error(`${where}: field '${k}' has no placeholder in the template (placeholders: ${names.join(', ')})`);
  }
  return template.replace(PLACEHOLDER, (_m, n: string) => fields[n] as string);
}

/** The phrase TRACT cuts feedback at and rebuilds the score sentence with. */
export const SO_THE_OVERALL = 'So the overall';

/**
 * TRACT's training target (prepare_dataset.py L113-118): the feedback cut before
 * "So the overall", trimmed, then " So the overall score is N" (no trailing period).
 * @returns null when the feedback lacks "So the overall" (TRACT drops such rows; count them).
 */
export function buildTarget(feedback: string, score: number | string): string | null {
  if (!feedback.includes(SO_THE_OVERALL)) return null;
  return `${feedback.split(SO_THE_OVERALL)[0].trim()} ${SO_THE_OVERALL} score is ${String(score).trim()}`;
}
