import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { GatehouseEvent } from '../../domain/events.ts';
import { apiCreated, apiPublished, applicationCreated, blockingAdded, keysGenerated, operation, policyCreated, subscriptionCreated } from '../../projections/gateway-map/fixtures.ts';
import type { Principal } from '../auth/principal.ts';
import type { RequestContext } from '../context.ts';
import { errors, type GatewayError } from '../errors.ts';
import { compileKeyTemplate } from '../throttle/custom-keys.ts';
import { windowAt } from '../throttle/windows.ts';
import { authorize } from './authorize.ts';
import { locate } from './locate.ts';
import { route } from './route.ts';
import { throttle } from './throttle.ts';
import { mapOf, testContext, testGateway } from './test-context.ts';

function world(opts: { tier?: string; appTier?: string; apiPolicy?: string | null; resourcePolicy?: string | null; extra?: GatehouseEvent[] } = {}) {
  return mapOf([
    ...(opts.extra ?? []),
    apiCreated({ apiId: 'a', context: '/a', endpoints: { production: 'http://prod', sandbox: null }, apiThrottlingPolicy: opts.apiPolicy ?? null, operations: [operation('GET', '/x', { throttlingPolicy: opts.resourcePolicy ?? null })] }),
    apiPublished('a'),
    applicationCreated({ applicationId: 'app', name: 'Shop', owner: 'alice', throttlingPolicy: opts.appTier ?? 'Unlimited' }),
    keysGenerated('app', 'ck'),
    subscriptionCreated('s', 'app', 'a', opts.tier ?? 'Unlimited'),
  ]);
}

const principal: Principal = {
  kind: 'OAUTH2', kid: 'k', jti: 'j', validUntilMs: Infinity, exp: null, subject: 'alice', consumerKey: 'ck', applicationId: null, keyType: null,
  scopes: new Set(), tokenType: null, subscribedApis: null, permittedIps: null, permittedReferers: null, claims: {}, appThrottleKey: null, appThrottleKeyFor: null,
};

function request(gw: ReturnType<typeof testGateway>, ip = '127.0.0.1'): { ctx: RequestContext; result: GatewayError | undefined } {
  const { ctx } = testContext(gw, 'GET', '/a/1.0.0/x', {}, ip);
  locate.run!(ctx);
  route.run!(ctx);
  ctx.principal = principal;
  assert.equal(authorize.run!(ctx), undefined);
  return { ctx, result: throttle.run!(ctx) as GatewayError | undefined };
}

const results = (gw: ReturnType<typeof testGateway>, n: number) => Array.from({ length: n }, () => request(gw).result?.code ?? 'ok');

test('the keys of every level are reported, WSO2 formats', () => {
  const { ctx } = request(testGateway(world({ apiPolicy: 'Adv', extra: [policyCreated({ level: 'ADVANCED', name: 'Adv', requestCount: 100 })] })));
  assert.deepEqual(ctx.throttleKeys, ['/a:1.0.0_default', 'app:/a:1.0.0', 'app:alice']);
  const r = request(testGateway(world({ resourcePolicy: 'Adv', extra: [policyCreated({ level: 'ADVANCED', name: 'Adv', requestCount: 100 })] })));
  assert.deepEqual(r.ctx.throttleKeys, ['/a/1.0.0/x:GET_default', 'app:/a:1.0.0', 'app:alice']);
});

test('subscription tier: exactly the limit, then 900804 with Retry-After up to the window end', () => {
  const gw = testGateway(world({ tier: 'Three', extra: [policyCreated({ level: 'SUBSCRIPTION', name: 'Three', requestCount: 3, unitTime: 1, timeUnit: 'HOUR' })] }));
  assert.deepEqual(results(gw, 4), ['ok', 'ok', 'ok', '900804']);
  const { ctx } = request(gw);
  assert.ok(ctx.retryAfterS >= 1 && ctx.retryAfterS <= 3600);
});

test('a request refused at a later level is not counted at the earlier ones', () => {
  const gw = testGateway(world({ tier: 'Two', appTier: 'One', extra: [policyCreated({ level: 'SUBSCRIPTION', name: 'Two', requestCount: 2, timeUnit: 'HOUR' }), policyCreated({ level: 'APPLICATION', name: 'One', requestCount: 1, timeUnit: 'HOUR' })] }));
  assert.deepEqual(results(gw, 3), ['ok', '900803', '900803']);
  const hour = windowAt('HOUR', 1, Date.now(), { start: 0, end: 0 });
  assert.equal(gw.counters.used('app:/a:1.0.0', hour.start), 1, 'the subscription counted only the admitted request');
});

test('order: deny policy first, then API level, then subscription, then application', () => {
  const policies = [
    policyCreated({ level: 'ADVANCED', name: 'Adv1', requestCount: 1, timeUnit: 'HOUR' }),
    policyCreated({ level: 'SUBSCRIPTION', name: 'Sub1', requestCount: 1, timeUnit: 'HOUR' }),
    policyCreated({ level: 'APPLICATION', name: 'App1', requestCount: 1, timeUnit: 'HOUR' }),
  ];
  const gw = testGateway(world({ apiPolicy: 'Adv1', tier: 'Sub1', appTier: 'App1', extra: policies }));
  assert.deepEqual(results(gw, 2), ['ok', '900800']);
  const denied = testGateway(world({ extra: [blockingAdded({ conditionId: 'd', type: 'USER', value: 'alice' })] }));
  assert.equal(request(denied).result, errors.blockedByDenyPolicy);
});

test('burst control refuses within the second (900807) even with quota left', () => {
  const gw = testGateway(world({ tier: 'Burst', extra: [policyCreated({ level: 'SUBSCRIPTION', name: 'Burst', requestCount: 1000, burstLimit: 2, burstTimeUnit: 'MIN' })] }));
  assert.deepEqual(results(gw, 3), ['ok', 'ok', '900807']);
});

test('stopOnQuotaReach=false counts but never refuses; Unlimited is not counted', () => {
  const gw = testGateway(world({ tier: 'Soft', extra: [policyCreated({ level: 'SUBSCRIPTION', name: 'Soft', requestCount: 1, timeUnit: 'HOUR', stopOnQuotaReach: false })] }));
  assert.deepEqual(results(gw, 3), ['ok', 'ok', 'ok']);
  const unlimited = testGateway(world({ extra: [policyCreated({ level: 'SUBSCRIPTION', name: 'Unlimited' })] }));
  results(unlimited, 3);
  assert.equal(unlimited.counters.size, 0);
});

test('traffic-manager decisions refuse their key until they expire; custom templates give 900806', () => {
  const gw = testGateway(world(), { customKeyTemplates: [compileKeyTemplate('$userId')] });
  gw.decisions.apply({ throttleKey: 'app:/a:1.0.0', throttledUntil: Date.now() + 10_000 });
  const r = request(gw);
  assert.equal(r.result, errors.subscriptionThrottled);
  assert.ok(r.ctx.retryAfterS >= 9);
  gw.decisions.apply({ throttleKey: 'app:/a:1.0.0', throttledUntil: 0 });
  gw.decisions.apply({ throttleKey: 'alice', throttledUntil: Date.now() + 10_000 });
  assert.equal(request(gw).result, errors.customThrottled);
});

test('bandwidth limits are charged with the bytes of the request and response once done', () => {
  const gw = testGateway(world({ tier: 'Bytes', extra: [policyCreated({ level: 'SUBSCRIPTION', name: 'Bytes', limitType: 'BANDWIDTH', requestCount: null, dataAmount: 1, dataUnit: 'KB', timeUnit: 'HOUR' })] }));
  const first = request(gw);
  assert.equal(first.result, undefined);
  first.ctx.responseBytes = 2048;
  throttle.complete!(first.ctx);
  assert.equal(request(gw).result, errors.subscriptionThrottled);
});

test('throttleHits: the counted keys with their cluster-wide limits and windows, admitted requests only', () => {
  const policies = [
    policyCreated({ level: 'SUBSCRIPTION', name: 'Thirty', requestCount: 30, timeUnit: 'MIN' }),
    policyCreated({ level: 'APPLICATION', name: 'Soft', requestCount: 5, timeUnit: 'MIN', stopOnQuotaReach: false }),
  ];
  const gw = testGateway(world({ tier: 'Thirty', appTier: 'Soft', extra: policies }), { reportThrottleHits: true });
  const { ctx } = request(gw);
  const minute = windowAt('MIN', 1, ctx.startedAt, { start: 0, end: 0 });
  assert.deepEqual(ctx.throttleHits, [{ key: 'app:/a:1.0.0', limit: 30, windowStart: minute.start, windowEnd: minute.end }], 'a level that never stops is not a hit');
  assert.equal(request(testGateway(world({ tier: 'Thirty', extra: policies }))).ctx.throttleHits, null, 'not reported unless configured');
});

test('localQuotaGateways: each gateway admits its share of a cluster-wide limit', () => {
  const gw = testGateway(world({ tier: 'Ten', extra: [policyCreated({ level: 'SUBSCRIPTION', name: 'Ten', requestCount: 10, timeUnit: 'HOUR' })] }), { localQuotaGateways: 3, reportThrottleHits: true });
  assert.deepEqual(results(gw, 5), ['ok', 'ok', 'ok', 'ok', '900804'], 'ceil(10 / 3) = 4 locally');
  assert.equal(request(gw).ctx.throttleHits, null, 'a refused request reports no hits');
});
