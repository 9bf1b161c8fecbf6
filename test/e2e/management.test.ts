// The management story over real HTTP, GraphQL only, against the server started as users
// start it (`gatehouse start` in a child process, ephemeral ports, temp data dir).
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { createClient } from 'graphql-ws';
import WebSocket from 'ws';
import { startServer, type RunningServer } from '../support/server.ts';
import { codeOf, gql, gqlOk, headPosition, login } from '../support/gql.ts';

const API_FIELDS = 'id name context version description lifecycleStatus isDefaultVersion provider streamVersion position operations { verb target authType scopes } subscriptionPolicies securitySchemes';

describe('management API end to end (gatehouse start)', () => {
  let server: RunningServer;
  let base: string;
  let admin: string;
  let alice: string; // subscriber (signed up)
  let bob: string; // creator + publisher (granted by admin)
  let apiId: string;
  let apiVersionAfterCreate: number;
  let positionAfterCreate: string;

  before(async () => {
    server = await startServer();
    base = server.baseUrl;
    admin = await login(base, 'admin', server.adminPassword);
  });
  after(async () => {
    const code = await server.stop();
    assert.equal(code, 0, 'SIGTERM shuts down cleanly with exit code 0');
  });

  test('operations endpoints answer: health, ready, metrics with HTTP and projection figures', async () => {
    assert.equal((await fetch(`${base}/health`)).status, 200);
    const ready = await fetch(`${base}/ready`);
    assert.equal(ready.status, 200);
    assert.equal(((await ready.json()) as { ready: boolean }).ready, true);
    const metrics = await (await fetch(`${base}/metrics`)).text();
    assert.match(metrics, /gatehouse_http_request_duration_seconds_bucket/);
    assert.match(metrics, /gatehouse_projection_lag_events\{projection="catalog"\} \d+/);
  });

  test('bootstrap: admin has every role, the WSO2 default tiers exist, a DefaultApplication exists', async () => {
    const d = await gqlOk(base, '{ me { username roles } throttlingPolicies { level name } applications { name owner throttlingPolicy } }', {}, admin);
    assert.equal(d.me.username, 'admin');
    assert.deepEqual([...d.me.roles].sort(), ['admin', 'creator', 'publisher', 'subscriber']);
    const names = d.throttlingPolicies.map((p: { level: string; name: string }) => `${p.level}:${p.name}`);
    for (const n of ['SUBSCRIPTION:Gold', 'SUBSCRIPTION:Silver', 'SUBSCRIPTION:Bronze', 'SUBSCRIPTION:Unlimited', 'SUBSCRIPTION:Unauthenticated', 'APPLICATION:10PerMin', 'ADVANCED:10KPerMin']) {
      assert.ok(names.includes(n), `${n} seeded`);
    }
    assert.deepEqual(d.applications, [{ name: 'DefaultApplication', owner: 'admin', throttlingPolicy: 'Unlimited' }]);
  });

  test('sign-up is public; roles are granted by admin only', async () => {
    await gqlOk(base, 'mutation { signUp(username: "alice", password: "alice-pw-123") { username roles } }');
    await gqlOk(base, 'mutation { signUp(username: "bob", password: "bob-pw-1234") { username } }');
    alice = await login(base, 'alice', 'alice-pw-123');
    const refused = await gql(base, 'mutation { grantRole(username: "alice", role: "admin") { username } }', {}, alice);
    assert.equal(codeOf(refused), 'FORBIDDEN');
    await gqlOk(base, 'mutation { grantRole(username: "bob", role: "creator") { roles } }', {}, admin);
    const granted = await gqlOk(base, 'mutation { grantRole(username: "bob", role: "publisher") { roles } }', {}, admin);
    assert.deepEqual([...granted.grantRole.roles].sort(), ['creator', 'publisher', 'subscriber']);
    bob = await login(base, 'bob', 'bob-pw-1234');
  });

  test('role refusals: anonymous is UNAUTHENTICATED, a subscriber may not create APIs', async () => {
    const input = { name: 'Nope', context: '/nope', version: '1.0.0', endpoints: { production: 'http://127.0.0.1:9/' }, operations: [{ verb: 'GET', target: '/x' }] };
    const before = await headPosition(base);
    const anon = await gql(base, 'mutation($i: CreateApiInput!) { createApi(input: $i) { id } }', { i: input });
    assert.equal(codeOf(anon), 'UNAUTHENTICATED');
    const sub = await gql(base, 'mutation($i: CreateApiInput!) { createApi(input: $i) { id } }', { i: input }, alice);
    assert.equal(codeOf(sub), 'FORBIDDEN');
    const users = await gql(base, '{ users { username } }', {}, alice);
    assert.equal(codeOf(users), 'FORBIDDEN');
    const forged = await gql(base, '{ me { username } }', {}, `${alice.slice(0, -4)}AAAA`);
    assert.equal(forged.data?.me, null, 'a forged token is no caller');
    assert.equal(await headPosition(base), before, 'refusals append nothing');
  });

  test('a creator creates an API; the answer carries streamVersion and position', async () => {
    const d = await gqlOk(base, `mutation($i: CreateApiInput!) { createApi(input: $i) { ${API_FIELDS} } }`, {
      i: {
        name: 'PizzaShack', context: '/pizzashack', version: '1.0.0', description: 'first',
        endpoints: { production: 'http://127.0.0.1:9/pizza' },
        operations: [{ verb: 'GET', target: '/menu', authType: 'NONE' }, { verb: 'POST', target: '/order', scopes: ['order:write'] }],
        scopes: [{ name: 'order:write', roles: ['subscriber'] }],
        subscriptionPolicies: ['Gold', 'Unlimited'],
      },
    }, bob);
    const api = d.createApi;
    assert.equal(api.lifecycleStatus, 'CREATED');
    assert.equal(api.provider, 'bob');
    assert.equal(api.streamVersion, 1);
    assert.match(api.position, /^\d+$/);
    apiId = api.id;
    apiVersionAfterCreate = api.streamVersion;
    positionAfterCreate = api.position;
    // Not visible on the Developer Portal until published.
    const portal = await gqlOk(base, '{ apis { totalCount nodes { id } } }', {}, alice);
    assert.equal(portal.apis.nodes.some((n: { id: string }) => n.id === apiId), false);
  });

  test('concurrent updateApi with the same expectedStreamVersion: exactly one wins, the other is CONFLICT with currentVersion', async () => {
    const update = (description: string) => gql(base, `mutation($id: ID!, $v: Int) { updateApi(id: $id, input: { description: "${description}" }, expectedStreamVersion: $v) { description streamVersion } }`, { id: apiId, v: apiVersionAfterCreate }, bob);
    const results = await Promise.all([update('racer-a'), update('racer-b')]);
    const wins = results.filter((r) => !r.errors);
    const losses = results.filter((r) => r.errors);
    assert.equal(wins.length, 1, JSON.stringify(results.map((r) => r.errors)));
    assert.equal(losses.length, 1);
    assert.equal(codeOf(losses[0]!), 'CONFLICT');
    assert.equal(losses[0]!.errors![0]!.extensions!.currentVersion, apiVersionAfterCreate + 1);
    assert.equal(wins[0]!.data!.updateApi.streamVersion, apiVersionAfterCreate + 1);
  });

  test('apiAt returns the API as it stood at an older position', async () => {
    const now = await gqlOk(base, '{ api(id: "' + apiId + '") { description } }', {}, bob);
    assert.match(now.api.description, /^racer-/);
    const then = await gqlOk(base, `{ apiAt(id: "${apiId}", position: "${positionAfterCreate}") { description streamVersion position } }`, {}, bob);
    assert.equal(then.apiAt.description, 'first');
    assert.equal(then.apiAt.streamVersion, 1);
    assert.equal(then.apiAt.position, positionAfterCreate);
    const before = await gqlOk(base, `{ apiAt(id: "${apiId}", position: "1") { id } }`, {}, bob);
    assert.equal(before.apiAt, null, 'not created yet at position 1');
  });

  test('lifecycle: an invalid transition is INVALID_TRANSITION; PUBLISH by a publisher shows on the portal', async () => {
    const bad = await gql(base, `mutation { changeLifecycle(apiId: "${apiId}", action: RETIRE) { lifecycleStatus } }`, {}, bob);
    assert.equal(codeOf(bad), 'INVALID_TRANSITION');
    const notPublisher = await gql(base, `mutation { changeLifecycle(apiId: "${apiId}", action: PUBLISH) { lifecycleStatus } }`, {}, alice);
    assert.equal(codeOf(notPublisher), 'FORBIDDEN');
    const d = await gqlOk(base, `mutation { changeLifecycle(apiId: "${apiId}", action: PUBLISH) { lifecycleStatus lifecycleHistory { from to action actor } } }`, {}, bob);
    assert.equal(d.changeLifecycle.lifecycleStatus, 'PUBLISHED');
    assert.deepEqual(d.changeLifecycle.lifecycleHistory.at(-1), { from: 'CREATED', to: 'PUBLISHED', action: 'PUBLISH', actor: 'bob' });
    const portal = await gqlOk(base, '{ apis(search: "pizza") { totalCount nodes { id lifecycleStatus } } }', {}, alice);
    assert.deepEqual(portal.apis.nodes, [{ id: apiId, lifecycleStatus: 'PUBLISHED' }]);
    const missing = await gql(base, 'mutation { changeLifecycle(apiId: "00000000-0000-4000-8000-000000000000", action: PUBLISH) { id } }', {}, bob);
    assert.equal(codeOf(missing), 'NOT_FOUND');
  });

  let appId: string;
  let secretSeen = '';
  test('a subscriber creates an application, subscribes and gets keys; the secret shows once and never again', async () => {
    const app = await gqlOk(base, 'mutation { createApplication(input: { name: "Mobile", throttlingPolicy: "10PerMin" }) { id name owner throttlingPolicy streamVersion position } }', {}, alice);
    appId = app.createApplication.id;
    assert.equal(app.createApplication.owner, 'alice');
    const sub = await gqlOk(base, `mutation { subscribe(applicationId: "${appId}", apiId: "${apiId}", throttlingPolicy: "Gold") { id status throttlingPolicy api { name } } }`, {}, alice);
    assert.equal(sub.subscribe.status, 'UNBLOCKED');
    assert.equal(sub.subscribe.api.name, 'PizzaShack');
    const keys = await gqlOk(base, `mutation { generateKeys(applicationId: "${appId}", keyType: PRODUCTION, grantTypes: ["client_credentials"]) { consumerKey consumerSecret keyType grantTypes } }`, {}, alice);
    const { consumerKey, consumerSecret } = keys.generateKeys;
    secretSeen = consumerSecret;
    assert.ok(consumerSecret.length >= 32);
    const read = await gql(base, `{ application(id: "${appId}") { keys { keyType consumerKey grantTypes } subscriptions { apiId } subscriptionCount } }`, {}, alice);
    assert.equal(JSON.stringify(read).includes(consumerSecret), false, 'the secret is not readable afterwards');
    assert.equal(read.data!.application.keys[0].consumerKey, consumerKey);
    assert.equal(read.data!.application.subscriptionCount, 1);
    // The keys work at the key manager.
    const token = await fetch(`${base}/oauth2/token`, {
      method: 'POST',
      headers: { authorization: `Basic ${Buffer.from(`${consumerKey}:${consumerSecret}`).toString('base64')}`, 'content-type': 'application/x-www-form-urlencoded' },
      body: 'grant_type=client_credentials',
    });
    assert.equal(token.status, 200);
    // Nor does the log hold it.
    const events = await gqlOk(base, '{ events(types: ["ApplicationKeysGenerated"]) { data } }', {}, admin);
    assert.equal(JSON.stringify(events).includes(consumerSecret), false);
    assert.equal(events.events.length, 1);
  });

  test('owners see only their own applications and subscriptions; admin sees all', async () => {
    const bobsView = await gqlOk(base, `{ applications { owner } application(id: "${appId}") { id } subscriptions(applicationId: "${appId}") { id } }`, {}, await login(base, 'bob', 'bob-pw-1234'));
    assert.ok(bobsView.applications.every((a: { owner: string }) => a.owner === 'bob'));
    assert.equal(bobsView.application, null);
    const alicesView = await gqlOk(base, '{ applications { owner } subscriptions { applicationId } }', {}, alice);
    assert.ok(alicesView.applications.every((a: { owner: string }) => a.owner === 'alice'));
    assert.deepEqual(alicesView.subscriptions, [{ applicationId: appId }]);
    const adminView = await gqlOk(base, '{ applications { owner } }', {}, admin);
    assert.deepEqual([...new Set(adminView.applications.map((a: { owner: string }) => a.owner))].sort(), ['admin', 'alice', 'bob']);
    const foreign = await gql(base, `mutation { deleteApplication(id: "${appId}") { id } }`, {}, bob);
    assert.ok(['FORBIDDEN', 'NOT_FOUND'].includes(codeOf(foreign) as string), String(codeOf(foreign)));
  });

  test('an idempotent retry returns the first result and appends nothing', async () => {
    const m = 'mutation { createApplication(input: { name: "Retry" }, idempotencyKey: "retry-1") { id streamVersion position } }';
    const first = await gqlOk(base, m, {}, alice);
    const head = await headPosition(base);
    const second = await gqlOk(base, m, {}, alice);
    assert.deepEqual(second, first);
    assert.equal(await headPosition(base), head);
  });

  test('atLeastPosition reads own writes; a position past the head is BAD_USER_INPUT', async () => {
    const w = await gqlOk(base, 'mutation { createApplication(input: { name: "Own" }) { id position } }', {}, alice);
    const r = await gqlOk(base, `query($p: String) { applications(atLeastPosition: $p) { id } }`, { p: w.createApplication.position }, alice);
    assert.ok(r.applications.some((a: { id: string }) => a.id === w.createApplication.id));
    const far = await gql(base, '{ apis(atLeastPosition: "999999999") { totalCount } }', {}, alice);
    assert.equal(codeOf(far), 'BAD_USER_INPUT');
    const junk = await gql(base, '{ apis(atLeastPosition: "-1") { totalCount } }', {}, alice);
    assert.equal(codeOf(junk), 'BAD_USER_INPUT');
  });

  test('a live events subscription over graphql-transport-ws receives the events of a mutation', async () => {
    const client = createClient({ url: `${base.replace('http', 'ws')}/graphql`, webSocketImpl: WebSocket, connectionParams: { authorization: `Bearer ${bob}` }, retryAttempts: 0 });
    const received: Array<{ type: string; streamId: string; metadata: { actor: string } }> = [];
    const gotEvent = new Promise<void>((resolve, reject) => {
      const unsubscribe = client.subscribe(
        { query: `subscription { events(filter: { streamId: "api-${apiId}" }) { type streamId position metadata { actor } } }` },
        {
          next: (msg) => {
            if (msg.errors) reject(new Error(JSON.stringify(msg.errors)));
            received.push((msg.data as { events: (typeof received)[number] }).events);
            if (received.length >= 1) {
              unsubscribe();
              resolve();
            }
          },
          error: reject,
          complete: () => {},
        },
      );
    });
    await new Promise((r) => setTimeout(r, 300)); // let the subscription start
    await gqlOk(base, `mutation { updateApi(id: "${apiId}", input: { description: "live" }) { id } }`, {}, bob);
    await Promise.race([gotEvent, new Promise((_, reject) => setTimeout(() => reject(new Error('no event within 5 s')), 5000))]);
    await client.dispose();
    assert.equal(received[0]!.type, 'ApiUpdated');
    assert.equal(received[0]!.streamId, `api-${apiId}`);
    assert.equal(received[0]!.metadata.actor, 'bob');
  });

  test('a subscription without a valid token is refused at connection_init', async () => {
    const client = createClient({ url: `${base.replace('http', 'ws')}/graphql`, webSocketImpl: WebSocket, connectionParams: { authorization: 'Bearer nope' }, retryAttempts: 0 });
    const outcome = await new Promise<string>((resolve) => {
      client.subscribe({ query: 'subscription { events { type } }' }, { next: () => resolve('data'), error: () => resolve('error'), complete: () => resolve('complete') });
    });
    await client.dispose();
    assert.notEqual(outcome, 'data');
  });

  test('events query: admin reads the log with filters; others only what they did', async () => {
    const all = await gqlOk(base, `{ events(streamId: "api-${apiId}") { type streamVersion metadata { actor correlationId recordedAt schemaVersion } } }`, {}, admin);
    assert.deepEqual(all.events.map((e: { type: string }) => e.type).slice(0, 3), ['ApiCreated', 'ApiUpdated', 'ApiLifecycleChanged']);
    assert.deepEqual(all.events.map((e: { streamVersion: number }) => e.streamVersion).slice(0, 3), [1, 2, 3]);
    const mine = await gqlOk(base, '{ events(limit: 1000) { metadata { actor } } }', {}, alice);
    assert.ok(mine.events.length > 0);
    assert.ok(mine.events.every((e: { metadata: { actor: string } }) => e.metadata.actor === 'alice'));
  });

  test('an OpenAPI import through GraphQL creates an API with its operations', async () => {
    const definition = JSON.stringify({
      openapi: '3.0.3', info: { title: 'Weather', version: '2.0.0' },
      'x-wso2-basePath': '/weather/2.0.0', 'x-wso2-production-endpoints': { urls: ['http://127.0.0.1:9/w'] },
      paths: { '/today': { get: { 'x-auth-type': 'None', responses: { 200: { description: 'ok' } } } } },
    });
    const d = await gqlOk(base, 'mutation($d: String!) { importOpenApi(definition: $d) { name context version operations { verb target authType } } }', { d: definition }, bob);
    assert.deepEqual(d.importOpenApi, { name: 'Weather', context: '/weather', version: '2.0.0', operations: [{ verb: 'GET', target: '/today', authType: 'NONE' }] });
  });

  test('logs are JSON lines with correlation ids and carry no secret', async () => {
    const res = await fetch(`${base}/graphql`, { method: 'POST', headers: { 'content-type': 'application/json', 'x-correlation-id': 'trace-me-42' }, body: JSON.stringify({ query: '{ headPosition }' }) });
    assert.equal(res.headers.get('x-correlation-id'), 'trace-me-42');
    await new Promise((r) => setTimeout(r, 200));
    const text = server.logs.join('\n');
    assert.match(text, /"correlationId":"trace-me-42"/);
    for (const secret of ['alice-pw-123', 'bob-pw-1234', server.adminPassword, secretSeen, alice]) {
      assert.ok(secret && !text.includes(secret), 'a secret reached the log');
    }
  });
});
