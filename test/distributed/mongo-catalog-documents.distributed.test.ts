// With MONGODB_URL set the server also keeps the catalog as one document per record in MongoDB
// (FerretDB from infra/dev/up): /ready shows how far the documents are, a restart resumes from
// their checkpoint, and `gatehouse replay --projection catalog --swap` rebuilds them into fresh
// collections and swaps them in while the server runs and a reader reads.
// Each run uses a database of its own (dropped afterwards) and no Kafka.
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { connectMongo, type MongoConnection } from '../../infra/views/mongo-client.ts';
import { openCatalogDocuments } from '../../infra/views/mongo-catalog-documents.ts';
import { gqlOk, login } from '../support/gql.ts';
import { startServer, type RunningServer } from '../support/server.ts';
import { loggedLines, mongoUrlFor, replayProcess, skipWithoutMongo, waitFor } from './support.ts';

const dbName = `gh_test_docs_${randomUUID().replace(/-/g, '').slice(0, 12)}`;
const url = mongoUrlFor(dbName);
const childEnv = { MONGODB_URL: url, KAFKA_BROKERS: '', GATEHOUSE_EVENTSTORE: 'sqlite' };

const replay = (args: string[], dataDir: string) => replayProcess(args, dataDir, childEnv);

const logged = (server: RunningServer, msg: string) => loggedLines(server.logs, msg);

interface Ready {
  headPosition: string;
  catalogDocuments?: { position: string; checkpoint: string; resumedFrom: string; conflicts: number; retrying: boolean };
}
const ready = async (server: RunningServer): Promise<Ready> => (await fetch(`${server.baseUrl}/ready`)).json() as Promise<Ready>;
/** Until /ready shows the documents at the log head; returns that readiness. */
async function documentsAtHead(server: RunningServer): Promise<Ready> {
  let last!: Ready;
  await waitFor('catalog documents at the head', async () => {
    last = await ready(server);
    return last.catalogDocuments?.position === last.headPosition;
  });
  return last;
}

const createApi = async (server: RunningServer, token: string, name: string) =>
  (await gqlOk<{ createApi: { id: string } }>(server.baseUrl, `mutation($name: String!, $context: String!) {
    createApi(input: { name: $name, context: $context, version: "1.0.0", endpoints: { production: "http://127.0.0.1:9/" },
      operations: [{ verb: GET, target: "/*" }], subscriptionPolicies: ["Unlimited"] }) { id } }`, { name, context: `/${name.toLowerCase()}` }, token)).createApi.id;

describe('catalog documents in MongoDB from the control plane (MONGODB_URL)', { skip: skipWithoutMongo }, () => {
  let conn: MongoConnection;
  let dataDir: string;
  let server: RunningServer | undefined;

  before(async () => {
    conn = await connectMongo(url);
    dataDir = mkdtempSync(join(tmpdir(), 'gatehouse-mongo-docs-'));
  });
  after(async () => {
    await server?.stop({ keepData: true });
    await conn?.db.dropDatabase().catch(() => {});
    await conn?.close();
    if (dataDir) rmSync(dataDir, { recursive: true, force: true });
  });

  test('documents follow the log, resume after a restart, and replay --swap swaps them in under a running server', { timeout: 120_000 }, async () => {
    server = await startServer({ dataDir, env: childEnv });
    const admin = await login(server.baseUrl, 'admin', server.adminPassword);
    const first = await createApi(server, admin, 'DocPets');
    const r1 = await documentsAtHead(server);
    const docs = await openCatalogDocuments(conn.db);
    assert.equal((await docs.apis.get(first))?.context, '/docpets');
    assert.ok((await docs.users.get('admin'))?.roles.includes('admin'));
    assert.ok((await docs.policies.find()).length > 0, 'the seeded throttling policies');
    assert.ok((await docs.signingKeys.find()).some((k) => k.status === 'CURRENT'));
    assert.equal(r1.catalogDocuments?.conflicts, 0);
    assert.equal(await server.stop({ keepData: true }), 0);
    server = undefined;

    // Restart: the mirror resumes where it stopped, writes nothing again.
    server = await startServer({ dataDir, env: childEnv });
    const following = logged(server, 'catalog documents: following the log')[0];
    assert.equal(following?.start, 'checkpoint', server.logs.join('\n'));
    assert.equal(following?.resumedFrom, r1.headPosition);
    const admin2 = await login(server.baseUrl, 'admin', server.adminPassword);
    const second = await createApi(server, admin2, 'DocBirds');
    const r2 = await documentsAtHead(server);
    assert.equal(r2.catalogDocuments?.resumedFrom, r1.headPosition);
    assert.equal((await docs.apis.get(second))?.context, '/docbirds');

    // Blue/green under the running server, with a reader reading all along.
    const before = (await docs.apis.collection()).collectionName;
    let reading = true;
    let reads = 0;
    const reader = (async () => {
      while (reading) {
        const apis = await docs.apis.find();
        assert.deepEqual(apis.map((a) => a._id).sort(), [first, second].sort(), 'a reader always sees the whole catalog');
        reads++;
      }
    })();
    const swapped = await replay(['--projection', 'catalog', '--swap'], dataDir);
    reading = false;
    await reader;
    assert.ok(reads > 0);
    assert.equal(swapped.code, 0, swapped.out + swapped.err);
    assert.match(swapped.out, /swapped\s+catalog documents: \d+ records rebuilt at \d+ into view_catalog_apis_g2,/, swapped.out + swapped.err);
    assert.equal((await docs.apis.collection()).collectionName, 'view_catalog_apis_g2');
    assert.notEqual(before, 'view_catalog_apis_g2');

    // The running mirror writes into the swapped-in collections.
    const third = await createApi(server, admin2, 'DocFish');
    await documentsAtHead(server);
    assert.equal((await docs.apis.get(third))?.context, '/docfish');
    assert.equal(await server.stop({ keepData: true }), 0);
    server = undefined;
  });
});
