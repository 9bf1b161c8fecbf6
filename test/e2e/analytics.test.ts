// Analytics end to end on the embedded composition root: real traffic through the gateway
// (successes, backend 4xx, throttled, authentication failures) → request facts → analytics
// projection → GraphQL numbers equal to what the client saw; live requestStats over WebSocket;
// and a request spike that raises, then clears, the ABNORMAL_REQUEST_RATE alert (the spike's
// facts are fed into the same service with timestamps in the past: alert windows are minutes
// of fact time, and a test cannot wait ten real minutes).
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { createClient, type Client } from 'graphql-ws';
import WebSocket from 'ws';
import { fact } from '../../projections/analytics/testing/facts.ts';
import { startBackend, type RunningBackend } from '../support/backend.ts';
import { gqlOk, login } from '../support/gql.ts';
import { startInProcess } from '../support/server.ts';

type Server = Awaited<ReturnType<typeof startInProcess>>;

let server: Server;
let backend: RunningBackend;
let admin: string;
let apiId: string;
let shop: { id: string; token: string };
let slow: { id: string; token: string };
let ws: Client;

async function application(name: string, throttlingPolicy: string) {
  const created = await gqlOk<{ createApplication: { id: string } }>(server.baseUrl, `mutation($n: String!, $p: String!) {
    createApplication(input: { name: $n, throttlingPolicy: $p }) { id } }`, { n: name, p: throttlingPolicy }, admin);
  const id = created.createApplication.id;
  await gqlOk(server.baseUrl, `mutation($a: ID!, $api: ID!) { subscribe(applicationId: $a, apiId: $api, throttlingPolicy: "Unlimited") { id } }`, { a: id, api: apiId }, admin);
  const keys = await gqlOk<{ generateKeys: { consumerKey: string; consumerSecret: string } }>(server.baseUrl, `mutation($a: ID!) {
    generateKeys(applicationId: $a, keyType: PRODUCTION, grantTypes: ["client_credentials"]) { consumerKey consumerSecret } }`, { a: id }, admin);
  const res = await fetch(`${server.baseUrl}/oauth2/token`, {
    method: 'POST',
    headers: {
      'content-type': 'application/x-www-form-urlencoded',
      authorization: `Basic ${Buffer.from(`${keys.generateKeys.consumerKey}:${keys.generateKeys.consumerSecret}`).toString('base64')}`,
    },
    body: 'grant_type=client_credentials',
  });
  const body = (await res.json()) as { access_token: string };
  assert.equal(res.status, 200, JSON.stringify(body));
  return { id, token: body.access_token };
}

/** Calls the gateway; returns status and the WSO2 error code when the gateway (not the backend) answered. */
async function call(path: string, headers: Record<string, string> = {}): Promise<{ status: number; code: string | null }> {
  const res = await fetch(`${server.gatewayUrl}${path}`, { headers });
  const text = await res.text();
  if (res.headers.get('x-backend') === 'echo') return { status: res.status, code: null };
  const code = (JSON.parse(text) as { code?: string | number }).code;
  return { status: res.status, code: code === undefined ? null : String(code) };
}

before(async () => {
  backend = await startBackend();
  server = await startInProcess({ gateway: true });
  admin = await login(server.baseUrl, 'admin', server.adminPassword);
  const created = await gqlOk<{ createApi: { id: string } }>(server.baseUrl, `mutation($url: String!) {
    createApi(input: { name: "Orders", context: "/orders", version: "1.0.0", endpoints: { production: $url },
      operations: [{ verb: GET, target: "/items/{id}" }], subscriptionPolicies: ["Unlimited"] }) { id } }`, { url: backend.url }, admin);
  apiId = created.createApi.id;
  await gqlOk(server.baseUrl, `mutation($id: ID!) { changeLifecycle(apiId: $id, action: PUBLISH) { id } }`, { id: apiId }, admin);
  shop = await application('Shop', 'Unlimited');
  slow = await application('Slow', '10PerMin');
  ws = createClient({ url: `${server.baseUrl.replace('http', 'ws')}/graphql`, webSocketImpl: WebSocket, connectionParams: { authorization: `Bearer ${admin}` }, retryAttempts: 0 });
});

after(async () => {
  await ws?.dispose();
  await server?.stop();
  await backend?.close();
});

/** Collects a subscription's payloads until `done` says so (or the timeout). */
function collect<T>(query: string, variables: Record<string, unknown>, done: (all: T[]) => boolean, timeoutMs: number) {
  const all: T[] = [];
  let stop = () => {};
  const finished = new Promise<T[]>((resolve, reject) => {
    const timer = setTimeout(() => {
      stop();
      reject(new Error(`subscription gave ${JSON.stringify(all)} within ${timeoutMs} ms`));
    }, timeoutMs);
    stop = ws.subscribe<T>({ query, variables }, {
      next: (msg) => {
        if (msg.errors) return reject(new Error(JSON.stringify(msg.errors)));
        all.push(msg.data as T);
        if (done(all)) {
          clearTimeout(timer);
          stop();
          resolve(all);
        }
      },
      error: (e) => reject(e instanceof Error ? e : new Error(JSON.stringify(e))),
      complete: () => {},
    });
  });
  return finished;
}

describe('analytics end to end', () => {
  test('a request spike of an application raises, then clears, ABNORMAL_REQUEST_RATE (query and live subscription)', async () => {
    type Change = { alerts: { change: string; alert: { id: string; kind: string; status: string; applicationId: string } } };
    const changes = collect<Change>('subscription($api: ID) { alerts(apiId: $api) { change alert { id kind status applicationId } } }', { api: apiId }, (all) => all.length >= 2, 15_000);
    await new Promise((r) => setTimeout(r, 300)); // let the subscription start

    // Three hours ago: ten quiet minutes, a spike, quiet again; the facts the gateway would have sent.
    const t0 = Math.floor((Date.now() - 3 * 3_600_000) / 60_000) * 60_000;
    const like = { apiId, apiName: 'Orders', apiContext: '/orders', applicationId: shop.id, applicationName: 'Shop', userName: 'admin' };
    const minute = (m: number, n: number) => Array.from({ length: n }, (_, i) => fact({ ...like, at: t0 + m * 60_000 + Math.floor((i * 60_000) / n) }));
    await server.analytics.ingest([
      ...Array.from({ length: 10 }, (_, m) => minute(m, 20)).flat(),
      ...minute(10, 240),
      ...minute(11, 20), ...minute(12, 20), ...minute(13, 20), ...minute(20, 1),
    ]);
    await server.analytics.settle();

    const seen = (await changes).map((c) => [c.alerts.change, c.alerts.alert.kind, c.alerts.alert.applicationId]);
    assert.deepEqual(seen, [['RAISED', 'ABNORMAL_REQUEST_RATE', shop.id], ['CLEARED', 'ABNORMAL_REQUEST_RATE', shop.id]]);
    const listed = await gqlOk<{ alerts: Array<{ kind: string; status: string; observed: number; windowStart: string; streamId: string }> }>(server.baseUrl,
      '{ alerts(kinds: [ABNORMAL_REQUEST_RATE]) { kind status observed windowStart streamId } }', {}, admin);
    assert.deepEqual(listed.alerts, [{ kind: 'ABNORMAL_REQUEST_RATE', status: 'CLEARED', observed: 240, windowStart: new Date(t0 + 10 * 60_000).toISOString(), streamId: `alerts-${apiId}` }]);
  });

  test('traffic through the gateway: the GraphQL analytics equal what the clients saw', async () => {
    const from = new Date(Date.now() - 60_000).toISOString();
    const live = collect<{ requestStats: { requests: number } }>('subscription($api: ID!) { requestStats(apiId: $api) { requests } }', { api: apiId },
      (all) => all.reduce((s, x) => s + x.requestStats.requests, 0) >= 49, 20_000);
    await new Promise((r) => setTimeout(r, 300));

    const outcomes: Array<{ status: number; code: string | null; app: string | null }> = [];
    const send = async (n: number, path: string, headers: Record<string, string>, app: string | null) => {
      for (let i = 0; i < n; i++) outcomes.push({ ...(await call(path, headers)), app });
    };
    await send(12, '/orders/1.0.0/items/1', { authorization: `Bearer ${shop.token}` }, shop.id); // successes
    await send(5, '/orders/1.0.0/items/2?status=404', { authorization: `Bearer ${shop.token}` }, shop.id); // backend 4xx
    await send(25, '/orders/1.0.0/items/3', { authorization: `Bearer ${slow.token}` }, slow.id); // 10/min, then throttled
    await send(4, '/orders/1.0.0/items/4', { authorization: 'Bearer not-a-token' }, null); // invalid credentials
    await send(3, '/orders/1.0.0/items/5', {}, null); // missing credentials

    const count = (p: (o: (typeof outcomes)[number]) => boolean) => outcomes.filter(p).length;
    const throttledSeen = count((o) => o.status === 429);
    assert.ok(throttledSeen >= 5, `the 10PerMin application was throttled (${throttledSeen})`);
    assert.equal(count((o) => o.status === 401), 7);
    assert.equal(count((o) => o.status === 404), 5);
    await server.analytics.settle();

    const STATS = 'requests errors throttled latency { count p50Ms p99Ms } backendLatency { count }';
    const r = await gqlOk<{ analytics: any; topApplications: any[] }>(server.baseUrl, `query($f: AnalyticsFilter!) {
      analytics(filter: $f, groupBy: [STATUS_CLASS, ERROR_CODE]) { totals { ${STATS} } groups { key { statusClass errorCode } totals { requests } } }
      topApplications(filter: $f) { key { applicationId applicationName } stats { requests errors throttled } }
    }`, { f: { from, to: new Date(Date.now() + 60_000).toISOString(), granularity: 'MINUTE', apiId } }, admin);

    const totals = r.analytics.totals;
    assert.equal(totals.requests, outcomes.length);
    assert.equal(totals.errors, count((o) => o.status >= 400));
    assert.equal(totals.throttled, throttledSeen);
    assert.equal(totals.latency.count, outcomes.length);
    assert.equal(totals.backendLatency.count, count((o) => o.code === null), 'backend time only for requests that reached it');
    assert.ok(totals.latency.p99Ms >= totals.latency.p50Ms && totals.latency.p50Ms > 0);

    const expected = new Map<string, number>();
    for (const o of outcomes) {
      const key = `${Math.floor(o.status / 100)}xx/${o.code}`;
      expected.set(key, (expected.get(key) ?? 0) + 1);
    }
    const got = new Map<string, number>(r.analytics.groups.map((g: any) => [`${g.key.statusClass}/${g.key.errorCode}`, g.totals.requests]));
    assert.deepEqual(Object.fromEntries([...got].sort()), Object.fromEntries([...expected].sort()));

    const apps = Object.fromEntries(r.topApplications.map((a: any) => [a.key.applicationName ?? '(none)', a.stats]));
    assert.deepEqual(apps.Shop, { requests: 17, errors: 5, throttled: 0 });
    assert.deepEqual(apps.Slow, { requests: 25, errors: throttledSeen, throttled: throttledSeen });

    const pushed = await live;
    assert.equal(pushed.reduce((s, x) => s + x.requestStats.requests, 0), outcomes.length);
  });
});
