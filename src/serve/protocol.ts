/**
 * The OpenAI request bodies `tract serve` accepts, checked field by field: a malformed request becomes an
 * {@link ApiError} (HTTP 400 with an OpenAI-style error body naming the parameter), never an exception that
 * reaches the server loop.
 *
 * Fields follow the OpenAI completions and chat-completions schemas (`prompt`, `max_tokens`, `temperature`,
 * `top_p`, `n`, `stop`, `seed`, `logprobs`, `echo`; chat: `messages`, `logprobs` + `top_logprobs`,
 * `max_completion_tokens`), plus two vLLM extensions: `repetition_penalty` and `return_tokens_as_token_ids`.
 * Unknown fields are ignored, as OpenAI-compatible servers commonly do; `stream: true` is refused.
 *
 * @module serve/protocol
 */

/** An error answered to the client: HTTP status and the OpenAI error body fields. */
export class ApiError extends Error {
  readonly status: number;
  readonly type: string;
  readonly param: string | null;
  readonly code: string | null;

  constructor(status: number, message: string, param: string | null = null, code: string | null = null) {
    super(message);
    this.status = status;
    this.type = status === 429 ? 'rate_limit_error' : status >= 500 ? 'server_error' : 'invalid_request_error';
    this.param = param;
    this.code = code;
  }

  /** The JSON body: `{ error: { message, type, param, code } }`. */
  body(): { error: { message: string; type: string; param: string | null; code: string | null } } {
    return { error: { message: this.message, type: this.type, param: this.param, code: this.code } };
  }
}

/** Server-side bounds on what one request may ask for. */
export interface RequestLimits {
  /** Most choices per prompt (`n`). */
  maxN: number;
  /** Most prompts in one completions request. */
  maxPrompts: number;
  /** Most `logprobs` / `top_logprobs` alternatives. */
  maxLogprobs: number;
}

/** A completions or chat request after checking, in the server's terms. */
export interface SamplingRequest {
  model: string | null;
  maxTokens: number;
  temperature: number;
  topP: number;
  n: number;
  stop: string[];
  seed: number | null;
  repetitionPenalty: number;
  /** Alternatives per position (0: the chosen token's logprob only), or null for no logprobs. */
  logprobs: number | null;
  echo: boolean;
  tokensAsIds: boolean;
}

/** A checked `/v1/completions` request: prompts as text or as token ids. */
export interface CompletionRequest extends SamplingRequest {
  prompts: (string | number[])[];
}

/** A checked `/v1/chat/completions` request. */
export interface ChatRequest extends SamplingRequest {
  messages: { role: string; content: string }[];
}

type Body = Record<string, unknown>;

function bad(message: string, param: string): ApiError {
  return new ApiError(400, message, param);
}

function optNumber(b: Body, key: string, def: number, ok: (x: number) => boolean, rule: string): number {
  const v = b[key];
  if (v === undefined || v === null) return def;
  if (typeof v !== 'number' || !Number.isFinite(v) || !ok(v)) {
    throw bad(`'${key}' must be ${rule}, got ${JSON.stringify(v)}`, key);
  }
  return v;
}

function optInt(b: Body, key: string, def: number, min: number, max: number): number {
  return optNumber(b, key, def, (x) => Number.isInteger(x) && x >= min && x <= max, `an integer in [${min}, ${max}]`);
}

function optBool(b: Body, key: string, def: boolean): boolean {
  const v = b[key];
  if (v === undefined || v === null) return def;
  if (typeof v !== 'boolean') throw bad(`'${key}' must be a boolean, got ${JSON.stringify(v)}`, key);
  return v;
}

function stopOf(b: Body): string[] {
  const v = b.stop;
  if (v === undefined || v === null) return [];
  const list = typeof v === 'string' ? [v] : v;
  if (!Array.isArray(list) || list.length > 4 || list.some((s) => typeof s !== 'string' || s === '')) {
    throw bad(`'stop' must be a non-empty string or a list of at most 4 of them`, 'stop');
  }
  return list as string[];
}

/** The fields both endpoints share. */
function samplingOf(b: Body, limits: RequestLimits): Omit<SamplingRequest, 'maxTokens' | 'logprobs'> {
  if (b.stream === true) throw bad("'stream' is not supported by this server; send stream: false", 'stream');
  if (b.model !== undefined && typeof b.model !== 'string') throw bad("'model' must be a string", 'model');
  const seed = b.seed;
  if (seed !== undefined && seed !== null && !(typeof seed === 'number' && Number.isSafeInteger(seed) && seed >= 0)) {
    throw bad(`'seed' must be a non-negative integer, got ${JSON.stringify(seed)}`, 'seed');
  }
  return {
    model: (b.model as string | undefined) ?? null,
    temperature: optNumber(b, 'temperature', 1, (x) => x >= 0 && x <= 2, 'a number in [0, 2]'),
    topP: optNumber(b, 'top_p', 1, (x) => x > 0 && x <= 1, 'a number in (0, 1]'),
    n: optInt(b, 'n', 1, 1, limits.maxN),
    stop: stopOf(b),
    seed: typeof seed === 'number' ? seed : null,
    repetitionPenalty: optNumber(b, 'repetition_penalty', 1, (x) => x > 0, 'a number > 0'),
    echo: optBool(b, 'echo', false),
    tokensAsIds: optBool(b, 'return_tokens_as_token_ids', false),
  };
}

function isTokenList(v: unknown): v is number[] {
  return Array.isArray(v) && v.length > 0 && v.every((x) => typeof x === 'number');
}

/** The prompts of a completions request: a string, strings, token ids, or lists of token ids. */
function promptsOf(v: unknown, vocabSize: number, limits: RequestLimits): (string | number[])[] {
  let prompts: (string | number[])[];
  if (typeof v === 'string') prompts = [v];
  else if (isTokenList(v)) prompts = [v];
  else if (Array.isArray(v) && v.length > 0 && v.every((p) => typeof p === 'string' || isTokenList(p))) {
    prompts = v as (string | number[])[];
  } else {
    throw bad("'prompt' must be a string, a list of strings, a list of token ids, or a list of such lists", 'prompt');
  }
  if (prompts.length > limits.maxPrompts) {
    throw bad(`at most ${limits.maxPrompts} prompts per request, got ${prompts.length}`, 'prompt');
  }
  for (const p of prompts) {
    if (typeof p === 'string') continue;
    const wrong = p.find((id) => !Number.isInteger(id) || id < 0 || id >= vocabSize);
    if (wrong !== undefined) throw bad(`token id ${wrong} is not in the vocabulary (0..${vocabSize - 1})`, 'prompt');
  }
  return prompts;
}

function asBody(raw: unknown): Body {
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) {
    throw new ApiError(400, 'the request body must be a JSON object');
  }
  return raw as Body;
}

/** Checks a `/v1/completions` body. */
export function parseCompletionRequest(raw: unknown, vocabSize: number, limits: RequestLimits): CompletionRequest {
  const b = asBody(raw);
  if (b.prompt === undefined) throw bad("'prompt' is required", 'prompt');
  const lp = b.logprobs;
  if (lp !== undefined && lp !== null && typeof lp !== 'number') {
    throw bad(`'logprobs' must be an integer in [0, ${limits.maxLogprobs}] or null`, 'logprobs');
  }
  return {
    ...samplingOf(b, limits),
    prompts: promptsOf(b.prompt, vocabSize, limits),
    maxTokens: optInt(b, 'max_tokens', 16, 0, 1 << 20),
    logprobs: lp === undefined || lp === null ? null : optInt(b, 'logprobs', 0, 0, limits.maxLogprobs),
  };
}

/** Checks a `/v1/chat/completions` body. */
export function parseChatRequest(raw: unknown, limits: RequestLimits): ChatRequest {
  const b = asBody(raw);
  const m = b.messages;
  if (!Array.isArray(m) || m.length === 0) throw bad("'messages' must be a non-empty list", 'messages');
  const messages = m.map((x, i) => {
    const ok = typeof x === 'object' && x !== null && typeof x.role === 'string' && typeof x.content === 'string';
    if (!ok) throw bad(`messages[${i}] must be { role: string, content: string }`, 'messages');
    return { role: x.role as string, content: x.content as string };
  });
  const logprobs = optBool(b, 'logprobs', false);
  const top = optInt(b, 'top_logprobs', 0, 0, limits.maxLogprobs);
  if (top > 0 && !logprobs) throw bad("'top_logprobs' needs 'logprobs': true", 'top_logprobs');
  const maxTokens = b.max_completion_tokens !== undefined ? 'max_completion_tokens' : 'max_tokens';
  return {
    ...samplingOf(b, limits),
    echo: false,
    messages,
    maxTokens: optInt(b, maxTokens, 16, 0, 1 << 20),
    logprobs: logprobs ? top : null,
  };
}
