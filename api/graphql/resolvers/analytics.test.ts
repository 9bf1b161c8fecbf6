// The analytics GraphQL surface over the real plugin (SDL + resolvers + error catalog), with
// the analytics service on in-memory adapters and a small catalog: visibility per caller,
// reports, rankings, alerts and alert subscriptions, live request stats.
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { after, before, describe, test } from 'node:test';
import Fastify, { type FastifyInstance } from 'fastify';
import { createMemoryRequestStream } from '../../../infra/bus/memory-request-stream.ts';
import { openMemoryEventStore } from '../../../infra/eventstore/memory.ts';
import { createAnalyticsService, type AnalyticsService, type RequestStats } from '../../../projections/analytics/service.ts';
import { fact, throttled } from '../../../projections/analytics/testing/facts.ts';
import type { RequestFact } from '../../../domain/ports.ts';
import { graphqlPlugin } from '../index.ts';
import type { GqlContext, GraphQLDeps } from '../context.ts';
import { resolvers } from './analytics.ts';

const T0 = Date.UTC(2024, 6, 1, 8, 0);
const minute = (m: number) => T0 + m * 60_000;
const spread = (m: number, n: number, over: Partial<RequestFact> = {}) =>
  Array.from({ length: n }, (_, i) => fact({ at: minute(m) + Math.floor((i * 60_000) / n), ...over }));

const users = {
  admin: ['admin'],
  pub: ['publisher', 'creator'],
  sub: ['subscriber'],
  other: ['subscriber'],
};

let app: FastifyInstance;
let svc: AnalyticsService;
let deps: GraphQLDeps;

async function gql(user: keyof typeof users | null, query: string, variables: Record<string, unknown> = {}) {
  const r = await app.inject({
    method: 'POST',
    url: '/graphql',
    headers: user ? { authorization: `Bearer ${user}` } : {},
    payload: { query, variables },
  });
  return r.json() as { data: Record<string, any> | null; errors?: Array<{ message: string; extensions?: { code?: string } }> };
}

const REPORT = `query($f: AnalyticsFilter!, $g: [AnalyticsDimension!]) {
  analytics(filter: $f, groupBy: $g) {
    from to granularity totalRequests errorCount
    totals { requests errors throttled bytesIn bytesOut errorRate latency { count p50Ms p95Ms p99Ms } backendLatency { count } }
    series { start stats { requests } }
    groups { key { apiId apiName statusClass errorCode } totals { requests } }
  }
}`;

const range = { from: new Date(minute(0)).toISOString(), to: new Date(minute(30)).toISOString(), granularity: 'MINUTE' };

before(async () => {
  const store = openMemoryEventStore();
  const requests = createMemoryRequestStream();
  const clock = { now: () => new Date(minute(30)) };
  svc = createAnalyticsService({ requests, store, clock, random: { uuid: randomUUID, token: () => 't' }, statsEveryMs: 30 });
  await svc.start();
  // api-1 (provided by pub) used by app-1 (owned by sub): steady traffic, a spike, throttling.
  const facts = [
    ...Array.from({ length: 10 }, (_, m) => spread(m, 20)).flat(),
    ...spread(10, 200),
    ...spread(11, 20), ...spread(12, 20), ...spread(13, 20),
    ...Array.from({ length: 3 }, (_, i) => throttled({ at: minute(12) + i })),
    // api-2 (someone else's) used by app-2 (owned by other), with backend 5xx.
    ...spread(5, 10, { apiId: 'api-2', apiName: 'Billing', applicationId: 'app-2', applicationName: 'Books', userIp: '10.9.9.9', proxyResponseCode: 503, targetResponseCode: 503 }),
    fact({ at: minute(25), apiId: 'api-clock', applicationId: null }),
  ];
  facts.sort((a, b) => a.timestamp.localeCompare(b.timestamp)); // as a gateway emits them
  for (const f of facts) requests.publish(f);
  await svc.settle();

  const catalog = {
    users: new Map(Object.entries(users).map(([username, roles]) => [username, { username, roles }])),
    apis: new Map([['api-1', { id: 'api-1', provider: 'pub' }], ['api-2', { id: 'api-2', provider: 'someone' }]]),
    applications: new Map([['app-1', { id: 'app-1', owner: 'sub' }], ['app-2', { id: 'app-2', owner: 'other' }]]),
  };
  deps = {
    store,
    clock,
    random: { uuid: randomUUID, token: () => 't' },
    viewWaitMs: 2_000,
    runner: { view: () => catalog },
    keyManager: { authenticateUser: async (token: string) => (token in users ? { username: token, claims: {} } : undefined) },
    analytics: svc,
  } as unknown as GraphQLDeps;
  app = Fastify();
  await app.register(graphqlPlugin, deps);
  await app.ready();
});

after(async () => {
  await app?.close();
  await svc?.close();
});

describe('GraphQL analytics', () => {
  test('an admin sees all traffic; a publisher their APIs; an application owner their applications', async () => {
    const total = async (user: keyof typeof users) => (await gql(user, REPORT, { f: range })).data!.analytics.totals.requests;
    assert.equal(await total('admin'), 200 + 200 + 60 + 3 + 10 + 1);
    assert.equal(await total('pub'), 463);
    assert.equal(await total('sub'), 463);
    assert.equal(await total('other'), 10);
  });

  test('a report has totals, a zero-filled series and groups with labels', async () => {
    const r = await gql('admin', REPORT, { f: { ...range, apiId: 'api-1' }, g: ['STATUS_CLASS', 'ERROR_CODE'] });
    assert.equal(r.errors, undefined);
    const a = r.data!.analytics;
    assert.equal(a.granularity, 'MINUTE');
    assert.equal(a.totalRequests, 463);
    assert.equal(a.totals.throttled, 3);
    assert.equal(a.errorCount, 3);
    assert.equal(a.series.length, 30);
    assert.equal(a.series[10].stats.requests, 200);
    assert.equal(a.series[20].stats.requests, 0);
    assert.deepEqual(a.groups.map((g: any) => [g.key.statusClass, g.key.errorCode, g.totals.requests]), [['2xx', null, 460], ['4xx', '900804', 3]]);
    assert.ok(a.totals.latency.p50Ms > 9 && a.totals.latency.p50Ms < 10.2);
  });

  test('the first draft\'s arguments and JSON buckets still answer', async () => {
    const r = await gql('admin', 'query($from: String, $to: String) { analytics(apiId: "api-2", from: $from, to: $to) { apiId totalRequests errorCount buckets } }', { from: range.from, to: range.to });
    assert.equal(r.errors, undefined);
    assert.equal(r.data!.analytics.totalRequests, 10);
    assert.equal(r.data!.analytics.errorCount, 10);
    assert.equal(r.data!.analytics.buckets.topApis[0].key.apiName, 'Billing');
  });

  test('rankings: top APIs, applications and client IPs within what the caller may see', async () => {
    const r = await gql('admin', `query($f: AnalyticsFilter!) {
      topApis(filter: $f) { key { apiId apiName } stats { requests } }
      topApplications(filter: $f, limit: 1) { key { applicationId applicationName } stats { requests } }
      topClients(filter: $f, by: IP) { top { key count } other total }
    }`, { f: range });
    assert.deepEqual(r.data!.topApis.map((x: any) => [x.key.apiId, x.stats.requests]), [['api-1', 463], ['api-2', 10], ['api-clock', 1]]);
    assert.deepEqual(r.data!.topApplications, [{ key: { applicationId: 'app-1', applicationName: 'Shop' }, stats: { requests: 463 } }]);
    assert.deepEqual(r.data!.topClients.top, [{ key: '10.0.0.1', count: 464 }, { key: '10.9.9.9', count: 10 }]);
    const mine = await gql('other', 'query($f: AnalyticsFilter!) { topClients(filter: $f, by: IP) { top { key count } total } }', { f: range });
    assert.deepEqual(mine.data!.topClients, { top: [{ key: '10.9.9.9', count: 10 }], total: 10 });
  });

  test('bad input is refused with BAD_USER_INPUT; anonymous callers with UNAUTHENTICATED', async () => {
    const bad = await gql('admin', REPORT, { f: { from: 'yesterday' } });
    assert.equal(bad.errors?.[0]?.extensions?.code, 'BAD_USER_INPUT');
    const tooMany = await gql('admin', REPORT, { f: { from: '2000-01-01T00:00:00Z', granularity: 'MINUTE' } });
    assert.equal(tooMany.errors?.[0]?.extensions?.code, 'BAD_USER_INPUT');
    const anon = await gql(null, REPORT, { f: range });
    assert.equal(anon.errors?.[0]?.extensions?.code, 'UNAUTHENTICATED');
  });
});

describe('GraphQL alerts', () => {
  const ALERTS = '{ alerts { id kind type severity status apiId applicationId observed threshold windowStart raisedAt clearedAt streamId position } }';

  test('the spike raised and cleared an ABNORMAL_REQUEST_RATE alert, visible to its API\'s publisher and its application\'s owner', async () => {
    const admin = (await gql('admin', ALERTS)).data!.alerts;
    const kinds = admin.map((a: any) => a.kind).sort();
    assert.deepEqual(kinds, ['ABNORMAL_REQUEST_RATE', 'API_HEALTH']);
    const spike = admin.find((a: any) => a.kind === 'ABNORMAL_REQUEST_RATE');
    assert.equal(spike.status, 'CLEARED');
    assert.equal(spike.type, 'ABNORMAL_REQUEST_RATE');
    assert.equal(spike.streamId, 'alerts-api-1');
    assert.equal(spike.windowStart, new Date(minute(10)).toISOString());
    assert.match(spike.position, /^\d+$/);
    assert.deepEqual((await gql('pub', ALERTS)).data!.alerts.map((a: any) => a.kind), ['ABNORMAL_REQUEST_RATE']);
    assert.deepEqual((await gql('sub', ALERTS)).data!.alerts.map((a: any) => a.kind), ['ABNORMAL_REQUEST_RATE']);
    assert.deepEqual((await gql('other', ALERTS)).data!.alerts.map((a: any) => a.kind), []);
  });

  test('configureAlerts narrows what a user gets, idempotently', async () => {
    const CONFIGURE = 'mutation($k: [AlertKind!]!) { configureAlerts(kinds: $k, idempotencyKey: "k1") { userName kinds apiIds position } }';
    const r = await gql('sub', CONFIGURE, { k: ['API_HEALTH', 'UNUSUAL_IP_ACCESS'] });
    assert.equal(r.errors, undefined);
    assert.deepEqual(r.data!.configureAlerts.kinds, ['UNUSUAL_IP_ACCESS', 'API_HEALTH']);
    assert.deepEqual((await gql('sub', ALERTS)).data!.alerts, []);
    const again = await gql('sub', CONFIGURE, { k: ['API_HEALTH', 'UNUSUAL_IP_ACCESS'] });
    assert.equal(again.data!.configureAlerts.position, r.data!.configureAlerts.position);
    const current = await gql('sub', '{ alertSubscription { kinds } }');
    assert.deepEqual(current.data!.alertSubscription.kinds, ['UNUSUAL_IP_ACCESS', 'API_HEALTH']);
    const unknown = await gql('sub', CONFIGURE.replace('"k1"', '"k2"'), { k: ['NOPE'] });
    assert.equal(unknown.errors?.[0]?.extensions?.code, 'BAD_USER_INPUT');
  });
});

describe('GraphQL live subscriptions (resolvers)', () => {
  const ctxOf = (user: keyof typeof users): GqlContext => ({
    deps, caller: { username: user, roles: new Set(users[user]) }, authError: null, correlationId: 'c',
  });

  test('requestStats pushes the stats of the API each interval; only its provider and admins may listen', async () => {
    const feed = resolvers.Subscription.requestStats.subscribe(undefined, { apiId: 'api-1' }, ctxOf('pub'));
    const keepAlive = setTimeout(() => {}, 5_000); // the stats timer is unref'd: hold the loop open
    const first = (await feed.next()).value as { requestStats: RequestStats };
    clearTimeout(keepAlive);
    assert.equal(first.requestStats.apiId, 'api-1');
    assert.equal(typeof first.requestStats.requests, 'number');
    await feed.return!();
    assert.throws(() => resolvers.Subscription.requestStats.subscribe(undefined, { apiId: 'api-1' }, ctxOf('other')), { code: 'FORBIDDEN' });
  });
});
