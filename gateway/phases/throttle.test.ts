import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
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

describe('backend hard limit (maxTps)', () => {
  /** A wall-clock second, 100 ms in: every request of a test lands in a window it chooses. */
  const SECOND = 1_800_000_000_000 + 100;

  function limited(maxTps: { production: number | null; sandbox: number | null }, opts: { tier?: string; appTier?: string; apiPolicy?: string; extra?: GatehouseEvent[] } = {}) {
    return testGateway(mapOf([
      ...(opts.extra ?? []),
      apiCreated({ apiId: 'a', context: '/a', endpoints: { production: 'http://prod', sandbox: 'http://sandbox' }, apiThrottlingPolicy: opts.apiPolicy ?? null, maxTps, operations: [operation('GET', '/x'), operation('GET', '/open', { authType: 'NONE' })] }),
      apiPublished('a'),
      applicationCreated({ applicationId: 'app', name: 'Shop', owner: 'alice', throttlingPolicy: opts.appTier ?? 'Unlimited' }),
      keysGenerated('app', 'ck'),
      keysGenerated('app', 'sk', 'SANDBOX'),
      subscriptionCreated('s', 'app', 'a', opts.tier ?? 'Unlimited'),
    ]));
  }

  /** One request through locate → route → authorize → throttle at `at` (epoch ms) with the key's type. */
  function call(gw: ReturnType<typeof testGateway>, at: number, consumerKey: string | null = 'ck', path = '/a/1.0.0/x'): { ctx: RequestContext; code: string } {
    const { ctx } = testContext(gw, 'GET', path);
    (ctx as unknown as { startedAt: number }).startedAt = at;
    locate.run!(ctx);
    route.run!(ctx);
    ctx.principal = consumerKey === null ? null : { ...principal, consumerKey };
    assert.equal(authorize.run!(ctx), undefined);
    const result = throttle.run!(ctx) as GatewayError | undefined;
    return { ctx, code: result?.code ?? 'ok' };
  }
  const burst = (gw: ReturnType<typeof testGateway>, n: number, at: number, key: string | null = 'ck', path?: string) =>
    Array.from({ length: n }, (_, i) => call(gw, at + i, key, path).code);

  test('exactly maxTps per second, then 503/900801 with Retry-After to the end of the second; the next second serves again', () => {
    const gw = limited({ production: 3, sandbox: null });
    assert.deepEqual(burst(gw, 5, SECOND), ['ok', 'ok', 'ok', '900801', '900801']);
    const refused = call(gw, SECOND + 800);
    assert.equal(refused.ctx.retryAfterS, 1);
    assert.equal(errors.hardLimitExceeded.status, 503);
    assert.equal(errors.hardLimitExceeded.retryAfter, true);
    assert.deepEqual(burst(gw, 4, SECOND + 1000), ['ok', 'ok', 'ok', '900801']);
  });

  test('per key type: a sandbox key is unaffected when only production is limited; sandbox has its own counter', () => {
    const gw = limited({ production: 1, sandbox: null });
    assert.deepEqual(burst(gw, 2, SECOND), ['ok', '900801']);
    assert.deepEqual(burst(gw, 5, SECOND, 'sk'), ['ok', 'ok', 'ok', 'ok', 'ok']);
    const both = limited({ production: 1, sandbox: 2 });
    assert.deepEqual(burst(both, 3, SECOND, 'sk'), ['ok', 'ok', '900801']);
    assert.deepEqual(burst(both, 2, SECOND), ['ok', '900801'], 'the sandbox burst used none of production');
    const sandboxOnly = limited({ production: null, sandbox: 1 });
    assert.deepEqual(burst(sandboxOnly, 3, SECOND), ['ok', 'ok', 'ok']);
  });

  test('a resource with auth type NONE (no credentials) counts as production', () => {
    const gw = limited({ production: 2, sandbox: null });
    assert.deepEqual(burst(gw, 3, SECOND, null, '/a/1.0.0/open'), ['ok', 'ok', '900801']);
    assert.equal(call(gw, SECOND + 5).code, '900801', 'the same production counter as keyed requests');
  });

  test('order: a deny policy answers first (and is not counted), the hard limit before the API-level policy', () => {
    const denied = limited({ production: 1, sandbox: null }, { extra: [blockingAdded({ conditionId: 'd', type: 'USER', value: 'alice' })] });
    assert.deepEqual(burst(denied, 2, SECOND), ['900805', '900805']);
    assert.equal(denied.hardLimits.PRODUCTION.used('a', SECOND - 100), 0);
    const gw = limited({ production: 1, sandbox: null }, { apiPolicy: 'Adv1', extra: [policyCreated({ level: 'ADVANCED', name: 'Adv1', requestCount: 1, timeUnit: 'HOUR' })] });
    assert.deepEqual(burst(gw, 2, SECOND), ['ok', '900801']);
    assert.equal(call(gw, SECOND + 1000).code, '900800', 'next second the hard limit admits and the API policy refuses');
  });

  test('requests refused by the hard limit do not count against subscription or application quotas', () => {
    const gw = limited({ production: 1, sandbox: null }, {
      tier: 'Three',
      appTier: 'AppTen',
      extra: [policyCreated({ level: 'SUBSCRIPTION', name: 'Three', requestCount: 3, timeUnit: 'HOUR' }), policyCreated({ level: 'APPLICATION', name: 'AppTen', requestCount: 10, timeUnit: 'HOUR' })],
    });
    assert.deepEqual(burst(gw, 4, SECOND), ['ok', '900801', '900801', '900801']);
    const hour = windowAt('HOUR', 1, SECOND, { start: 0, end: 0 });
    assert.equal(gw.counters.used('app:/a:1.0.0', hour.start), 1);
    assert.equal(gw.counters.used('app:alice', hour.start), 1);
    assert.equal(call(gw, SECOND + 1000).code, 'ok');
    assert.equal(call(gw, SECOND + 2000).code, 'ok');
    assert.equal(call(gw, SECOND + 3000).code, '900804', 'three admitted requests used the 3/hour tier');
  });

  test('a request refused by a later level does not use the hard limit', () => {
    const gw = limited({ production: 2, sandbox: null }, { tier: 'One', extra: [policyCreated({ level: 'SUBSCRIPTION', name: 'One', requestCount: 1, timeUnit: 'HOUR' })] });
    assert.deepEqual(burst(gw, 3, SECOND), ['ok', '900804', '900804']);
    assert.equal(gw.hardLimits.PRODUCTION.used('a', SECOND - 100), 1);
  });

  test('no maxTps: nothing counted in the hard-limit counters', () => {
    const gw = testGateway(world());
    results(gw, 3);
    assert.equal(gw.hardLimits.PRODUCTION.size + gw.hardLimits.SANDBOX.size, 0);
  });
});
