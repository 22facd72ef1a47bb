/**
 * A bounded load test of an OpenAI-compatible server: `clients` concurrent clients, each sending
 * `requestsPerClient` requests one after another, counting every answer that is not HTTP 200 (or that never
 * came) as dropped, with latency percentiles.
 *
 * @module serve/loadTest
 */

/** Options of {@link loadTest}. */
export interface LoadTestOptions {
  /** `http://host:port/v1`. */
  baseUrl: string;
  clients: number;
  requestsPerClient: number;
  /** The `/v1/completions` body of request `k` of client `c`. */
  body: (client: number, k: number) => Record<string, unknown>;
  /** Per-request timeout in ms (default 120 000). */
  timeoutMs?: number;
}

/** What a load test measured. */
export interface LoadTestReport {
  sent: number;
  ok: number;
  dropped: number;
  /** Statuses or errors of the dropped requests (at most 10). */
  failures: string[];
  p50Ms: number;
  p99Ms: number;
  maxMs: number;
  seconds: number;
  requestsPerSecond: number;
}

/** The q-quantile (0..1) of sorted values, nearest rank. */
export function quantile(sorted: readonly number[], q: number): number {
  if (sorted.length === 0) return NaN;
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil(q * sorted.length) - 1))];
}

/** Runs the load test against `/v1/completions`. */
export async function loadTest(opts: LoadTestOptions): Promise<LoadTestReport> {
  const latencies: number[] = [];
  const failures: string[] = [];
  let ok = 0;
  const t0 = performance.now();
  const client = async (c: number) => {
    for (let k = 0; k < opts.requestsPerClient; k++) {
      const start = performance.now();
      try {
        const res = await fetch(`${opts.baseUrl}/completions`, {
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body: JSON.stringify(opts.body(c, k)),
          signal: AbortSignal.timeout(opts.timeoutMs ?? 120000),
        });
        const json = (await res.json()) as { choices?: unknown[] };
        if (res.status === 200 && Array.isArray(json.choices)) ok++;
        else if (failures.length < 10) failures.push(`HTTP ${res.status}`);
      } catch (err) {
        if (failures.length < 10) failures.push((err as Error).message);
      }
      latencies.push(performance.now() - start);
    }
  };
  await Promise.all(Array.from({ length: opts.clients }, (_, c) => client(c)));
  const seconds = (performance.now() - t0) / 1000;
  const sorted = [...latencies].sort((a, b) => a - b);
  const sent = opts.clients * opts.requestsPerClient;
  return {
    sent,
    ok,
    dropped: sent - ok,
    failures,
    p50Ms: quantile(sorted, 0.5),
    p99Ms: quantile(sorted, 0.99),
    maxMs: sorted[sorted.length - 1] ?? NaN,
    seconds,
    requestsPerSecond: sent / seconds,
  };
}
