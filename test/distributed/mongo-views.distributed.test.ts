// The control plane with MONGODB_URL set keeps its view snapshots in MongoDB (FerretDB from
// infra/dev/up), not in <data>/views.db: an API created through GraphQL is in the catalog
// snapshot in MongoDB after a stop, a restart serves it from that snapshot, and
// `gatehouse replay` compares against (and with --swap rewrites) the MongoDB snapshot.
// Each run uses a database of its own (dropped afterwards) and no Kafka.
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import Database from 'better-sqlite3';
import { connectMongo, type MongoConnection } from '../../infra/views/mongo-client.ts';
import { openMongoViewStore } from '../../infra/views/mongo.ts';
import { toBytes } from '../../projections/projection.ts';
import { PROJECTIONS } from '../../projections/registry.ts';
import { gqlOk, login } from '../support/gql.ts';
import { startServer, type RunningServer } from '../support/server.ts';
import { loggedLines, mongoUrlFor, replayProcess, skipWithoutMongo } from './support.ts';

const dbName = `gh_test_${randomUUID().replace(/-/g, '').slice(0, 12)}`;
const url = mongoUrlFor(dbName);
// No relay into the shared Kafka topics, the SQLite log in the temp dir.
const childEnv = { MONGODB_URL: url, KAFKA_BROKERS: '', GATEHOUSE_EVENTSTORE: 'sqlite' };

const catalog = PROJECTIONS.find((p) => p.name === 'catalog')!;

const replay = (args: string[], dataDir: string) => replayProcess(args, dataDir, childEnv);

const logged = (server: RunningServer, msg: string) => loggedLines(server.logs, msg);

describe('control plane views in MongoDB (MONGODB_URL)', { skip: skipWithoutMongo }, () => {
  let conn: MongoConnection;
  let dataDir: string;
  let server: RunningServer | undefined;

  before(async () => {
    conn = await connectMongo(url);
    dataDir = mkdtempSync(join(tmpdir(), 'gatehouse-mongo-views-'));
  });
  after(async () => {
    await server?.stop({ keepData: true });
    await conn?.db.dropDatabase().catch(() => {});
    await conn?.close();
    if (dataDir) rmSync(dataDir, { recursive: true, force: true });
  });

  test('snapshots go to MongoDB, a restart serves from them, replay compares and swaps there', { timeout: 120_000 }, async () => {
    server = await startServer({ dataDir, env: childEnv });
    assert.equal(logged(server, 'view snapshots store')[0]?.views, 'mongodb', server.logs.join('\n'));
    const admin = await login(server.baseUrl, 'admin', server.adminPassword);
    const created = await gqlOk<{ createApi: { id: string } }>(server.baseUrl, `mutation {
      createApi(input: { name: "MongoPets", context: "/mongo-pets", version: "1.0.0", endpoints: { production: "http://127.0.0.1:9/" },
        operations: [{ verb: GET, target: "/*" }], subscriptionPolicies: ["Unlimited"] }) { id } }`, {}, admin);
    const apiId = created.createApi.id;
    assert.equal(await server.stop({ keepData: true }), 0);
    server = undefined;

    // The catalog snapshot is in MongoDB and holds the API; views.db has none.
    const views = await openMongoViewStore({ db: conn.db });
    const snap = await views.load(catalog.name, catalog.version);
    assert.ok(snap, 'no catalog snapshot in MongoDB');
    assert.ok(snap.position > 0n);
    assert.ok(snap.data.toString('utf8').includes(apiId), 'the snapshot does not hold the created API');
    const viewsDb = join(dataDir, 'views.db');
    if (existsSync(viewsDb)) {
      const db = new Database(viewsDb, { readonly: true });
      try {
        const hasTable = db.prepare("SELECT 1 FROM sqlite_master WHERE name = 'checkpoints'").get();
        const rows = hasTable ? db.prepare('SELECT projection FROM checkpoints').all() : [];
        assert.deepEqual(rows, [], 'views.db holds checkpoints although MONGODB_URL is set');
      } finally {
        db.close();
      }
    }

    // Restart: the catalog comes from the MongoDB snapshot (not rebuilt) and serves the API.
    server = await startServer({ dataDir, env: childEnv });
    const starting = logged(server, 'projection starting').find((l) => l.projection === 'catalog');
    assert.equal(starting?.origin, 'snapshot', server.logs.join('\n'));
    assert.equal(starting?.from, String(snap.position));
    const admin2 = await login(server.baseUrl, 'admin', server.adminPassword);
    const read = await gqlOk<{ api: { name: string; context: string } | null }>(server.baseUrl, `query($id: ID!) { api(id: $id) { name context } }`, { id: apiId }, admin2);
    assert.deepEqual(read.api, { name: 'MongoPets', context: '/mongo-pets' });
    assert.equal(await server.stop({ keepData: true }), 0);
    server = undefined;

    // Replay compares with the MongoDB snapshot.
    const equal = await replay(['--projection', 'catalog'], dataDir);
    assert.equal(equal.code, 0, equal.out + equal.err);
    assert.match(equal.out, /^\S*equal\S*\s+catalog v\d+ at position \d+/, equal.out);

    // A wrong snapshot at the same position: replay says DIFFERENT, --swap puts the rebuilt view
    // in its place (the store refuses a save at a position it already holds), then equal again.
    const saved = (await views.load(catalog.name, catalog.version))!;
    await views.drop(catalog.name);
    await views.save(catalog.name, catalog.version, { position: saved.position, data: toBytes(catalog.serialize(catalog.initialView())) });
    const different = await replay(['--projection', 'catalog', '--swap'], dataDir);
    assert.equal(different.code, 1, different.out + different.err);
    assert.match(different.out, /DIFFERENT/);
    assert.match(different.out, /swapped\s+catalog: MongoDB now holds the rebuilt view/);
    const swapped = await views.load(catalog.name, catalog.version);
    assert.deepEqual(swapped?.data, saved.data, 'the swapped snapshot is not the rebuilt view');
    const again = await replay(['--projection', 'catalog'], dataDir);
    assert.equal(again.code, 0, again.out + again.err);
    assert.match(again.out, /equal/);
    await views.close();
  });
});
