/**
 * The score tokens, derived from the tokenizer at run time, never hard-coded.
 *
 * TRACT reads the score as the next token after a context ending in "...score is " (docs/method.md
 * §2.2): the space is its own token and the digit is a bare single token. The official code
 * hard-codes the ids (Mistral 28740, 28750, 28770, 28781, 28782; Llama-3.1 16-20); this derives
 * them and checks both assumptions, so a new tokenizer fails loudly instead of scoring garbage.
 *
 * @module tokenizer/scoreTokens
 */
import type { Tokenizer } from './tokenizer';

/** The phrase before the score in TRACT's targets. */
export const SCORE_PREFIX = 'So the overall score is';

/**
 * The vocabulary ids of the score strings (default "1".."5").
 *
 * @throws when a score string is not exactly one token, or when encoding
 *   `"So the overall score is <d>"` does not end in the bare digit token right after the encoding
 *   of `"So the overall score is "`.
 */
export function scoreTokenIds(tokenizer: Tokenizer, scores: readonly string[] = ['1', '2', '3', '4', '5']): number[] {
  const context = tokenizer.encode(`${SCORE_PREFIX} `, { prefixSpace: false });
  return scores.map((s) => {
    const alone = tokenizer.encode(s, { prefixSpace: false });
    if (alone.length !== 1) {
      throw new Error(
        `scoreTokenIds: '${s}' encodes to ${alone.length} tokens [${alone}] with ${tokenizer.kind}; ` +
          'a score must be one token',
      );
    }
    const id = alone[0];
    const full = tokenizer.encode(`${SCORE_PREFIX} ${s}`, { prefixSpace: false });
    const sameContext = full.length === context.length + 1 && context.every((t, i) => full[i] === t);
    if (!sameContext || full[full.length - 1] !== id) {
      throw new Error(
        `scoreTokenIds: in '${SCORE_PREFIX} ${s}' the digit is not the bare token ${id} ` +
          `after the context [${context}] ` +
          `(got [${full}]) with ${tokenizer.kind}; the RAIL readout would read the wrong position`,
      );
    }
    return id;
  });
}
