import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import type { RequestFact } from '../../domain/ports.ts';
import { HISTOGRAM_RELATIVE_ACCURACY, flush, mergeSparse, type SparseHistogram } from './histogram.ts';
import { analytics, topApis, topApplications, topClientIps, topPlatforms, topUserAgents } from './query.ts';
import { serializeAnalytics } from './snapshot.ts';
import { authFailure, fact, throttled } from './testing/facts.ts';
import { DAY_MS, HOUR_MS, MINUTE_MS } from './time.ts';
import { applyFacts, applyPositionedFacts, createAnalyticsView, type AnalyticsView, type Bucket } from './view.ts';

const T0 = Date.UTC(2024, 0, 1, 10, 0, 0);

/** Nearest-rank percentile of exact values. */
function exactPercentile(values: number[], p: number): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.max(0, Math.ceil((p / 100) * sorted.length) - 1)]!;
}

function assertClose(actual: number | null, expected: number, what: string): void {
  assert.ok(actual !== null, `${what} is null`);
  const tolerance = expected * HISTOGRAM_RELATIVE_ACCURACY + 0.001;
  assert.ok(Math.abs(actual - expected) <= tolerance, `${what}: ${actual} not within ${tolerance} of ${expected}`);
}

/** One minute of known traffic with a skewed latency distribution. */
function knownMinute(start: number) {
  const facts: RequestFact[] = [];
  const ok: number[] = [];
  for (let i = 0; i < 950; i++) {
    const ms = 5 + (i % 100) * 0.5; // 5 … 54.5 ms
    ok.push(ms);
    facts.push(fact({ at: start + (i % 60) * 1000, responseLatencyMs: ms, backendLatencyMs: ms - 2, requestSize: 10, responseSize: 100 }));
  }
  for (let i = 0; i < 50; i++) {
    const ms = 2000 + i * 10; // the slow tail: 2 000 … 2 490 ms
    ok.push(ms);
    facts.push(fact({ at: start + i * 1000, responseLatencyMs: ms, backendLatencyMs: ms - 2, requestSize: 10, responseSize: 100 }));
  }
  const all = [...ok];
  for (let i = 0; i < 30; i++) facts.push(throttled({ at: start + i * 1000, requestSize: 10, responseSize: 100 }));
  for (let i = 0; i < 20; i++) facts.push(authFailure({ at: start + i * 1000, requestSize: 10, responseSize: 100 }));
  for (let i = 0; i < 40; i++) {
    facts.push(fact({ at: start + i * 1000, proxyResponseCode: 404, targetResponseCode: 404, responseLatencyMs: 7, backendLatencyMs: 5, requestSize: 10, responseSize: 100 }));
  }
  for (let i = 0; i < 10; i++) {
    facts.push(fact({
      at: start + i * 1000, proxyResponseCode: 502, targetResponseCode: null, backendLatencyMs: null, responseLatencyMs: 30,
      errorType: 'TARGET_CONNECTIVITY', errorCode: '101503', requestSize: 10, responseSize: 100,
    }));
  }
  for (let i = 0; i < 30 + 20; i++) all.push(1);
  for (let i = 0; i < 40; i++) all.push(7);
  for (let i = 0; i < 10; i++) all.push(30);
  return { facts, all, ok };
}

/** Seals everything before `at` by applying one fact there (on another API, outside queried ranges). */
const sealUpTo = (view: AnalyticsView, at: number) => applyFacts(view, [fact({ at, apiId: 'api-clock', apiName: 'Clock' })]);

describe('analytics projection: counts and percentiles', () => {
  test('a known minute gives exact counts, an exact error breakdown and percentiles within the histogram accuracy', () => {
    const view = createAnalyticsView();
    const { facts, all } = knownMinute(T0);
    applyFacts(view, facts);

    const r = analytics(view, { from: T0, to: T0 + MINUTE_MS, granularity: 'MINUTE', apiId: 'api-1' });
    assert.equal(r.totals.requests, 1100);
    assert.equal(r.totals.errors, 30 + 20 + 40 + 10);
    assert.equal(r.totals.throttled, 30);
    assert.equal(r.totals.bytesIn, 1100 * 10);
    assert.equal(r.totals.bytesOut, 1100 * 100);
    for (const p of [50, 95, 99] as const) {
      assertClose(r.totals.latency[`p${p}Ms`], exactPercentile(all, p), `p${p}`);
    }
    // p99 sits in the slow tail: an average of percentiles would miss it, the merged histogram does not.
    assert.ok(r.totals.latency.p99Ms! >= 2000);
    assert.equal(r.totals.backendLatency.count, 1000 + 40);
    assert.equal(r.series.length, 1);

    const byStatus = analytics(view, { from: T0, to: T0 + MINUTE_MS, granularity: 'MINUTE' }, ['statusClass', 'errorCode']);
    const counts = Object.fromEntries(byStatus.groups.map((g) => [`${g.key.statusClass}/${g.key.errorCode}`, g.totals.requests]));
    assert.deepEqual(counts, { '2xx/null': 1000, '4xx/900804': 30, '4xx/900901': 20, '4xx/null': 40, '5xx/101503': 10 });
  });

  test('percentiles of a range come from merged histograms, not from averaged minute percentiles', () => {
    const view = createAnalyticsView();
    // Minute 1: 100 fast requests; minute 2: 100 slow ones. The range p50 must be a real value.
    const facts = [
      ...Array.from({ length: 100 }, (_, i) => fact({ at: T0 + i * 100, responseLatencyMs: 10 })),
      ...Array.from({ length: 100 }, (_, i) => fact({ at: T0 + MINUTE_MS + i * 100, responseLatencyMs: 1000 })),
    ];
    applyFacts(view, facts);
    const r = analytics(view, { from: T0, to: T0 + 2 * MINUTE_MS, granularity: 'MINUTE' });
    assertClose(r.totals.latency.p50Ms, 10, 'p50');
    assertClose(r.totals.latency.p99Ms, 1000, 'p99');
    assertClose(r.totals.latency.meanMs, 505, 'mean');
  });
});

function bucketSums(buckets: Bucket[]) {
  let requests = 0, errors = 0, throttledN = 0, bytesOut = 0;
  let latency: SparseHistogram = [];
  for (const b of buckets) {
    for (const r of b.rows.values()) {
      requests += r.requests;
      errors += r.errors;
      throttledN += r.throttled;
      bytesOut += r.bytesOut;
      latency = mergeSparse(latency, flush(r.latency));
    }
  }
  return { requests, errors, throttled: throttledN, bytesOut, latency: [...latency] };
}

describe('analytics projection: roll-ups and retention', () => {
  test('each hour equals the sum of its minutes and each day the sum of its hours (histograms included)', () => {
    const view = createAnalyticsView();
    const start = Date.UTC(2024, 0, 1, 22, 30);
    const facts: RequestFact[] = [];
    for (let i = 0; i < 3000; i++) {
      const at = start + i * 1700; // ≈ 85 minutes, across midnight
      facts.push(i % 17 === 0 ? throttled({ at }) : fact({ at, responseLatencyMs: 3 + (i % 250), proxyResponseCode: i % 13 === 0 ? 500 : 200 }));
    }
    applyFacts(view, facts);
    sealUpTo(view, start + 3 * HOUR_MS);

    const minutes = [...view.minutes.values()].filter((b) => b.rows.has([...b.rows.keys()].find((k) => k.startsWith('api-1'))!));
    for (const hour of view.hours.values()) {
      const inHour = minutes.filter((m) => m.start >= hour.start && m.start < hour.start + HOUR_MS);
      if (inHour.length === 0) continue;
      const hourRows = { ...hour, rows: new Map([...hour.rows].filter(([k]) => k.startsWith('api-1'))) };
      assert.deepEqual(bucketSums([hourRows]), bucketSums(inHour), `hour ${new Date(hour.start).toISOString()}`);
    }
    for (const day of view.days.values()) {
      const hours = [...view.hours.values()].filter((h) => h.start >= day.start && h.start < day.start + DAY_MS);
      assert.deepEqual(bucketSums([day]), bucketSums(hours));
    }
    const all = analytics(view, { from: start, to: start + 2 * HOUR_MS, granularity: 'MINUTE', apiId: 'api-1' });
    const hourly = analytics(view, { from: Date.UTC(2024, 0, 1, 22), to: Date.UTC(2024, 0, 2, 1), granularity: 'HOUR', apiId: 'api-1' });
    assert.equal(all.totals.requests, 3000);
    assert.deepEqual(hourly.totals, all.totals);
    assert.equal(hourly.series.length, 3);
    assert.equal(hourly.series.reduce((s, p) => s + p.stats.requests, 0), 3000);
  });

  test('hour and day reads include the minutes not sealed yet', () => {
    const view = createAnalyticsView();
    applyFacts(view, Array.from({ length: 10 }, (_, i) => fact({ at: T0 + i * 1000 })));
    assert.equal(view.hours.size, 0, 'nothing sealed yet');
    const r = analytics(view, { from: T0, to: T0 + HOUR_MS, granularity: 'HOUR' });
    assert.equal(r.totals.requests, 10);
    const d = analytics(view, { from: T0, to: T0 + 1, granularity: 'DAY' });
    assert.equal(d.totals.requests, 10);
  });

  test('retention drops old minute buckets but keeps hours and days', () => {
    const view = createAnalyticsView({ retention: { minuteMs: 10 * MINUTE_MS } });
    applyFacts(view, Array.from({ length: 60 }, (_, i) => fact({ at: T0 + i * MINUTE_MS })));
    const oldest = Math.min(...view.minutes.keys());
    assert.ok(oldest >= T0 + 59 * MINUTE_MS - 11 * MINUTE_MS, `minute ${new Date(oldest).toISOString()} should be gone`);
    assert.ok(view.minutes.size <= 12);
    const r = analytics(view, { from: T0, to: T0 + HOUR_MS, granularity: 'HOUR' });
    assert.equal(r.totals.requests, 60);
    const minutes = analytics(view, { from: T0, to: T0 + 10 * MINUTE_MS, granularity: 'MINUTE' });
    assert.equal(minutes.totals.requests, 0, 'the first minutes are no longer kept at minute granularity');
  });
});

describe('analytics projection: exactly-once in effect', () => {
  test('redelivered facts are not counted twice', () => {
    const once = createAnalyticsView();
    const twice = createAnalyticsView();
    const { facts } = knownMinute(T0);
    applyFacts(once, facts);
    applyFacts(twice, facts);
    applyFacts(twice, facts.slice(0, 500));
    applyFacts(twice, facts);
    assert.equal(twice.counters.duplicates, facts.length + 500);
    const q = { from: T0, to: T0 + MINUTE_MS, granularity: 'MINUTE' as const };
    assert.deepEqual(analytics(twice, q), analytics(once, q));
    const strip = (v: AnalyticsView) => serializeAnalytics(v).replace(/"duplicates":\d+/, '');
    assert.equal(strip(twice), strip(once));
  });

  test('a fact older than the dedupe window is rejected as late (it could be a redelivery)', () => {
    const view = createAnalyticsView({ dedupeWindowMs: 5 * MINUTE_MS });
    applyFacts(view, [fact({ at: T0 + 30 * MINUTE_MS })]);
    applyFacts(view, [fact({ at: T0 }), fact({ at: T0 + 27 * MINUTE_MS })]);
    assert.equal(view.counters.late, 1);
    assert.equal(view.counters.applied, 2);
    const r = analytics(view, { from: T0, to: T0 + HOUR_MS, granularity: 'HOUR' });
    assert.equal(r.totals.requests, 2);
  });

  test('a late fact for a sealed minute lands in the minute, its hour and its day', () => {
    const view = createAnalyticsView();
    applyFacts(view, [fact({ at: T0 }), fact({ at: T0 + 3 * MINUTE_MS })]);
    assert.equal(view.minutes.get(T0)!.sealed, true);
    applyFacts(view, [fact({ at: T0 + 500, responseLatencyMs: 400 })]);
    const m = analytics(view, { from: T0, to: T0 + MINUTE_MS, granularity: 'MINUTE' });
    const h = analytics(view, { from: T0, to: T0 + MINUTE_MS, granularity: 'HOUR' });
    assert.equal(m.totals.requests, 2);
    assert.equal(h.totals.requests, 3);
    assertClose(m.totals.latency.maxMs, 400, 'late fact latency recorded in the sealed minute');
  });

  test('positioned facts (Kafka partition, offset) skip positions already applied', () => {
    const view = createAnalyticsView();
    const batch = Array.from({ length: 10 }, (_, i) => fact({ at: T0 + i }));
    const at = (first: bigint, n: number) => Array.from({ length: n }, (_, i) => first + BigInt(i));
    applyPositionedFacts(view, { partition: 'requests:0', facts: batch, offsets: at(100n, 10) });
    applyPositionedFacts(view, { partition: 'requests:0', facts: batch.slice(5), offsets: at(105n, 5) }); // redelivery of 105–109
    applyPositionedFacts(view, { partition: 'requests:1', facts: [fact({ at: T0 })], offsets: [100n] });
    assert.equal(view.counters.applied, 11);
    assert.equal(view.counters.duplicates, 5);
    assert.equal(view.dedupe.positions.get('requests:0'), 109n);
  });

  test('replaying the same facts into a fresh view gives byte-identical snapshots', () => {
    const facts = [...knownMinute(T0).facts, ...knownMinute(T0 + 5 * MINUTE_MS).facts, fact({ at: T0 + 90 * MINUTE_MS })];
    const live = createAnalyticsView();
    for (let i = 0; i < facts.length; i += 97) applyFacts(live, facts.slice(i, i + 97));
    const replayed = createAnalyticsView();
    applyFacts(replayed, facts);
    assert.equal(serializeAnalytics(replayed), serializeAnalytics(live));
  });
});

describe('analytics projection: bounded memory', () => {
  test('a full bucket folds new users (then applications) into "(other)" and keeps totals exact', () => {
    const view = createAnalyticsView({ maxRowsPerBucket: 3 });
    applyFacts(view, Array.from({ length: 20 }, (_, i) => fact({ at: T0 + i, userName: `user-${i}` })));
    assert.ok(view.minutes.get(T0)!.rows.size <= 4);
    const r = analytics(view, { from: T0, to: T0 + MINUTE_MS, granularity: 'MINUTE' }, ['userName']);
    assert.equal(r.totals.requests, 20);
    const other = r.groups.find((g) => g.key.userName === '(other)');
    assert.equal(other?.totals.requests, 17);
  });

  test('client IPs beyond the cap fold into "other"; a heavy hitter stays listed with its exact count', () => {
    const view = createAnalyticsView({ maxTopEntries: 10 });
    const facts = Array.from({ length: 50 }, (_, i) => fact({ at: T0 + i, userIp: `10.1.0.${i}` }));
    for (let i = 0; i < 40; i++) facts.push(fact({ at: T0 + 100 + i, userIp: '203.0.113.7' }));
    applyFacts(view, facts);
    const top = topClientIps(view, { from: T0, to: T0 + MINUTE_MS, granularity: 'MINUTE' }, 3);
    assert.deepEqual(top.top[0], { key: '203.0.113.7', count: 40 });
    assert.equal(top.total, 90);
    assert.equal(top.other + top.top.reduce((s, e) => s + e.count, 0), 90);
    assert.ok(view.minutes.get(T0)!.clients.get('api-1\x1fapp-1')!.ips.entries.size <= 10);
  });
});

describe('analytics queries', () => {
  const view = createAnalyticsView();
  applyFacts(view, [
    ...Array.from({ length: 5 }, (_, i) => fact({ at: T0 + i, apiId: 'api-1', applicationId: 'app-1', userAgent: 'Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/120.0 Safari/537.36' })),
    ...Array.from({ length: 3 }, (_, i) => fact({ at: T0 + i, apiId: 'api-2', apiName: 'Billing', applicationId: 'app-2', applicationName: 'Books', userAgent: 'curl/8.0' })),
    ...Array.from({ length: 2 }, (_, i) => fact({ at: T0 + i, apiId: 'api-2', apiName: 'Billing', applicationId: 'app-1', userAgent: 'Mozilla/5.0 (iPhone; CPU iPhone OS 17_0 like Mac OS X) Version/17.0 Mobile/15E148 Safari/604.1' })),
  ]);
  const range = { from: T0, to: T0 + MINUTE_MS };

  test('topApis and topApplications rank by requests with labels', () => {
    assert.deepEqual(topApis(view, range).map((g) => [g.key.apiId, g.key.apiName, g.stats.requests]), [['api-1', 'Orders', 5], ['api-2', 'Billing', 5]]);
    assert.deepEqual(topApplications(view, range, 1).map((g) => [g.key.applicationId, g.stats.requests]), [['app-1', 7]]);
  });

  test('user agents and platforms are parsed from the User-Agent header', () => {
    assert.deepEqual(topUserAgents(view, range).top, [{ key: 'Chrome', count: 5 }, { key: 'curl', count: 3 }, { key: 'Safari', count: 2 }]);
    assert.deepEqual(topPlatforms(view, range).top, [{ key: 'Windows', count: 5 }, { key: 'Other', count: 3 }, { key: 'iOS', count: 2 }]);
  });

  test('a visibility scope shows rows of the owned APIs or applications only', () => {
    const publisher = { apiIds: new Set(['api-2']), applicationIds: new Set<string>() };
    assert.equal(analytics(view, { ...range, scope: publisher }).totals.requests, 5);
    const owner = { apiIds: new Set<string>(), applicationIds: new Set(['app-1']) };
    assert.equal(analytics(view, { ...range, scope: owner }).totals.requests, 7);
    assert.equal(topClientIps(view, { ...range, scope: owner }).total, 7);
    const nobody = { apiIds: new Set<string>(), applicationIds: new Set<string>() };
    assert.equal(analytics(view, { ...range, scope: nobody }).totals.requests, 0);
  });

  test('series are zero-filled and bad ranges are refused', () => {
    const r = analytics(view, { from: T0, to: T0 + 5 * MINUTE_MS, granularity: 'MINUTE' });
    assert.deepEqual(r.series.map((p) => p.stats.requests), [10, 0, 0, 0, 0]);
    assert.equal(r.series[1]!.stats.latency.p50Ms, null);
    assert.throws(() => analytics(view, { from: T0, to: T0 }), { code: 'BAD_USER_INPUT' });
    assert.throws(() => analytics(view, { from: T0, to: T0 + 30 * DAY_MS, granularity: 'MINUTE' }), { code: 'BAD_USER_INPUT' });
  });
});

describe('analytics projection: changed buckets (view.touched)', () => {
  test('facts, seals and roll-ups note their buckets only while a writer tracks them', () => {
    const view = createAnalyticsView();
    applyFacts(view, [fact({ at: T0 }), fact({ at: T0 + MINUTE_MS })]);
    assert.equal(view.touched, undefined, 'nothing is tracked until a writer asks');
    view.touched = new Set();
    applyFacts(view, [fact({ at: T0 + MINUTE_MS + 5_000 })]);
    const names = () => [...view.touched!].map((b) => `${b.granularity}@${(b.start - T0) / MINUTE_MS}`).sort();
    assert.deepEqual(names(), ['MINUTE@1']);
    view.touched.clear();
    // Minute 4 moves the watermark: minutes 0 and 1 seal into their hour and day.
    applyFacts(view, [fact({ at: T0 + 4 * MINUTE_MS })]);
    assert.deepEqual(names(), ['DAY@-600', 'HOUR@0', 'MINUTE@0', 'MINUTE@1', 'MINUTE@4']);
    view.touched.clear();
    // A late fact for a sealed minute lands in the minute, its hour and its day.
    applyFacts(view, [fact({ at: T0 + 30_000 })]);
    assert.deepEqual(names(), ['DAY@-600', 'HOUR@0', 'MINUTE@0']);
    assert.ok(!serializeAnalytics(view).includes('touched'), 'not state: never in the snapshot');
  });
});
