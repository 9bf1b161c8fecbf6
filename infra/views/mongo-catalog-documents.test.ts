// The changes the document mirror writes are exactly what the catalog projection changed: for
// every event of the story (and its deletions), the tracked changes are compared with a
// brute-force diff of every record before and after, and no document carries a secret.
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { openMemoryEventStore } from '../eventstore/memory.ts';
import '../../domain/events.ts';
import { upcast } from '../../domain/upcasting.ts';
import { catalogProjection } from '../../projections/catalog/projection.ts';
import type { CatalogView } from '../../projections/catalog/view.ts';
import { CATALOG_KINDS, allRecords, trackCatalog, type CatalogChange } from './mongo-catalog-documents.ts';
import { IDS, writeDeletions, writeStory } from './mongo-catalog.fixture.ts';

const json = (v: unknown) => JSON.stringify(v, (_k, x: unknown) => (typeof x === 'bigint' ? `${x}n` : x));

/** Every record of every mirrored map, as text, keyed `<map>/<id>`. */
function contents(view: CatalogView): Map<string, string> {
  const out = new Map<string, string>();
  for (const kind of CATALOG_KINDS) {
    for (const [id, record] of view[kind.records] as Map<string, unknown>) out.set(`${kind.records}/${id}`, json(record));
  }
  return out;
}

describe('catalog documents: tracked changes', () => {
  test('each event yields exactly the records it changed (deletions as no document), with no secret in any document', async () => {
    const store = openMemoryEventStore();
    await writeStory(store);
    await writeDeletions(store);
    const tracked = trackCatalog(catalogProjection.initialView());
    const kinds = new Set<string>();
    let deletions = 0;
    for (const raw of await store.readAll()) {
      const before = contents(tracked.view);
      const changes = tracked.apply(upcast(raw));
      const after = contents(tracked.view);
      const differing = [...new Set([...before.keys(), ...after.keys()])].filter((k) => before.get(k) !== after.get(k)).sort();
      assert.deepEqual(changes.map((c) => `${c.records}/${c.id}`).sort(), differing, `event ${raw.globalPosition} ${raw.type}`);
      for (const c of changes) {
        kinds.add(c.records);
        if (!c.document) deletions++;
        else assert.equal(c.document.position, raw.globalPosition, 'a changed record carries the position of the event that changed it');
      }
    }
    assert.deepEqual([...kinds].sort(), CATALOG_KINDS.map((k) => k.records).sort(), 'the story touches every kind');
    assert.equal(deletions, 6);
    assert.equal(tracked.view.clients.size, 0, 'the deleted application took its client along');
    await store.close();
  });

  test('documents: application attributes become name/value pairs, secret hashes are nowhere', async () => {
    const store = openMemoryEventStore();
    await writeStory(store);
    const tracked = trackCatalog(catalogProjection.initialView());
    const written: CatalogChange[] = [];
    for (const raw of await store.readAll()) written.push(...tracked.apply(upcast(raw)));
    assert.ok(tracked.view.clients.size > 0, 'the in-memory catalog holds the client with its secret hash');
    const all = [...allRecords(tracked.view)];
    const text = json([...written, ...all]);
    assert.ok(!/secretHash|f00d|beef|password/i.test(text), 'no secret hash or password field in any document');
    const bots = all.find((c) => c.id === IDS.bobApp)!;
    assert.deepEqual(bots.document!.attributes, [{ name: 'team', value: 'x' }]);
    assert.equal(all.length, [...CATALOG_KINDS].reduce((n, k) => n + (tracked.view[k.records] as Map<string, unknown>).size, 0));
    await store.close();
  });

  test('a projection that swapped a record map would go unseen: the mirror refuses to go on', () => {
    const tracked = trackCatalog(catalogProjection.initialView());
    tracked.view.apis = new Map();
    assert.throws(
      () => tracked.apply({ type: 'Unrelated', data: {}, streamId: 'x-1', streamVersion: 1n, globalPosition: 1n, metadata: { eventId: 'e', actor: 'a', correlationId: 'c', causationId: null, recordedAt: '2026-01-01T00:00:00.000Z', schemaVersion: 1 } }),
      /replaced its apis map/,
    );
  });
});
