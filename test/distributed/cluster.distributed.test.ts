// Issue 5's multi-process scenario on the real broker: `gatehouse control-plane` (relaying its
// log to Kafka), two gateways following Kafka (test/distributed/gateway-child.ts, the real
// gateway fed by createKafkaGatewayFeed), and `gatehouse traffic-manager`, all separate
// processes sharing a topic prefix of their own. Publish → both serve; revoke → both refuse;
// kill the control plane → both keep serving and catch up after its restart; kill a gateway →
// a new one serves the current state; a 30/min tier hammered through both gateways.
import { spawn, type ChildProcess } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { topicsFor } from '../../infra/bus/kafka-client.ts';
import { startBackend, type RunningBackend } from '../support/backend.ts';
import { gqlOk, login } from '../support/gql.ts';
import { deleteTopics, kafkaBrokers, skipWithoutKafka, testKafka, waitFor } from './support.ts';

const root = new URL('../../', import.meta.url).pathname;
const ISSUER = 'http://gatehouse.cluster.test';
const PASSWORD = 'admin-Pa55word!';
const prefix = `gatehouse.test.cluster-${randomUUID().slice(0, 8)}.`;

interface Proc {
  child: ChildProcess;
  lines: string[];
  url: string;
}

function spawnRole(args: string[], env: Record<string, string>, urlOf: (line: string) => string | undefined): Promise<Proc> {
  const child = spawn(process.execPath, ['--import', 'tsx', ...args], {
    cwd: root,
    env: { ...process.env, KAFKA_BROKERS: kafkaBrokers!.join(','), GATEHOUSE_KAFKA_TOPIC_PREFIX: prefix, GATEHOUSE_ISSUER: ISSUER, GATEHOUSE_LOG_LEVEL: 'info', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const lines: string[] = [];
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`${args.join(' ')} did not start:\n${lines.slice(-20).join('\n')}`)), 90_000);
    const onLine = (line: string) => {
      lines.push(line);
      const url = urlOf(line);
      if (url) {
        clearTimeout(timer);
        resolve({ child, lines, url });
      }
    };
    createInterface({ input: child.stdout! }).on('line', onLine);
    createInterface({ input: child.stderr! }).on('line', onLine);
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`${args.join(' ')} exited with ${code}:\n${lines.slice(-20).join('\n')}`));
    });
  });
}

const startControlPlane = (dataDir: string) =>
  spawnRole(['cli/main.ts', 'control-plane'], { GATEHOUSE_DATA: dataDir, GATEHOUSE_HTTP_PORT: '0', GATEHOUSE_HOST: '127.0.0.1', GATEHOUSE_ADMIN_PASSWORD: PASSWORD, GATEHOUSE_UI_BUILD: 'never' },
    (l) => /^Gatehouse listening: control plane (\S+?)(?:,|$)/.exec(l)?.[1]);
// Two gateways share each cluster-wide limit: each admits ceil(limit / 2) locally until the traffic manager decides.
const GATEWAY_COUNT = '2';
const startGatewayProc = (id: string) =>
  spawnRole(['test/distributed/gateway-child.ts'], { GATEWAY_ID: id, GATEHOUSE_GATEWAY_COUNT: GATEWAY_COUNT }, (l) => /^\{"url":"([^"]+)"\}$/.exec(l)?.[1]);
/** `gatehouse gateway` itself, Kafka-fed because KAFKA_BROKERS is set. */
const startCliGateway = (dataDir: string) =>
  spawnRole(['cli/main.ts', 'gateway', '--data', dataDir, '--port', '0', '--host', '127.0.0.1', '--gateway-id', 'gw-4', '--gateways', GATEWAY_COUNT], {},
    (l) => /"msg":"gateway started"/.test(l) ? /"url":"([^"]+)"/.exec(l)?.[1] : undefined);
/** Time the hammer test needs inside one minute window; it waits for the next minute when less is left. */
const WINDOW_MARGIN_MS = 25_000;
const startTrafficManager = () =>
  spawnRole(['cli/main.ts', 'traffic-manager', '--port', '0', '--host', '127.0.0.1'], {}, (l) => /"msg":"traffic manager started"/.test(l) ? /"url":"([^"]+)"/.exec(l)?.[1] : undefined);

async function stop(p: Proc | undefined, signal: NodeJS.Signals = 'SIGTERM'): Promise<number | null> {
  if (!p || p.child.exitCode !== null || p.child.signalCode !== null) return p?.child.exitCode ?? null;
  const exited = new Promise<number | null>((r) => p.child.once('exit', (code) => r(code)));
  p.child.kill(signal);
  return exited;
}

async function status(gateway: Proc, path: string, token?: string): Promise<number> {
  const res = await fetch(`${gateway.url}${path}`, { headers: token ? { authorization: `Bearer ${token}` } : {} });
  await res.arrayBuffer();
  return res.status;
}

describe('distributed cluster: control plane + 2 gateways + traffic manager over Kafka', { skip: skipWithoutKafka }, () => {
  const dataDir = mkdtempSync(join(tmpdir(), 'gatehouse-cluster-'));
  let backend: RunningBackend;
  let cp: Proc | undefined;
  let gw1: Proc | undefined;
  let gw2: Proc | undefined;
  let gw3: Proc | undefined;
  let gw4: Proc | undefined;
  const gw4Data = mkdtempSync(join(tmpdir(), 'gatehouse-cluster-gw4-'));
  let tm: Proc | undefined;
  let ordersApiId = '';
  let admin = '';
  let appId = '';
  let keys = { consumerKey: '', consumerSecret: '' };

  async function token(client = keys): Promise<string> {
    const res = await fetch(`${cp!.url}/oauth2/token`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded', authorization: `Basic ${Buffer.from(`${client.consumerKey}:${client.consumerSecret}`).toString('base64')}` },
      body: 'grant_type=client_credentials',
    });
    const body = (await res.json()) as { access_token: string };
    assert.equal(res.status, 200, JSON.stringify(body));
    return body.access_token;
  }

  async function publishApi(context: string, tiers: string[]): Promise<string> {
    const created = await gqlOk<{ createApi: { id: string } }>(cp!.url, `mutation($url: String!, $name: String!, $ctx: String!, $tiers: [String!]!) {
      createApi(input: { name: $name, context: $ctx, version: "1.0.0", endpoints: { production: $url },
        operations: [{ verb: GET, target: "/items/{id}" }], subscriptionPolicies: $tiers }) { id } }`, { url: backend.url, name: context.slice(1), ctx: context, tiers }, admin);
    const id = created.createApi.id;
    await gqlOk(cp!.url, 'mutation($id: ID!) { changeLifecycle(apiId: $id, action: PUBLISH) { id } }', { id }, admin);
    return id;
  }

  before(async () => {
    backend = await startBackend();
    cp = await startControlPlane(dataDir);
    [gw1, gw2, tm] = await Promise.all([startGatewayProc('gw-1'), startGatewayProc('gw-2'), startTrafficManager()]);
    admin = await login(cp.url, 'admin', PASSWORD);
    await gqlOk(cp.url, 'mutation { createThrottlingPolicy(input: { level: SUBSCRIPTION, name: "T30", requestCount: 30, unitTime: 1, timeUnit: MIN }) { name } }', {}, admin);
    ordersApiId = await publishApi('/orders', ['T30', 'Unlimited']);
    const app = await gqlOk<{ createApplication: { id: string } }>(cp.url, 'mutation { createApplication(input: { name: "Shop", throttlingPolicy: "Unlimited" }) { id } }', {}, admin);
    appId = app.createApplication.id;
    await gqlOk(cp.url, 'mutation($a: ID!, $api: ID!) { subscribe(applicationId: $a, apiId: $api, throttlingPolicy: "T30") { id } }', { a: appId, api: ordersApiId }, admin);
    keys = (await gqlOk<{ generateKeys: typeof keys }>(cp.url, `mutation($a: ID!) {
      generateKeys(applicationId: $a, keyType: PRODUCTION, grantTypes: ["client_credentials"]) { consumerKey consumerSecret } }`, { a: appId }, admin)).generateKeys;
  });

  after(async () => {
    await Promise.all([stop(cp, 'SIGKILL'), stop(gw1, 'SIGKILL'), stop(gw2, 'SIGKILL'), stop(gw3, 'SIGKILL'), stop(gw4, 'SIGKILL'), stop(tm, 'SIGKILL')]);
    await backend?.close();
    rmSync(dataDir, { recursive: true, force: true });
    rmSync(gw4Data, { recursive: true, force: true });
    const t = topicsFor(prefix);
    await deleteTopics(testKafka(), [t.events, t.gatewayMap, t.requests, t.throttle]);
  });

  test('publish → both gateways serve; revoke → both refuse', async () => {
    const access = await token();
    for (const gw of [gw1!, gw2!]) await waitFor(`${gw.url} to serve /orders`, async () => (await status(gw, '/orders/1.0.0/items/1', access)) === 200, 30_000);
    const revoked = await fetch(`${cp!.url}/oauth2/revoke`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded', authorization: `Basic ${Buffer.from(`${keys.consumerKey}:${keys.consumerSecret}`).toString('base64')}` },
      body: `token=${encodeURIComponent(access)}`,
    });
    assert.equal(revoked.status, 200);
    for (const gw of [gw1!, gw2!]) await waitFor(`${gw.url} to refuse the revoked token`, async () => (await status(gw, '/orders/1.0.0/items/1', access)) === 401, 30_000);
  });

  test('kill -9 the control plane → both gateways keep serving; after its restart they catch up with nothing missed', async () => {
    const access = await token();
    await stop(cp, 'SIGKILL');
    for (const gw of [gw1!, gw2!]) assert.equal(await status(gw, '/orders/1.0.0/items/2', access), 200, `${gw.url} serves without the control plane`);
    cp = await startControlPlane(dataDir);
    admin = await login(cp.url, 'admin', PASSWORD);
    const second = await publishApi('/billing', ['Unlimited']);
    await gqlOk(cp.url, 'mutation($a: ID!, $api: ID!) { subscribe(applicationId: $a, apiId: $api, throttlingPolicy: "Unlimited") { id } }', { a: appId, api: second }, admin);
    for (const gw of [gw1!, gw2!]) await waitFor(`${gw.url} to serve /billing`, async () => (await status(gw, '/billing/1.0.0/items/1', access)) === 200, 30_000);
  });

  test('kill -9 a gateway → a new one serves the current state', async () => {
    const access = await token();
    await stop(gw2, 'SIGKILL');
    gw3 = await startGatewayProc('gw-3');
    await waitFor('the new gateway to serve both APIs', async () =>
      (await status(gw3!, '/orders/1.0.0/items/3', access)) === 200 && (await status(gw3!, '/billing/1.0.0/items/3', access)) === 200, 30_000);
    const origin = gw3.lines.map((l) => /"projection":"gateway-map".*"origin":"(\w+)"/.exec(l)?.[1]).find(Boolean);
    console.log(`# new gateway's map origin: ${origin ?? 'unknown'} (snapshot = from the gatehouse.gateway-map changelog; rebuilt = replayed gatehouse.events)`);
  });

  test('a 30/min subscription tier hammered through both gateways admits at most 31; a gateway that counted nothing refuses on the decision', async () => {
    // A fresh application, so the requests of the tests above count on no key of this one.
    const hammerApp = await gqlOk<{ createApplication: { id: string } }>(cp!.url, 'mutation { createApplication(input: { name: "Hammer", throttlingPolicy: "Unlimited" }) { id } }', {}, admin);
    await gqlOk(cp!.url, 'mutation($a: ID!, $api: ID!) { subscribe(applicationId: $a, apiId: $api, throttlingPolicy: "T30") { id } }', { a: hammerApp.createApplication.id, api: ordersApiId }, admin);
    const hammerKeys = (await gqlOk<{ generateKeys: typeof keys }>(cp!.url, `mutation($a: ID!) {
      generateKeys(applicationId: $a, keyType: PRODUCTION, grantTypes: ["client_credentials"]) { consumerKey consumerSecret } }`, { a: hammerApp.createApplication.id }, admin)).generateKeys;
    const access = await token(hammerKeys);
    // gw4 is the real CLI (`gatehouse gateway --gateways 2` on Kafka); it takes no traffic until the end.
    gw4 = await startCliGateway(gw4Data);

    // Everything below must fall in one fixed minute window (the gateways' windows are wall-clock minutes).
    const intoMinute = Date.now() % 60_000;
    if (intoMinute > 60_000 - WINDOW_MARGIN_MS) await new Promise((r) => setTimeout(r, 60_000 - intoMinute + 100));
    const windowEnd = Date.now() - (Date.now() % 60_000) + 60_000;

    // gw1 learns the subscription first (its admitted probe counts like any other request) …
    const gateways = [gw1!, gw3!];
    let probeAdmitted = 0;
    await waitFor('gw1 to admit the new subscription', async () => {
      const s = await status(gw1!, '/orders/1.0.0/items/probe', access);
      if (s === 200) probeAdmitted++;
      return s === 200;
    }, 20_000);
    // … and the other gateways wait for the same map position without a request.
    const position = ((await (await fetch(`${gw1!.url}/_gatehouse/stats`)).json()) as { position: string }).position;
    for (const gw of [gw3!, gw4!]) {
      const ready = await fetch(`${gw.url}/_gatehouse/ready?atLeastPosition=${position}&timeoutMs=20000`);
      assert.equal(ready.status, 200, `${gw.url} reached map position ${position}`);
    }

    // 100 requests, 50 per gateway, 4 concurrent on each, both gateways at once.
    const statuses = new Map<number, number>();
    const perGateway = [0, 0];
    await Promise.all(gateways.flatMap((gw, g) => Array.from({ length: 4 }, async (_, w) => {
      for (let i = w; i < 50; i += 4) {
        const s = await status(gw, `/orders/1.0.0/items/${g}-${i}`, access);
        statuses.set(s, (statuses.get(s) ?? 0) + 1);
        if (s === 200) perGateway[g]!++;
      }
    })));
    const admitted = probeAdmitted + (statuses.get(200) ?? 0);
    console.log(`# cluster_limit_admitted=${admitted} cluster_limit_allowed=30 (per gateway ${perGateway.join(' + ')} + ${probeAdmitted} probe; statuses ${JSON.stringify(Object.fromEntries(statuses))})`);
    assert.deepEqual([...statuses.keys()].filter((s) => s !== 200 && s !== 429), [], 'only 200 and 429');
    assert.ok(Date.now() < windowEnd, 'the hammer stayed inside one minute window');
    assert.ok(admitted <= 31, `admitted ${admitted} of 101 with a 30/min tier through two gateways`);
    // Each gateway's local share is ceil(30 / 2) = 15 and it gets 50 requests: the cluster admits the full 30.
    assert.ok(admitted >= 30, `admitted ${admitted}: the tier's 30 should all be usable`);

    // The traffic manager summed the facts of both gateways and decided once; gw4, which counted
    // nothing for this key (its local share of 15 is untouched), refuses on that decision alone.
    await waitFor('the traffic manager to publish a decision', async () =>
      ((await (await fetch(`${tm!.url}/ready`)).json()) as { decisions: number }).decisions >= 1, 15_000);
    await waitFor('gw4 to hold the decision', async () =>
      ((await (await fetch(`${gw4!.url}/_gatehouse/stats`)).json()) as { throttleDecisions: number }).throttleDecisions >= 1, 15_000);
    const refused = await fetch(`${gw4!.url}/orders/1.0.0/items/after`, { headers: { authorization: `Bearer ${access}` } });
    const body = await refused.text();
    assert.ok(Date.now() < windowEnd, 'the decision check stayed inside the same window');
    assert.equal(refused.status, 429, body);
    assert.match(body, /900804/);
    const retryAfter = Number(refused.headers.get('retry-after'));
    assert.ok(retryAfter >= 1 && retryAfter <= 60, `Retry-After ${retryAfter} points at the window end`);
  });
});
