/**
 * `tract serve`: an OpenAI-compatible HTTP server over one of our TF.js models (node:http, no framework).
 *
 * Endpoints: `GET /v1/models`, `POST /v1/completions`, `POST /v1/chat/completions` (see serve/protocol for the
 * fields), `GET /health`. Concurrent requests are batched by the {@link CompletionEngine}. A malformed request gets
 * HTTP 400 with `{ error: { message, type, param, code } }`; a body over the size limit 413; more requests in flight
 * than the concurrency limit 429; a prompt that does not fit the context 400; anything unexpected 500. No request
 * can stop the server.
 *
 * Token strings in logprobs are the text each token adds (decoded in a short window of the tokens before it, so a
 * SentencePiece word start shows its space), or `token_id:<id>` with vLLM's `return_tokens_as_token_ids`.
 *
 * @module serve/server
 */
import { randomInt } from 'node:crypto';
import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { applyChatTemplate, type ChatTemplate } from '../data/chatTemplates';
import type { LlamaModel } from '../model/llama';
import type { Tokenizer } from '../tokenizer/tokenizer';
import { CompletionEngine, type PositionLogprobs, type SequenceResult } from './engine';
import {
  ApiError,
  type ChatRequest,
  type CompletionRequest,
  parseChatRequest,
  parseCompletionRequest,
  type RequestLimits,
  type SamplingRequest,
} from './protocol';

/** Options of {@link startServer}. */
export interface ServeOptions {
  model: LlamaModel;
  tokenizer: Tokenizer;
  /** The name `/v1/models` lists and requests may give as `model`. */
  modelName: string;
  /** Chat template of `/v1/chat/completions` (`none`: the messages' contents joined by newlines). */
  chatTemplate?: ChatTemplate;
  host?: string;
  /** 0 picks a free port. */
  port?: number;
  /** Largest request body in bytes (default 1 MiB). */
  maxBodyBytes?: number;
  /** Most requests in flight at once (default 64); more are answered 429. */
  maxConcurrent?: number;
  /** Most sequences per batched forward (default 16). */
  maxBatch?: number;
  limits?: Partial<RequestLimits>;
  log?: (line: string) => void;
}

/** A running server. */
export interface RunningServer {
  /** `http://host:port/v1`. */
  baseUrl: string;
  port: number;
  engine: CompletionEngine;
  /** Requests answered, by HTTP status. */
  statusCounts: Map<number, number>;
  close(): Promise<void>;
}

const DEFAULT_LIMITS: RequestLimits = { maxN: 16, maxPrompts: 32, maxLogprobs: 20 };

/** The defaults of {@link ServeOptions}. */
export const SERVE_DEFAULTS = {
  host: '127.0.0.1',
  port: 8000,
  maxBodyBytes: 1 << 20,
  maxConcurrent: 64,
  maxBatch: 16,
} as const;

/** The text token `ids[i]` adds after the tokens before it. */
export function tokenPiece(tokenizer: Tokenizer, ids: readonly number[], i: number, showSpecial = true): string {
  const lo = Math.max(0, i - 4);
  const piece = tokenizer.decode(ids.slice(lo, i + 1)).slice(tokenizer.decode(ids.slice(lo, i)).length);
  const special = ids[i] === tokenizer.bos || ids[i] === tokenizer.eos;
  if (piece === '' && special && showSpecial) return tokenizer.idToToken(ids[i]);
  return piece;
}

/** Starts the server; resolves once it listens. */
export async function startServer(opts: ServeOptions): Promise<RunningServer> {
  const engine = new CompletionEngine(opts.model, opts.tokenizer, opts.maxBatch ?? SERVE_DEFAULTS.maxBatch);
  const limits = { ...DEFAULT_LIMITS, ...opts.limits };
  const maxBody = opts.maxBodyBytes ?? SERVE_DEFAULTS.maxBodyBytes;
  const maxConcurrent = opts.maxConcurrent ?? SERVE_DEFAULTS.maxConcurrent;
  const statusCounts = new Map<number, number>();
  let inFlight = 0;
  const ctx = { opts, engine, limits };
  const server: Server = createServer((req, res) => {
    const send = (status: number, body: unknown) => {
      statusCounts.set(status, (statusCounts.get(status) ?? 0) + 1);
      if (res.headersSent || res.destroyed) return;
      const text = JSON.stringify(body);
      res.writeHead(status, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(text) });
      res.end(text);
    };
    if (inFlight >= maxConcurrent) {
      req.resume();
      const e = new ApiError(429, `server busy: ${inFlight} requests in flight (limit ${maxConcurrent}); retry later`);
      send(429, e.body());
      return;
    }
    inFlight++;
    handle(ctx, req, maxBody)
      .then((body) => send(200, body))
      .catch((err: unknown) => {
        const e = err instanceof ApiError ? err : new ApiError(500, `internal error: ${(err as Error).message}`);
        if (e.status >= 500) opts.log?.(`[serve] ${req.method} ${req.url}: ${e.message}`);
        send(e.status, e.body());
      })
      .finally(() => {
        inFlight--;
      });
  });
  server.on('clientError', (_err, socket) => {
    if (socket.writable) socket.end('HTTP/1.1 400 Bad Request\r\n\r\n');
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(opts.port ?? SERVE_DEFAULTS.port, opts.host ?? SERVE_DEFAULTS.host, () => resolve());
  });
  const port = (server.address() as AddressInfo).port;
  const host = opts.host ?? SERVE_DEFAULTS.host;
  return {
    baseUrl: `http://${host.includes(':') ? `[${host}]` : host}:${port}/v1`,
    port,
    engine,
    statusCounts,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

interface Ctx {
  opts: ServeOptions;
  engine: CompletionEngine;
  limits: RequestLimits;
}

/** Reads a JSON body of at most `max` bytes. */
async function readJsonBody(req: IncomingMessage, max: number): Promise<unknown> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req) {
    size += (chunk as Buffer).length;
    if (size > max) {
      req.resume();
      throw new ApiError(413, `request body over ${max} bytes`, null, 'request_too_large');
    }
    chunks.push(chunk as Buffer);
  }
  try {
    return JSON.parse(Buffer.concat(chunks).toString('utf8'));
  } catch (err) {
    throw new ApiError(400, `the body is not valid JSON: ${(err as Error).message}`);
  }
}

async function handle(ctx: Ctx, req: IncomingMessage, maxBody: number): Promise<unknown> {
  const path = (req.url ?? '/').split('?')[0].replace(/\/+$/, '');
  if (req.method === 'GET' && path === '/health') return { status: 'ok' };
  if (req.method === 'GET' && path === '/v1/models') {
    const created = 0;
    return {
      object: 'list',
      data: [{ id: ctx.opts.modelName, object: 'model', created, owned_by: 'tract', max_model_len: maxLen(ctx) }],
    };
  }
  if (path === '/v1/completions' || path === '/v1/chat/completions') {
    if (req.method !== 'POST') throw new ApiError(405, `${path} takes POST`);
    const body = await readJsonBody(req, maxBody);
    if (path === '/v1/completions') {
      return completions(ctx, parseCompletionRequest(body, ctx.opts.tokenizer.vocabSize, ctx.limits));
    }
    return chat(ctx, parseChatRequest(body, ctx.limits));
  }
  throw new ApiError(404, `no route ${req.method} ${path}`, null, 'not_found');
}

function maxLen(ctx: Ctx): number {
  return ctx.opts.model.config.maxSeqLen;
}

function checkModel(ctx: Ctx, r: SamplingRequest): void {
  if (r.model !== null && r.model !== ctx.opts.modelName) {
    throw new ApiError(
      404,
      `The model '${r.model}' does not exist (serving '${ctx.opts.modelName}')`,
      'model',
      'model_not_found',
    );
  }
}

/** Prompt ids: token lists as given, text encoded with BOS. */
function encode(ctx: Ctx, p: string | number[]): number[] {
  if (typeof p !== 'string') return p;
  const t = ctx.opts.tokenizer;
  const ids = t.encode(p, { bos: t.bos !== null });
  if (ids.length === 0) throw new ApiError(400, 'a prompt is empty', 'prompt');
  return ids;
}

/** Completes every prompt n times; choice order is prompt-major, as OpenAI's. */
async function run(ctx: Ctx, r: SamplingRequest, prompts: number[][]): Promise<SequenceResult[][]> {
  checkModel(ctx, r);
  const limit = maxLen(ctx);
  for (const ids of prompts) {
    if (ids.length + r.maxTokens > limit) {
      throw new ApiError(
        400,
        `This model's maximum context length is ${limit} tokens. However, you requested ` +
          `${ids.length + r.maxTokens} tokens (${ids.length} in the prompt, ${r.maxTokens} for the completion).`,
        'max_tokens',
        'context_length_exceeded',
      );
    }
  }
  const base = r.seed ?? randomInt(2 ** 31);
  const jobs = prompts.flatMap((ids, i) =>
    Array.from({ length: r.n }, (_, j) => ({ promptIds: ids, seed: i === 0 && j === 0 ? base : `${base}/${i}/${j}` })),
  );
  const settings = {
    maxTokens: r.maxTokens,
    temperature: r.temperature,
    topP: r.topP,
    repetitionPenalty: r.repetitionPenalty,
    stop: r.stop,
    logprobs: r.logprobs,
    echo: r.echo,
  };
  const results = await ctx.engine.complete(jobs, settings);
  return prompts.map((_, i) => results.slice(i * r.n, (i + 1) * r.n));
}

function usage(results: SequenceResult[][]): {
  prompt_tokens: number;
  completion_tokens: number;
  total_tokens: number;
} {
  const prompt = results.reduce((s, rs) => s + rs[0].promptIds.length, 0);
  const completion = results.flat().reduce((s, r) => s + r.completionIds.length, 0);
  return { prompt_tokens: prompt, completion_tokens: completion, total_tokens: prompt + completion };
}

function tokenName(ctx: Ctx, r: SamplingRequest, all: readonly number[], i: number, id = all[i]): string {
  if (r.tokensAsIds) return `token_id:${id}`;
  if (id === all[i]) return tokenPiece(ctx.opts.tokenizer, all, i);
  const alt = [...all.slice(Math.max(0, i - 4), i), id];
  return tokenPiece(ctx.opts.tokenizer, alt, alt.length - 1);
}

/** Completions-style logprobs: tokens, token_logprobs, top_logprobs, text_offset. */
function completionLogprobs(ctx: Ctx, r: SamplingRequest, res: SequenceResult, lp: PositionLogprobs) {
  const all = [...res.promptIds, ...res.completionIds];
  const from = all.length - lp.ids.length;
  const tokens: string[] = [];
  const top: (Record<string, number> | null)[] = [];
  const offsets: number[] = [];
  let offset = 0;
  lp.ids.forEach((_, j) => {
    const i = from + j;
    const piece = tokenPiece(ctx.opts.tokenizer, all, i, false);
    tokens.push(tokenName(ctx, r, all, i));
    offsets.push(offset);
    offset += piece.length;
    top.push(i === 0 ? null : Object.fromEntries(lp.top[j].map((t) => [tokenName(ctx, r, all, i, t.id), t.logprob])));
  });
  return { tokens, token_logprobs: lp.logprobs, top_logprobs: top, text_offset: offsets };
}

/** The body of an OpenAI response: a fresh id (`<prefix>-…`), its object type, the choices and the token usage. */
function envelope(ctx: Ctx, prefix: string, object: string, choices: unknown[], results: SequenceResult[][]) {
  return {
    id: `${prefix}-${randomInt(2 ** 47).toString(36)}`,
    object,
    created: Math.floor(Date.now() / 1000),
    model: ctx.opts.modelName,
    choices,
    usage: usage(results),
  };
}

async function completions(ctx: Ctx, r: CompletionRequest): Promise<unknown> {
  const prompts = r.prompts.map((p) => encode(ctx, p));
  const results = await run(ctx, r, prompts);
  const t = ctx.opts.tokenizer;
  const choices = results.flat().map((res, index) => ({
    index,
    text: r.echo ? t.decode(res.promptIds) + res.text : res.text,
    logprobs: res.logprobs ? completionLogprobs(ctx, r, res, res.logprobs) : null,
    finish_reason: res.finishReason,
  }));
  return envelope(ctx, 'cmpl', 'text_completion', choices, results);
}

/** The prompt text of a chat: the template over the conversation's text (`none`: contents joined). */
function chatPrompt(ctx: Ctx, r: ChatRequest): string {
  const text = r.messages.map((m) => m.content).join('\n');
  const template = ctx.opts.chatTemplate ?? 'none';
  return template === 'none' ? text : applyChatTemplate(template, text).prompt;
}

async function chat(ctx: Ctx, r: ChatRequest): Promise<unknown> {
  const results = await run(ctx, r, [encode(ctx, chatPrompt(ctx, r))]);
  const bytes = (s: string) => [...Buffer.from(s, 'utf8')];
  const choices = results[0].map((res, index) => {
    const all = [...res.promptIds, ...res.completionIds];
    const from = res.promptIds.length;
    const content = res.logprobs?.ids.map((_, j) => {
      const token = tokenName(ctx, r, all, from + j);
      return {
        token,
        logprob: res.logprobs?.logprobs[j] as number,
        bytes: bytes(token),
        top_logprobs: (res.logprobs?.top[j] ?? []).map((a) => {
          const name = tokenName(ctx, r, all, from + j, a.id);
          return { token: name, logprob: a.logprob, bytes: bytes(name) };
        }),
      };
    });
    return {
      index,
      message: { role: 'assistant', content: res.text },
      logprobs: content ? { content } : null,
      finish_reason: res.finishReason,
    };
  });
  return envelope(ctx, 'chatcmpl', 'chat.completion', choices, results);
}
