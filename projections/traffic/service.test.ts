// The traffic manager service over the in-memory streams: facts of two gateways reach a
// 30/min limit and one decision goes out; a reset forgets the counts.
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import type { RequestFact, ThrottleDecision } from '../../domain/ports.ts';
import { createMemoryRequestStream } from '../../infra/bus/memory-request-stream.ts';
import { createMemoryThrottleDecisionStream } from '../../infra/bus/memory-throttle-decisions.ts';
import type { TrafficFact } from './hits.ts';
import { createTrafficManager } from './service.ts';

const T0 = Date.UTC(2026, 0, 1, 12, 0, 10);
const start = T0 - 10_000;

const fact = (gatewayId: string, i: number): TrafficFact => ({
  requestId: `${gatewayId}-${i}`, timestamp: new Date(T0).toISOString(), gatewayId,
  apiId: 'api-1', apiName: 'Pets', apiVersion: '1.0.0', apiContext: '/pets', apiMethod: 'GET', apiResourceTemplate: '/*',
  applicationId: 'app-1', applicationName: 'App', applicationOwner: 'alice', subscriptionTier: 'T30', keyType: 'PRODUCTION',
  userName: 'alice', userIp: '10.0.0.1', userAgent: null, destination: null, targetResponseCode: 200, proxyResponseCode: 200,
  backendLatencyMs: 1, responseLatencyMs: 2, requestSize: 0, responseSize: 0, errorType: null, errorCode: null,
  throttleKeys: ['app-1:/pets:1.0.0'],
  throttleHits: [{ key: 'app-1:/pets:1.0.0', limit: 30, windowStart: start, windowEnd: start + 60_000 }],
});

const settle = () => new Promise((r) => setTimeout(r, 20));

describe('traffic manager service', () => {
  test('sums facts from several gateways and publishes one decision when the limit is reached; reset forgets', async () => {
    const requests = createMemoryRequestStream();
    const decisions = createMemoryThrottleDecisionStream();
    const heard: ThrottleDecision[] = [];
    await decisions.subscribe((d) => void heard.push(d));
    const tm = createTrafficManager({ requests, decisions, clock: { now: () => new Date(T0) } });
    await tm.start();
    for (let i = 0; i < 29; i++) requests.publish(fact(i % 2 ? 'gw-a' : 'gw-b', i) as RequestFact);
    await settle();
    assert.deepEqual(heard, []);
    requests.publish(fact('gw-a', 29) as RequestFact);
    await settle();
    assert.deepEqual(heard, [{ throttleKey: 'app-1:/pets:1.0.0', throttledUntil: start + 60_000 }]);
    requests.publish(fact('gw-b', 30) as RequestFact);
    await settle();
    assert.equal(heard.length, 1);
    assert.deepEqual({ ...tm.status(), windows: undefined }, { facts: 31, decisions: 1, failedPublishes: 0, windows: undefined, resets: 0 });

    tm.reset();
    assert.equal(tm.status().windows, 0);
    await tm.close();
    await requests.close();
  });

  test('a decision that cannot be published is counted, not thrown at the request stream', async () => {
    const requests = createMemoryRequestStream();
    const decisions = createMemoryThrottleDecisionStream();
    await decisions.close(); // publish now rejects
    const tm = createTrafficManager({ requests, decisions, clock: { now: () => new Date(T0) } });
    await tm.start();
    for (let i = 0; i < 30; i++) requests.publish(fact('gw', i) as RequestFact);
    await settle();
    assert.equal(tm.status().failedPublishes, 1);
    await tm.close();
  });
});
