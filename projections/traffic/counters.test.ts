// The traffic manager's counters: the decision comes the moment a key reaches its limit,
// once per window, from facts of any number of gateways; windows are fixed and forgotten.
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { countFacts, countHit, countOf, emptyTrafficView, forgetEndedWindows } from './counters.ts';
import { hitsOf, type ThrottleKeyHit, type TrafficFact } from './hits.ts';

const MIN = 60_000;
const T0 = Date.UTC(2026, 0, 1, 12, 0, 0);
const subKey = 'app-1:/pets:1.0.0';
const appKey = 'app-1:alice';

const hit = (key: string, limit: number, start = T0, end = start + MIN): ThrottleKeyHit => ({ key, limit, windowStart: start, windowEnd: end });

function fact(gatewayId: string, hits: ThrottleKeyHit[], over: Partial<TrafficFact> = {}): TrafficFact {
  return {
    requestId: `${gatewayId}-${Math.random()}`, timestamp: new Date(T0).toISOString(), gatewayId,
    apiId: 'api-1', apiName: 'Pets', apiVersion: '1.0.0', apiContext: '/pets', apiMethod: 'GET', apiResourceTemplate: '/*',
    applicationId: 'app-1', applicationName: 'App', applicationOwner: 'alice', subscriptionTier: 'T30', keyType: 'PRODUCTION',
    userName: 'alice', userIp: '10.0.0.1', userAgent: null, destination: null, targetResponseCode: 200, proxyResponseCode: 200,
    backendLatencyMs: 1, responseLatencyMs: 2, requestSize: 0, responseSize: 0, errorType: null, errorCode: null,
    throttleKeys: hits.map((h) => h.key), throttleHits: hits, ...over,
  };
}

describe('traffic counters', () => {
  test('facts of two gateways add up; the decision comes exactly when the count reaches the limit, until the window end', () => {
    const view = emptyTrafficView();
    const decisions = [];
    for (let i = 0; i < 30; i++) {
      const d = countFacts(view, [fact(i % 2 ? 'gw-a' : 'gw-b', [hit(subKey, 30)])], T0 + 1000);
      decisions.push(...d);
      if (i < 29) assert.deepEqual(d, [], `no decision at count ${i + 1}`);
    }
    assert.deepEqual(decisions, [{ throttleKey: subKey, throttledUntil: T0 + MIN }]);
    assert.equal(countOf(view, subKey, T0 + 5000), 30);
  });

  test('one decision per window: more hits in the same window stay silent, the next window decides again', () => {
    const view = emptyTrafficView();
    const first = countFacts(view, Array.from({ length: 15 }, () => fact('gw', [hit(subKey, 10)])), T0);
    assert.equal(first.length, 1);
    const next = countFacts(view, Array.from({ length: 10 }, () => fact('gw', [hit(subKey, 10, T0 + MIN)])), T0 + MIN);
    assert.deepEqual(next, [{ throttleKey: subKey, throttledUntil: T0 + 2 * MIN }]);
  });

  test('each key of a fact counts on its own: the application key can decide before the subscription key', () => {
    const view = emptyTrafficView();
    const d = countFacts(view, Array.from({ length: 5 }, () => fact('gw', [hit(subKey, 30), hit(appKey, 5)])), T0);
    assert.deepEqual(d, [{ throttleKey: appKey, throttledUntil: T0 + MIN }]);
    assert.equal(countOf(view, subKey, T0), 5);
  });

  test('throttled and blocked requests do not count; facts without hits count nothing', () => {
    const view = emptyTrafficView();
    countFacts(view, [
      fact('gw', [hit(subKey, 2)], { errorType: 'THROTTLED', proxyResponseCode: 429 }),
      fact('gw', [hit(subKey, 2)], { errorType: 'BLOCKED' }),
      fact('gw', [], { throttleHits: undefined }),
    ], T0);
    assert.equal(countOf(view, subKey, T0), 0);
    assert.deepEqual(hitsOf(fact('gw', [hit(subKey, 2)], { errorType: 'TARGET_CONNECTIVITY' })).length, 1, 'a backend failure was admitted: it counts');
  });

  test('a window already over is counted but never decided; forgotten windows ignore late hits', () => {
    const view = emptyTrafficView();
    assert.equal(countHit(view, hit(subKey, 1), T0 + MIN), null, 'window ended at T0+MIN');
    assert.equal(forgetEndedWindows(view, T0 + MIN), 1);
    assert.equal(view.windows.size, 0);
    assert.equal(countHit(view, hit(subKey, 1), T0 + MIN + 1), null);
    assert.equal(view.windows.size, 0, 'late hit of a forgotten window ignored');
    assert.deepEqual(countHit(view, hit(subKey, 1, T0 + MIN), T0 + MIN + 1), { throttleKey: subKey, throttledUntil: T0 + 2 * MIN });
  });

  test('a limit lowered within the window applies at once; a zero limit decides on the first hit; nonsense hits are ignored', () => {
    const view = emptyTrafficView();
    for (let i = 0; i < 6; i++) assert.equal(countHit(view, hit(subKey, 10), T0), null);
    assert.deepEqual(countHit(view, hit(subKey, 5), T0), { throttleKey: subKey, throttledUntil: T0 + MIN });
    assert.ok(countHit(view, hit('zero', 0), T0));
    assert.equal(countHit(view, { key: '', limit: 1, windowStart: T0, windowEnd: T0 + MIN }, T0), null);
    assert.equal(countHit(view, { key: 'k', limit: Number.NaN, windowStart: T0, windowEnd: T0 + MIN }, T0), null);
    assert.equal(countHit(view, { key: 'k', limit: 1, windowStart: T0, windowEnd: T0 }, T0), null);
  });

  test('calendar windows (a month) are whatever the gateway resolved: no fixed length assumed', () => {
    const view = emptyTrafficView();
    const feb = Date.UTC(2026, 1, 1);
    const mar = Date.UTC(2026, 2, 1);
    assert.deepEqual(countHit(view, hit('monthly', 1, feb, mar), feb + 5), { throttleKey: 'monthly', throttledUntil: mar });
  });
});
