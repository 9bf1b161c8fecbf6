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
const startGatewayProc = (id: string) => spawnRole(['test/distributed/gateway-child.ts'], { GATEWAY_ID: id }, (l) => /^\{"url":"([^"]+)"\}$/.exec(l)?.[1]);
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
  let tm: Proc | undefined;
  let admin = '';
  let appId = '';
  let keys = { consumerKey: '', consumerSecret: '' };

  async function token(): Promise<string> {
    const res = await fetch(`${cp!.url}/oauth2/token`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded', authorization: `Basic ${Buffer.from(`${keys.consumerKey}:${keys.consumerSecret}`).toString('base64')}` },
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
    const apiId = await publishApi('/orders', ['T30', 'Unlimited']);
    const app = await gqlOk<{ createApplication: { id: string } }>(cp.url, 'mutation { createApplication(input: { name: "Shop", throttlingPolicy: "Unlimited" }) { id } }', {}, admin);
    appId = app.createApplication.id;
    await gqlOk(cp.url, 'mutation($a: ID!, $api: ID!) { subscribe(applicationId: $a, apiId: $api, throttlingPolicy: "T30") { id } }', { a: appId, api: apiId }, admin);
    keys = (await gqlOk<{ generateKeys: typeof keys }>(cp.url, `mutation($a: ID!) {
      generateKeys(applicationId: $a, keyType: PRODUCTION, grantTypes: ["client_credentials"]) { consumerKey consumerSecret } }`, { a: appId }, admin)).generateKeys;
  });

  after(async () => {
    await Promise.all([stop(cp, 'SIGKILL'), stop(gw1, 'SIGKILL'), stop(gw2, 'SIGKILL'), stop(gw3, 'SIGKILL'), stop(tm, 'SIGKILL')]);
    await backend?.close();
    rmSync(dataDir, { recursive: true, force: true });
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

  test('a 30/min subscription tier hammered through both gateways admits at most 31', { todo: 'gateways do not attach throttleHits to request facts yet, and each enforces the full local limit' }, async () => {
    // Stay inside one fixed minute window.
    const intoMinute = Date.now() % 60_000;
    if (intoMinute > 40_000) await new Promise((r) => setTimeout(r, 60_000 - intoMinute + 200));
    const access = await token();
    const gateways = [gw1!, gw3!];
    let admitted = 0;
    let refused = 0;
    for (let i = 0; i < 100; i++) {
      const s = await status(gateways[i % 2]!, `/orders/1.0.0/items/${i}`, access);
      if (s === 200) admitted++;
      else if (s === 429) refused++;
      else assert.fail(`unexpected status ${s}`);
    }
    console.log(`# cluster_limit_admitted=${admitted} cluster_limit_allowed=30 (refused ${refused})`);
    assert.ok(admitted <= 31, `admitted ${admitted} of 100 with a 30/min tier through two gateways`);
  });
});
