// `gatehouse analytics-worker` with MONGODB_URL (real Kafka + FerretDB): the worker's snapshot
// goes to MongoDB and its buckets become documents in analytics_minutes after the save, through
// the wiring of cli/commands/analytics-worker.ts. The document semantics themselves are tested
// in infra/views/mongo-analytics.distributed.test.ts.
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomUUID } from 'node:crypto';
import { after, describe, test } from 'node:test';
import { startAnalyticsWorker } from '../../cli/commands/analytics-worker.ts';
import { connectMongo } from '../../infra/views/mongo-client.ts';
import { openAnalyticsDocuments } from '../../infra/views/mongo-analytics.ts';
import { deleteTopics, kafkaBrokers, mongoUrl, mongoUrlFor, requestFact, skipWithoutKafka, skipWithoutMongo, testKafka, uniqueTopic } from './support.ts';

describe('analytics-worker writes analytics documents with MONGODB_URL', { skip: skipWithoutKafka || skipWithoutMongo }, () => {
  const dbName = `gh_test_worker_docs_${randomUUID().replace(/-/g, '').slice(0, 10)}`;
  const dir = mkdtempSync(join(tmpdir(), 'gatehouse-worker-docs-'));
  const topic = uniqueTopic('worker-docs');
  after(async () => {
    await deleteTopics(testKafka(), [topic]).catch(() => {});
    const conn = await connectMongo(mongoUrl!, dbName);
    await conn.db.dropDatabase().catch(() => {});
    await conn.close();
    rmSync(dir, { recursive: true, force: true });
  });

  test('a snapshot save writes the buckets as documents', { timeout: 60_000 }, async () => {
    const url = mongoUrlFor(dbName);
    const env = { ...process.env, MONGODB_URL: url, KAFKA_BROKERS: kafkaBrokers!.join(','), GATEHOUSE_EVENTSTORE: 'sqlite', GATEHOUSE_LOG_LEVEL: 'warn' };
    const worker = await startAnalyticsWorker({ port: '0', host: '127.0.0.1', data: dir, group: `${topic}-g`, topic, snapshotEveryMs: 0 }, env);
    try {
      assert.ok(worker.documents, 'MONGODB_URL → a document writer');
      const t = Date.UTC(2024, 5, 1, 9, 0);
      await worker.service.ingest([0, 1, 2].map((i) => requestFact({ timestamp: new Date(t + i * 1000).toISOString() })));
      await worker.service.snapshot();
      await worker.documents.idle();
      const conn = await connectMongo(mongoUrl!, dbName);
      try {
        const docs = await (await openAnalyticsDocuments(conn.db)).MINUTE.find();
        assert.deepEqual(docs.map((d) => [d.start.getTime(), d.requests, d.sealed]), [[t, 3, false]]);
      } finally {
        await conn.close();
      }
    } finally {
      await worker.close();
    }
  });
});
