/**
 * A judge on an OpenAI-compatible server (vLLM, TGI, llama.cpp's server, `tract serve`) through `/v1/completions`.
 *
 * Per example and CoT, as the local judge (tract/evaluate.ts) does, with the same seeds: the seed string of a draw
 * (`<seed>/eval/<split>/<cot>/<id>`) is sent as its 32-bit key (`new Rng(seed).key`), which seeds the same stream
 * in `tract serve`, so a served model reproduces a local run.
 *
 * 1. **CoT**: `n` 1, `temperature`, `top_p`, `seed`, `stop: ["So the overall"]`, `max_tokens`, and vLLM's
 *    `repetition_penalty` (off with `repetitionPenalty: false` for servers that refuse it).
 * 2. **CoT-RAIL** after prompt + CoT + " So the overall score is ":
 *    - *exact*: K prompts, each ending in one score token, with `echo`, `logprobs` and `max_tokens` 0; p(k) is the
 *      logprob of the last prompt token (or of vLLM's `prompt_logprobs`, when the server sends them).
 *    - *top-k*: `max_tokens` 1 with `logprobs` up to 20; a score token missing from the top k counts as 0, so its
 *      mass lands in "mass outside", as local runs count it.
 * 3. **Standard decoding**: one token sampled with the CoT's temperature, top-p and penalty.
 *
 * With a tokenizer (token mode) prompts go as token ids, exactly as the local judge builds them, and CoT tokens come
 * back as ids (vLLM's `return_tokens_as_token_ids`); without one (text mode) prompts go as text and score tokens are
 * recognised by their strings ("1".."K").
 *
 * Operations: at most `concurrency` requests in flight; retries with exponential backoff (or `Retry-After`) on 429,
 * 5xx, timeouts and connection errors; a timeout per request. The API key goes only into the Authorization header,
 * and is blanked out of any error text.
 *
 * @module tract/remoteJudge
 */
import type { JudgeTokens } from '../data/judgeTokens';
import { Rng } from '../engine/rng';
import type { CotReadout } from '../results/formats';
import type { Tokenizer } from '../tokenizer/tokenizer';
import { type JudgeExample, predictionOf } from './evaluate';
import { type JudgeBackend, type JudgeOutcome, type JudgeRequest, judgeTokensFor } from './judge';

/** Options of {@link OpenAIClient}. */
export interface ClientOptions {
  /** `http://host:port/v1`. */
  baseUrl: string;
  apiKey?: string;
  /** Most requests in flight (default 8). */
  concurrency?: number;
  /** Retries after the first try (default 4). */
  retries?: number;
  /** Per-request timeout in ms (default 300 000). */
  timeoutMs?: number;
  /** First backoff in ms, doubled per retry, at most 30 s (default 500). */
  backoffMs?: number;
  log?: (line: string) => void;
  /** The fetch to use (default the global one). */
  fetchImpl?: typeof fetch;
}

/** An error answer of the server (or the last of several failed tries). */
export class RemoteError extends Error {
  readonly status: number | null;
  constructor(message: string, status: number | null) {
    super(message);
    this.status = status;
  }
}

/** A URL with any user:password part removed, for logs and run folders. */
export function redactUrl(url: string): string {
  try {
    const u = new URL(url);
    u.username = '';
    u.password = '';
    return u.toString().replace(/\/$/, '');
  } catch {
    return url;
  }
}

/** A small JSON client of an OpenAI-compatible API with a concurrency limit, retries and timeouts. */
export class OpenAIClient {
  private readonly o: Required<Omit<ClientOptions, 'apiKey' | 'log'>> & Pick<ClientOptions, 'apiKey' | 'log'>;
  private active = 0;
  private waiting: (() => void)[] = [];
  /** Requests sent (tries included) and retries made. */
  readonly counts = { requests: 0, retries: 0 };

  constructor(opts: ClientOptions) {
    this.o = {
      concurrency: 8,
      retries: 4,
      timeoutMs: 300000,
      backoffMs: 500,
      fetchImpl: (...a: Parameters<typeof fetch>) => fetch(...a),
      // options given as undefined keep their defaults
      ...Object.fromEntries(Object.entries(opts).filter(([, v]) => v !== undefined)),
      baseUrl: opts.baseUrl.replace(/\/+$/, ''),
    };
  }

  private async acquire(): Promise<void> {
    if (this.active < this.o.concurrency) {
      this.active++;
      return;
    }
    await new Promise<void>((resolve) => this.waiting.push(resolve));
  }

  private release(): void {
    const next = this.waiting.shift();
    if (next) next();
    else this.active--;
  }

  private clean(text: string): string {
    return this.o.apiKey ? text.split(this.o.apiKey).join('***') : text;
  }

  /** POSTs a JSON body to `path` (e.g. `/completions`) and returns the JSON answer. */
  async post(path: string, body: Record<string, unknown>): Promise<unknown> {
    const headers: Record<string, string> = { 'content-type': 'application/json' };
    if (this.o.apiKey) headers.authorization = `Bearer ${this.o.apiKey}`;
    let last = '';
    for (let attempt = 0; attempt <= this.o.retries; attempt++) {
      let wait = Math.min(30000, this.o.backoffMs * 2 ** attempt);
      await this.acquire();
      try {
        this.counts.requests++;
        const res = await this.o.fetchImpl(`${this.o.baseUrl}${path}`, {
          method: 'POST',
          headers,
          body: JSON.stringify(body),
          signal: AbortSignal.timeout(this.o.timeoutMs),
        });
        const text = await res.text();
        if (res.ok) return JSON.parse(text);
        const message = this.clean(errorMessage(text));
        if (res.status !== 429 && res.status < 500) throw new RemoteError(`HTTP ${res.status}: ${message}`, res.status);
        last = `HTTP ${res.status}: ${message}`;
        const after = Number(res.headers.get('retry-after'));
        if (after > 0) wait = Math.min(60000, after * 1000);
      } catch (err) {
        if (err instanceof RemoteError) throw err;
        last = this.clean((err as Error).name === 'TimeoutError' ? `timed out after ${this.o.timeoutMs} ms` : `${err}`);
      } finally {
        this.release();
      }
      if (attempt < this.o.retries) {
        this.counts.retries++;
        this.o.log?.(
          `[remote] ${path}: ${last}; retry ${attempt + 1}/${this.o.retries} in ${(wait / 1000).toFixed(1)} s`,
        );
        await new Promise((resolve) => setTimeout(resolve, wait));
      }
    }
    throw new RemoteError(`${path} failed after ${this.o.retries + 1} tries: ${last}`, null);
  }
}

function errorMessage(text: string): string {
  try {
    const j = JSON.parse(text) as { error?: { message?: string } | string; message?: string };
    if (typeof j.error === 'string') return j.error;
    return j.error?.message ?? j.message ?? text.slice(0, 300);
  } catch {
    return text.slice(0, 300);
  }
}

/** Options of {@link RemoteJudge}. */
export interface RemoteJudgeOptions extends ClientOptions {
  /** The served model's name (the request's `model`). */
  model: string;
  /** How p(1..K) is read (default `exact`). */
  readout?: 'exact' | 'top-k';
  /** Alternatives asked for in top-k mode (default 20, the most OpenAI allows). */
  topLogprobs?: number;
  /** Score scale K (default 5). */
  scale?: number;
  /** The served model's tokenizer: prompts go as token ids and CoT tokens come back as ids (token mode). */
  tokenizer?: Tokenizer;
  /** Send vLLM's `repetition_penalty` (default true). */
  repetitionPenalty?: boolean;
}

/** One completions choice, as far as the judge reads it. */
interface Choice {
  index: number;
  text: string;
  finish_reason: string | null;
  logprobs?: {
    tokens: string[];
    token_logprobs: (number | null)[];
    top_logprobs: (Record<string, number> | null)[] | null;
    text_offset?: number[];
  } | null;
  prompt_logprobs?: (Record<string, { logprob: number }> | null)[] | null;
}

type Prompt = string | number[];

/** A judge on an OpenAI-compatible server. */
export class RemoteJudge implements JudgeBackend {
  readonly kind = 'openai';
  readonly readout: 'exact' | 'top-k';
  readonly scale: number;
  readonly client: OpenAIClient;
  private readonly opts: RemoteJudgeOptions;
  private readonly jt: JudgeTokens | null;

  constructor(opts: RemoteJudgeOptions) {
    this.opts = opts;
    this.readout = opts.readout ?? 'exact';
    this.scale = opts.scale ?? 5;
    const k = opts.topLogprobs ?? 20;
    if (!(Number.isInteger(k) && k >= 1 && k <= 20))
      throw new Error(`topLogprobs must be an integer in 1..20, got ${k}`);
    this.jt = opts.tokenizer ? judgeTokensFor(opts.tokenizer, this.scale) : null;
    this.client = new OpenAIClient(opts);
  }

  describe(): Record<string, unknown> {
    return {
      backend: 'openai',
      url: redactUrl(this.opts.baseUrl),
      modelName: this.opts.model,
      readout: this.readout,
      ...(this.readout === 'top-k' ? { topLogprobs: this.opts.topLogprobs ?? 20 } : {}),
      scale: this.scale,
      prompts: this.jt ? 'token ids' : 'text',
      repetitionPenalty: this.opts.repetitionPenalty ?? true,
    };
  }

  async judgeExamples(req: JudgeRequest): Promise<JudgeOutcome[]> {
    const nCot = req.promptKind === 'cot' ? req.eval.nCot : 1;
    return Promise.all(
      req.examples.map(async (ex): Promise<JudgeOutcome> => {
        try {
          const rs = await Promise.all(Array.from({ length: nCot }, (_, c) => this.readoutOne(req, ex, c)));
          return { prediction: predictionOf(ex, req.split, rs), failure: null };
        } catch (err) {
          return { prediction: null, failure: `${ex.id}: ${(err as Error).message}` };
        }
      }),
    );
  }

  private body(extra: Record<string, unknown>): Record<string, unknown> {
    return { model: this.opts.model, ...extra };
  }

  /** One CoT's readout of one example (CoT, p(1..K), standard-decoding sample). */
  private async readoutOne(req: JudgeRequest, ex: JudgeExample, c: number): Promise<CotReadout> {
    const e = req.eval;
    const seedOf = (kind: string) => new Rng(`${e.seed}/${kind}/${req.split}/${c}/${ex.id}`).key;
    const jt = this.jt;
    const prompt: Prompt = jt
      ? (req.promptIds?.(ex) ?? jt.prompt(req.promptKind === 'cot' ? ex.prompt : (ex.promptScoreOnly ?? ex.prompt)))
      : (req.promptText?.(ex) ?? (req.promptKind === 'cot' ? ex.prompt : (ex.promptScoreOnly ?? ex.prompt)));
    const cot = req.promptKind === 'cot' ? await this.sampleCot(prompt, e, seedOf('eval')) : null;
    let prefix: Prompt;
    if (jt) {
      const ids = prompt as number[];
      prefix = cot ? [...ids, ...(cot.ids as number[]), ...jt.cotContext] : [...ids, ...jt.scoreOnlyContext];
    } else {
      prefix = cot ? `${prompt}${cot.text ? ` ${cot.text}` : ''} So the overall score is ` : `${prompt} `;
    }
    const probs = this.readout === 'exact' ? await this.exactProbs(prefix) : await this.topKProbs(prefix);
    const total = probs.reduce((s, p) => s + p, 0);
    return {
      cot: cot ? cot.text : null,
      probs,
      massOutside: 1 - total,
      rail: probs.reduce((s, p, k) => s + (k + 1) * p, 0),
      standard: await this.sampleScore(prefix, e, seedOf('standard')),
    };
  }

  private sampling(e: JudgeRequest['eval']): Record<string, unknown> {
    const s: Record<string, unknown> = { temperature: e.temperature, top_p: e.topP };
    if (this.opts.repetitionPenalty ?? true) s.repetition_penalty = e.repetitionPenalty;
    return s;
  }

  private async completions(body: Record<string, unknown>): Promise<Choice[]> {
    const res = (await this.client.post('/completions', this.body(body))) as { choices?: Choice[] };
    if (!Array.isArray(res.choices)) throw new Error('the answer has no choices');
    return [...res.choices].sort((a, b) => a.index - b.index);
  }

  /** Samples a CoT and cuts it before "So the overall", as tract/selfCot's sampleCots does. */
  private async sampleCot(
    prompt: Prompt,
    e: JudgeRequest['eval'],
    seed: number,
  ): Promise<{ ids?: number[]; text: string }> {
    const jt = this.jt;
    const [ch] = await this.completions({
      prompt,
      max_tokens: e.maxNewTokens,
      n: 1,
      seed,
      stop: ['So the overall'],
      ...this.sampling(e),
      ...(jt ? { logprobs: 0, return_tokens_as_token_ids: true } : {}),
    });
    if (!jt) return { text: ch.text.split('So the overall')[0].trim() };
    const ids = tokenIds(ch.logprobs?.tokens ?? []);
    if (ids === null) {
      const kept = jt.cot(ch.text); // the server did not send ids: re-encode its text
      return { ids: kept, text: jt.tokenizer.decode(kept) };
    }
    let { ids: kept, cut } = jt.cutGenerated(ids);
    if (!cut && ch.finish_reason === 'stop') kept = jt.cot(ch.text);
    return { ids: kept, text: jt.tokenizer.decode(kept) };
  }

  /** Exact p(1..K): the prompt logprob of each score token appended to the prefix. */
  private async exactProbs(prefix: Prompt): Promise<number[]> {
    const jt = this.jt;
    const digits = Array.from({ length: this.scale }, (_, k) => String(k + 1));
    const prompts: Prompt[] = digits.map((d, k) =>
      jt ? [...(prefix as number[]), jt.scoreIds[k]] : `${prefix as string}${d}`,
    );
    // max_tokens 0 with echo: prompt logprobs only (vLLM's echo without generation), so a prefix that fills the
    // context still fits
    const choices = await this.completions({ prompt: prompts, max_tokens: 0, temperature: 0, echo: true, logprobs: 1 });
    if (choices.length !== prompts.length) throw new Error(`${choices.length} choices for ${prompts.length} prompts`);
    return choices.map((ch, k) => {
      const p = prompts[k];
      const vllm = ch.prompt_logprobs?.[ch.prompt_logprobs.length - 1];
      if (jt && vllm) {
        const entry = vllm[String(jt.scoreIds[k])];
        if (entry) return Math.exp(entry.logprob);
      }
      const lp = ch.logprobs;
      if (!lp) throw new Error('the server sent no logprobs for an echoed prompt (exact mode needs echo + logprobs)');
      let at: number;
      if (typeof p !== 'string') at = p.length - 1;
      else {
        const offsets = lp.text_offset ?? [];
        at = offsets.filter((o) => o < p.length).length - 1;
        if (lp.tokens[at] !== digits[k]) {
          throw new Error(`score '${digits[k]}' is not one token at the end of the prompt on this server`);
        }
      }
      const x = lp.token_logprobs[at];
      if (typeof x !== 'number') throw new Error(`no prompt logprob at position ${at}`);
      return Math.exp(x);
    });
  }

  /** Top-k p(1..K): the score tokens among the top alternatives of the first generated position (else 0). */
  private async topKProbs(prefix: Prompt): Promise<number[]> {
    const jt = this.jt;
    const k = Math.min(20, this.opts.topLogprobs ?? 20);
    const [ch] = await this.completions({
      prompt: prefix,
      max_tokens: 1,
      temperature: 0,
      logprobs: k,
      ...(jt ? { return_tokens_as_token_ids: true } : {}),
    });
    const top = ch.logprobs?.top_logprobs?.[0];
    if (!top) throw new Error('the server sent no top logprobs (top-k mode needs logprobs)');
    const names = Array.from({ length: this.scale }, (_, s) => (jt ? `token_id:${jt.scoreIds[s]}` : String(s + 1)));
    return names.map((name) => (typeof top[name] === 'number' ? Math.exp(top[name]) : 0));
  }

  /** Standard decoding: one sampled token, a score when it is a score token. */
  private async sampleScore(prefix: Prompt, e: JudgeRequest['eval'], seed: number): Promise<number | null> {
    const jt = this.jt;
    const [ch] = await this.completions({
      prompt: prefix,
      max_tokens: 1,
      seed,
      ...this.sampling(e),
      ...(jt ? { logprobs: 0, return_tokens_as_token_ids: true } : {}),
    });
    const ids = jt ? tokenIds(ch.logprobs?.tokens ?? []) : null;
    if (jt && ids && ids.length > 0) {
      const k = jt.scoreIds.indexOf(ids[0]);
      return k >= 0 ? k + 1 : null;
    }
    const t = ch.text.trim();
    const k = /^\d+$/.test(t) ? Number(t) : NaN;
    return k >= 1 && k <= this.scale ? k : null;
  }
}

/** Token ids from `token_id:<id>` strings, or null when any is not in that form. */
function tokenIds(tokens: readonly string[]): number[] | null {
  const ids = tokens.map((t) => /^token_id:(\d+)$/.exec(t)?.[1]);
  return ids.every((x) => x !== undefined) ? ids.map(Number) : null;
}
