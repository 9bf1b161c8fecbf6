// The control plane of the distributed deployment has no gateway: the analytics worker owns the
// view (Kafka gatehouse.requests → snapshots in MongoDB) and the control plane serves it. Here,
// as processes on the real Kafka and FerretDB: facts published to the requests topic are counted
// by the worker, and the control plane's GraphQL `analytics` shows exactly those numbers once the
// worker's snapshot is saved; the live `requestStats` subscription sees the facts from Kafka.
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, test } from 'node:test';
import { createClient } from 'graphql-ws';
import WebSocket from 'ws';
import { startAnalyticsWorker } from '../../cli/commands/analytics-worker.ts';
import { createKafkaRequestStream } from '../../infra/bus/kafka-requests.ts';
import { connectMongo } from '../../infra/views/mongo-client.ts';
import { gqlOk, login } from '../support/gql.ts';
import { startServer, type RunningServer } from '../support/server.ts';
import { deleteTopics, kafkaBrokers, mongoUrl, mongoUrlFor, requestFact, skipWithoutKafka, skipWithoutMongo, testKafka, waitFor } from './support.ts';

describe('control plane over Kafka: GraphQL analytics follow the analytics worker', { skip: skipWithoutKafka || skipWithoutMongo }, () => {
  const id = randomUUID().replace(/-/g, '').slice(0, 10);
  const dbName = `gh_test_cp_analytics_${id}`;
  const prefix = `gatehouse.test.cpa${id}.`;
  const workerDir = mkdtempSync(join(tmpdir(), 'gatehouse-cpa-worker-'));
  let server: RunningServer | undefined;
  after(async () => {
    await server?.stop();
    const kafka = testKafka();
    const admin = kafka.admin();
    await admin.connect();
    const topics = (await admin.listTopics()).filter((t) => t.startsWith(prefix));
    await admin.disconnect();
    await deleteTopics(kafka, topics).catch(() => {});
    const conn = await connectMongo(mongoUrl!, dbName);
    await conn.db.dropDatabase().catch(() => {});
    await conn.close();
    rmSync(workerDir, { recursive: true, force: true });
  });

  test('the worker counts the facts; the control plane serves its numbers and the live stats', { timeout: 120_000 }, async () => {
    const url = mongoUrlFor(dbName);
    const env = { KAFKA_BROKERS: kafkaBrokers!.join(','), MONGODB_URL: url, GATEHOUSE_KAFKA_TOPIC_PREFIX: prefix, GATEHOUSE_EVENTSTORE: 'sqlite' };
    server = await startServer({ command: 'control-plane', env, timeoutMs: 60_000 });
    assert.equal(server.gatewayUrl, null, 'the control-plane role runs no gateway');
    const admin = await login(server.baseUrl, 'admin', server.adminPassword);
    const topic = `${prefix}requests`;
    const worker = await startAnalyticsWorker({ port: '0', host: '127.0.0.1', data: workerDir, group: `${prefix}analytics`, topic, snapshotEveryMs: 300 }, { ...process.env, ...env, GATEHOUSE_LOG_LEVEL: 'warn' });
    const ws = createClient({ url: `${server.baseUrl.replace('http', 'ws')}/graphql`, webSocketImpl: WebSocket, connectionParams: { authorization: `Bearer ${admin}` }, retryAttempts: 0 });
    const publisher = await createKafkaRequestStream({ kafka: kafkaBrokers!, topic });
    try {
      // Live stats: the control plane's own consumer of the requests topic (newest facts only),
      // so facts are published again until one of its per-second updates has seen some.
      let live = 0;
      const stop = ws.subscribe<{ requestStats: { requests: number } }>(
        { query: 'subscription { requestStats(apiId: "api-cp") { requests } }' },
        { next: (m) => void (live += m.data?.requestStats.requests ?? 0), error: () => {}, complete: () => {} },
      );
      const facts = [
        ...Array.from({ length: 7 }, () => requestFact({ apiId: 'api-cp' })),
        ...Array.from({ length: 3 }, () => requestFact({ apiId: 'api-cp', proxyResponseCode: 503, targetResponseCode: 503, errorType: 'TARGET_CONNECTIVITY' })),
      ];
      let published = 0;
      await waitFor('the live requestStats to see facts from Kafka', async () => {
        for (const f of facts) publisher.publish({ ...f, requestId: randomUUID() });
        assert.equal(await publisher.flush(10_000), true);
        published += facts.length;
        await new Promise((r) => setTimeout(r, 1500));
        return live > 0;
      }, 60_000, 0);
      stop();
      assert.ok(live <= published, `live stats count only published facts (${live} of ${published})`);

      // The numbers: the worker's, through the control plane (worker snapshot → MongoDB → follow reload).
      await waitFor('the worker to count every fact', () => worker.service.status().applied === published, 30_000);
      const query = async () => (await gqlOk<{ analytics: { totals: { requests: number; errors: number } } }>(server!.baseUrl, `query($f: AnalyticsFilter!) {
        analytics(filter: $f) { totals { requests errors } } }`, { f: { from: new Date(Date.now() - 3_600_000).toISOString(), apiId: 'api-cp' } }, admin)).analytics.totals;
      await waitFor('the control plane to serve the worker snapshot', async () => (await query()).requests === published, 30_000, 250);
      assert.deepEqual(await query(), { requests: published, errors: (published / facts.length) * 3 });
    } finally {
      await ws.dispose();
      await publisher.close();
      await worker.close();
    }
  });
});
