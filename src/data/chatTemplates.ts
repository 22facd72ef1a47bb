/**
 * Chat wrapping of a judge prompt and its target, as TRACT's training framework (LLaMA-Factory
 * @c6e3c14a, `template.py`) formats them (docs/method.md §6.4). Prompt and response are returned
 * separately, to be tokenized separately as LLaMA-Factory does.
 *
 * - `mistral`: `<s>[INST] {prompt}[/INST]` then ` {response}</s>`
 * - `llama3`: `<|begin_of_text|><|start_header_id|>user<|end_header_id|>\n\n{prompt}<|eot_id|>`
 *   `<|start_header_id|>assistant<|end_header_id|>\n\n` then `{response}<|eot_id|>`
 * - `none`: the raw prompt and response (base models, stories260K).
 *
 * @module data/chatTemplates
 */

export const CHAT_TEMPLATES = ['mistral', 'llama3', 'none'] as const;
export type ChatTemplate = (typeof CHAT_TEMPLATES)[number];

/** A prompt and response in a chat template. `response` is empty when only the prompt is needed. */
export interface ChatText {
  prompt: string;
  response: string;
}

/**
 * Wraps one user turn and (optionally) the assistant's answer.
 * @param withEos append the template's end-of-turn token to the response (training targets)
 */
export function applyChatTemplate(template: ChatTemplate, prompt: string, response = '', withEos = true): ChatText {
  switch (template) {
    case 'mistral':
      return {
        prompt: `<s>[INST] ${prompt}[/INST]`,
        response: response === '' ? '' : ` ${response}${withEos ? '</s>' : ''}`,
      };
    case 'llama3':
      return {
        prompt:
          `<|begin_of_text|><|start_header_id|>user<|end_header_id|>\n\n${prompt}` +
          '<|eot_id|><|start_header_id|>assistant<|end_header_id|>\n\n',
        response: response === '' ? '' : `${response}${withEos ? '<|eot_id|>' : ''}`,
      };
    case 'none':
      return { prompt, response };
    default:
      throw new Error(`unknown chat template '${String(template)}' (known: ${CHAT_TEMPLATES.join(', ')})`);
  }
}
