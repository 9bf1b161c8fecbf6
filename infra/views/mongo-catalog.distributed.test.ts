// The catalog documents against the real MongoDB-wire server (FerretDB from infra/dev/up):
// the mirror writes each changed record at its event's position, re-deliveries are stale
// no-ops, deletions leave tombstones, unique indexes hold, a restart resumes from the
// checkpoint (or reconciles from a newer snapshot), and a blue/green rebuild swaps in while a
// reader reads and the mirror writes.
import { randomUUID } from 'node:crypto';
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import type { Db, Document } from 'mongodb';
import type { EventStore } from '../../domain/ports.ts';
import { apiStream, appStream } from '../../domain/streams.ts';
import { openMemoryEventStore } from '../eventstore/memory.ts';
import { catalogProjection } from '../../projections/catalog/projection.ts';
import { definition, writer } from '../../projections/catalog/story.fixture.ts';
import { rebuildView } from '../../projections/runner-replay.ts';
import { toBytes } from '../../projections/projection.ts';
import { mongoUrl, skipWithoutMongo, waitFor } from '../../test/distributed/support.ts';
import { openMemoryViewStore } from './memory.ts';
import { connectMongo, type MongoConnection } from './mongo-client.ts';
import { openCatalogDocuments, rebuildCatalogDocuments, type CatalogDocuments } from './mongo-catalog-documents.ts';
import { readCatalogCheckpoint, startCatalogMirror, type CatalogMirror } from './mongo-catalog.ts';
import { IDS, writeDeletions, writeStory } from './mongo-catalog.fixture.ts';

const ids = (docs: Document[]) => docs.map((d) => String(d._id)).sort();

async function until(mirror: CatalogMirror, store: EventStore): Promise<bigint> {
  const head = await store.headPosition();
  await mirror.waitForPosition(head, 20_000);
  return head;
}

/** An API of its own name and context, appended on its own stream. */
async function createApi(store: EventStore, apiId: string, context: string, minute: number) {
  const emit = writer(store, minute);
  return emit(apiStream(apiId), 'admin', {
    type: 'ApiCreated',
    data: { apiId, name: `Api ${context}`, context, version: '1', provider: 'admin', lifecycleStatus: 'CREATED', copiedFrom: null, ...definition() },
  });
}

describe('catalog documents in MongoDB (real server)', { skip: skipWithoutMongo }, () => {
  let conn: MongoConnection;
  const dbs: Db[] = [];
  before(async () => {
    conn = await connectMongo(mongoUrl!, 'admin');
  });
  after(async () => {
    for (const db of dbs) await db.dropDatabase().catch(() => {});
    await conn?.close();
  });
  const freshDb = (): Db => {
    const db = conn.client.db(`gatehouse_test_catalog_${randomUUID().slice(0, 8)}`);
    dbs.push(db);
    return db;
  };

  test('events become documents at their positions; a deletion leaves a tombstone; no secret is written', async () => {
    const db = freshDb();
    const store = openMemoryEventStore();
    await writeStory(store);
    const mirror = await startCatalogMirror({ store, db, checkpointEveryMs: 50 });
    const head = await until(mirror, store);
    const docs = await openCatalogDocuments(db);

    const pizza1 = await docs.apis.get(IDS.pizza1);
    const pizza2 = await docs.apis.get(IDS.pizza2);
    assert.equal(pizza1?.lifecycleStatus, 'DEPRECATED');
    assert.equal(pizza1?.isDefaultVersion, false);
    assert.equal(pizza2?.isDefaultVersion, true);
    assert.equal(typeof pizza1?.position, 'bigint');
    const live = catalogProjection.deserialize(toBytes(catalogProjection.serialize((await rebuildView(store, catalogProjection)).view)));
    for (const [id, api] of live.apis) assert.equal((await docs.apis.get(id))?.position, api.position, `API ${id} at the position of its last change`);
    const app = await docs.applications.get(IDS.aliceApp);
    assert.equal(app?.keys[0].consumerKey, IDS.aliceKey);
    assert.equal(app?.apiKeys[0].revoked, true);
    assert.deepEqual(ids(await docs.subscriptions.find({ applicationId: IDS.aliceApp })), [IDS.sub1, IDS.sub2].sort());
    assert.equal((await docs.policies.get('SUBSCRIPTION:Gold'))?.requestCount, 5000);
    assert.equal((await docs.users.get('bob'))?.lockedUntil, '2026-03-01T12:00:00.000Z');
    assert.deepEqual((await docs.signingKeys.find()).map((k) => `${k._id}:${k.status}`).sort(), ['k1:PREVIOUS', 'k2:CURRENT']);
    assert.equal((await docs.blockingConditions.get(IDS.ipBlock))?.enabled, false);

    // Nothing secret anywhere in the database: the secret hashes of the story are f00d… and beef….
    for (const c of await db.listCollections({}, { nameOnly: true }).toArray()) {
      const text = JSON.stringify(await db.collection(c.name).find().toArray(), (_k, v: unknown) => (typeof v === 'bigint' ? String(v) : v));
      assert.ok(!/secretHash|f00d|beef|password/i.test(text), `no secret in ${c.name}`);
    }

    await writeDeletions(store);
    await until(mirror, store);
    assert.equal(await docs.subscriptions.get(IDS.sub1), null);
    assert.equal(await docs.apis.get(IDS.weather), null);
    const tomb = await (await docs.apis.collection()).findOne({ _id: IDS.weather });
    assert.equal(tomb?.deleted, true);
    assert.ok(tomb!.position > head, 'the tombstone holds the deletion position');
    assert.equal(tomb?.context, undefined, 'the tombstone frees the unique fields');
    assert.equal(await docs.applications.get(IDS.aliceApp), null);
    assert.equal(await docs.policies.get('SUBSCRIPTION:Silver'), null);
    assert.equal(await docs.blockingConditions.get(IDS.ipBlock), null);
    await waitFor('the checkpoint', async () => (await readCatalogCheckpoint(db))?.position === mirror.position());
    await mirror.stop();
    await store.close();
  });

  test('a restart resumes from the checkpoint without writing again; a re-delivery from 0 is all stale', async () => {
    const db = freshDb();
    const store = openMemoryEventStore();
    await writeStory(store);
    const first = await startCatalogMirror({ store, db });
    const stoppedAt = await until(first, store);
    assert.ok(first.status().applied > 20);
    await first.stop();
    assert.deepEqual(await readCatalogCheckpoint(db), { position: stoppedAt, version: catalogProjection.version }, 'stop saves the checkpoint');

    await writeDeletions(store); // six deletions while the mirror is down
    const second = await startCatalogMirror({ store, db });
    assert.equal(second.resumedFrom, stoppedAt);
    assert.equal(second.status().start, 'checkpoint');
    await until(second, store);
    assert.deepEqual({ applied: second.status().applied, stale: second.status().stale }, { applied: 6, stale: 0 }, 'only the events after the checkpoint are written');
    const docs = await openCatalogDocuments(db);
    assert.equal(await docs.apis.get(IDS.weather), null);
    await second.stop();

    // The checkpoint lost: everything is delivered again, and every write is a stale no-op.
    await db.collection('view_checkpoints').deleteMany({});
    const before = await (await docs.apis.collection()).find().sort({ _id: 1 }).toArray();
    const third = await startCatalogMirror({ store, db });
    assert.equal(third.resumedFrom, 0n);
    await until(third, store);
    assert.equal(third.status().applied, 0);
    assert.ok(third.status().stale > 20);
    assert.deepEqual(await (await docs.apis.collection()).find().sort({ _id: 1 }).toArray(), before);
    await third.stop();
    await store.close();
  });

  test('a catalog snapshot newer than the checkpoint: the mirror writes the records changed since and tombstones the ones gone', async () => {
    const db = freshDb();
    const store = openMemoryEventStore();
    await writeStory(store);
    const first = await startCatalogMirror({ store, db });
    await until(first, store);
    await first.stop();

    await writeDeletions(store);
    const renamed = writer(store, 300);
    await renamed(appStream(IDS.bobApp), 'bob', { type: 'ApplicationUpdated', data: { applicationId: IDS.bobApp, name: 'Crawlers', throttlingPolicy: 'Unlimited', description: null, attributes: { 'team.name': 'x' } } });
    const head = await store.headPosition();
    const views = openMemoryViewStore();
    const rebuilt = await rebuildView(store, catalogProjection);
    await views.save('catalog', catalogProjection.version, { position: rebuilt.position, data: toBytes(catalogProjection.serialize(rebuilt.view)) });

    const second = await startCatalogMirror({ store, db, viewStore: views });
    assert.equal(second.status().start, 'reconciled');
    assert.equal(second.resumedFrom, head);
    assert.equal((await readCatalogCheckpoint(db))?.position, head);
    const docs = await openCatalogDocuments(db);
    assert.deepEqual(ids(await docs.subscriptions.find()), []);
    assert.deepEqual(ids(await docs.apis.find()), [IDS.pizza1, IDS.pizza2].sort());
    assert.deepEqual(ids(await docs.applications.find()), [IDS.bobApp]);
    const bots = await docs.applications.get(IDS.bobApp);
    assert.equal(bots?.name, 'Crawlers');
    assert.deepEqual(bots?.attributes, [{ name: 'team.name', value: 'x' }], 'a dotted attribute name is stored as a pair');
    assert.equal((await (await docs.apis.collection()).findOne({ _id: IDS.weather }))?.deleted, true);
    await second.stop();
    await store.close();
  });

  test('documents of another projection version are rebuilt blue/green at start (the guard alone would keep them)', async () => {
    const db = freshDb();
    const store = openMemoryEventStore();
    await writeStory(store);
    const first = await startCatalogMirror({ store, db });
    const head = await until(first, store);
    await first.stop();
    const docs = await openCatalogDocuments(db);
    // As an older version would have written it: a field missing, the checkpoint of version 0.
    await (await docs.apis.collection()).updateOne({ _id: IDS.pizza1 }, { $unset: { name: '' } });
    await db.collection('view_checkpoints').updateOne({ _id: 'catalog' as never }, { $set: { version: 0 } });

    const second = await startCatalogMirror({ store, db });
    assert.equal(second.status().start, 'rebuilt');
    assert.equal(second.resumedFrom, head);
    assert.equal((await docs.apis.collection()).collectionName, 'view_catalog_apis_g2');
    assert.equal((await docs.apis.get(IDS.pizza1))?.name, 'PizzaShack');
    assert.deepEqual(await readCatalogCheckpoint(db), { position: head, version: catalogProjection.version });
    await writeDeletions(store);
    await until(second, store);
    assert.equal(await docs.apis.get(IDS.weather), null, 'and it follows the log from there');
    await second.stop();
    await store.close();
  });

  test('unique indexes: a conflicting document written out of band is refused; the mirror reports a conflict and goes on', async () => {
    const db = freshDb();
    const store = openMemoryEventStore();
    await writeStory(store);
    const mirror = await startCatalogMirror({ store, db });
    await until(mirror, store);
    const docs = await openCatalogDocuments(db);
    const apis = await docs.apis.collection();
    const dup = (e: unknown) => (e as { code?: number }).code === 11000;
    await assert.rejects(apis.insertOne({ _id: 'rogue', context: '/pizzashack', version: '1.0.0', position: 1n } as never), dup);
    await assert.rejects((await docs.subscriptions.collection()).insertOne({ _id: 'rogue', applicationId: IDS.aliceApp, apiId: IDS.pizza1, position: 1n } as never), dup);
    // Case-insensitive, as the domain's name reservation: "BOTS" is bob's "Bots" again.
    await assert.rejects((await docs.applications.collection()).insertOne({ _id: 'rogue', owner: 'bob', name: 'BOTS', nameKey: 'bots', position: 1n } as never), dup);

    // Someone took /squatted 1 by hand: the mirror cannot write the API that holds it in the log.
    await apis.insertOne({ _id: 'rogue', context: '/squatted', version: '1', position: 1n } as never);
    const squatter = randomUUID();
    await createApi(store, squatter, '/squatted', 400);
    const fine = randomUUID();
    await createApi(store, fine, '/fine', 401);
    await until(mirror, store);
    assert.equal(mirror.status().conflicts, 1);
    assert.equal(await docs.apis.get(squatter), null);
    assert.equal((await docs.apis.get(fine))?.context, '/fine', 'the mirror went on past the conflict');
    await mirror.stop();
    await store.close();
  });

  test('rebuild: fresh collections swap in while a reader reads and the mirror writes; readers never see a partial catalog', async () => {
    const db = freshDb();
    const store = openMemoryEventStore();
    await writeStory(store);
    for (let i = 0; i < 40; i++) await createApi(store, randomUUID(), `/bulk${i}`, 500 + i);
    const mirror = await startCatalogMirror({ store, db });
    await until(mirror, store);
    const docs: CatalogDocuments = await openCatalogDocuments(db, { dropAfterMs: 200 });
    const oldCollection = (await docs.apis.collection()).collectionName;
    // A document only the old collection has: the rebuild must not carry it over.
    await (await docs.apis.collection()).insertOne({ _id: 'orphan', position: 1n } as never);
    const at = await store.headPosition();
    const rebuilt = await rebuildView(store, catalogProjection, { to: at });

    let reading = true;
    let reads = 0;
    const reader = (async () => {
      while (reading) {
        const found = await docs.apis.find();
        assert.ok(found.length >= 43, `a reader saw ${found.length} APIs: never fewer than the catalog holds`);
        reads++;
      }
    })();
    const late = randomUUID();
    const [result] = await Promise.all([
      rebuildCatalogDocuments({ db, store, view: rebuilt.view, position: at, dropAfterMs: 200, concurrency: 4 }),
      createApi(store, late, '/late', 600), // appended while the rebuild runs
    ]);
    const head = await until(mirror, store);
    reading = false;
    await reader;
    assert.ok(reads > 0);
    const v = rebuilt.view;
    assert.equal(result.documents, 43 + v.applications.size + v.subscriptions.size + v.policies.size + v.blockingConditions.size + v.users.size + v.signingKeys.size);
    assert.deepEqual(result.counts.conflicts, []);
    assert.ok(result.position <= head);
    assert.notEqual((await docs.apis.collection()).collectionName, oldCollection);
    assert.equal(await docs.apis.get('orphan'), null, 'the new collections hold the log, not leftovers');
    assert.equal((await docs.apis.get(late))?.context, '/late', 'an event of the rebuild window is in the live collection');
    assert.equal((await docs.apis.find()).length, 44);
    const after = randomUUID();
    await createApi(store, after, '/after', 700);
    await until(mirror, store);
    assert.equal((await docs.apis.get(after))?.context, '/after', 'the running mirror writes into the swapped-in collection');
    await waitFor('the old collection dropped', async () => !(await db.listCollections({ name: oldCollection }).toArray()).length);
    await mirror.stop();
    await store.close();
  });
});
