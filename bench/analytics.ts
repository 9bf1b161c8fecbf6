// Analytics ingestion benchmark. Prints name=value lines:
//   analytics_facts_per_s            facts/s through applyFacts (dedupe, buckets, histograms, top-N, sealing)
//   analytics_baseline_facts_per_s   the same facts counted into a Map by minute × API × status (a plain
//                                    loop, no dedupe, histograms or roll-ups: the ceiling)
//   analytics_vs_baseline_ratio      analytics / baseline (machines are noisy: compare ratios)
//   analytics_rss_mb_per_1m_facts    RSS growth per 1M facts ingested (default config, 200 facts/s of fact time:
//                                    1M facts = 83 minutes, all still at minute granularity; noisy)
//   analytics_heap_mb_per_1m_facts   the same as live JS heap after a full GC (the view's own size)
//   analytics_query_day_by_api_ms    one analytics() over the whole run grouped by API
// BENCH_QUICK=1: fewer facts (< 60 s). Facts come from a pre-built ring (its memory is not counted).
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import type { RequestFact } from '../domain/ports.ts';
import { analytics } from '../projections/analytics/query.ts';
import { applyFacts, createAnalyticsView, viewSize } from '../projections/analytics/view.ts';

setFlagsFromString('--expose-gc');
const gc = runInNewContext('gc') as () => void;
const quick = process.env.BENCH_QUICK === '1';
const TOTAL = quick ? 400_000 : 2_000_000;
const RING = 100_000;
const BATCH = 500;
const FACTS_PER_SECOND = 200; // of fact time: a moderately busy gateway
const T0 = Date.UTC(2024, 0, 1);

const agents = [
  'Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/124.0 Safari/537.36',
  'Mozilla/5.0 (Macintosh; Intel Mac OS X 14_4) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.4 Safari/605.1.15',
  'Mozilla/5.0 (iPhone; CPU iPhone OS 17_4 like Mac OS X) AppleWebKit/605.1.15 Mobile/15E148',
  'curl/8.5.0', 'PostmanRuntime/7.37.3', 'okhttp/4.12.0', 'python-requests/2.31.0', 'Go-http-client/1.1',
];

// A deterministic generator (LCG), so every run sees the same traffic.
let seed = 42;
const rnd = () => ((seed = (seed * 1103515245 + 12345) % 2147483648) / 2147483648);
const pick = <T>(xs: readonly T[]): T => xs[Math.floor(rnd() * xs.length)]!;

function makeFact(i: number): RequestFact {
  const app = Math.floor(rnd() * 50);
  const api = (app * 7 + Math.floor(rnd() * 3)) % 20;
  const r = rnd();
  const status = r < 0.9 ? 200 : r < 0.94 ? 404 : r < 0.97 ? 429 : r < 0.99 ? 401 : 502;
  const backend = status === 200 || status === 404;
  const latency = backend ? 2 + Math.exp(rnd() * 6) : 0.5 + rnd();
  return {
    requestId: `r-${i}`,
    timestamp: '',
    gatewayId: 'gw-1',
    apiId: `api-${api}`,
    apiName: `Api ${api}`,
    apiVersion: '1.0.0',
    apiContext: `/api${api}`,
    apiMethod: pick(['GET', 'GET', 'GET', 'POST', 'DELETE']),
    apiResourceTemplate: pick(['/items', '/items/{id}', '/orders', '/orders/{id}', '/health']),
    applicationId: status === 401 ? null : `app-${app}`,
    applicationName: status === 401 ? null : `App ${app}`,
    applicationOwner: `owner-${app}`,
    subscriptionTier: 'Gold',
    keyType: status === 401 ? null : rnd() < 0.9 ? 'PRODUCTION' : 'SANDBOX',
    userName: status === 401 ? null : `user-${app}-${Math.floor(rnd() * 10)}`,
    userIp: `10.${app}.${Math.floor(rnd() * 20)}.${Math.floor(rnd() * 10)}`,
    userAgent: pick(agents),
    destination: 'http://backend',
    targetResponseCode: backend ? status : null,
    proxyResponseCode: status,
    backendLatencyMs: backend ? latency * 0.8 : null,
    responseLatencyMs: latency,
    requestSize: 200 + Math.floor(rnd() * 500),
    responseSize: backend ? 500 + Math.floor(rnd() * 5000) : 100,
    errorType: status === 429 ? 'THROTTLED' : status === 401 ? 'AUTH_FAILURE' : status === 502 ? 'TARGET_CONNECTIVITY' : null,
    errorCode: status === 429 ? '900804' : status === 401 ? '900901' : status === 502 ? '101503' : null,
    throttleKeys: [],
  };
}

const ring = Array.from({ length: RING }, (_, i) => makeFact(i));
const stamps = new Map<number, string>();
const stamp = (ms: number) => {
  let s = stamps.get(ms);
  if (!s) {
    if (stamps.size > 10_000) stamps.clear();
    s = new Date(ms).toISOString();
    stamps.set(ms, s);
  }
  return s;
};

/** Batch `b` of the run: ring facts with this run's request ids and timestamps. */
function batch(b: number): RequestFact[] {
  const out: RequestFact[] = new Array(BATCH);
  for (let k = 0; k < BATCH; k++) {
    const i = b * BATCH + k;
    const f = ring[i % RING]!;
    out[k] = { ...f, requestId: `r-${i}`, timestamp: stamp(T0 + Math.floor((i * 1000) / FACTS_PER_SECOND)) };
  }
  return out;
}

/** Only the consuming loop is timed: building the batches is the same work for both sides. */
function baseline(batches: number): number {
  const counts = new Map<string, number>();
  let ms = 0;
  for (let b = 0; b < batches; b++) {
    const facts = batch(b);
    const t0 = performance.now();
    for (const f of facts) {
      const key = `${Math.floor(Date.parse(f.timestamp) / 60_000)}|${f.apiId}|${f.proxyResponseCode}`;
      counts.set(key, (counts.get(key) ?? 0) + 1);
    }
    ms += performance.now() - t0;
  }
  return (batches * BATCH) / (ms / 1000);
}

function ingest(batches: number) {
  const view = createAnalyticsView();
  let ms = 0;
  for (let b = 0; b < batches; b++) {
    const facts = batch(b);
    const t0 = performance.now();
    applyFacts(view, facts);
    ms += performance.now() - t0;
  }
  return { view, perS: (batches * BATCH) / (ms / 1000) };
}

const batches = TOTAL / BATCH;
ingest(20); // warm-up of both paths
baseline(20);
const base = baseline(batches);
gc();
const before = process.memoryUsage();
const { view, perS } = ingest(batches);
gc();
const afterIngest = process.memoryUsage();
const q0 = performance.now();
const report = analytics(view, { from: T0, to: T0 + 86_400_000, granularity: 'HOUR' }, ['apiId']);
const queryMs = performance.now() - q0;
if (report.totals.requests !== TOTAL) throw new Error(`counted ${report.totals.requests} of ${TOTAL}`);

const size = viewSize(view);
console.error(`# ${TOTAL} facts, ${size.minutes} minute / ${size.hours} hour / ${size.days} day buckets, ${size.rows} rows, ${size.dedupeIds} dedupe ids, folded ${view.counters.folded}`);
console.log(`analytics_facts_per_s=${Math.round(perS)}`);
console.log(`analytics_baseline_facts_per_s=${Math.round(base)}`);
console.log(`analytics_vs_baseline_ratio=${(perS / base).toFixed(3)}`);
const perMillion = (bytes: number) => ((bytes / 1048576) * (1_000_000 / TOTAL)).toFixed(1);
console.log(`analytics_rss_mb_per_1m_facts=${perMillion(afterIngest.rss - before.rss)}`);
console.log(`analytics_heap_mb_per_1m_facts=${perMillion(afterIngest.heapUsed - before.heapUsed)}`);
console.log(`analytics_query_day_by_api_ms=${queryMs.toFixed(1)}`);
