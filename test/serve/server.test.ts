import { strict as assert } from 'node:assert';
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { join } from 'node:path';
import { initBackend } from '../../src/engine/backend';
import { loadModel } from '../../src/model/checkpoint';
import { topK } from '../../src/serve/engine';
import { loadTest, quantile } from '../../src/serve/loadTest';
import { type RunningServer, startServer } from '../../src/serve/server';

const MODEL = join(__dirname, '..', '..', 'models', 'stories260K');

// biome-ignore lint/suspicious/noExplicitAny: answers are JSON, checked field by field below
type Json = Record<string, any>;

/** POSTs JSON (or a raw string) and returns the status and parsed body. */
async function post(url: string, body: unknown): Promise<{ status: number; json: Json }> {
  const res = await fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: typeof body === 'string' ? body : JSON.stringify(body),
  });
  return { status: res.status, json: (await res.json()) as Json };
}

describe('serve/server', () => {
  let server: RunningServer;
  let loaded: ReturnType<typeof loadModel>;

  before(async () => {
    await initBackend();
    loaded = loadModel(MODEL);
    server = await startServer({
      model: loaded.model,
      tokenizer: loaded.tokenizer,
      modelName: 'stories260K',
      port: 0,
      maxBodyBytes: 64 * 1024,
    });
  });

  after(async () => {
    await server.close();
    loaded.model.dispose();
  });

  it('answers a curl request with OpenAI-schema JSON and logprobs (completions, chat, models)', async () => {
    const body = JSON.stringify({
      model: 'stories260K',
      prompt: 'Once upon a time',
      max_tokens: 4,
      logprobs: 2,
      seed: 7,
    });
    // curl in a child process (asynchronously: the server answers from this process's event loop)
    const curl = ['-s', '-H', 'content-type: application/json', '-d', body, `${server.baseUrl}/completions`];
    const res = JSON.parse((await promisify(execFile)('curl', curl)).stdout);
    assert.equal(res.object, 'text_completion');
    assert.equal(res.model, 'stories260K');
    assert.match(res.id, /^cmpl-/);
    assert.equal(typeof res.created, 'number');
    const [choice] = res.choices;
    assert.equal(choice.index, 0);
    assert.equal(typeof choice.text, 'string');
    assert.ok(['stop', 'length'].includes(choice.finish_reason));
    const lp = choice.logprobs;
    assert.equal(lp.tokens.length, res.usage.completion_tokens);
    assert.equal(lp.token_logprobs.length, lp.tokens.length);
    assert.equal(lp.tokens.join(''), choice.text, 'token strings add up to the text');
    lp.top_logprobs.forEach((top: Record<string, number>, i: number) => {
      assert.equal(Object.keys(top).length, 2);
      assert.ok(Math.max(...Object.values(top)) >= lp.token_logprobs[i] - 1e-6);
    });
    assert.deepEqual(Object.keys(res.usage).sort(), ['completion_tokens', 'prompt_tokens', 'total_tokens']);
    // same seed, same completion; echo puts the prompt first with a null first logprob
    const again = await post(`${server.baseUrl}/completions`, { ...JSON.parse(body), echo: true, n: 2 });
    assert.equal(again.json.choices.length, 2);
    assert.equal(again.json.choices[0].text, `Once upon a time${choice.text}`);
    assert.equal(again.json.choices[0].logprobs.token_logprobs[0], null);
    const chat = await post(`${server.baseUrl}/chat/completions`, {
      messages: [{ role: 'user', content: 'Lily' }],
      max_tokens: 3,
      logprobs: true,
      top_logprobs: 2,
    });
    assert.equal(chat.status, 200);
    assert.equal(chat.json.object, 'chat.completion');
    assert.equal(chat.json.choices[0].message.role, 'assistant');
    const content = chat.json.choices[0].logprobs.content;
    assert.equal(content.length, chat.json.usage.completion_tokens);
    assert.deepEqual(Object.keys(content[0]).sort(), ['bytes', 'logprob', 'token', 'top_logprobs']);
    const models = (await (await fetch(`${server.baseUrl}/models`)).json()) as { data: { id: string }[] };
    assert.equal(models.data[0].id, 'stories260K');
  });

  it('answers bad requests with HTTP 400 (413, 404, 429) and an OpenAI error body, and keeps serving', async () => {
    const url = `${server.baseUrl}/completions`;
    const cases: [unknown, number, RegExp][] = [
      ['{not json', 400, /not valid JSON/],
      [[1, 2], 400, /JSON object/],
      [{ max_tokens: 2 }, 400, /'prompt' is required/],
      [{ prompt: 'a', temperature: 'hot' }, 400, /'temperature' must be a number/],
      [{ prompt: 'a', n: 0 }, 400, /'n' must be an integer/],
      [{ prompt: [1, 99999] }, 400, /token id 99999 is not in the vocabulary/],
      [{ prompt: 'a', max_tokens: 600 }, 400, /maximum context length is 512 tokens/],
      [{ prompt: 'a', stream: true }, 400, /'stream' is not supported/],
      [{ prompt: 'a', logprobs: 50 }, 400, /'logprobs' must be an integer in \[0, 20\]/],
      [{ prompt: 'a', stop: [''] }, 400, /'stop'/],
      [{ prompt: 'a', model: 'gpt-4' }, 404, /does not exist/],
      [{ prompt: 'x'.repeat(70 * 1024) }, 413, /over 65536 bytes/],
    ];
    for (const [body, status, message] of cases) {
      const r = await post(url, body);
      assert.equal(r.status, status, JSON.stringify(r.json));
      assert.match(r.json.error.message, message);
      assert.ok('type' in r.json.error && 'param' in r.json.error && 'code' in r.json.error);
    }
    const chat = await post(`${server.baseUrl}/chat/completions`, { messages: [{ role: 'user' }] });
    assert.equal(chat.status, 400);
    assert.equal((await fetch(`${server.baseUrl}/nothing`)).status, 404);
    const ok = await post(url, { prompt: 'Once', max_tokens: 2 });
    assert.equal(ok.status, 200, 'still serving');
    // a concurrency limit: more requests in flight than allowed get 429 with a clear message
    const small = await startServer({
      model: loaded.model,
      tokenizer: loaded.tokenizer,
      modelName: 'm',
      port: 0,
      maxConcurrent: 2,
    });
    try {
      const rs = await Promise.all(
        Array.from({ length: 8 }, () => post(`${small.baseUrl}/completions`, { prompt: 'Once', max_tokens: 8 })),
      );
      const busy = rs.filter((r) => r.status === 429);
      assert.ok(busy.length > 0 && busy.length < 8, rs.map((r) => r.status).join(','));
      assert.match(busy[0].json.error.message, /server busy: .* \(limit 2\)/);
    } finally {
      await small.close();
    }
  });

  it('batches 32 concurrent clients x 20 requests and drops none (p50/p99 latency reported)', async function () {
    // short completions keep this bounded; bench/serve.bench.ts runs longer ones (docs/performance.md)
    this.timeout(90000);
    const before = { ...server.engine.stats };
    const report = await loadTest({
      baseUrl: server.baseUrl,
      clients: 32,
      requestsPerClient: 20,
      body: (c, k) => ({ prompt: 'Once upon a time', max_tokens: 1, seed: c * 100 + k }),
    });
    console.log(
      `      load test: ${report.sent} requests, ${report.dropped} dropped, p50 ${report.p50Ms.toFixed(0)} ms, ` +
        `p99 ${report.p99Ms.toFixed(0)} ms, ${report.requestsPerSecond.toFixed(0)} req/s`,
    );
    assert.equal(report.sent, 640);
    assert.equal(report.dropped, 0, report.failures.join('; '));
    const batches = server.engine.stats.batches - before.batches;
    assert.ok(batches < 640 / 2, `concurrent requests share forwards (${batches} batches for 640 requests)`);
  });

  it('top-k keeps the largest entries in order; quantiles by nearest rank', () => {
    assert.deepEqual(
      topK(new Float32Array([0.1, 0.5, -1, 0.5, 0.3]), 3).map((t) => t.id),
      [1, 3, 4],
    );
    assert.equal(quantile([1, 2, 3, 4], 0.5), 2);
    assert.equal(quantile([1, 2, 3, 4], 0.99), 4);
  });
});
