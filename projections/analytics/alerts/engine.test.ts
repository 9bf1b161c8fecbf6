import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import type { RequestFact } from '../../../domain/ports.ts';
import { fact, throttled } from '../testing/facts.ts';
import { MINUTE_MS } from '../time.ts';
import { applyFacts, createAnalyticsView } from '../view.ts';
import type { AlertConfigInput } from './config.ts';
import { createAlertEngine, evaluateAlerts } from './engine.ts';
import { restoreAlertEngine, serializeAlertEngine } from './engine-snapshot.ts';
import type { AlertEvent, AlertKind } from './events.ts';

const T0 = Date.UTC(2024, 4, 1, 9, 0);
const minute = (m: number) => T0 + m * MINUTE_MS;

/** `n` facts spread over minute `m`. */
const spread = (m: number, n: number, make: (at: number, i: number) => RequestFact = (at) => fact({ at })) =>
  Array.from({ length: n }, (_, i) => make(minute(m) + Math.floor((i * MINUTE_MS) / n), i));

/** Feeds minute after minute (one batch each, like a live stream) and collects the alert events. */
function run(minutes: RequestFact[][], config: AlertConfigInput = {}) {
  const view = createAnalyticsView();
  const engine = createAlertEngine(config);
  const events: AlertEvent[] = [];
  for (const batch of minutes) {
    applyFacts(view, batch);
    events.push(...evaluateAlerts(engine, view));
  }
  return { view, engine, events };
}

const of = (events: AlertEvent[], kind: AlertKind) => events.filter((e) => e.data.kind === kind);
const when = (e: AlertEvent) => (e.type === 'AlertRaised' ? e.data.windowStart : e.data.clearedAt);

/** A trailing fact far enough ahead to seal every minute fed so far. */
const tick = (m: number) => [fact({ at: minute(m), apiId: 'api-clock', applicationId: 'app-clock' })];

describe('alert detectors', () => {
  test('a request spike of an application on an API is raised, then cleared once traffic is back to normal', () => {
    const minutes = [
      ...Array.from({ length: 10 }, (_, m) => spread(m, 20)),
      spread(10, 200), spread(11, 180),
      ...Array.from({ length: 5 }, (_, k) => spread(12 + k, 20)),
      tick(20),
    ];
    const { events } = run(minutes);
    const spikes = of(events, 'ABNORMAL_REQUEST_RATE');
    assert.deepEqual(spikes.map((e) => [e.type, when(e)]), [
      ['AlertRaised', new Date(minute(10)).toISOString()],
      ['AlertCleared', new Date(minute(14)).toISOString()], // end of minute 13: second normal minute
    ]);
    const raised = spikes[0]!;
    assert.equal(raised.type === 'AlertRaised' && raised.data.observed, 200);
    assert.equal(raised.data.applicationId, 'app-1');
    assert.equal(raised.data.apiId, 'api-1');
    assert.equal(spikes[1]!.data.alertId, raised.data.alertId);
  });

  test('the suppression window keeps a second spike from raising again; after it, a new alert is raised', () => {
    const normal = (m: number) => spread(m, 20);
    const minutes = [
      ...Array.from({ length: 10 }, (_, m) => normal(m)),
      spread(10, 200), normal(11), normal(12), normal(13),
      spread(14, 200), // 4 minutes after the first raise: suppressed
      ...Array.from({ length: 8 }, (_, k) => normal(15 + k)),
      spread(23, 200), // 13 minutes after: raised again
      normal(24), normal(25), normal(26), tick(30),
    ];
    const raised = of(run(minutes).events, 'ABNORMAL_REQUEST_RATE').filter((e) => e.type === 'AlertRaised');
    assert.deepEqual(raised.map(when), [new Date(minute(10)).toISOString(), new Date(minute(23)).toISOString()]);
  });

  test('abnormal response time against the learned p95 baseline is raised and cleared', () => {
    const latencyMinute = (m: number, ms: number) => spread(m, 30, (at, i) => fact({ at, responseLatencyMs: ms + (i % 5), backendLatencyMs: ms - 2 + (i % 5) }));
    const minutes = [
      ...Array.from({ length: 8 }, (_, m) => latencyMinute(m, 20)),
      latencyMinute(8, 400), latencyMinute(9, 450),
      latencyMinute(10, 21), latencyMinute(11, 20), latencyMinute(12, 20), tick(15),
    ];
    const { events } = run(minutes);
    for (const kind of ['ABNORMAL_RESPONSE_TIME', 'ABNORMAL_BACKEND_TIME'] as const) {
      const e = of(events, kind);
      assert.deepEqual(e.map((x) => [x.type, when(x)]), [
        ['AlertRaised', new Date(minute(8)).toISOString()],
        ['AlertCleared', new Date(minute(12)).toISOString()],
      ], kind);
      const r = e[0]!;
      assert.ok(r.type === 'AlertRaised' && r.data.baseline! < 30 && r.data.observed > 380, JSON.stringify(r.data));
    }
  });

  test('a slow minute before the baseline is learned raises nothing', () => {
    const { events } = run([spread(0, 30, (at) => fact({ at, responseLatencyMs: 20 })), spread(1, 30, (at) => fact({ at, responseLatencyMs: 900 })), tick(5)]);
    assert.equal(of(events, 'ABNORMAL_RESPONSE_TIME').length, 0);
  });

  test('frequent tier-limit hitting: more than 10 throttled requests in an hour, cleared when the hour rolls past them', () => {
    const minutes = [
      spread(0, 6, (at) => throttled({ at })),
      spread(1, 5, (at) => throttled({ at })), // 11 in the window
      spread(2, 10),
      tick(64),
    ];
    const e = of(run(minutes).events, 'FREQUENT_TIER_LIMIT_HITTING');
    assert.deepEqual(e.map((x) => [x.type, when(x)]), [
      ['AlertRaised', new Date(minute(1)).toISOString()],
      ['AlertCleared', new Date(minute(61)).toISOString()], // minute 0 left the 60-minute window
    ]);
    assert.equal(e[0]!.data.applicationId, 'app-1');
    assert.equal(e[0]!.type === 'AlertRaised' && e[0]!.data.observed, 11);
  });

  test('ten throttled requests in an hour stay under the limit', () => {
    assert.equal(of(run([spread(0, 10, (at) => throttled({ at })), tick(5)]).events, 'FREQUENT_TIER_LIMIT_HITTING').length, 0);
  });

  test('an unusual client IP for an application after its learning period is raised, then cleared', () => {
    const config = { unusualIp: { learnMinutes: 5, clearAfterMinutes: 3 } };
    const minutes = [
      spread(0, 5, (at) => fact({ at, userIp: '10.0.0.1' })),
      spread(2, 5, (at, i) => fact({ at, userIp: i === 0 ? '10.0.0.2' : '10.0.0.1' })), // learning: silent
      spread(6, 5, (at, i) => fact({ at, userIp: i === 0 ? '198.51.100.9' : '10.0.0.1' })),
      spread(7, 5, (at) => fact({ at, userIp: '10.0.0.2' })), // known (learned in minute 2)
      tick(12),
    ];
    const e = of(run(minutes, config).events, 'UNUSUAL_IP_ACCESS');
    assert.deepEqual(e.map((x) => [x.type, x.data.clientIp, when(x)]), [
      ['AlertRaised', '198.51.100.9', new Date(minute(6)).toISOString()],
      ['AlertCleared', '198.51.100.9', new Date(minute(10)).toISOString()],
    ]);
  });

  test('API health: a minute with most requests failing is CRITICAL, and clears when the backend recovers', () => {
    const failing = spread(3, 10, (at, i) => i < 6
      ? fact({ at, proxyResponseCode: 502, targetResponseCode: null, backendLatencyMs: null, errorType: 'TARGET_CONNECTIVITY', errorCode: '101503' })
      : fact({ at }));
    const e = of(run([spread(2, 10), failing, spread(4, 10), spread(5, 10), tick(8)]).events, 'API_HEALTH');
    assert.deepEqual(e.map((x) => [x.type, when(x)]), [
      ['AlertRaised', new Date(minute(3)).toISOString()],
      ['AlertCleared', new Date(minute(6)).toISOString()],
    ]);
    const r = e[0]!;
    assert.ok(r.type === 'AlertRaised' && r.data.severity === 'CRITICAL' && r.data.observed === 0.6);
    assert.match(r.data.message, /6 backend unreachable/);
  });

  test('an active alert on an API that goes quiet is cleared by the quiet minutes', () => {
    const failing = spread(0, 10, (at) => fact({ at, proxyResponseCode: 500, targetResponseCode: 500 }));
    const e = of(run([failing, tick(10)]).events, 'API_HEALTH');
    assert.deepEqual(e.map((x) => x.type), ['AlertRaised', 'AlertCleared']);
  });
});

describe('alert engine determinism', () => {
  const scenario = () => [
    ...Array.from({ length: 10 }, (_, m) => spread(m, 20)),
    spread(10, 200), spread(11, 20), spread(12, 20), tick(20),
  ];

  test('the same facts give the same events; redelivered facts add none', () => {
    const a = run(scenario());
    const b = run([...scenario().flatMap((batch) => [batch, batch])]);
    assert.deepEqual(b.events, a.events);
    assert.ok(a.events.length > 0);
  });

  test('batch boundaries do not change the events', () => {
    const all = scenario().flat();
    const oneBatch = run([all]);
    assert.deepEqual(oneBatch.events, run(scenario()).events);
  });

  test('an engine restored from its snapshot goes on like the live one', () => {
    const batches = scenario();
    const view = createAnalyticsView();
    const live = createAlertEngine();
    const first: AlertEvent[] = [];
    for (const batch of batches.slice(0, 11)) {
      applyFacts(view, batch);
      first.push(...evaluateAlerts(live, view));
    }
    const bytes = serializeAlertEngine(live);
    const restored = restoreAlertEngine(bytes);
    assert.equal(serializeAlertEngine(restored), bytes);
    const viewCopy = createAnalyticsView();
    for (const batch of batches.slice(0, 11)) applyFacts(viewCopy, batch);
    const rest = batches.slice(11);
    const liveRest: AlertEvent[] = [];
    const restoredRest: AlertEvent[] = [];
    for (const batch of rest) {
      applyFacts(view, batch);
      liveRest.push(...evaluateAlerts(live, view));
      applyFacts(viewCopy, batch);
      restoredRest.push(...evaluateAlerts(restored, viewCopy));
    }
    assert.deepEqual(restoredRest, liveRest);
    assert.ok([...first, ...liveRest].some((e) => e.type === 'AlertCleared'));
  });
});
