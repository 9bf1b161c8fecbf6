// The gateway map ⇄ changelog entries glue, without a broker: the entries rebuild the exact
// snapshot, and a diff carries updates and tombstones only.
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { upcast } from '../../domain/upcasting.ts';
import { openMemoryEventStore } from '../eventstore/memory.ts';
import { writeStory } from '../../projections/catalog/story.fixture.ts';
import { gatewayMapProjection } from '../../projections/gateway-map/projection.ts';
import type { GatewayMapView } from '../../projections/gateway-map/view.ts';
import { diffEntries, SCHEMA_KEY, snapshotEntries, snapshotFromEntries } from './kafka-gateway-map.ts';

async function storyMap(upTo?: number): Promise<GatewayMapView> {
  const store = openMemoryEventStore();
  await writeStory(store);
  let view = gatewayMapProjection.initialView();
  for (const e of await store.readAll()) if (upTo === undefined || e.globalPosition <= BigInt(upTo)) view = gatewayMapProjection.apply(view, upcast(e));
  await store.close();
  return view;
}

describe('gateway map changelog entries', () => {
  test('one entry per entity and scalar; the entries rebuild the very same snapshot', async () => {
    const view = await storyMap();
    const serialized = gatewayMapProjection.serialize(view) as string;
    const entries = snapshotEntries(serialized);
    assert.ok(view.apis.size > 0 && view.subscriptions.size > 0);
    assert.ok(entries.has(`apis/${[...view.apis.keys()][0]}`));
    assert.ok(entries.has('$currentKid'));
    assert.ok(!entries.has('$position'), 'the position travels on the markers');
    const rebuilt = snapshotFromEntries(entries, view.position);
    assert.equal(rebuilt.serialized, serialized);
    assert.equal(rebuilt.version, gatewayMapProjection.version);
    assert.equal(gatewayMapProjection.serialize(gatewayMapProjection.deserialize(rebuilt.serialized)), serialized);
  });

  test('empty maps survive the round trip through the schema entry', () => {
    const empty = gatewayMapProjection.serialize(gatewayMapProjection.initialView()) as string;
    const entries = snapshotEntries(empty);
    assert.deepEqual([...entries.keys()].filter((k) => !k.startsWith('$')), []);
    assert.equal(snapshotFromEntries(entries, 0n).serialized, empty);
    entries.delete(SCHEMA_KEY);
    assert.throws(() => snapshotFromEntries(entries, 0n), /no schema/);
  });

  test('a diff holds changed and new entities, tombstones for removed ones, nothing else', () => {
    const before = new Map([['apis/a', '1'], ['apis/b', '2'], ['subscriptions/x', '3']]);
    const after = new Map([['apis/a', '1'], ['apis/b', '20'], ['apis/c', '4']]);
    assert.deepEqual(diffEntries(before, after, 9n), [
      { key: 'apis/b', value: '20', position: 9n },
      { key: 'apis/c', value: '4', position: 9n },
      { key: 'subscriptions/x', value: null, position: 9n },
    ]);
    assert.deepEqual(diffEntries(after, after, 10n), []);
  });

  test('a snapshot that is not made of [key, value] lists is refused', () => {
    assert.throws(() => snapshotEntries(JSON.stringify({ position: '1', apis: [['a']] })), /pairs/);
  });
});
