// The changelog's record format without a broker: buckets rebuild the same map, a change or a
// deletion rewrites only its bucket, bucket counts follow the size, other formats are refused.
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { upcast } from '../../domain/upcasting.ts';
import { openMemoryEventStore } from '../eventstore/memory.ts';
import { writeStory } from '../../projections/catalog/story.fixture.ts';
import { gatewayMapProjection } from '../../projections/gateway-map/projection.ts';
import type { GatewayMapView } from '../../projections/gateway-map/view.ts';
import {
  BUCKET_TARGET_BYTES,
  CHANGELOG_FORMAT,
  ChangelogFormatError,
  SCALARS_KEY,
  SCHEMA_KEY,
  bucketCount,
  bucketOf,
  changelogOfSnapshot,
  diffEntries,
  layoutOf,
  scanSnapshot,
  snapshotOfChangelog,
} from './kafka-gateway-map-format.ts';

async function storyMap(): Promise<GatewayMapView> {
  const store = openMemoryEventStore();
  await writeStory(store);
  let view = gatewayMapProjection.initialView();
  for (const e of await store.readAll()) view = gatewayMapProjection.apply(view, upcast(e));
  await store.close();
  return view;
}

const serialize = (view: GatewayMapView): string => gatewayMapProjection.serialize(view) as string;

/** A synthetic snapshot with `n` entities of about `size` characters in `items`. */
function bigSnapshot(n: number, size: number, extra: Record<string, unknown> = {}): string {
  const items = Array.from({ length: n }, (_, i) => [`item-${String(i).padStart(6, '0')}`, { id: i, pad: 'x'.repeat(size) }]);
  return JSON.stringify({ position: '7', items, flag: true, ...extra });
}

const fake = { name: 'fake', version: 3 };

describe('gateway map changelog format', () => {
  test('the records rebuild the same map: deserialize(spliced) serializes to the original bytes', async () => {
    const view = await storyMap();
    assert.ok(view.apis.size > 0 && view.subscriptionCount > 0);
    const serialized = serialize(view);
    const { entries, layout } = changelogOfSnapshot(serialized, gatewayMapProjection);
    assert.equal(layout.format, CHANGELOG_FORMAT);
    assert.ok(entries.has('apis#0') && entries.has('subscriptions#0') && entries.has(SCALARS_KEY));
    assert.ok(![...entries.keys()].some((k) => k.includes('/')), 'no per-entity records');
    const restored = snapshotOfChangelog(entries, view.position);
    assert.equal(restored.layout.version, gatewayMapProjection.version);
    assert.equal(serialize(gatewayMapProjection.deserialize(restored.data)), serialized);
  });

  test('an empty map round-trips; the position comes from the marker, not the records', () => {
    const empty = serialize(gatewayMapProjection.initialView());
    const { entries } = changelogOfSnapshot(empty, gatewayMapProjection);
    assert.deepEqual([...entries.keys()].sort(), [SCALARS_KEY, SCHEMA_KEY]);
    const restored = gatewayMapProjection.deserialize(snapshotOfChangelog(entries, 42n).data);
    assert.equal(restored.position, 42n);
    assert.equal(restored.apis.size, 0);
  });

  test('a big map is spread over a power of two of buckets near the target size, each sorted by key', () => {
    const snapshot = bigSnapshot(4000, 200);
    const { entries, layout } = changelogOfSnapshot(snapshot, fake);
    const items = layout.fields.find((f) => f.name === 'items')!;
    assert.equal(items.buckets, 16, `${snapshot.length} bytes over ${BUCKET_TARGET_BYTES}-byte buckets`);
    assert.deepEqual(layout.fields.find((f) => f.name === 'flag'), { name: 'flag', buckets: null });
    const sizes = [...entries].filter(([k]) => k.startsWith('items#')).map(([, v]) => v.length);
    assert.equal(sizes.length, 16);
    assert.ok(Math.max(...sizes) < 2 * BUCKET_TARGET_BYTES, `largest bucket ${Math.max(...sizes)}`);
    for (const [k, v] of entries) {
      if (!k.startsWith('items#')) continue;
      const keys = (JSON.parse(v) as [string, unknown][]).map(([key]) => key);
      assert.deepEqual(keys, [...keys].sort());
      for (const key of keys) assert.equal(`items#${bucketOf(key, 16)}`, k);
    }
    const back = JSON.parse(snapshotOfChangelog(entries, 7n).data.toString('utf8')) as { items: [string, unknown][]; flag: boolean; position: string };
    assert.deepEqual(back.items.sort((a, b) => (a[0] < b[0] ? -1 : 1)), (JSON.parse(snapshot) as { items: unknown[] }).items);
    assert.equal(back.flag, true);
    assert.equal(back.position, '7');
  });

  test('bucket counts keep their value until the average leaves [target/4, 2·target]', () => {
    assert.equal(bucketCount(0), 1);
    assert.equal(bucketCount(BUCKET_TARGET_BYTES), 1);
    assert.equal(bucketCount(BUCKET_TARGET_BYTES + 1), 2);
    assert.equal(bucketCount(10 * BUCKET_TARGET_BYTES), 16);
    assert.equal(bucketCount(10 * BUCKET_TARGET_BYTES, 8), 8, 'average 1.25·target: kept');
    assert.equal(bucketCount(17 * BUCKET_TARGET_BYTES, 8), 32, 'average above 2·target: grown');
    assert.equal(bucketCount(BUCKET_TARGET_BYTES, 8), 1, 'average below target/4: shrunk');
    const grown = changelogOfSnapshot(bigSnapshot(4000, 200), fake);
    const again = changelogOfSnapshot(bigSnapshot(3000, 200), fake, grown.layout);
    assert.equal(again.layout.fields.find((f) => f.name === 'items')!.buckets, 16, 'the previous layout is kept while it fits');
  });

  test('changing or deleting one entity rewrites only its bucket; an emptied bucket is tombstoned', () => {
    const before = changelogOfSnapshot(bigSnapshot(4000, 200), fake);
    const changedSnapshot = JSON.parse(bigSnapshot(4000, 200)) as { items: [string, { pad: string }][] };
    changedSnapshot.items[10]![1].pad = 'changed';
    changedSnapshot.items.splice(20, 1); // item-000020 deleted
    const after = changelogOfSnapshot(JSON.stringify(changedSnapshot), fake, before.layout);
    const diff = diffEntries(before.entries, after.entries, 8n);
    const expected = [...new Set([`items#${bucketOf('item-000010', 16)}`, `items#${bucketOf('item-000020', 16)}`])].sort();
    assert.deepEqual(diff.map((e) => e.key).sort(), expected);
    assert.ok(diff.every((e) => e.value !== null && e.position === 8n));
    const rewritten = JSON.parse(after.entries.get(`items#${bucketOf('item-000020', 16)}`)!) as [string, unknown][];
    assert.ok(!rewritten.some(([k]) => k === 'item-000020'));

    const one = changelogOfSnapshot(JSON.stringify({ position: '1', items: [['only', 1]] }), fake);
    const none = changelogOfSnapshot(JSON.stringify({ position: '2', items: [] }), fake, one.layout);
    assert.deepEqual(diffEntries(one.entries, none.entries, 2n).filter((e) => e.key.startsWith('items#')), [{ key: `items#${bucketOf('only', 1)}`, value: null, position: 2n }]);
    assert.deepEqual(diffEntries(after.entries, after.entries, 9n), []);
  });

  test('a format-1 changelog (one record per entity, no format in $schema) is refused with a clear error', () => {
    const old = new Map<string, string>([
      [SCHEMA_KEY, JSON.stringify({ projection: 'gateway-map', version: 1, fields: [{ name: 'apis', map: true }] })],
      ['apis/a1', '{"id":"a1"}'],
    ]);
    assert.throws(() => layoutOf(old), (e: unknown) => e instanceof ChangelogFormatError && /format 1 \(one record per entity/.test(e.message) && /reads format 2/.test(e.message));
    assert.throws(() => snapshotOfChangelog(old, 1n), ChangelogFormatError);
    assert.throws(() => layoutOf(new Map([['apis#0', '[]']])), /no \$schema/);
    const { entries } = changelogOfSnapshot(bigSnapshot(3, 10), fake);
    entries.set('apis/a1', '{"id":"a1"}');
    assert.throws(() => snapshotOfChangelog(entries, 1n), /"apis\/a1" is no bucket/);
    entries.delete('apis/a1');
    entries.set('items#1', '[]');
    assert.throws(() => snapshotOfChangelog(entries, 1n), /"items#1" is no bucket/, 'a bucket beyond the layout count');
  });

  test('the scan cuts pairs exactly, whatever quotes, backslashes, brackets or commas the strings hold', () => {
    const tricky = ['a"b', 'back\\slash\\', 'br[ack]{et}', 'com,ma', 'quote at end\\"', 'ünïcödé ✓', '\u0001ctl', ''];
    const snapshot = {
      position: '3',
      items: tricky.map((k, i) => [k, { v: tricky[(i + 1) % tricky.length], n: [i, -1.5e-7, null, true], o: { '"]': '[{' } }]).sort((a, b) => ((a[0] as string) < (b[0] as string) ? -1 : 1)),
      empty: [],
      kid: 'k"1',
      none: null,
      size: 12,
    };
    const json = JSON.stringify(snapshot);
    const fields = scanSnapshot(json);
    assert.deepEqual(fields.map((f) => f.name), ['position', 'items', 'empty', 'kid', 'none', 'size']);
    assert.deepEqual(fields[1]!.pairs!.map((p) => p.key), snapshot.items.map(([k]) => k));
    assert.deepEqual(fields[1]!.pairs!.map((p) => JSON.parse(p.text) as unknown), snapshot.items);
    assert.deepEqual(fields[2]!.pairs, []);
    assert.deepEqual(fields.slice(3).map((f) => JSON.parse(f.text) as unknown), ['k"1', null, 12]);
    const { entries } = changelogOfSnapshot(json, fake);
    const back = JSON.parse(snapshotOfChangelog(entries, 3n).data.toString('utf8')) as typeof snapshot;
    back.items.sort((a, b) => ((a[0] as string) < (b[0] as string) ? -1 : 1));
    assert.deepEqual(back, snapshot);
  });

  test('a snapshot that is not made of [key, value] lists, or not compact JSON, is refused', () => {
    assert.throws(() => changelogOfSnapshot(JSON.stringify({ position: '1', apis: [['a']] }), fake), /pairs/);
    assert.throws(() => changelogOfSnapshot(JSON.stringify({ position: '1', apis: [{ a: 1 }] }), fake), /pairs/);
    assert.throws(() => changelogOfSnapshot(JSON.stringify({ position: '1', apis: [] }, null, 1), fake), /compact JSON/);
    assert.throws(() => changelogOfSnapshot('{"position":"1","apis":[["a",{"x":"unterminated}]]}', fake), /unterminated/);
  });
});
