// bench:distributed — the distributed mode's figures on the real broker (infra/dev/up):
//   kafka_publish_to_enforced_p50/p99_ms  append → relay → gatehouse.events → a gateway's
//       projection runner (fed by createKafkaGatewayFeed) has the event in its map; baseline in
//       the same run: the embedded path (runner subscribed to the store in process).
//   gateway_cold_start_changelog_s  a new gateway's map from the compacted changelog with 10k
//       APIs / 10k applications / 100k subscriptions (BENCH_QUICK: 2k / 2k / 20k); baseline:
//       deserializing the same snapshot from memory (map_deserialize_s).
//   changelog_publish_one_change_ms  the control plane's changelog publisher, same map: a publish
//       after one subscription change (median of 7; only the touched entity is serialized, its
//       bucket rewritten); baseline in the same run: the same publish re-cutting the whole map
//       (changelog_publish_full_recut_ms, a publisher with incremental: false).
//   cluster_limit_admitted / cluster_limit_allowed  the setup of test/distributed/cluster.distributed.test.ts
//       (cluster-rig.ts): control plane + 2 Kafka-fed gateways (localQuotaGateways 2) + traffic
//       manager as separate processes; a 30/min subscription tier, 50 requests to each gateway
//       (4 concurrent on each, both at once) inside one minute window. cluster_limit_full_local_admitted:
//       the same hammer on a fresh key through 2 more gateways that each enforce the full limit
//       locally (localQuotaGateways 1): what the traffic manager's decisions alone hold the cluster to.
// Prints `name=value` lines; notes go to stderr. Needs KAFKA_BROKERS (else says so and exits 0).
import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Kafka } from 'kafkajs';
import { ANY, type EventStore } from '../domain/ports.ts';
import { upcast } from '../domain/upcasting.ts';
import { createKafka, parseBrokers, topicsFor } from '../infra/bus/kafka-client.ts';
import { createKafkaGatewayFeed } from '../infra/bus/kafka-gateway-feed.ts';
import { startGatewayMapPublisher } from '../infra/bus/kafka-gateway-map.ts';
import { startKafkaRelay } from '../infra/bus/kafka-relay.ts';
import { openMemoryEventStore } from '../infra/eventstore/memory.ts';
import * as f from '../projections/gateway-map/fixtures.ts';
import { gatewayMapProjection } from '../projections/gateway-map/projection.ts';
import type { GatewayMapView } from '../projections/gateway-map/view.ts';
import { createProjectionRunner, type ProjectionRunner } from '../projections/runner.ts';
import { startBackend } from '../test/support/backend.ts';
import { gqlOk, headPosition, login } from '../test/support/gql.ts';
import * as rig from '../test/distributed/cluster-rig.ts';

const QUICK = process.env.BENCH_QUICK === '1';
const note = (msg: string): void => void process.stderr.write(`[bench:distributed] ${msg}\n`);
const print = (name: string, value: number | string): void => void process.stdout.write(`${name}=${typeof value === 'number' ? Number(value.toFixed(3)) : value}\n`);

function percentile(sorted: number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)]!;
}

async function deleteTopics(kafka: Kafka, topics: string[]): Promise<void> {
  const admin = kafka.admin();
  await admin.connect();
  try {
    await admin.deleteTopics({ topics, timeout: 30_000 });
  } catch (e) {
    note(`could not delete bench topics: ${(e as Error).message}`);
  } finally {
    await admin.disconnect();
  }
}

async function append(store: EventStore, e: ReturnType<typeof f.apiPublished>): Promise<bigint> {
  const event = f.toNew(e, new Date().toISOString());
  event.metadata.eventId = randomUUID();
  return (await store.appendToStream(f.streamOf(e), [event], { expectedStreamVersion: ANY })).lastGlobalPosition;
}

/** Time from append until `runner` applied the position, per round. */
async function publishToMap(store: EventStore, runner: ProjectionRunner, rounds: number, prefix: string): Promise<number[]> {
  const seen = new Map<bigint, number>();
  runner.onEvent((e) => void seen.set(e.globalPosition, performance.now()));
  const samples: number[] = [];
  for (let i = 0; i < rounds; i++) {
    const id = `${prefix}-${i}`;
    await append(store, f.apiCreated({ apiId: id, context: `/${id}` }));
    const t0 = performance.now();
    const position = await append(store, f.apiPublished(id));
    await runner.waitForPosition(position, 30_000);
    samples.push((seen.get(position) ?? performance.now()) - t0);
    await new Promise((r) => setTimeout(r, 10));
  }
  return samples.sort((a, b) => a - b);
}

async function publishToEnforced(kafka: Kafka): Promise<void> {
  const rounds = QUICK ? 60 : 300;
  const eventsTopic = `gatehouse.bench.events.${randomUUID().slice(0, 8)}`;
  const changelogTopic = `gatehouse.bench.gateway-map.${randomUUID().slice(0, 8)}`;
  const store = openMemoryEventStore();
  await append(store, f.policyCreated({ level: 'SUBSCRIPTION', name: 'Unlimited' }));

  const embedded = createProjectionRunner({ store, projections: [gatewayMapProjection] });
  await embedded.start();
  const base = await publishToMap(store, embedded, rounds, 'embedded');
  await embedded.close();

  const relay = await startKafkaRelay({ store, kafka, topic: eventsTopic });
  await relay.caughtUp;
  const feed = await createKafkaGatewayFeed({ kafka, eventsTopic, changelogTopic });
  const follower = createProjectionRunner({ store: feed.store, viewStore: feed.viewStore, projections: [gatewayMapProjection] });
  await follower.start();
  const viaKafka = await publishToMap(store, follower, rounds, 'kafka');
  await follower.close();
  await relay.stop();
  await store.close();
  await deleteTopics(kafka, [eventsTopic, changelogTopic]);

  print('embedded_publish_to_map_p50_ms', percentile(base, 50));
  print('embedded_publish_to_map_p99_ms', percentile(base, 99));
  print('kafka_publish_to_enforced_p50_ms', percentile(viaKafka, 50));
  print('kafka_publish_to_enforced_p99_ms', percentile(viaKafka, 99));
  print('kafka_publish_to_enforced_rounds', rounds);
}

function bigMap(apis: number, apps: number, subscriptions: number): GatewayMapView {
  let view = gatewayMapProjection.initialView();
  let position = 0n;
  const apply = (e: ReturnType<typeof f.apiPublished>) => {
    const [r] = f.recorded([e], ++position, '2026-03-01T10:00:00.000Z');
    view = gatewayMapProjection.apply(view, upcast(r!));
  };
  for (const level of ['SUBSCRIPTION', 'APPLICATION', 'ADVANCED'] as const) apply(f.policyCreated({ level, name: 'Unlimited' }));
  for (let i = 0; i < apis; i++) {
    apply(f.apiCreated({
      apiId: `api-${i}`, context: `/service${i}`,
      endpoints: { production: `http://backend-${i % 50}.internal:8080/v1`, sandbox: null },
      operations: [f.operation('GET', '/items'), f.operation('GET', '/items/{id}'), f.operation('POST', '/items'), f.operation('PUT', '/items/{id}', { scopes: ['write'] }), f.operation('DELETE', '/items/{id}', { scopes: ['admin'] })],
      subscriptionPolicies: ['Gold', 'Unlimited'],
    }));
    apply(f.apiPublished(`api-${i}`));
  }
  for (let i = 0; i < apps; i++) {
    apply(f.applicationCreated({ applicationId: `app-${i}`, name: `Application ${i}`, owner: `user${i % 1000}` }));
    apply(f.keysGenerated(`app-${i}`, `consumer-key-${i}`));
  }
  // Every (application, API) pair distinct: s % apps picks the application, the round an API offset.
  for (let s = 0; s < subscriptions; s++) apply(f.subscriptionCreated(`sub-${s}`, `app-${s % apps}`, `api-${(s % apps + Math.floor(s / apps) * 101) % apis}`, 'Gold'));
  return view;
}

async function coldStart(kafka: Kafka): Promise<void> {
  const [apis, apps, subs] = QUICK ? [2_000, 2_000, 20_000] : [10_000, 10_000, 100_000];
  const eventsTopic = `gatehouse.bench.events.${randomUUID().slice(0, 8)}`;
  const changelogTopic = `gatehouse.bench.gateway-map.${randomUUID().slice(0, 8)}`;
  let t = performance.now();
  const view = bigMap(apis, apps, subs);
  note(`map of ${apis} APIs / ${apps} applications / ${subs} subscriptions built in ${((performance.now() - t) / 1000).toFixed(1)} s`);
  const serialized = gatewayMapProjection.serialize(view);

  t = performance.now();
  gatewayMapProjection.deserialize(serialized);
  const deserializeS = (performance.now() - t) / 1000;

  t = performance.now();
  const publisher = await startGatewayMapPublisher({
    kafka, topic: changelogTopic, intervalMs: 3_600_000,
    source: { view: () => view, position: () => view.position, recordedAt: () => '2026-03-01T10:00:00.000Z' },
  });
  await publisher.publishNow();
  await publisher.stop();
  note(`changelog published in ${((performance.now() - t) / 1000).toFixed(1)} s`);

  // What a new gateway does: feed + the gateway's projection runner, until it is caught up.
  t = performance.now();
  const feed = await createKafkaGatewayFeed({ kafka, eventsTopic, changelogTopic });
  const runner = createProjectionRunner({ store: feed.store, viewStore: feed.viewStore, projections: [gatewayMapProjection] });
  await runner.start();
  const coldS = (performance.now() - t) / 1000;
  const origin = runner.status()[0]!.origin;
  const loaded = runner.view<GatewayMapView>(gatewayMapProjection.name);
  if (origin !== 'snapshot' || loaded.subscriptionCount !== view.subscriptionCount) {
    throw new Error(`cold start did not come from the changelog (origin ${origin}, ${loaded.subscriptionCount} subscriptions)`);
  }
  await runner.close();

  print('map_deserialize_s', deserializeS);
  print('gateway_cold_start_changelog_s', coldS);
  print('gateway_cold_start_changelog_entities', view.apis.size + view.applications.size + view.subscriptionCount);
  print('gateway_cold_start_vs_deserialize_ratio', coldS / deserializeS);

  await changelogPublish(kafka, view, changelogTopic, apps);
  await deleteTopics(kafka, [eventsTopic, changelogTopic]);
}

/** Publish time after one subscription change: incremental, and the full re-cut as the baseline. */
async function changelogPublish(kafka: Kafka, view: GatewayMapView, changelogTopic: string, apps: number): Promise<void> {
  let position = view.position;
  let s = 0;
  // One change as the control plane makes it: an event through the projection (block/unblock a subscription).
  const change = (): void => {
    const ofApp = view.subscriptions.get(`app-${(s++ * 7919) % apps}`);
    const found = ofApp ? [...ofApp.values()][0] : undefined;
    if (!found) throw new Error('no subscription to change');
    const e = found.status === 'BLOCKED' ? f.subscriptionUnblocked(found.id, found.applicationId, found.apiId) : f.subscriptionBlocked(found.id, found.applicationId, found.apiId);
    gatewayMapProjection.apply(view, upcast(f.recorded([e], ++position, '2026-03-01T10:00:00.000Z')[0]!));
  };
  const timed = async (publisher: Awaited<ReturnType<typeof startGatewayMapPublisher>>, mode: 'full' | 'incremental', rounds: number): Promise<number[]> => {
    const out: number[] = [];
    for (let i = 0; i < rounds; i++) {
      change();
      const t = performance.now();
      await publisher.publishNow();
      out.push(performance.now() - t);
      if (publisher.lastPublish?.mode !== mode) throw new Error(`expected a ${mode} publish, got ${JSON.stringify(publisher.lastPublish?.mode)} (${publisher.lastPublish?.reason ?? ''})`);
      if (publisher.lastPublish.records > 2) throw new Error(`one change wrote ${publisher.lastPublish.records} records`);
    }
    return out.sort((a, b) => a - b);
  };
  const source = { view: () => view, position: () => view.position, recordedAt: () => '2026-03-01T10:00:00.000Z' };
  const incremental = await startGatewayMapPublisher({ kafka, topic: changelogTopic, intervalMs: 3_600_000, source });
  change();
  await incremental.publishNow(); // the first publish after start is a full cut
  const one = await timed(incremental, 'incremental', 7);
  await incremental.stop();
  const full = await startGatewayMapPublisher({ kafka, topic: changelogTopic, intervalMs: 3_600_000, source, incremental: false });
  const recut = await timed(full, 'full', QUICK ? 3 : 5);
  await full.stop();
  note(`one-change publishes ${one.map((ms) => ms.toFixed(1)).join(' ')} ms; full re-cuts ${recut.map((ms) => ms.toFixed(0)).join(' ')} ms`);
  print('changelog_publish_one_change_ms', percentile(one, 50));
  print('changelog_publish_full_recut_ms', percentile(recut, 50));
  print('changelog_publish_full_vs_one_change_ratio', percentile(recut, 50) / percentile(one, 50));
}

/** A fresh application subscribed to `apiId` at `tier`, and a client-credentials token of it. */
async function subscriber(cpUrl: string, admin: string, apiId: string, tier: string, name: string): Promise<string> {
  const app = await gqlOk<{ createApplication: { id: string } }>(cpUrl, 'mutation($n: String!) { createApplication(input: { name: $n, throttlingPolicy: "Unlimited" }) { id } }', { n: name }, admin);
  const appId = app.createApplication.id;
  await gqlOk(cpUrl, 'mutation($a: ID!, $api: ID!, $t: String!) { subscribe(applicationId: $a, apiId: $api, throttlingPolicy: $t) { id } }', { a: appId, api: apiId, t: tier }, admin);
  const keys = (await gqlOk<{ generateKeys: { consumerKey: string; consumerSecret: string } }>(cpUrl, `mutation($a: ID!) {
    generateKeys(applicationId: $a, keyType: PRODUCTION, grantTypes: ["client_credentials"]) { consumerKey consumerSecret } }`, { a: appId }, admin)).generateKeys;
  const res = await fetch(`${cpUrl}/oauth2/token`, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded', authorization: `Basic ${Buffer.from(`${keys.consumerKey}:${keys.consumerSecret}`).toString('base64')}` },
    body: 'grant_type=client_credentials',
  });
  const body = (await res.json()) as { access_token?: string };
  if (!body.access_token) throw new Error(`token: ${res.status} ${JSON.stringify(body)}`);
  return body.access_token;
}

/** 50 requests to each gateway inside one minute window once they all have the map at the control plane's head. */
async function hammerInWindow(cpUrl: string, gateways: rig.Proc[], token: string): Promise<{ admitted: number; perGateway: number[] }> {
  const head = await headPosition(cpUrl);
  for (const gw of gateways) {
    const ready = await fetch(`${gw.url}/_gatehouse/ready?atLeastPosition=${head}&timeoutMs=30000`);
    if (ready.status !== 200) throw new Error(`${gw.url} did not reach map position ${head}`);
  }
  const windowEnd = await rig.enterMinuteWindow(10_000);
  const { statuses, admittedPerGateway } = await rig.hammer(gateways, '/orders/1.0.0/items/', token, 50, 4);
  if (Date.now() >= windowEnd) throw new Error('the hammer straddled two minute windows');
  const other = [...statuses.keys()].filter((s) => s !== 200 && s !== 429);
  if (other.length > 0) throw new Error(`unexpected statuses ${JSON.stringify(Object.fromEntries(statuses))}`);
  return { admitted: statuses.get(200) ?? 0, perGateway: admittedPerGateway };
}

async function clusterLimit(kafka: Kafka, brokers: string[]): Promise<void> {
  const prefix = `gatehouse.bench.cluster-${randomUUID().slice(0, 8)}.`;
  const password = 'admin-Pa55word!';
  const shared: rig.ClusterConfig = { brokers, prefix, issuer: 'http://gatehouse.bench.cluster', adminPassword: password, gatewayCount: 2 };
  const fullLocal: rig.ClusterConfig = { ...shared, gatewayCount: 1 };
  const dataDir = mkdtempSync(join(tmpdir(), 'gatehouse-bench-cluster-'));
  const backend = await startBackend();
  const procs: rig.Proc[] = [];
  const started = async (p: Promise<rig.Proc>): Promise<rig.Proc> => {
    const proc = await p;
    procs.push(proc);
    return proc;
  };
  try {
    const t = performance.now();
    const cp = await started(rig.startControlPlane(shared, dataDir));
    const [gw1, gw2, gwFull1, gwFull2] = await Promise.all([
      started(rig.startGatewayProc(shared, 'bench-gw-1')), started(rig.startGatewayProc(shared, 'bench-gw-2')),
      started(rig.startGatewayProc(fullLocal, 'bench-gw-full-1')), started(rig.startGatewayProc(fullLocal, 'bench-gw-full-2')),
      started(rig.startTrafficManager(shared)),
    ]);
    note(`cluster of ${procs.length} processes up in ${((performance.now() - t) / 1000).toFixed(1)} s`);
    const admin = await login(cp.url, 'admin', password);
    await gqlOk(cp.url, 'mutation { createThrottlingPolicy(input: { level: SUBSCRIPTION, name: "T30", requestCount: 30, unitTime: 1, timeUnit: MIN }) { name } }', {}, admin);
    const created = await gqlOk<{ createApi: { id: string } }>(cp.url, `mutation($url: String!) {
      createApi(input: { name: "orders", context: "/orders", version: "1.0.0", endpoints: { production: $url },
        operations: [{ verb: GET, target: "/items/{id}" }], subscriptionPolicies: ["T30"] }) { id } }`, { url: backend.url }, admin);
    const apiId = created.createApi.id;
    await gqlOk(cp.url, 'mutation($id: ID!) { changeLifecycle(apiId: $id, action: PUBLISH) { id } }', { id: apiId }, admin);

    const shareToken = await subscriber(cp.url, admin, apiId, 'T30', 'Shared quota');
    const share = await hammerInWindow(cp.url, [gw1!, gw2!], shareToken);
    note(`local share ceil(30/2) per gateway: admitted ${share.perGateway.join(' + ')} of 100`);
    print('cluster_limit_admitted', share.admitted);
    print('cluster_limit_allowed', 30);
    print('cluster_limit_requests', 100);

    const fullToken = await subscriber(cp.url, admin, apiId, 'T30', 'Full local quota');
    const full = await hammerInWindow(cp.url, [gwFull1!, gwFull2!], fullToken);
    note(`full local quota (30) per gateway, traffic manager decisions only: admitted ${full.perGateway.join(' + ')} of 100 (without decisions: up to 60)`);
    print('cluster_limit_full_local_admitted', full.admitted);
  } finally {
    await rig.killAll(); // also what a failed start left running
    await backend.close();
    rmSync(dataDir, { recursive: true, force: true });
    const topics = topicsFor(prefix);
    await deleteTopics(kafka, [topics.events, topics.gatewayMap, topics.requests, topics.throttle, topics.trafficState]);
  }
}

async function main(): Promise<void> {
  if (!process.env.KAFKA_BROKERS) {
    note('KAFKA_BROKERS unset: nothing measured (run infra/dev/up and set -a; . .cache/dev.env)');
    return;
  }
  const kafka = createKafka(parseBrokers(process.env.KAFKA_BROKERS), { clientId: 'gatehouse-bench' });
  await publishToEnforced(kafka);
  await coldStart(kafka);
  await clusterLimit(kafka, parseBrokers(process.env.KAFKA_BROKERS));
}

main().then(
  () => process.exit(0),
  (e: unknown) => {
    process.stderr.write(`bench:distributed failed: ${e instanceof Error ? e.stack : String(e)}\n`);
    process.exit(1);
  },
);
