// The MongoDB view stores against the real MongoDB-wire server (FerretDB from infra/dev/up):
// snapshot pointer swaps guarded by position, readers never see a mix, per-document position
// guard, unique indexes, tombstones, blue/green rebuild.
import { randomUUID } from 'node:crypto';
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import type { Db } from 'mongodb';
import { connectMongo, type MongoConnection } from './mongo-client.ts';
import { openMongoViewStore, SNAPSHOT_CHUNKS } from './mongo.ts';
import { openMongoDocumentView, StaleRebuildError } from './mongo-documents.ts';
import { mongoUrl, skipWithoutMongo } from '../../test/distributed/support.ts';

const snapshotOf = (position: bigint, bytes: number) => {
  const data = Buffer.alloc(bytes, Number(position % 251n));
  data.write(`pos=${position};`, 0);
  return { position, data };
};

describe('MongoDB view stores (real server)', { skip: skipWithoutMongo }, () => {
  let conn: MongoConnection;
  let db: Db;
  before(async () => {
    conn = await connectMongo(mongoUrl!, `gatehouse_test_${randomUUID().slice(0, 8)}`);
    db = conn.db;
  });
  after(async () => {
    await db?.dropDatabase().catch(() => {});
    await conn?.close();
  });

  test('snapshots: round trip in chunks, version must match, an older position never overwrites, old generations go', async () => {
    const store = await openMongoViewStore({ db });
    assert.equal(await store.load('catalog', 1), undefined);
    const big = snapshotOf(10n, 9 * 1024 * 1024); // three chunks
    await store.save('catalog', 1, big);
    const loaded = await store.load('catalog', 1);
    assert.equal(loaded?.position, 10n);
    assert.ok(loaded!.data.equals(big.data));
    assert.equal(await store.load('catalog', 2), undefined, 'another version is no snapshot');

    await store.save('catalog', 1, snapshotOf(7n, 100));
    assert.equal(store.lastSave('catalog'), 'stale');
    assert.equal((await store.load('catalog', 1))?.position, 10n);
    await store.save('catalog', 1, snapshotOf(10n, 100));
    assert.equal(store.lastSave('catalog'), 'stale', 'the same position is not newer');

    await store.save('catalog', 1, snapshotOf(12n, 100));
    assert.equal(store.lastSave('catalog'), 'saved');
    assert.equal(await db.collection(SNAPSHOT_CHUNKS).countDocuments({ name: 'catalog' }), 1, 'the 3 chunks of position 10 are gone');
    await store.save('catalog', 2, snapshotOf(3n, 100));
    assert.equal(store.lastSave('catalog'), 'saved', 'a new projection version replaces whatever position');
    assert.equal((await store.load('catalog', 2))?.position, 3n);

    await store.drop('catalog');
    assert.equal(await store.load('catalog', 2), undefined);
    assert.equal(await db.collection(SNAPSHOT_CHUNKS).countDocuments({ name: 'catalog' }), 0);
    await assert.rejects(store.save('bad name', 1, snapshotOf(1n, 1)), /letters/);
  });

  test('snapshots: a reader during a stream of saves sees old or new, never a mix', async () => {
    // Small chunks: many documents per generation, so a mix would show.
    const writer = await openMongoViewStore({ db, chunkBytes: 16 * 1024 });
    const reader = await openMongoViewStore({ url: mongoUrl!, dbName: db.databaseName });
    let saving = true;
    const saves = (async () => {
      for (let p = 1n; p <= 30n; p++) await writer.save('analytics', 1, snapshotOf(p, 256 * 1024));
      saving = false;
    })();
    let reads = 0;
    while (saving) {
      const s = await reader.load('analytics', 1);
      if (!s) continue;
      reads++;
      assert.ok(s.data.subarray(0, 12).toString('latin1').startsWith(`pos=${s.position};`), `data matches position ${s.position}`);
      assert.equal(s.data.length, 256 * 1024);
      assert.equal(s.data[s.data.length - 1], Number(s.position % 251n), 'the last chunk is of the same generation');
    }
    await saves;
    assert.ok(reads > 0);
    await reader.close();
  });

  test('documents: older positions are skipped, tombstones guard and free unique fields, unique indexes hold', async () => {
    type Api = { context: string; version: string; name: string };
    const view = await openMongoDocumentView<Api>({ db, name: 'apis', uniqueIndexes: [{ name: 'context_version', fields: ['context', 'version'] }] });
    assert.equal(await view.upsert('a', { context: '/pets', version: '1', name: 'Pets v5' }, 5n), 'applied');
    assert.equal(await view.upsert('a', { context: '/pets', version: '1', name: 'Pets v3' }, 3n), 'stale');
    assert.equal(await view.upsert('a', { context: '/pets', version: '1', name: 'Pets again' }, 5n), 'stale', 'same position: already applied');
    const a = await view.get('a');
    assert.equal(a?.name, 'Pets v5');
    assert.equal(a?.position, 5n);

    await assert.rejects(view.upsert('b', { context: '/pets', version: '1', name: 'dup' }, 6n), (e: unknown) => (e as { code?: number }).code === 11000);
    assert.equal(await view.remove('a', 7n), 'applied');
    assert.equal(await view.get('a'), null);
    assert.equal(await view.upsert('a', { context: '/pets', version: '1', name: 'late' }, 6n), 'stale', 'the tombstone keeps its position');
    assert.equal(await view.upsert('b', { context: '/pets', version: '1', name: 'New Pets' }, 8n), 'applied', 'the tombstone freed /pets 1');
    assert.deepEqual((await view.find()).map((d) => d._id), ['b']);
    assert.deepEqual((await view.find({ name: 'New Pets' })).map((d) => d.position), [8n]);
  });

  test('documents: a rebuild fills a fresh collection, readers see the old one until the swap; a concurrent swap fails', async () => {
    type Row = { n: number };
    const view = await openMongoDocumentView<Row>({ db, name: 'rows', dropAfterMs: 100 });
    await view.upsert('x', { n: 1 }, 1n);
    const oldCollection = (await view.collection()).collectionName;
    const rebuild = await view.beginRebuild();
    const rival = await view.beginRebuild();
    await rebuild.upsert('x', { n: 10 }, 1n);
    await rebuild.upsert('y', { n: 20 }, 2n);
    assert.equal((await view.get('x'))?.n, 1, 'readers still on the old collection');
    assert.equal(await view.get('y'), null);
    await rebuild.commit();
    assert.equal((await view.get('x'))?.n, 10);
    assert.equal((await view.get('y'))?.n, 20);
    assert.equal(await view.upsert('y', { n: 21 }, 3n), 'applied', 'the live writer continues on the new collection');
    await assert.rejects(rival.commit(), StaleRebuildError);
    await rival.abort();
    await new Promise((r) => setTimeout(r, 300));
    const names = (await db.listCollections({}, { nameOnly: true }).toArray()).map((c) => c.name);
    assert.ok(!names.includes(oldCollection), 'the replaced collection was dropped');
  });
});
