// The gateway end to end: a real echo backend in its own process, the gateway following a
// SQLite event store, state written as domain events, tokens minted with the key recorded in
// the log. The consumer story, then every error row of SPEC.md's gateway table.
import assert from 'node:assert/strict';
import { request as httpRequest } from 'node:http';
import { after, before, describe, test } from 'node:test';
import { decodeProtectedHeader, importJWK, jwtVerify, type JWK } from 'jose';
import type { GatehouseEvent } from '../../domain/events.ts';
import type { KeyType } from '../../domain/application/events.ts';
import type { SubscriptionStatus } from '../../domain/subscription/events.ts';
import type { Operation } from '../../domain/api/events.ts';
import {
  apiCreated,
  apiLifecycle,
  apiPublished,
  applicationCreated,
  blockingAdded,
  keysGenerated,
  operation,
  policyCreated,
  subscriptionBlocked,
  subscriptionCreated,
  subscriptionUnblocked,
  tokenRevoked,
} from '../../projections/gateway-map/fixtures.ts';
import { startHarness, type GatewayResponse, type Harness } from './gateway.harness.ts';

let h: Harness;
let seq = 0;

before(async () => {
  h = await startHarness({ backend: { headersTimeoutMs: 1_500 }, customKeyTemplates: ['$apiContext:$apiVersion:$userId'] });
});
after(async () => {
  await h.close();
});

interface Setup {
  apiId: string;
  appId: string;
  subId: string;
  context: string;
  consumerKey: string;
  sandboxKey: string;
  /** Bearer header of a valid production token. */
  auth: Record<string, string>;
  sandboxAuth: Record<string, string>;
  base: string;
}

/** One published API on the echo backend, an application with both key types, subscribed. */
async function setup(opts: {
  operations?: Operation[];
  tier?: string;
  appTier?: string;
  status?: SubscriptionStatus;
  sandbox?: boolean;
  production?: string | null;
  apiThrottlingPolicy?: string | null;
  backendJwt?: boolean;
  extra?: GatehouseEvent[];
  securitySchemes?: ('OAUTH2' | 'API_KEY')[];
} = {}): Promise<Setup> {
  const n = ++seq;
  const apiId = `api-${n}`;
  const appId = `app-${n}`;
  const subId = `sub-${n}`;
  const context = `/svc${n}`;
  const production = opts.production === undefined ? `${h.backend.url}/prod` : opts.production;
  await h.publish(
    ...(opts.extra ?? []),
    apiCreated({
      apiId,
      context,
      endpoints: { production, sandbox: opts.sandbox === false ? null : `${h.backend.url}/sandbox` },
      operations: opts.operations ?? [operation('GET', '/items/{id}'), operation('POST', '/items'), operation('GET', '/open', { authType: 'NONE' })],
      apiThrottlingPolicy: opts.apiThrottlingPolicy ?? null,
      backendJwt: opts.backendJwt ?? false,
      securitySchemes: opts.securitySchemes ?? ['OAUTH2', 'API_KEY'],
    }),
    apiPublished(apiId),
    applicationCreated({ applicationId: appId, name: `App${n}`, owner: `owner${n}`, throttlingPolicy: opts.appTier ?? 'Unlimited' }),
    keysGenerated(appId, `ck-${n}`, 'PRODUCTION'),
    keysGenerated(appId, `sk-${n}`, 'SANDBOX'),
    subscriptionCreated(subId, appId, apiId, opts.tier ?? 'Unlimited', opts.status ?? 'UNBLOCKED'),
  );
  const prod = await h.token({ azp: `ck-${n}`, keytype: 'PRODUCTION' as KeyType, sub: `user${n}` });
  const sand = await h.token({ azp: `sk-${n}`, keytype: 'SANDBOX' as KeyType, sub: `user${n}` });
  return {
    apiId,
    appId,
    subId,
    context,
    consumerKey: `ck-${n}`,
    sandboxKey: `sk-${n}`,
    auth: { authorization: `Bearer ${prod}` },
    sandboxAuth: { authorization: `Bearer ${sand}` },
    base: `${context}/1.0.0`,
  };
}

function assertError(r: GatewayResponse, status: number, code: string): void {
  assert.equal(r.status, status, `expected ${status}/${code}, got ${r.status}: ${r.text}`);
  const body = r.json<{ code: string; message: string; description: string }>();
  assert.equal(body.code, code);
  assert.equal(typeof body.message, 'string');
  assert.equal(typeof body.description, 'string');
  assert.match(String(r.headers['content-type']), /application\/json/);
}

/** A GET through node:http, which sends headers undici would refuse (Connection lists). */
function rawCall(path: string, headers: Record<string, string>): Promise<GatewayResponse> {
  return new Promise((resolve, reject) => {
    const req = httpRequest(`${h.gateway.url}${path}`, { headers, agent: false }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => {
        const text = Buffer.concat(chunks).toString('utf8');
        resolve({ status: res.statusCode ?? 0, headers: res.headers, text, json: <T>() => JSON.parse(text) as T });
      });
    });
    req.on('error', reject);
    req.end();
  });
}

/** The request fact of one request, once the stream delivered it. */
async function factsFor(correlationId: string) {
  for (let i = 0; i < 100; i++) {
    const f = h.facts.find((x) => x.requestId === correlationId);
    if (f) return f;
    await new Promise((r) => setTimeout(r, 10));
  }
  throw new Error(`no request fact for ${correlationId}`);
}

/** Sleeps past the next wall-clock minute boundary if it is less than `margin` s away. */
async function awayFromMinuteEdge(marginS: number): Promise<void> {
  const s = (Date.now() / 1000) % 60;
  if (s > 60 - marginS) await new Promise((r) => setTimeout(r, (60 - s) * 1000 + 100));
}

describe('consumer story', () => {
  test('publish → subscribe → token → 200; the backend sees the backend JWT, the correlation id and no client credentials', async () => {
    const s = await setup({ backendJwt: true });
    const n = s.appId.split('-')[1];
    const r = await rawCall(`${s.base}/items/42?expand=true`, { ...s.auth, 'x-correlation-id': 'story-1', 'user-agent': 'story-test', 'x-custom': 'kept', connection: 'keep-alive, x-hop', 'x-hop': 'dropped' });
    assert.equal(r.status, 200, r.text);
    const echo = h.echo(r);
    assert.equal(echo.method, 'GET');
    assert.equal(echo.url, '/prod/items/42?expand=true', 'the endpoint base path + resource path + query');
    assert.equal(echo.headers.authorization, undefined, 'the client Authorization is not forwarded');
    assert.equal(echo.headers['x-correlation-id'], 'story-1');
    assert.equal(r.headers['x-correlation-id'], 'story-1');
    assert.equal(echo.headers['x-custom'], 'kept');
    assert.equal(echo.headers['x-hop'], undefined, 'headers named in Connection are hop-by-hop');
    assert.equal(echo.headers['x-forwarded-for'], '127.0.0.1');

    const assertion = echo.headers['x-jwt-assertion'];
    assert.equal(typeof assertion, 'string');
    const jwks = (await h.call('/_gatehouse/jwks')).json<{ keys: JWK[] }>();
    const key = await importJWK(jwks.keys[0]!, 'ES256');
    const { payload } = await jwtVerify(assertion as string, key);
    assert.equal(decodeProtectedHeader(assertion as string).kid, jwks.keys[0]!.kid);
    assert.equal(payload.iss, 'wso2.org/products/am');
    const c = 'http://wso2.org/claims/';
    assert.equal(payload[`${c}applicationid`], s.appId);
    assert.equal(payload[`${c}applicationname`], `App${n}`);
    assert.equal(payload[`${c}subscriber`], `owner${n}`);
    assert.equal(payload[`${c}apicontext`], `${s.context}/1.0.0`);
    assert.equal(payload[`${c}version`], '1.0.0');
    assert.equal(payload[`${c}tier`], 'Unlimited');
    assert.equal(payload[`${c}keytype`], 'PRODUCTION');
    assert.equal(payload[`${c}enduser`], `user${n}`);

    const fact = await factsFor('story-1');
    assert.equal(fact.apiId, s.apiId);
    assert.equal(fact.applicationId, s.appId);
    assert.equal(fact.apiResourceTemplate, '/items/{id}');
    assert.equal(fact.keyType, 'PRODUCTION');
    assert.equal(fact.proxyResponseCode, 200);
    assert.equal(fact.targetResponseCode, 200);
    assert.equal(fact.userAgent, 'story-test');
    assert.equal(fact.errorCode, null);
    assert.ok(fact.backendLatencyMs !== null && fact.backendLatencyMs >= 0);
    assert.ok(fact.responseLatencyMs >= fact.backendLatencyMs!);
    assert.deepEqual(fact.throttleKeys, [`${s.appId}:${s.context}:1.0.0`, `${s.appId}:user${n}`, `${s.context}:1.0.0:user${n}`]);
  });

  test('without backendJwt the backend gets no X-JWT-Assertion; a client-sent one is stripped', async () => {
    const s = await setup();
    const r = await h.call(`${s.base}/items/1`, { headers: { ...s.auth, 'x-jwt-assertion': 'forged' } });
    assert.equal(h.echo(r).headers['x-jwt-assertion'], undefined);
  });

  test('request and response bodies stream through; POST with a JSON body', async () => {
    const s = await setup();
    const body = JSON.stringify({ name: 'x'.repeat(200_000) });
    const r = await h.call(`${s.base}/items`, { method: 'POST', headers: { ...s.auth, 'content-type': 'application/json' }, body });
    assert.equal(r.status, 200);
    assert.equal(h.echo(r).body, body);
    const big = await h.call(`${s.base}/items/1?bytes=3000000`, { headers: s.auth });
    assert.equal(big.status, 200);
    assert.equal(big.text.length, 3_000_000);
  });

  test('the default version answers at /{context} too', async () => {
    const s = await setup();
    await h.publish({ type: 'DefaultApiVersionChanged', data: { name: 'x', context: s.context, apiId: s.apiId, version: '1.0.0', previousApiId: null } });
    const r = await h.call(`${s.context}/items/9`, { headers: s.auth });
    assert.equal(r.status, 200);
    assert.equal(h.echo(r).url, '/prod/items/9');
  });

  test('a resource with auth type NONE needs no credentials and counts against Unauthenticated', async () => {
    const s = await setup();
    const r = await h.call(`${s.base}/open`);
    assert.equal(r.status, 200);
    const f = await factsFor(String(r.headers['x-correlation-id']));
    assert.equal(f.applicationId, null);
    assert.deepEqual(f.throttleKeys.slice(0, 1), [`127.0.0.1:${s.context}:1.0.0`]);
  });

  test('CORS: a preflight is answered from the API policy; allowed origins get the header on responses', async () => {
    const n = ++seq;
    await h.publish(
      apiCreated({ apiId: `cors-${n}`, context: `/cors${n}`, endpoints: { production: h.backend.url, sandbox: null }, operations: [operation('GET', '/x', { authType: 'NONE' })], cors: { enabled: true, allowOrigins: ['https://app.example'], allowCredentials: true, allowHeaders: ['authorization', 'content-type'], allowMethods: ['GET', 'POST'] } }),
      apiPublished(`cors-${n}`),
    );
    const pre = await h.call(`/cors${n}/1.0.0/x`, { method: 'OPTIONS', headers: { origin: 'https://app.example', 'access-control-request-method': 'GET' } });
    assert.equal(pre.status, 204);
    assert.equal(pre.headers['access-control-allow-origin'], 'https://app.example');
    assert.equal(pre.headers['access-control-allow-credentials'], 'true');
    assert.equal(pre.headers['access-control-allow-methods'], 'GET,POST');
    assert.equal(pre.headers['access-control-allow-headers'], 'authorization,content-type');
    const other = await h.call(`/cors${n}/1.0.0/x`, { method: 'OPTIONS', headers: { origin: 'https://evil.example', 'access-control-request-method': 'GET' } });
    assert.equal(other.headers['access-control-allow-origin'], undefined);
    const get = await h.call(`/cors${n}/1.0.0/x`, { headers: { origin: 'https://app.example' } });
    assert.equal(get.status, 200);
    assert.equal(get.headers['access-control-allow-origin'], 'https://app.example');
    const err = await h.call(`/cors${n}/1.0.0/missing`, { headers: { origin: 'https://app.example' } });
    assert.equal(err.status, 404);
    assert.equal(err.headers['access-control-allow-origin'], 'https://app.example', 'errors are readable by the allowed origin');
  });
});

describe('every error row of the gateway table', () => {
  test('900902 missing credentials → 401', async () => {
    const s = await setup();
    const r = await h.call(`${s.base}/items/1`);
    assertError(r, 401, '900902');
    assert.match(String(r.headers['www-authenticate']), /^Bearer/);
    assertError(await h.call(`${s.base}/items/1`, { headers: { authorization: 'Basic abc' } }), 401, '900902');
  });

  test('900901 invalid credentials → 401 (garbage, unknown consumer key)', async () => {
    const s = await setup();
    assertError(await h.call(`${s.base}/items/1`, { headers: { authorization: 'Bearer not-a-jwt' } }), 401, '900901');
    const stranger = await h.token({ azp: 'no-such-client' });
    assertError(await h.call(`${s.base}/items/1`, { headers: { authorization: `Bearer ${stranger}` } }), 401, '900901');
  });

  test('900901 revocation takes effect: the same token works, is revoked, then fails', async () => {
    const s = await setup();
    const jti = `revoke-me-${seq}`;
    const token = await h.token({ azp: s.consumerKey, jti });
    const auth = { authorization: `Bearer ${token}` };
    assert.equal((await h.call(`${s.base}/items/1`, { headers: auth })).status, 200);
    await h.publish(tokenRevoked(jti, Math.floor(Date.now() / 1000) + 3600));
    assertError(await h.call(`${s.base}/items/1`, { headers: auth }), 401, '900901');
    assert.equal((await h.call(`${s.base}/items/1`, { headers: s.auth })).status, 200, 'other tokens keep working');
  });

  test('900901 a key type with no endpoint on the API (sandbox key, no sandbox endpoint)', async () => {
    const s = await setup({ sandbox: false });
    assertError(await h.call(`${s.base}/items/1`, { headers: s.sandboxAuth }), 401, '900901');
    assert.equal((await h.call(`${s.base}/items/1`, { headers: s.auth })).status, 200);
  });

  test('900906 no matching resource → 404 (unknown API, unknown path, wrong verb)', async () => {
    const s = await setup();
    assertError(await h.call('/nothing-here/1.0.0/x', { headers: s.auth }), 404, '900906');
    assertError(await h.call(`${s.base}/unknown`, { headers: s.auth }), 404, '900906');
    assertError(await h.call(`${s.base}/items/1`, { method: 'DELETE', headers: s.auth }), 404, '900906');
  });

  test('900907 blocked subscription → 401; unblocking restores access', async () => {
    const s = await setup();
    await h.publish(subscriptionBlocked(s.subId, s.appId, s.apiId));
    assertError(await h.call(`${s.base}/items/1`, { headers: s.auth }), 401, '900907');
    assertError(await h.call(`${s.base}/items/1`, { headers: s.sandboxAuth }), 401, '900907');
    await h.publish(subscriptionUnblocked(s.subId, s.appId, s.apiId));
    assert.equal((await h.call(`${s.base}/items/1`, { headers: s.auth })).status, 200);
  });

  test('900907 production-only block: production keys refused, a sandbox key still works (sandbox endpoint)', async () => {
    const s = await setup();
    await h.publish(subscriptionBlocked(s.subId, s.appId, s.apiId, true));
    assertError(await h.call(`${s.base}/items/1`, { headers: s.auth }), 401, '900907');
    const r = await h.call(`${s.base}/items/1`, { headers: s.sandboxAuth });
    assert.equal(r.status, 200);
    assert.equal(h.echo(r).url, '/sandbox/items/1', 'the sandbox key goes to the sandbox endpoint');
  });

  test('900908 not subscribed → 403', async () => {
    const s = await setup();
    const other = await setup();
    assertError(await h.call(`${s.base}/items/1`, { headers: other.auth }), 403, '900908');
  });

  test('900909 inactive subscription (ON_HOLD, REJECTED) → 401', async () => {
    const onHold = await setup({ status: 'ON_HOLD' });
    assertError(await h.call(`${onHold.base}/items/1`, { headers: onHold.auth }), 401, '900909');
    const rejected = await setup({ status: 'REJECTED' });
    assertError(await h.call(`${rejected.base}/items/1`, { headers: rejected.auth }), 401, '900909');
  });

  test('900910 scope refusal → 403; a token with the scope passes', async () => {
    const s = await setup({ operations: [operation('GET', '/admin', { scopes: ['orders:admin'] }), operation('GET', '/items/{id}')] });
    assertError(await h.call(`${s.base}/admin`, { headers: s.auth }), 403, '900910');
    const scoped = await h.token({ azp: s.consumerKey, scope: 'default orders:admin' });
    assert.equal((await h.call(`${s.base}/admin`, { headers: { authorization: `Bearer ${scoped}` } })).status, 200);
  });

  test('700700 API blocked → 503, for everyone; republished it serves again', async () => {
    const s = await setup();
    await h.publish(apiLifecycle(s.apiId, 'BLOCKED'));
    assertError(await h.call(`${s.base}/items/1`, { headers: s.auth }), 503, '700700');
    assertError(await h.call(`${s.base}/open`), 503, '700700');
    await h.publish(apiLifecycle(s.apiId, 'PUBLISHED', 'BLOCKED'));
    assert.equal((await h.call(`${s.base}/items/1`, { headers: s.auth })).status, 200);
  });

  test('900804 a 5/min custom subscription tier gives exactly 5, then 429 with Retry-After', async () => {
    await awayFromMinuteEdge(10);
    const tier = `FivePerMin${seq}`;
    const s = await setup({ tier, extra: [policyCreated({ level: 'SUBSCRIPTION', name: tier, requestCount: 5, unitTime: 1, timeUnit: 'MIN' })] });
    const statuses: number[] = [];
    for (let i = 0; i < 5; i++) statuses.push((await h.call(`${s.base}/items/${i}`, { headers: s.auth })).status);
    assert.deepEqual(statuses, [200, 200, 200, 200, 200]);
    const sixth = await h.call(`${s.base}/items/6`, { headers: s.auth });
    assertError(sixth, 429, '900804');
    const retryAfter = Number(sixth.headers['retry-after']);
    assert.ok(retryAfter >= 1 && retryAfter <= 60, `Retry-After ${sixth.headers['retry-after']}`);
    const fact = await factsFor(String(sixth.headers['x-correlation-id']));
    assert.equal(fact.errorType, 'THROTTLED');
    assert.equal(fact.targetResponseCode, null, 'a throttled request never reaches the backend');
  });

  test('900807 burst control: 2/sec on top of a large quota', async () => {
    const tier = `Burst${seq}`;
    const s = await setup({ tier, extra: [policyCreated({ level: 'SUBSCRIPTION', name: tier, requestCount: 1000, burstLimit: 2, burstTimeUnit: 'SEC' })] });
    // Three in a row land in at most two wall-clock seconds; the first two of one second pass.
    const statuses: number[] = [];
    for (let i = 0; i < 3; i++) statuses.push((await h.call(`${s.base}/items/1`, { headers: s.auth })).status);
    const refused = await h.call(`${s.base}/items/1`, { headers: s.auth });
    if (statuses.includes(429)) assert.deepEqual(statuses, [200, 200, 429]);
    else assertError(refused, 429, '900807');
    assert.ok(statuses.includes(429) || refused.status === 429);
  });

  test('stopOnQuotaReach=false only counts: the request passes beyond the quota', async () => {
    const tier = `Soft${seq}`;
    const s = await setup({ tier, extra: [policyCreated({ level: 'SUBSCRIPTION', name: tier, requestCount: 1, unitTime: 1, timeUnit: 'HOUR', stopOnQuotaReach: false })] });
    for (let i = 0; i < 3; i++) assert.equal((await h.call(`${s.base}/items/1`, { headers: s.auth })).status, 200);
  });

  test('900803 application tier per user → 429', async () => {
    const tier = `App2${seq}`;
    const s = await setup({ appTier: tier, extra: [policyCreated({ level: 'APPLICATION', name: tier, requestCount: 2, unitTime: 1, timeUnit: 'HOUR' })] });
    assert.equal((await h.call(`${s.base}/items/1`, { headers: s.auth })).status, 200);
    assert.equal((await h.call(`${s.base}/items/1`, { headers: s.auth })).status, 200);
    assertError(await h.call(`${s.base}/items/1`, { headers: s.auth }), 429, '900803');
    // Another user of the same application has their own quota.
    const bob = await h.token({ azp: s.consumerKey, sub: 'bob' });
    assert.equal((await h.call(`${s.base}/items/1`, { headers: { authorization: `Bearer ${bob}` } })).status, 200);
  });

  test('900800 API-level advanced policy → 429', async () => {
    const name = `Adv${seq}`;
    const s = await setup({ apiThrottlingPolicy: name, extra: [policyCreated({ level: 'ADVANCED', name, requestCount: 1, unitTime: 1, timeUnit: 'HOUR' })] });
    assert.equal((await h.call(`${s.base}/items/1`, { headers: s.auth })).status, 200);
    const r = await h.call(`${s.base}/items/2`, { headers: s.auth });
    assertError(r, 429, '900800');
    assert.ok(Number(r.headers['retry-after']) > 0);
  });

  test('900802 resource-level advanced policy → 429 (only on that resource)', async () => {
    const name = `Res${seq}`;
    const s = await setup({
      operations: [operation('GET', '/limited', { throttlingPolicy: name }), operation('GET', '/free')],
      extra: [policyCreated({ level: 'ADVANCED', name, requestCount: 1, unitTime: 1, timeUnit: 'HOUR' })],
    });
    assert.equal((await h.call(`${s.base}/limited`, { headers: s.auth })).status, 200);
    assertError(await h.call(`${s.base}/limited`, { headers: s.auth }), 429, '900802');
    assert.equal((await h.call(`${s.base}/free`, { headers: s.auth })).status, 200);
  });

  test('advanced conditional group: a header condition gets its own limit', async () => {
    const name = `Cond${seq}`;
    const s = await setup({
      apiThrottlingPolicy: name,
      extra: [
        policyCreated({
          level: 'ADVANCED',
          name,
          requestCount: 100,
          unitTime: 1,
          timeUnit: 'HOUR',
          conditionalGroups: [{ description: null, conditions: [{ type: 'HEADER', invert: false, name: 'X-Tier', value: '^free$', startingIp: null, endingIp: null }], requestCount: 1, dataAmount: null, dataUnit: null, unitTime: 1, timeUnit: 'HOUR' }],
        }),
      ],
    });
    const free = { ...s.auth, 'x-tier': 'free' };
    assert.equal((await h.call(`${s.base}/items/1`, { headers: free })).status, 200);
    assertError(await h.call(`${s.base}/items/1`, { headers: free }), 429, '900800');
    assert.equal((await h.call(`${s.base}/items/1`, { headers: s.auth })).status, 200, 'requests outside the group count against the default limit');
  });

  test('900805 deny policy by IP → 429 for that IP only; removing it lifts the block', async () => {
    const s = await setup();
    const id = `deny-${seq}`;
    await h.publish(blockingAdded({ conditionId: id, type: 'IP', value: '127.0.0.7' }));
    try {
      const blocked = await h.call(`${s.base}/items/1`, { headers: s.auth, localAddress: '127.0.0.7' });
      assertError(blocked, 429, '900805');
      assert.equal((await h.call(`${s.base}/items/1`, { headers: s.auth })).status, 200, 'other addresses pass');
    } finally {
      await h.publish({ type: 'BlockingConditionRemoved', data: { conditionId: id } });
    }
    assert.equal((await h.call(`${s.base}/items/1`, { headers: s.auth, localAddress: '127.0.0.7' })).status, 200);
  });

  test('900805 deny policies by API, application and user; an inverted IP range blocks everyone outside it', async () => {
    const s = await setup();
    const n = s.appId.split('-')[1];
    for (const [type, value] of [['API', `${s.context}/1.0.0`], ['APPLICATION', `owner${n}:App${n}`], ['USER', `user${n}`]] as const) {
      const id = `deny-${type}-${seq}`;
      await h.publish(blockingAdded({ conditionId: id, type, value }));
      try {
        assertError(await h.call(`${s.base}/items/1`, { headers: s.auth }), 429, '900805');
      } finally {
        await h.publish({ type: 'BlockingConditionDisabled', data: { conditionId: id } });
      }
      assert.equal((await h.call(`${s.base}/items/1`, { headers: s.auth })).status, 200, `${type} condition disabled`);
    }
    const id = `deny-range-${seq}`;
    await h.publish(blockingAdded({ conditionId: id, type: 'IP_RANGE', value: '127.0.0.10-127.0.0.20', invert: true }));
    try {
      assertError(await h.call(`${s.base}/items/1`, { headers: s.auth }), 429, '900805');
      assert.equal((await h.call(`${s.base}/items/1`, { headers: s.auth, localAddress: '127.0.0.15' })).status, 200);
    } finally {
      await h.publish({ type: 'BlockingConditionRemoved', data: { conditionId: id } });
    }
  });

  test('throttle decisions from a traffic manager are honoured until they expire (900804, 900806)', async () => {
    const s = await setup();
    const n = s.appId.split('-')[1];
    await h.decisions.publish({ throttleKey: `${s.appId}:${s.context}:1.0.0`, throttledUntil: Date.now() + 60_000 });
    const r = await h.call(`${s.base}/items/1`, { headers: s.auth });
    assertError(r, 429, '900804');
    assert.ok(Number(r.headers['retry-after']) >= 59);
    await h.decisions.publish({ throttleKey: `${s.appId}:${s.context}:1.0.0`, throttledUntil: 0 });
    assert.equal((await h.call(`${s.base}/items/1`, { headers: s.auth })).status, 200);
    const until = Date.now() + 2_000;
    await h.decisions.publish({ throttleKey: `${s.context}:1.0.0:user${n}`, throttledUntil: until });
    assertError(await h.call(`${s.base}/items/1`, { headers: s.auth }), 429, '900806');
    await new Promise((r) => setTimeout(r, until - Date.now() + 50));
    assert.equal((await h.call(`${s.base}/items/1`, { headers: s.auth })).status, 200);
  });

  test('101503 backend down → 502', async () => {
    const s = await setup({ production: 'http://127.0.0.1:1/nothing' });
    const r = await h.call(`${s.base}/items/1`, { headers: s.auth });
    assertError(r, 502, '101503');
    const f = await factsFor(String(r.headers['x-correlation-id']));
    assert.equal(f.errorType, 'TARGET_CONNECTIVITY');
    assert.equal(f.errorCode, '101503');
  });

  test('101504 backend timeout → 504', async () => {
    const s = await setup();
    assertError(await h.call(`${s.base}/items/1?delayMs=5000`, { headers: s.auth }), 504, '101504');
    assert.equal((await h.call(`${s.base}/items/1?delayMs=50`, { headers: s.auth })).status, 200);
  });
});

describe('API keys', () => {
  async function apiKey(s: Setup, claims: Record<string, unknown> = {}, expiresIn: number | null = 3600): Promise<string> {
    const n = s.appId.split('-')[1];
    return h.token(
      {
        sub: `owner${n}`,
        keytype: 'PRODUCTION',
        application: { id: s.appId, uuid: s.appId, name: `App${n}`, owner: `owner${n}`, tier: 'Unlimited' },
        subscribedAPIs: [{ name: `svc${n}`, context: s.context, version: '1.0.0', publisher: 'admin', subscriptionTier: 'Unlimited' }],
        ...claims,
      },
      { expiresIn },
    );
  }

  test('an API key in the apikey header or ?apikey= works and is not forwarded', async () => {
    const s = await setup();
    const key = await apiKey(s, {}, null);
    const r = await h.call(`${s.base}/items/1`, { headers: { apikey: key } });
    assert.equal(r.status, 200, r.text);
    assert.equal(h.echo(r).headers.apikey, undefined);
    const q = await h.call(`${s.base}/items/1?a=1&apikey=${encodeURIComponent(key)}&b=2`);
    assert.equal(q.status, 200, q.text);
    assert.equal(h.echo(q).url, '/prod/items/1?a=1&b=2');
  });

  test('an IP-restricted API key works from its IP only (403/900908 elsewhere)', async () => {
    const s = await setup();
    const key = await apiKey(s, { permittedIP: '127.0.0.9, 10.0.0.0/8' });
    assertError(await h.call(`${s.base}/items/1`, { headers: { apikey: key } }), 403, '900908');
    assert.equal((await h.call(`${s.base}/items/1`, { headers: { apikey: key }, localAddress: '127.0.0.9' })).status, 200);
  });

  test('a referer-restricted API key needs a matching Referer', async () => {
    const s = await setup();
    const key = await apiKey(s, { permittedReferer: 'www.example.com/*' });
    assertError(await h.call(`${s.base}/items/1`, { headers: { apikey: key } }), 403, '900908');
    assertError(await h.call(`${s.base}/items/1`, { headers: { apikey: key, referer: 'https://evil.example/www.example.com/' } }), 403, '900908');
    assert.equal((await h.call(`${s.base}/items/1`, { headers: { apikey: key, referer: 'https://www.example.com/page' } })).status, 200);
  });

  test('an API key whose subscribedAPIs does not include the API is refused (403/900908)', async () => {
    const s = await setup();
    const key = await apiKey(s, { subscribedAPIs: [{ name: 'other', context: '/other', version: '1.0.0' }] });
    assertError(await h.call(`${s.base}/items/1`, { headers: { apikey: key } }), 403, '900908');
  });

  test('a revoked API key fails (900901)', async () => {
    const s = await setup();
    const jti = `ak-${seq}`;
    const key = await apiKey(s, { jti });
    assert.equal((await h.call(`${s.base}/items/1`, { headers: { apikey: key } })).status, 200);
    await h.publish({ type: 'ApiKeyRevoked', data: { applicationId: s.appId, jti, exp: null } });
    assertError(await h.call(`${s.base}/items/1`, { headers: { apikey: key } }), 401, '900901');
  });

  test('an API that does not accept API keys ignores the apikey header (900902)', async () => {
    const s = await setup({ securitySchemes: ['OAUTH2'] });
    assertError(await h.call(`${s.base}/items/1`, { headers: { apikey: await apiKey(s) } }), 401, '900902');
  });
});

describe('live map updates', () => {
  test('a deleted application stops its tokens; a retired API stops routing', async () => {
    const s = await setup();
    assert.equal((await h.call(`${s.base}/items/1`, { headers: s.auth })).status, 200);
    await h.publish({ type: 'ApplicationDeleted', data: { applicationId: s.appId, name: 'x', owner: 'y' } });
    assertError(await h.call(`${s.base}/items/1`, { headers: s.auth }), 401, '900901');
    await h.publish(apiLifecycle(s.apiId, 'RETIRED', 'DEPRECATED'));
    assertError(await h.call(`${s.base}/open`), 404, '900906');
  });

  test('/_gatehouse/ready reports the map position in the body and a header', async () => {
    const position = await h.append(applicationCreated({ applicationId: `ready-${++seq}` }));
    await h.waitForMap(position);
    const r = await h.call('/_gatehouse/ready');
    assert.equal(r.status, 200);
    assert.ok(BigInt(r.json<{ position: string }>().position) >= position);
    assert.equal(r.headers['x-gatehouse-map-position'], r.json<{ position: string }>().position);
    const ahead = await h.call(`/_gatehouse/ready?atLeastPosition=${position + 1000n}&timeoutMs=100`);
    assert.equal(ahead.status, 503);
  });

  test('/_gatehouse/metrics: Prometheus text with the map position and the gateway state', async () => {
    const position = await h.append(applicationCreated({ applicationId: `metrics-${++seq}` }));
    await h.waitForMap(position);
    const r = await h.call('/_gatehouse/metrics');
    assert.equal(r.status, 200);
    assert.match(String(r.headers['content-type']), /^text\/plain/);
    const value = (name: string) => Number(new RegExp(`^${name} (\\S+)$`, 'm').exec(r.text)?.[1]);
    assert.ok(value('gatehouse_gateway_map_position') >= Number(position));
    for (const name of ['gatehouse_gateway_cached_tokens', 'gatehouse_gateway_throttle_counters', 'gatehouse_gateway_throttle_decisions', 'gatehouse_gateway_request_facts_dropped']) {
      assert.ok(Number.isFinite(value(name)), `${name} is reported`);
    }
  });
});
