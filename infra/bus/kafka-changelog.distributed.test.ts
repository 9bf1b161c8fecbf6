// The compacted changelog and the gateway's cold start from it, on the real broker.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import type { Kafka } from 'kafkajs';
import type { GatehouseEvent } from '../../domain/events.ts';
import { upcast } from '../../domain/upcasting.ts';
import type { RecordedEvent } from '../../domain/ports.ts';
import { openMemoryEventStore } from '../eventstore/memory.ts';
import { writeStory } from '../../projections/catalog/story.fixture.ts';
import { recorded, subscriptionBlocked, subscriptionUnblocked } from '../../projections/gateway-map/fixtures.ts';
import { gatewayMapProjection } from '../../projections/gateway-map/projection.ts';
import type { GatewayMapView } from '../../projections/gateway-map/view.ts';
import { createProjectionRunner } from '../../projections/runner.ts';
import { createChangelogWriter, readChangelog, type ChangelogUpdate } from './kafka-changelog.ts';
import { createKafkaGatewayFeed } from './kafka-gateway-feed.ts';
import { loadGatewayMapFromChangelog, startGatewayMapPublisher } from './kafka-gateway-map.ts';
import { startKafkaRelay } from './kafka-relay.ts';
import { deleteTopics, skipWithoutKafka, testKafka, uniqueTopic, waitFor } from '../../test/distributed/support.ts';

const text = (b: Buffer | undefined): string | undefined => b?.toString('utf8');

function fold(events: RecordedEvent[]): GatewayMapView {
  let view = gatewayMapProjection.initialView();
  for (const e of events) view = gatewayMapProjection.apply(view, upcast(e));
  return view;
}

describe('kafka changelog (real broker)', { skip: skipWithoutKafka }, () => {
  let kafka: Kafka;
  const topics: string[] = [];
  before(() => {
    kafka = testKafka();
  });
  after(async () => {
    await deleteTopics(kafka, topics);
  });

  test('latest value per key, tombstones delete, the snapshot ends on the last marker; follow sees later records', async () => {
    const topic = uniqueTopic('changelog');
    topics.push(topic);
    const writer = await createChangelogWriter({ kafka, topic });
    await writer.publishChangelog([
      { key: 'apis/a', value: 'a1', position: 3n },
      { key: 'apis/b', value: 'b1', position: 3n },
    ], { recordedAt: '2026-01-01T00:00:00.000Z' });
    await writer.publishChangelog([
      { key: 'apis/a', value: 'a2', position: 5n },
      { key: 'apis/b', value: null, position: 5n },
      { key: 'apis/c', value: 'c1', position: 4n },
    ]);
    await assert.rejects(writer.publishChangelog([{ key: "\u0000x", value: "v", position: 1n }]), /reserved/);
    const updates: ChangelogUpdate[] = [];
    const reader = await readChangelog({ kafka, topic, follow: (u) => void updates.push(u) });
    const s = reader.snapshot;
    assert.deepEqual([...s.entries.keys()].sort(), ['apis/a', 'apis/c']);
    assert.equal(text(s.entries.get('apis/a')?.value), 'a2');
    assert.equal(s.entries.get('apis/c')?.position, 4n);
    assert.equal(s.position, 5n);
    assert.equal(s.recordedAt, null);
    assert.equal(s.complete, true);

    await writer.publishChangelog([{ key: 'apis/d', value: 'd1', position: 6n }]);
    await waitFor('follow to see the new batch', () => updates.length === 2);
    assert.deepEqual(updates.map((u) => u.kind), ['entry', 'marker']);
    assert.equal(updates[1]!.position, 6n);
    await reader.stop();
    await writer.close();
  });

  test('compaction keeps one record per key: a reader loads the same state from far fewer records', async () => {
    const topic = uniqueTopic('changelog-compact');
    topics.push(topic);
    const writer = await createChangelogWriter({
      kafka, topic,
      topicSpec: { configs: { 'segment.ms': '200', 'min.cleanable.dirty.ratio': '0.01', 'min.compaction.lag.ms': '0', 'delete.retention.ms': '100' } },
    });
    let position = 0n;
    for (let round = 0; round < 12; round++) {
      position++;
      await writer.publishChangelog(Array.from({ length: 20 }, (_, k) => ({ key: `k/${k}`, value: `r${round}`, position })));
      await new Promise((r) => setTimeout(r, 250)); // next batch opens a new segment
    }
    const written = 12 * 21;
    let s = (await readChangelog({ kafka, topic })).snapshot;
    const deadline = Date.now() + 60_000;
    while (s.records >= written / 2 && Date.now() < deadline) {
      await new Promise((r) => setTimeout(r, 1000));
      await writer.publishChangelog([{ key: 'roll', value: String(Date.now()), position }]); // rolls the active segment
      s = (await readChangelog({ kafka, topic })).snapshot;
    }
    assert.ok(s.records < written / 2, `compacted: ${s.records} records read of ${written} written`);
    assert.equal([...s.entries.keys()].filter((k) => k.startsWith('k/')).length, 20);
    for (let k = 0; k < 20; k++) assert.equal(text(s.entries.get(`k/${k}`)?.value), 'r11');
    assert.equal(s.position, 12n);
    await writer.close();
  });

  test('a new gateway starts from the changelog (not from position 0) and tails gatehouse.events to the head', async () => {
    const eventsTopic = uniqueTopic('events');
    const changelogTopic = uniqueTopic('gateway-map');
    topics.push(eventsTopic, changelogTopic);
    const store = openMemoryEventStore();
    await writeStory(store);
    const all = await store.readAll();
    const relay = await startKafkaRelay({ store, kafka, topic: eventsTopic });
    await relay.caughtUp;

    // The control plane published the map when it was at the middle of the story.
    const half = all.slice(0, Math.floor(all.length / 2));
    const halfView = fold(half);
    const publisher = await startGatewayMapPublisher({
      kafka, topic: changelogTopic, intervalMs: 60_000,
      source: { view: () => halfView, position: () => halfView.position, recordedAt: () => half.at(-1)!.metadata.recordedAt },
    });
    await publisher.publishNow();
    assert.equal(publisher.publishedPosition, halfView.position);
    await publisher.stop();

    const feed = await createKafkaGatewayFeed({ kafka, eventsTopic, changelogTopic });
    const applied: bigint[] = [];
    const runner = createProjectionRunner({ store: feed.store, viewStore: feed.viewStore, projections: [gatewayMapProjection] });
    runner.onEvent((e) => void applied.push(e.globalPosition));
    await runner.start();
    const [status] = runner.status();
    assert.equal(status!.origin, 'snapshot', 'the map came from the changelog');
    assert.equal(runner.position(), all.at(-1)!.globalPosition);
    assert.equal(applied[0], halfView.position + 1n, 'only the events after the changelog position were applied');
    assert.equal(gatewayMapProjection.serialize(runner.view(gatewayMapProjection.name)), gatewayMapProjection.serialize(fold(all)));
    await assert.rejects(feed.store.readAll(), /read-only/);
    await runner.close();
    await relay.stop();
    await store.close();
  });

  test('the changelog alone is enough: a gateway starts from it when gatehouse.events holds nothing yet', async () => {
    const eventsTopic = uniqueTopic('events-empty');
    const changelogTopic = uniqueTopic('gateway-map-only');
    topics.push(eventsTopic, changelogTopic);
    const store = openMemoryEventStore();
    await writeStory(store);
    const full = fold(await store.readAll());
    const publisher = await startGatewayMapPublisher({ kafka, topic: changelogTopic, source: { view: () => full, position: () => full.position, recordedAt: () => null } });
    await publisher.stop();
    const feed = await createKafkaGatewayFeed({ kafka, eventsTopic, changelogTopic });
    assert.equal(await feed.store.headPosition(), full.position);
    const runner = createProjectionRunner({ store: feed.store, viewStore: feed.viewStore, projections: [gatewayMapProjection] });
    await runner.start();
    assert.equal(runner.status()[0]!.origin, 'snapshot');
    assert.equal(gatewayMapProjection.serialize(runner.view(gatewayMapProjection.name)), gatewayMapProjection.serialize(full));
    await runner.close();
    await store.close();
  });

  test('a restarted publisher tombstones entities that vanished while it was away', async () => {
    const changelogTopic = uniqueTopic('gateway-map-restart');
    topics.push(changelogTopic);
    const store = openMemoryEventStore();
    await writeStory(store);
    const all = await store.readAll();
    const full = fold(all);
    const p1 = await startGatewayMapPublisher({ kafka, topic: changelogTopic, source: { view: () => full, position: () => full.position, recordedAt: () => null } });
    await p1.stop();
    // A map with fewer entities (as after deletions): what the changelog then holds must match it.
    const smaller = fold(all);
    const [firstApi] = smaller.apis.keys();
    smaller.apis.delete(firstApi!);
    smaller.position = full.position + 1n;
    const p2 = await startGatewayMapPublisher({ kafka, topic: changelogTopic, source: { view: () => smaller, position: () => smaller.position, recordedAt: () => null } });
    await p2.stop();
    const loaded = await loadGatewayMapFromChangelog({ kafka, topic: changelogTopic });
    assert.equal(loaded!.position, smaller.position);
    const view = gatewayMapProjection.deserialize(loaded!.data);
    assert.equal(gatewayMapProjection.serialize(view), gatewayMapProjection.serialize(smaller));
    assert.equal(view.apis.has(firstApi!), false);
    await store.close();
  });

  test('a change rewrites only its bucket record, a deleted entity leaves its bucket; a new gateway sees both', async (t) => {
    const changelogTopic = uniqueTopic('gateway-map-buckets');
    topics.push(changelogTopic);
    const store = openMemoryEventStore();
    await writeStory(store);
    const view = fold(await store.readAll());
    const publisher = await startGatewayMapPublisher({ kafka, topic: changelogTopic, intervalMs: 60_000, source: { view: () => view, position: () => view.position, recordedAt: () => null } });
    t.after(() => publisher.stop());
    await publisher.publishNow();
    const updates: ChangelogUpdate[] = [];
    const follower = await readChangelog({ kafka, topic: changelogTopic, follow: (u) => void updates.push(u) });
    t.after(() => follower.stop());
    const records = follower.snapshot.entries.size;
    assert.ok(records > 3, `${records} records`);

    // Changes made as the control plane makes them: events through the projection.
    const apply = (e: GatehouseEvent): void => void gatewayMapProjection.apply(view, upcast(recorded([e], view.position + 1n)[0]!));
    const [sub] = [...view.subscriptions.values()].flatMap((ofApp) => [...ofApp.values()]);
    apply(sub!.status === 'BLOCKED' ? subscriptionUnblocked(sub!.id, sub!.applicationId, sub!.apiId) : subscriptionBlocked(sub!.id, sub!.applicationId, sub!.apiId));
    await publisher.publishNow();
    assert.equal(publisher.lastPublish?.mode, 'incremental');
    await waitFor('the changed bucket and its marker', () => updates.length >= 2);
    assert.deepEqual(updates.map((u) => (u.kind === 'entry' ? u.key : u.kind)), [`subscriptions#0`, 'marker']);

    const [api] = view.apis.values();
    const apiId = api!.id;
    apply({ type: 'ApiDeleted', data: { apiId, name: api!.name, context: api!.context, version: api!.version } });
    await publisher.publishNow();
    await waitFor('the rewritten API bucket and its marker', () => updates.some((u, i) => i >= 2 && u.kind === 'marker'));
    const rewritten = updates.slice(2);
    const bucket = rewritten.find((u) => u.kind === 'entry' && u.key === 'apis#0');
    assert.ok(bucket?.kind === 'entry', rewritten.map((u) => (u.kind === 'entry' ? u.key : u.kind)).join());
    assert.ok(!bucket.value!.toString('utf8').includes(JSON.stringify(apiId)), 'the deleted API is gone from its bucket');
    assert.ok(rewritten.every((u) => u.kind === 'marker' || /^(apis|versionRoutes|defaultRoutes)#0$/.test(u.key)), 'only the buckets of the deleted API');
    assert.equal(rewritten.at(-1)!.position, view.position);
    await follower.stop();
    await publisher.stop();

    const loaded = await loadGatewayMapFromChangelog({ kafka, topic: changelogTopic });
    assert.equal(loaded!.position, view.position);
    const restored = gatewayMapProjection.deserialize(loaded!.data);
    assert.equal(restored.apis.has(apiId), false);
    assert.equal(restored.subscriptions.get(sub!.applicationId)!.get(sub!.apiId)!.status, sub!.status);
    assert.equal(gatewayMapProjection.serialize(restored), gatewayMapProjection.serialize(view));
    await store.close();
  });

  test('a format-1 changelog (one record per entity) is refused by gateways and rewritten by the next publisher', async () => {
    const changelogTopic = uniqueTopic('gateway-map-format1');
    topics.push(changelogTopic);
    const store = openMemoryEventStore();
    await writeStory(store);
    const view = fold(await store.readAll());
    // What the previous version wrote: one record per entity, `$scalar`s, a $schema without `format`.
    const snapshot = JSON.parse(gatewayMapProjection.serialize(view) as string) as Record<string, unknown>;
    const old: { key: string; value: string; position: bigint }[] = [];
    const fields: { name: string; map: boolean }[] = [];
    for (const [field, value] of Object.entries(snapshot)) {
      if (field === 'position') continue;
      fields.push({ name: field, map: Array.isArray(value) });
      if (Array.isArray(value)) for (const [k, v] of value as [string, unknown][]) old.push({ key: `${field}/${k}`, value: JSON.stringify(v), position: view.position });
      else old.push({ key: `$${field}`, value: JSON.stringify(value), position: view.position });
    }
    old.push({ key: '$schema', value: JSON.stringify({ projection: gatewayMapProjection.name, version: gatewayMapProjection.version, fields }), position: view.position });
    const writer = await createChangelogWriter({ kafka, topic: changelogTopic });
    await writer.publishChangelog(old, { position: view.position });
    await writer.close();

    const warnings: string[] = [];
    const logger = { debug() {}, info() {}, error() {}, warn: (o: object, msg: string) => void warnings.push(`${msg} ${JSON.stringify(o)}`) };
    assert.equal(await loadGatewayMapFromChangelog({ kafka, topic: changelogTopic, logger }), undefined, 'not misread');
    assert.match(warnings.join('\n'), /format 1 \(one record per entity/);

    // Same position as the old marker: the publisher rewrites anyway.
    const publisher = await startGatewayMapPublisher({ kafka, topic: changelogTopic, intervalMs: 60_000, logger, source: { view: () => view, position: () => view.position, recordedAt: () => null } });
    await publisher.stop();
    const { snapshot: after } = await readChangelog({ kafka, topic: changelogTopic });
    assert.deepEqual([...after.entries.keys()].filter((k) => k.includes('/')), [], 'every format-1 record tombstoned');
    const loaded = await loadGatewayMapFromChangelog({ kafka, topic: changelogTopic });
    assert.equal(loaded!.position, view.position);
    assert.equal(gatewayMapProjection.serialize(gatewayMapProjection.deserialize(loaded!.data)), gatewayMapProjection.serialize(view));
    await store.close();
  });
});
