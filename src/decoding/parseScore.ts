/**
 * Reads the score a judge wrote in free text, for standard decoding (the sampled-digit baseline).
 * A failure is a value, `{ invalid: reason }`, never an exception and never a silent NaN: metrics
 * count invalid outputs (`dropInvalid`) and tables show the count.
 *
 * Accepted forms (the last score marker in the text wins, so a `[RESULT]` quoted from the prompt's
 * format instructions does not shadow the judge's own verdict):
 *   - Prometheus: `Feedback: ... [RESULT] 4` (also `[RESULT] 4 out of 5`, `[RESULT] (4)`, `4/5`)
 *   - TRACT's target sentence: `... So the overall score is 4`
 *   - `Score: 4`, `[SCORE] 4`, `Result: 4`
 * followed by at most a period and whitespace, or a new line. The number must be an integer in
 * [min, max] (`4.0` counts as 4; `2.5` does not); a stated scale (`out of N`, `/N`) must be max.
 *
 * @module decoding/parseScore
 */

/** A parsed score, or the reason the text has none. */
export type ParsedScore = { score: number; marker: string } | { invalid: string };

export interface ParseScoreOptions {
  /** Lowest valid score (default 1). */
  min?: number;
  /** Highest valid score (default 5). */
  max?: number;
}

const MARKERS = /\[RESULT\]|\[SCORE\]|\bscore\s*:|\bresult\s*:|so the overall score is/gi;
const TAIL =
  /^[\s:]*([([]\s*)?(-?\d+(?:\.\d+)?)\s*[)\]]?(?:\s*(?:\/\s*(\d+)|out\s+of\s+(\d+)))?\s*[.!]?[ \t]*(?:\r?\n[\s\S]*)?$/i;
const SPECIAL_TOKENS = /(?:<\/s>|<\|eot_id\|>|<\|end_of_text\|>|<\|im_end\|>|<eos>)\s*$/;

/**
 * Parses the score from a judge's output.
 *
 * @example
 * ```ts
 * parseScore('Feedback: The response is accurate. [RESULT] 4'); // { score: 4, marker: '[RESULT]' }
 * parseScore('Score: 2.5');                                    // { invalid: 'score 2.5 is not an integer' }
 * ```
 */
export function parseScore(text: string, options: ParseScoreOptions = {}): ParsedScore {
  const { min = 1, max = 5 } = options;
  if (typeof text !== 'string') return { invalid: `output is not text (${typeof text})` };
  let body = text;
  while (SPECIAL_TOKENS.test(body)) body = body.replace(SPECIAL_TOKENS, '');
  if (body.trim() === '') return { invalid: 'empty output' };
  let last: RegExpExecArray | null = null;
  MARKERS.lastIndex = 0;
  for (let m = MARKERS.exec(body); m !== null; m = MARKERS.exec(body)) last = m;
  if (last === null) return { invalid: "no score marker ('[RESULT]', 'So the overall score is', 'Score:')" };
  const marker = last[0];
  const tail = body.slice(last.index + marker.length);
  const m = TAIL.exec(tail);
  if (m === null) {
    const shown = tail.trim().slice(0, 40);
    return { invalid: shown ? `no score after '${marker}' (found '${shown}')` : `nothing after '${marker}'` };
  }
  const value = Number(m[2]);
  const scale = m[3] ?? m[4];
  if (scale !== undefined && Number(scale) !== max)
    return { invalid: `score ${m[2]} is on a scale of ${scale}, not ${max}` };
  if (!Number.isInteger(value)) return { invalid: `score ${m[2]} is not an integer` };
  if (value < min || value > max) return { invalid: `score ${value} is outside ${min}-${max}` };
  return { score: value, marker: normaliseMarker(marker) };
}

function normaliseMarker(marker: string): string {
  const lower = marker.toLowerCase().replace(/\s+/g, ' ');
  if (lower.startsWith('[')) return marker.toUpperCase();
  if (lower.startsWith('so the')) return 'So the overall score is';
  return lower.startsWith('score') ? 'Score:' : 'Result:';
}

/** True when {@link parseScore} found a score. */
export function isParsed(p: ParsedScore): p is { score: number; marker: string } {
  return 'score' in p;
}
