/**
 * Token-level layout of judge prompts and targets, shared by training, self-CoT generation and
 * CoT-RAIL evaluation so that every stage sees exactly the same tokens.
 *
 *   prompt  = [BOS] + encode(promptText)                       (SentencePiece dummy prefix on)
 *   CoT     = encode(cot)                                      (the feedback, without "So the overall")
 *   context = encode(" So the overall score is ", no prefix)   (ends with the space token)
 *   target  = CoT + context + [digit] + [EOS]                  (CoT methods)
 *   target  = encode(" ", no prefix) + [digit] + [EOS]         (score-only methods)
 *
 * The digit is then the second-to-last target token, and RAIL reads the logits right after the
 * context (docs/method.md §2.3, §4.2).
 *
 * @module data/judgeTokens
 */
import { SCORE_PREFIX, scoreTokenIds } from '../tokenizer/scoreTokens';
import type { Tokenizer } from '../tokenizer/tokenizer';
import { applyChatTemplate, type ChatTemplate } from './chatTemplates';

/** The BOS text each chat template starts with (encoded as the tokenizer's BOS id instead). */
const TEMPLATE_BOS: Record<ChatTemplate, string> = { mistral: '<s>', llama3: '<|begin_of_text|>', none: '' };

/** Where a self-generated CoT is cut (docs/method.md §5). */
export const CUT_PHRASE = ' So the overall';

/** Encoder of judge prompts and targets for one tokenizer. */
export class JudgeTokens {
  readonly tokenizer: Tokenizer;
  /** Ids of the score tokens "1".."5" (derived, checked). */
  readonly scoreIds: number[];
  /** " So the overall score is " (ends with the space token). */
  readonly cotContext: number[];
  /** " " before the digit in score-only targets. */
  readonly scoreOnlyContext: number[];
  /** " So the overall", where generated CoTs are cut. */
  readonly cutIds: number[];

  constructor(tokenizer: Tokenizer) {
    this.tokenizer = tokenizer;
    this.scoreIds = scoreTokenIds(tokenizer);
    this.cotContext = tokenizer.encode(` ${SCORE_PREFIX} `, { prefixSpace: false });
    this.scoreOnlyContext = tokenizer.encode(' ', { prefixSpace: false });
    this.cutIds = tokenizer.encode(CUT_PHRASE, { prefixSpace: false });
  }

  /** The id of an integer score 1..5. */
  digit(score: number): number {
    const id = this.scoreIds[score - 1];
    if (!Number.isInteger(score) || id === undefined)
      throw new RangeError(`score ${score} is not an integer in 1..${this.scoreIds.length}`);
    return id;
  }

  prompt(text: string): number[] {
    return this.tokenizer.encode(text, { bos: this.tokenizer.bos !== null });
  }

  /**
   * A prompt wrapped in a chat template (docs/method.md §6.4), with the template's BOS text
   * replaced by the BOS id so that it appears once. The template's other special tokens (Llama-3
   * header tokens) are left to the tokenizer, which maps them to their ids.
   */
  chatPrompt(text: string, template: ChatTemplate): number[] {
    if (template === 'none') return this.prompt(text);
    const wrapped = applyChatTemplate(template, text).prompt;
    return this.tokenizer.encode(wrapped.slice(TEMPLATE_BOS[template].length), { bos: this.tokenizer.bos !== null });
  }

  /** The feedback tokens of a CoT text (cut before "So the overall", trimmed). */
  cot(text: string): number[] {
    const cut = text.split(CUT_PHRASE.trim())[0].trim();
    return cut === '' ? [] : this.tokenizer.encode(cut);
  }

  /** A CoT target: CoT + context + digit + EOS. */
  cotTarget(cotIds: readonly number[], score: number): number[] {
    return [...cotIds, ...this.cotContext, this.digit(score), this.tokenizer.eos];
  }

  /** A score-only target: " " + digit + EOS. */
  scoreOnlyTarget(score: number): number[] {
    return [...this.scoreOnlyContext, this.digit(score), this.tokenizer.eos];
  }

  /**
   * Cuts generated CoT ids at the token sequence of " So the overall" (and drops a trailing EOS).
   * @returns the kept ids and whether the phrase was found.
   */
  cutGenerated(ids: readonly number[]): { ids: number[]; cut: boolean } {
    const body = ids[ids.length - 1] === this.tokenizer.eos ? ids.slice(0, -1) : [...ids];
    const n = this.cutIds.length;
    for (let i = 0; i + n <= body.length; i++) {
      let match = true;
      for (let j = 0; j < n && match; j++) match = body[i + j] === this.cutIds[j];
      if (match) return { ids: body.slice(0, i), cut: true };
    }
    return { ids: body, cut: false };
  }
}
