// The analytics worker against the real Kafka from infra/dev/up: facts published by a
// gateway-side request stream are counted once (a redelivered batch is not), alert events
// land in the log, and the view is saved on shutdown.
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, test } from 'node:test';
import { createKafkaRequestStream } from '../../infra/bus/kafka-requests.ts';
import { openSqliteViewStore } from '../../infra/views/sqlite.ts';
import { ANALYTICS_VIEW_NAME } from '../../projections/analytics/service.ts';
import { ANALYTICS_SNAPSHOT_VERSION } from '../../projections/analytics/snapshot.ts';
import { fact } from '../../projections/analytics/testing/facts.ts';
import { analytics } from '../../projections/analytics/query.ts';
import { deleteTopics, kafkaBrokers, skipWithoutKafka, testKafka, uniqueTopic } from '../../test/distributed/support.ts';
import { startAnalyticsWorker } from './analytics-worker.ts';

const dirs: string[] = [];
after(() => {
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

async function until(check: () => boolean, timeoutMs: number, what: string): Promise<void> {
  const end = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

describe('gatehouse analytics-worker (Kafka)', { skip: skipWithoutKafka }, () => {
  test('consumes request facts once, raises alerts into the log and snapshots on close', { timeout: 120_000 }, async () => {
    const topic = uniqueTopic('requests');
    const dir = mkdtempSync(join(tmpdir(), 'gatehouse-aw-'));
    dirs.push(dir);
    const env = { KAFKA_BROKERS: kafkaBrokers!.join(','), GATEHOUSE_LOG_LEVEL: 'warn' };
    const publisher = await createKafkaRequestStream({ kafka: kafkaBrokers!, topic });
    const worker = await startAnalyticsWorker({ data: dir, group: `${topic}-analytics`, topic, fromBeginning: true }, env);
    try {
      const t0 = Date.UTC(2024, 0, 1, 10, 0);
      const at = (m: number, i: number, n: number) => t0 + m * 60_000 + Math.floor((i * 60_000) / n);
      const facts = [
        ...Array.from({ length: 10 }, (_, m) => Array.from({ length: 20 }, (_, i) => fact({ at: at(m, i, 20) }))).flat(),
        ...Array.from({ length: 200 }, (_, i) => fact({ at: at(10, i, 200) })),
        ...Array.from({ length: 3 }, (_, m) => Array.from({ length: 20 }, (_, i) => fact({ at: at(11 + m, i, 20) }))).flat(),
        fact({ at: t0 + 20 * 60_000, apiId: 'api-clock' }),
      ];
      for (const f of facts) publisher.publish(f);
      assert.equal(await publisher.flush(20_000), true);
      await until(() => worker.service.status().applied === facts.length, 60_000, `${facts.length} facts applied`);

      for (const f of facts.slice(-30)) publisher.publish(f); // a producer retry: the same facts again
      assert.equal(await publisher.flush(20_000), true);
      await until(() => worker.service.status().duplicates + worker.service.status().late === 30, 30_000, 'the redelivered facts');
      assert.equal(worker.service.status().applied, facts.length);

      const r = analytics(worker.service.view(), { from: t0, to: t0 + 15 * 60_000, apiId: 'api-1' });
      assert.equal(r.totals.requests, facts.length - 1);
      await worker.service.settle();
      const kinds = [...worker.service.alerts().alerts.values()].map((a) => `${a.kind}:${a.status}`);
      assert.deepEqual(kinds, ['ABNORMAL_REQUEST_RATE:CLEARED']);
    } finally {
      await worker.close();
      await publisher.close();
      await deleteTopics(testKafka(), [topic]);
    }
    const views = openSqliteViewStore({ path: join(dir, 'views.db') });
    const snap = await views.load(ANALYTICS_VIEW_NAME, ANALYTICS_SNAPSHOT_VERSION);
    await views.close();
    assert.ok(snap && snap.data.length > 0, 'the view was saved on close');
  });

  test('refuses to start without KAFKA_BROKERS, with a one-line reason', async () => {
    await assert.rejects(startAnalyticsWorker({ group: 'g' }, {}), /set KAFKA_BROKERS/);
  });
});
