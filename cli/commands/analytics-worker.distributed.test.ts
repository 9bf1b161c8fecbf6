// The analytics worker against the real Kafka from infra/dev/up: facts published by a
// gateway-side request stream are counted once (a redelivered batch is not), also when one
// partition is read far ahead of another; alert events land in the log, and the view is saved
// on shutdown. As a process: a kill -9 between two snapshots loses no fact (offsets are
// committed only once a snapshot holds them).
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, test } from 'node:test';
import { createKafkaRequestStream } from '../../infra/bus/kafka-requests.ts';
import { openSqliteViewStore } from '../../infra/views/sqlite.ts';
import { ANALYTICS_VIEW_NAME } from '../../projections/analytics/service.ts';
import { decodeAnalyticsSnapshot } from '../../projections/analytics/service-snapshot.ts';
import { ANALYTICS_SNAPSHOT_VERSION } from '../../projections/analytics/snapshot.ts';
import { fact } from '../../projections/analytics/testing/facts.ts';
import { analytics } from '../../projections/analytics/query.ts';
import { deleteTopics, kafkaBrokers, skipWithoutKafka, testKafka, uniqueTopic, waitFor } from '../../test/distributed/support.ts';
import { startAnalyticsWorker } from './analytics-worker.ts';

const root = new URL('../../', import.meta.url).pathname;
const dirs: string[] = [];
const children = new Set<ChildProcess>();
after(() => {
  for (const c of children) if (c.exitCode === null) c.kill('SIGKILL');
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

/** `gatehouse analytics-worker` as a process of its own, with its log lines (pino JSON, debug). */
function spawnWorker(args: string[]) {
  const env: NodeJS.ProcessEnv = { ...process.env, KAFKA_BROKERS: kafkaBrokers!.join(','), GATEHOUSE_LOG_LEVEL: 'debug' };
  delete env.MONGODB_URL; // views in <data>/views.db, read back below
  const child = spawn(process.execPath, ['--import', 'tsx', 'cli/main.ts', 'analytics-worker', ...args], { cwd: root, env, stdio: ['ignore', 'pipe', 'inherit'] });
  children.add(child);
  const lines: Record<string, unknown>[] = [];
  let rest = '';
  child.stdout!.on('data', (d: Buffer) => {
    const text = rest + d.toString();
    const parts = text.split('\n');
    rest = parts.pop()!;
    for (const line of parts) {
      try {
        lines.push(JSON.parse(line) as Record<string, unknown>);
      } catch {
        // not a log line
      }
    }
  });
  const exited = new Promise<number | null>((r) => child.once('exit', (code) => r(code)));
  return {
    /** Waits for a log line with this message whose `applied` is `applied`. */
    logged: (msg: string, applied: number, timeoutMs = 60_000) =>
      waitFor(`"${msg}" with ${applied} applied`, () => lines.some((l) => l.msg === msg && l.applied === applied), timeoutMs),
    stop: async (signal: NodeJS.Signals) => {
      child.kill(signal);
      return exited;
    },
  };
}

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
    const t0 = Date.UTC(2024, 0, 1, 10, 0);
    const at = (m: number, i: number, n: number) => t0 + m * 60_000 + Math.floor((i * 60_000) / n);
    // The fact of another API (another partition) lies 20 minutes ahead of api-1's facts. All are
    // on the broker before the worker starts, and it sweeps for idle partitions every 50 ms:
    // whichever partition it reads first, api-1's is behind (facts unread), never idle, so none
    // of its facts is late. (Sweeping a partition whose facts had not been fetched yet used to
    // let the watermark jump 20 minutes and drop them all as late.)
    const ahead = fact({ at: t0 + 20 * 60_000, apiId: 'api-clock' });
    const facts = [
      ahead,
      ...Array.from({ length: 10 }, (_, m) => Array.from({ length: 20 }, (_, i) => fact({ at: at(m, i, 20) }))).flat(),
      ...Array.from({ length: 200 }, (_, i) => fact({ at: at(10, i, 200) })),
      ...Array.from({ length: 3 }, (_, m) => Array.from({ length: 20 }, (_, i) => fact({ at: at(11 + m, i, 20) }))).flat(),
    ];
    for (const f of facts) publisher.publish(f);
    assert.equal(await publisher.flush(20_000), true);
    const worker = await startAnalyticsWorker({ port: '0', host: '127.0.0.1', data: dir, group: `${topic}-analytics`, topic, fromBeginning: true, sourceIdleMs: 50 }, env);
    try {
      await until(() => worker.service.status().applied + worker.service.status().late === facts.length, 60_000, `${facts.length} facts read`);
      assert.equal(worker.service.status().late, 0);
      assert.equal(worker.service.status().applied, facts.length);
      // The role's operations endpoints.
      assert.deepEqual(await (await fetch(`${worker.url}/health`)).json(), { status: 'UP' });
      const ready = await fetch(`${worker.url}/ready`);
      assert.equal(ready.status, 200);
      assert.equal(((await ready.json()) as { applied: number }).applied, facts.length);
      assert.match(await (await fetch(`${worker.url}/metrics`)).text(), new RegExp(`^gatehouse_analytics_facts_applied ${facts.length}$`, 'm'));

      for (const f of facts.slice(-30)) publisher.publish(f); // a producer retry: the same facts again
      assert.equal(await publisher.flush(20_000), true);
      await until(() => worker.service.status().duplicates + worker.service.status().late === 30, 30_000, 'the redelivered facts');
      assert.equal(worker.service.status().applied, facts.length);

      const r = analytics(worker.service.view(), { from: t0, to: t0 + 15 * 60_000, apiId: 'api-1' });
      assert.equal(r.totals.requests, facts.length - 1);
      // The last minutes of api-1 seal once its partition has gone quiet (sourceIdleMs): the
      // spike of minute 10 is raised, then cleared after two normal minutes.
      const kinds = () => [...worker.service.alerts().alerts.values()].map((a) => `${a.kind}:${a.status}`);
      await until(() => kinds().join() === 'ABNORMAL_REQUEST_RATE:CLEARED', 20_000, 'the spike alert raised and cleared');
      await worker.service.settle();
      assert.deepEqual(kinds(), ['ABNORMAL_REQUEST_RATE:CLEARED']);
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

  test('kill -9 between two snapshots loses no fact: offsets are committed only once a snapshot holds them', { timeout: 180_000 }, async () => {
    const topic = uniqueTopic('requests');
    const group = `${topic}-analytics`;
    const dir = mkdtempSync(join(tmpdir(), 'gatehouse-aw-kill-'));
    dirs.push(dir);
    const kafka = testKafka();
    const publisher = await createKafkaRequestStream({ kafka, topic });
    const admin = kafka.admin();
    await admin.connect();
    const committed = async () => {
      const [offsets] = await admin.fetchOffsets({ groupId: group, topics: [topic] });
      return offsets!.partitions.reduce((sum, p) => sum + Math.max(0, Number(p.offset)), 0);
    };
    // No periodic snapshot: only the one on a clean shutdown.
    const args = ['--port', '0', '--host', '127.0.0.1', '--data', dir, '--group', group, '--topic', topic, '--snapshot-every', '0', '--source-idle', '500'];
    const t0 = Date.UTC(2024, 0, 1, 10, 0);
    const traffic = (from: number, n: number) =>
      Array.from({ length: n }, (_, i) => fact({ at: t0 + (from + i) * 1000, apiId: `api-${i % 3}` }));
    try {
      const first = spawnWorker(args);
      for (const f of traffic(0, 300)) publisher.publish(f);
      assert.equal(await publisher.flush(20_000), true);
      await first.logged('request facts applied', 300);
      assert.equal(await first.stop('SIGTERM'), 0);
      assert.equal(await committed(), 300, 'the final snapshot holds 300 facts, their offsets are committed');

      const second = spawnWorker(args);
      await second.logged('analytics worker started', 300);
      for (const f of traffic(300, 200)) publisher.publish(f);
      assert.equal(await publisher.flush(20_000), true);
      await second.logged('request facts applied', 500);
      assert.equal(await second.stop('SIGKILL'), null);
      assert.equal(await committed(), 300, 'applied but in no snapshot: not committed');

      const third = spawnWorker(args);
      await third.logged('analytics worker started', 300);
      await third.logged('request facts applied', 500);
      assert.equal(await third.stop('SIGTERM'), 0);
      assert.equal(await committed(), 500);

      const views = openSqliteViewStore({ path: join(dir, 'views.db') });
      const snap = await views.load(ANALYTICS_VIEW_NAME, ANALYTICS_SNAPSHOT_VERSION);
      await views.close();
      const { view } = decodeAnalyticsSnapshot(snap!.data);
      assert.deepEqual({ applied: view.counters.applied, duplicates: view.counters.duplicates, late: view.counters.late }, { applied: 500, duplicates: 0, late: 0 });
      assert.equal(analytics(view, { from: t0, to: t0 + 3_600_000 }).totals.requests, 500);
    } finally {
      await admin.disconnect();
      await publisher.close();
      await deleteTopics(kafka, [topic]);
    }
  });

  test('refuses to start without KAFKA_BROKERS, with a one-line reason', async () => {
    await assert.rejects(startAnalyticsWorker({ group: 'g' }, {}), /set KAFKA_BROKERS/);
  });
});
