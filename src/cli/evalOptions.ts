/**
 * The evaluation settings `tract eval` and its remote-judge form (cli/scale) read alike from their flags:
 * decoding, chat template, CoTs, sampling, seed, batch, limits and results folder, each defaulting to
 * TRACT's inference defaults (tract/evalPlan).
 *
 * @module cli/evalOptions
 */
import { CHAT_TEMPLATES, type ChatTemplate } from '../data/chatTemplates';
import { BENCHMARK_EVAL_DEFAULTS } from '../tract/benchmarkEval';
import { choiceOption, intOption, stringOption, type Values } from './args';
import { samplingOptions } from './inference';

/** The settings of a benchmark evaluation given by the command's flags (unset flags: the defaults). */
export function evalSettings(values: Values) {
  const d = BENCHMARK_EVAL_DEFAULTS;
  const sampling = samplingOptions(values);
  return {
    decoding: choiceOption(values, 'decoding', ['cot-rail', 'standard'] as const) ?? d.decoding,
    chatTemplate:
      choiceOption(values, 'chat-template', ['auto', ...CHAT_TEMPLATES] as (ChatTemplate | 'auto')[]) ?? d.chatTemplate,
    nCot: intOption(values, 'n-cot', 1) ?? d.nCot,
    maxNewTokens: intOption(values, 'max-new-tokens', 1) ?? d.maxNewTokens,
    seed: intOption(values, 'seed', 0) ?? d.seed,
    batchSize: intOption(values, 'batch-size', 1) ?? d.batchSize,
    limit: intOption(values, 'limit', 1),
    maxPromptTokens: intOption(values, 'max-prompt-tokens', 16),
    bootstrapSamples: intOption(values, 'samples', 10) ?? d.bootstrapSamples,
    temperature: sampling.temperature ?? d.temperature,
    topP: sampling.topP ?? d.topP,
    repetitionPenalty: sampling.repetitionPenalty ?? d.repetitionPenalty,
    lenient: Boolean(values.lenient),
    resultsDir: stringOption(values, 'results') ?? d.resultsDir,
  };
}
