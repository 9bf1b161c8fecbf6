// Issue 5's multi-process scenario on the real broker: `gatehouse control-plane` (relaying its
// log to Kafka), two gateways following Kafka (test/distributed/gateway-child.ts, the real
// gateway fed by createKafkaGatewayFeed), and `gatehouse traffic-manager`, all separate
// processes sharing a topic prefix of their own. Publish → both serve; revoke → both refuse;
// kill the control plane → both keep serving and catch up after its restart; kill a gateway →
// a new one serves the current state; a 30/min tier hammered through both gateways admits 30
// (each gateway's local share is ceil(30 / 2)), and a `gatehouse gateway` CLI process that
// counted nothing for the key refuses it on the traffic manager's decision alone.
import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { topicsFor } from '../../infra/bus/kafka-client.ts';
import { startBackend, type RunningBackend } from '../support/backend.ts';
import { gqlOk, login } from '../support/gql.ts';
import * as rig from './cluster-rig.ts';
import { enterMinuteWindow, hammer, status, stop, type ClusterConfig, type Proc } from './cluster-rig.ts';
import { deleteTopics, kafkaBrokers, skipWithoutKafka, testKafka, waitFor } from './support.ts';

const PASSWORD = 'admin-Pa55word!';
const prefix = `gatehouse.test.cluster-${randomUUID().slice(0, 8)}.`;
// Two gateways share each cluster-wide limit: each admits ceil(limit / 2) locally until the traffic manager decides.
const cluster: ClusterConfig = { brokers: kafkaBrokers ?? [], prefix, issuer: 'http://gatehouse.cluster.test', adminPassword: PASSWORD, gatewayCount: 2 };
const startControlPlane = (dataDir: string) => rig.startControlPlane(cluster, dataDir);
const startGatewayProc = (id: string) => rig.startGatewayProc(cluster, id);
const startCliGateway = (dataDir: string) => rig.startCliGateway(cluster, 'gw-4', dataDir);
const startTrafficManager = () => rig.startTrafficManager(cluster);
/** Time the hammer test needs inside one minute window; it waits for the next minute when less is left. */
const WINDOW_MARGIN_MS = 25_000;

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
    await rig.killAll(); // also what a failed start left running
    await backend?.close();
    rmSync(dataDir, { recursive: true, force: true });
    rmSync(gw4Data, { recursive: true, force: true });
    const t = topicsFor(prefix);
    await deleteTopics(testKafka(), [t.events, t.gatewayMap, t.requests, t.throttle, t.trafficState]);
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
    const windowEnd = await enterMinuteWindow(WINDOW_MARGIN_MS);

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
    const { statuses, admittedPerGateway: perGateway } = await hammer(gateways, '/orders/1.0.0/items/', access, 50, 4);
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

    // The fact of that refusal reached Kafka, as gw4's (the CLI's) Prometheus endpoint says.
    await waitFor('gw4 to report its published request fact', async () => {
      const text = await (await fetch(`${gw4!.url}/_gatehouse/metrics`)).text();
      return Number(/^gatehouse_request_facts_published_total (\S+)$/m.exec(text)?.[1]) >= 1;
    }, 15_000);
  });
});
