import { strict as assert } from 'node:assert';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { initBackend } from '../../src/engine/backend';
import { loadModel } from '../../src/model/checkpoint';
import { type RunningServer, startServer } from '../../src/serve/server';
import { BENCHMARK_EVAL_DEFAULTS, evaluateBenchmark } from '../../src/tract/benchmarkEval';
import { judge, judgeTokensFor, LocalJudge } from '../../src/tract/judge';
import { OpenAIClient, RemoteJudge } from '../../src/tract/remoteJudge';

const ROOT = join(__dirname, '..', '..');
const MODEL = join(ROOT, 'models', 'stories260K');

describe('tract/remoteJudge', () => {
  let server: RunningServer;
  let loaded: ReturnType<typeof loadModel>;
  const results = mkdtempSync(join(tmpdir(), 'tract-remote-'));

  before(async () => {
    await initBackend();
    loaded = loadModel(MODEL);
    server = await startServer({ model: loaded.model, tokenizer: loaded.tokenizer, modelName: 'stories260K', port: 0 });
  });

  after(async () => {
    await server.close();
    loaded.model.dispose();
    rmSync(results, { recursive: true, force: true });
  });

  it('tract eval --judge openai: against tract serve gives the local RAIL within 1e-4 (exact mode)', async function () {
    this.timeout(60000);
    const opts = {
      ...BENCHMARK_EVAL_DEFAULTS,
      model: MODEL,
      benchmark: 'vicuna',
      limit: 3,
      maxNewTokens: 8,
      batchSize: 2,
      bootstrapSamples: 20,
      resultsDir: results,
      backend: null,
      log: () => {},
    };
    const local = await evaluateBenchmark(opts);
    const judgeBackend = new RemoteJudge({
      baseUrl: server.baseUrl,
      model: 'stories260K',
      tokenizer: loaded.tokenizer,
    });
    const remote = await evaluateBenchmark({ ...opts, judge: judgeBackend });
    assert.notEqual(remote.runId, local.runId, 'the judge URL and model name are part of the run id');
    assert.match(remote.runId, /^eval-vicuna-openai-/);
    assert.equal(remote.predictions.length, 3);
    remote.predictions.forEach((p, i) => {
      const l = local.predictions[i];
      assert.equal(p.readouts[0].cot, l.readouts[0].cot, `record ${p.id}: the same CoT from the same seed`);
      assert.ok(Math.abs(p.rail - l.rail) < 1e-4, `record ${p.id}: RAIL ${p.rail} remote vs ${l.rail} local`);
      p.readouts[0].probs.forEach((x, k) => {
        assert.ok(Math.abs(x - l.readouts[0].probs[k]) < 1e-5, `p(${k + 1})`);
      });
      assert.equal(p.standard, l.standard, 'standard decoding samples the same token');
    });
    const config = JSON.parse(readFileSync(join(remote.dir, 'config.resolved.json'), 'utf8'));
    assert.equal(config.judge.readout, 'exact', 'the readout mode is recorded in the run folder');
    assert.equal(config.judge.url, server.baseUrl);
    assert.equal(config.judge.modelName, 'stories260K');
    assert.equal(remote.metrics.model, `openai:${server.baseUrl} stories260K`);
    // rerun: read back from the run folder, nothing sent
    const before = judgeBackend.client.counts.requests;
    const again = await evaluateBenchmark({ ...opts, judge: judgeBackend });
    assert.ok(again.reused);
    assert.equal(judgeBackend.client.counts.requests, before);
  });

  it('top-k mode counts score tokens outside the top k as mass outside; text mode; judge() API', async function () {
    this.timeout(30000);
    const items = [
      { id: 'a', prompt: 'Lily had a red ball. Was the story good? Score 1 to 5.' },
      { id: 'b', prompt: 'Tom ran home. Rate it.' },
    ];
    const call = { decoding: 'cot-rail' as const, nCot: 2, sampling: { maxNewTokens: 6 } };
    const local = await judge(items, { ...call, backend: new LocalJudge(loaded.model, loaded.tokenizer) });
    const base = { baseUrl: server.baseUrl, model: 'stories260K', tokenizer: loaded.tokenizer };
    const exact = await judge(items, { ...call, backend: new RemoteJudge(base) });
    const topk = await judge(items, {
      ...call,
      backend: new RemoteJudge({ ...base, readout: 'top-k', topLogprobs: 3 }),
    });
    local.forEach((l, i) => {
      assert.equal(l.failure, null);
      assert.equal(exact[i].failure, null);
      assert.deepEqual(exact[i].cots, l.cots);
      assert.equal(l.cots.length, 2);
      assert.ok(Math.abs((exact[i].score as number) - (l.score as number)) < 1e-4);
      topk[i].readouts.forEach((t, c) => {
        const lr = l.readouts[c];
        t.probs.forEach((p, k) => {
          assert.ok(p === 0 || Math.abs(p - lr.probs[k]) < 1e-5, `top-k p(${k + 1}) is exact or 0`);
        });
        assert.ok(t.probs.filter((p) => p > 0).length <= 3);
        assert.ok(t.massOutside >= lr.massOutside - 1e-6);
      });
    });
    // text mode (no tokenizer): prompts as text, score tokens found by their strings
    const text = await judge(items, {
      ...call,
      backend: new RemoteJudge({ baseUrl: server.baseUrl, model: 'stories260K' }),
    });
    for (const r of text) {
      assert.equal(r.failure, null, String(r.failure));
      // RAIL over the full vocabulary (no renormalisation): between 0 and 5
      assert.ok((r.score as number) > 0 && (r.score as number) <= 5);
      assert.ok(r.probs.every((p) => p > 0) && (r.massOutside as number) < 1);
    }
    // a 1..3 scale; "10" is two tokens in stories260K's vocabulary, so a 1..10 scale fails loudly
    const three = await judge(items, { ...call, nCot: 1, backend: new RemoteJudge({ ...base, scale: 3 }) });
    assert.equal(three[0].probs.length, 3);
    assert.throws(() => judgeTokensFor(loaded.tokenizer, 10), /'10' encodes to 2 tokens/);
    // an unknown model name: every item fails with the server's reason, nothing throws
    const wrong = await judge(items, { ...call, nCot: 1, backend: new RemoteJudge({ ...base, model: 'nope' }) });
    assert.match(String(wrong[0].failure), /HTTP 404: The model 'nope' does not exist/);
  });

  it('retries 429/5xx and connection errors with backoff, not 4xx, and keeps the API key out of errors', async () => {
    const answers = [503, 429, 200];
    const seen: string[] = [];
    const fake = (async (_url: string, init: RequestInit) => {
      seen.push(String((init.headers as Record<string, string>).authorization));
      const status = answers.shift() ?? 200;
      if (status === 200) return new Response(JSON.stringify({ choices: [] }), { status });
      return new Response(JSON.stringify({ error: { message: 'busy sk-secret' } }), { status });
    }) as unknown as typeof fetch;
    const logs: string[] = [];
    const client = new OpenAIClient({
      baseUrl: 'http://x/v1',
      apiKey: 'sk-secret',
      backoffMs: 1,
      fetchImpl: fake,
      log: (l) => logs.push(l),
    });
    assert.deepEqual(await client.post('/completions', {}), { choices: [] });
    assert.equal(client.counts.retries, 2);
    assert.ok(seen.every((h) => h === 'Bearer sk-secret'));
    assert.ok(logs.length === 2 && logs.every((l) => !l.includes('sk-secret') && l.includes('***')), logs.join('\n'));
    const refused = new OpenAIClient({
      baseUrl: 'http://x/v1',
      apiKey: 'sk-secret',
      fetchImpl: (async () => new Response('{"error":{"message":"bad sk-secret"}}', { status: 400 })) as never,
    });
    await assert.rejects(refused.post('/completions', {}), (e: Error) => /HTTP 400: bad \*\*\*/.test(e.message));
    assert.equal(refused.counts.requests, 1, '4xx is not retried');
    // options given as undefined (as the CLI passes unset flags) keep their defaults
    const down = new OpenAIClient({
      baseUrl: 'http://127.0.0.1:9/v1',
      retries: 2,
      backoffMs: 1,
      concurrency: undefined,
      timeoutMs: undefined,
    });
    await assert.rejects(down.post('/completions', {}), /failed after 3 tries/);
  });
});
