// The analytics buckets as documents against the real MongoDB-wire server (FerretDB from
// infra/dev/up): the analytics service saves its snapshot in MongoDB and the document writer
// then writes the changed buckets. Numbers match the analytics queries exactly (percentiles
// from the rows' HDR data, and mergeable across documents); a second save writes only what
// changed; stale writes are skipped; retention deletes; a failing server is retried at the next
// save without holding up ingestion; a blue/green rebuild swaps in while a reader reads.
// Each test uses a database of its own (dropped afterwards).
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { fileURLToPath } from 'node:url';
import { after, describe, test } from 'node:test';
import hdr from 'hdr-histogram-js';
import type { Db } from 'mongodb';
import type { Clock, Randomness, RequestFact } from '../../domain/ports.ts';
import { DIMENSIONS, type RowDimensions } from '../../projections/analytics/dimensions.ts';
import { analytics, type LatencyStats } from '../../projections/analytics/query.ts';
import { createAnalyticsService, type AnalyticsService } from '../../projections/analytics/service.ts';
import { ANALYTICS_VIEW_NAME, decodeAnalyticsSnapshot } from '../../projections/analytics/service-snapshot.ts';
import { ANALYTICS_SNAPSHOT_VERSION } from '../../projections/analytics/snapshot.ts';
import { fact, throttled } from '../../projections/analytics/testing/facts.ts';
import { GRANULARITY_MS, HOUR_MS, MINUTE_MS, type Granularity } from '../../projections/analytics/time.ts';
import type { AnalyticsConfigInput } from '../../projections/analytics/config.ts';
import { mongoUrl, skipWithoutMongo } from '../../test/distributed/support.ts';
import { openMemoryEventStore } from '../eventstore/memory.ts';
import { connectMongo, type MongoConnection } from './mongo-client.ts';
import {
  createAnalyticsDocumentWriter, documentId, openAnalyticsDocuments, rebuildAnalyticsDocuments,
  type AnalyticsDocument, type AnalyticsDocumentViews, type AnalyticsDocumentWriter,
} from './mongo-analytics.ts';
import type { Stored } from './mongo-documents.ts';
import { openMongoViewStore, type MongoViewStore } from './mongo.ts';

const clock: Clock = { now: () => new Date() };
const random: Randomness = { uuid: randomUUID, token: () => 'x' };
const H0 = Date.UTC(2024, 5, 1, 10, 0);
const at = (minute: number, second = 0) => H0 + minute * MINUTE_MS + second * 1000;
const run = randomUUID().replace(/-/g, '').slice(0, 10);

/** Varied traffic in minutes 0..2 of H0: two APIs, errors, throttling, spread latencies. */
function traffic(): RequestFact[] {
  const out: RequestFact[] = [];
  for (let m = 0; m < 3; m++) {
    for (let i = 0; i < 40; i++) {
      out.push(fact({ at: at(m, i), responseLatencyMs: 5 + ((i * 37) % 200), backendLatencyMs: 3 + ((i * 11) % 90), requestSize: 10 + i }));
    }
    for (let i = 0; i < 7; i++) out.push(fact({ at: at(m, 45 + i), apiId: 'api-2', apiName: 'Pets', proxyResponseCode: 503, targetResponseCode: 503, errorCode: '101503', errorType: 'TARGET_CONNECTIVITY', responseLatencyMs: 900 + i * 13 }));
    for (let i = 0; i < 3; i++) out.push(throttled({ at: at(m, 55 + i), applicationId: 'app-2', applicationName: 'Bots', userName: 'bot' }));
  }
  return out;
}

interface Rig {
  db: Db;
  service: AnalyticsService;
  views: AnalyticsDocumentViews;
  viewStore: MongoViewStore;
  writer: AnalyticsDocumentWriter;
  /** Ingest, save the snapshot, wait for the document pass. */
  save(facts?: RequestFact[]): Promise<void>;
}

const latencyOf = (l: LatencyStats) => ({ count: l.count, meanMs: l.meanMs, p50Ms: l.p50Ms, p95Ms: l.p95Ms, p99Ms: l.p99Ms, maxMs: l.maxMs });

/** Percentile of the merged histograms of several documents, as a reader of MongoDB computes it. */
function mergedPercentile(docs: AnalyticsDocument[], p: number): number | null {
  const h = hdr.build({ bitBucketSize: 32, numberOfSignificantValueDigits: 2, highestTrackableValue: 3_600_000_000 });
  for (const d of docs) for (const { us, count } of d.latency.histogram) h.recordValueWithCount(us, count);
  return h.totalCount === 0 ? null : h.getValueAtPercentile(p) / 1000;
}

const requestsOf = (docs: AnalyticsDocument[]) => docs.reduce((n, d) => n + d.requests, 0);

describe('analytics buckets as MongoDB documents', { skip: skipWithoutMongo }, () => {
  const conns: MongoConnection[] = [];
  const rigs: Rig[] = [];
  let n = 0;

  async function rig(options: { config?: AnalyticsConfigInput; wrap?: (v: AnalyticsDocumentViews) => AnalyticsDocumentViews } = {}): Promise<Rig> {
    const conn = await connectMongo(mongoUrl!, `gh_test_analytics_${run}_${++n}`);
    conns.push(conn);
    const db = conn.db;
    const viewStore = await openMongoViewStore({ db });
    const views = await openAnalyticsDocuments(db, { dropAfterMs: 300 });
    const writer = createAnalyticsDocumentWriter({ views: options.wrap ? options.wrap(views) : views, concurrency: 8 });
    const service = createAnalyticsService({
      store: openMemoryEventStore(), clock, random, viewStore, mode: 'ingest', snapshotEveryMs: 0, sourceIdleMs: 0,
      ...(options.config ? { config: options.config } : {}),
      onSnapshotSaved: writer.saved,
    });
    await service.start();
    const r: Rig = {
      db, service, views, viewStore, writer,
      async save(facts = []) {
        if (facts.length) await service.ingest(facts);
        await service.snapshot();
        await writer.idle();
      },
    };
    rigs.push(r);
    return r;
  }

  after(async () => {
    for (const r of rigs) {
      await r.service.close();
      await r.writer.close();
    }
    for (const c of conns) {
      await c.db.dropDatabase().catch(() => {});
      await c.close();
    }
  });

  test('documents hold the query numbers exactly; a second save writes only the changed buckets; stale writes are skipped', async () => {
    const r = await rig();
    const facts = traffic();
    // A fact in the next hour seals every minute of H0 (the watermark is 62 min past H0).
    await r.save([...facts, fact({ at: at(62) })]);
    assert.equal(r.writer.status().retrying, false, r.writer.status().lastPass?.error);
    const view = r.service.view();

    for (const [g, start] of [['MINUTE', at(0)], ['MINUTE', at(1)], ['MINUTE', at(2)], ['HOUR', H0]] as const) {
      const q = analytics(view, { from: start, to: start + GRANULARITY_MS[g], granularity: g }, DIMENSIONS, { maxGroups: 1000 });
      const docs = await r.views[g].find({ start: new Date(start) });
      assert.equal(docs.length, q.groups.length, `${g} ${new Date(start).toISOString()}: one document per row`);
      assert.ok(docs.length >= 3);
      for (const group of q.groups) {
        const dims = { dims: Object.fromEntries(DIMENSIONS.map((d) => [d, group.key[d] ?? ''])) as unknown as RowDimensions };
        const doc = await r.views[g].get(documentId(start, dims));
        assert.ok(doc, `document of ${JSON.stringify(group.key)}`);
        const t = group.totals;
        assert.deepEqual(
          { requests: doc.requests, errors: doc.errors, throttled: doc.throttled, bytesIn: doc.bytesIn, bytesOut: doc.bytesOut, errorRate: doc.errorRate },
          { requests: t.requests, errors: t.errors, throttled: t.throttled, bytesIn: t.bytesIn, bytesOut: t.bytesOut, errorRate: t.errorRate },
        );
        assert.deepEqual(latencyOf(doc.latency), latencyOf(t.latency));
        assert.deepEqual(latencyOf(doc.backendLatency), latencyOf(t.backendLatency));
        assert.equal(doc.sealed, true);
        assert.equal(doc.granularity, g);
        assert.equal(doc.apiName, group.key.apiName ?? null);
        assert.equal(doc.position, BigInt(t.requests) * 2n + 1n, 'position = the row revision 2 × requests + sealed');
      }
      // Percentiles of the whole bucket from the documents' merged histograms (never averaged).
      assert.equal(requestsOf(docs), q.totals.requests);
      for (const p of [50, 95, 99] as const) assert.equal(mergedPercentile(docs, p), q.totals.latency[`p${p}Ms`]);
    }
    // Minute 62 is open; its hour and day hold the sealed minutes only and are not sealed.
    const open = await r.views.MINUTE.find({ start: new Date(at(62)) });
    assert.deepEqual(open.map((d) => [d.requests, d.sealed]), [[1, false]]);
    assert.equal((await r.views.HOUR.find({ start: new Date(H0 + HOUR_MS) })).length, 0, 'an hour gets rows when its minutes seal');
    const day = await r.views.DAY.find();
    assert.equal(requestsOf(day), facts.length);
    assert.ok(day.every((d) => d.sealed === false));

    // Second save: facts in the open minute only → only its rows are written.
    await r.save([fact({ at: at(62, 10) }), fact({ at: at(62, 20), userName: 'zoe' })]);
    const pass = r.writer.status().lastPass!;
    assert.deepEqual({ applied: pass.applied, buckets: pass.buckets, removed: pass.removed }, { applied: 2, buckets: 1, removed: 0 });
    assert.deepEqual((await r.views.MINUTE.find({ start: new Date(at(62)) })).map((d) => d.requests).sort(), [1, 2]);
    // Nothing changed → nothing written.
    await r.save();
    assert.equal(r.writer.status().lastPass!.applied, 0);

    // A stale write (older revision) is skipped; the same revision again too.
    const id = documentId(at(0), { dims: { apiId: 'api-1', apiVersion: '1.0.0', operation: 'GET /items/{id}', applicationId: 'app-1', userName: 'alice', keyType: 'PRODUCTION', statusClass: '2xx', errorCode: '' } });
    const stored = (await r.views.MINUTE.get(id))!;
    assert.equal(stored.requests, 40);
    const { _id, position, ...fields } = stored as AnalyticsDocument & Stored;
    assert.equal(await r.views.MINUTE.upsert(id, { ...fields, requests: 1 }, position - 1n), 'stale');
    assert.equal(await r.views.MINUTE.upsert(id, { ...fields, requests: 1 }, position), 'stale');
    assert.equal((await r.views.MINUTE.get(id))!.requests, 40);
    // A second writer holding the same view (a restart) writes the same revisions: all stale no-ops.
    const again = createAnalyticsDocumentWriter({ views: r.views });
    again.saved(view);
    const p2 = (await again.idle())!;
    assert.equal(p2.applied, 0);
    assert.ok(p2.stale > 10, `${p2.stale} stale`);
    // The live writer goes on as before.
    await r.save();
    assert.equal(r.writer.status().lastPass!.applied, 0);
  });

  test('retention deletes the documents of dropped buckets', async () => {
    const r = await rig({ config: { retention: { minuteMs: 3 * MINUTE_MS } } });
    await r.save([fact({ at: at(0) }), fact({ at: at(1) }), fact({ at: at(2) })]);
    assert.equal((await r.views.MINUTE.find()).length, 3);
    // Watermark at minute 10: minutes ending at or before minute 7 are dropped from the view.
    await r.save([fact({ at: at(10) })]);
    const view = r.service.view();
    assert.deepEqual([...view.minutes.keys()].sort(), [at(10)]);
    const left = await r.views.MINUTE.find();
    assert.deepEqual(left.map((d) => d.start.getTime()), [at(10)]);
    assert.equal(r.writer.status().lastPass!.removed, 3);
    assert.equal(await (await r.views.MINUTE.collection()).countDocuments({}), 1, 'deleted, not tombstoned');
    // The hour keeps the sealed minutes (hour retention is 7 days).
    assert.equal(requestsOf(await r.views.HOUR.find()), 3);
  });

  test('a failing server is retried at the next save; ingestion and the snapshot go on', async () => {
    let failing = true;
    const r = await rig({
      wrap: (v) => ({
        ...v,
        MINUTE: { ...v.MINUTE, upsert: (id, doc, pos) => (failing ? Promise.reject(new Error('connection reset (injected)')) : v.MINUTE.upsert(id, doc, pos)) },
      }),
    });
    await r.save(traffic());
    const s1 = r.writer.status();
    assert.equal(s1.retrying, true);
    assert.match(s1.lastPass!.error!, /injected/);
    assert.ok(s1.dirtyBuckets >= 3);
    assert.ok(await r.viewStore.load(ANALYTICS_VIEW_NAME, ANALYTICS_SNAPSHOT_VERSION), 'the snapshot was saved all the same');
    assert.equal(r.service.status().applied, traffic().length);
    assert.equal((await r.views.MINUTE.find()).length, 0);
    failing = false;
    await r.save(); // nothing new: the kept buckets are written
    assert.equal(r.writer.status().retrying, false, r.writer.status().lastPass?.error);
    assert.equal(r.writer.status().dirtyBuckets, 0);
    assert.equal(requestsOf(await r.views.MINUTE.find()), traffic().length);
  });

  test('rebuild fills fresh collections from the snapshot and swaps them in while a reader reads and the writer writes', async () => {
    const r = await rig();
    const facts = traffic();
    await r.save(facts);
    const before = await Promise.all((['MINUTE', 'HOUR', 'DAY'] as Granularity[]).map(async (g) => (await r.views[g].collection()).collectionName));

    let reading = true;
    let reads = 0;
    // Never a half-filled collection: the snapshot's total, or with the 5 and then 1 more written since.
    const whole = [facts.length, facts.length + 5, facts.length + 6];
    const reader = (async () => {
      while (reading) {
        const total = requestsOf(await r.views.MINUTE.find());
        assert.ok(whole.includes(total), `a reader sees a whole view (${total})`);
        reads++;
      }
    })();

    let loads = 0;
    const source = {
      async load() {
        const snap = await r.viewStore.load(ANALYTICS_VIEW_NAME, ANALYTICS_SNAPSHOT_VERSION);
        if (loads++ === 0) {
          // While the rebuild fills, the worker saves again and writes to the (old) live collections.
          await r.save(Array.from({ length: 5 }, (_, i) => fact({ at: at(2, 30 + i), userName: 'late' })));
        }
        return snap ? { view: decodeAnalyticsSnapshot(snap.data).view, position: snap.position } : null;
      },
    };
    const result = await rebuildAnalyticsDocuments({ db: r.db, source, dropAfterMs: 300 });
    assert.equal(result.catchUps, 1, 'the snapshot saved meanwhile was written after the swap');
    const afterSwap = await Promise.all((['MINUTE', 'HOUR', 'DAY'] as Granularity[]).map(async (g) => (await r.views[g].collection()).collectionName));
    assert.deepEqual(afterSwap, result.collections);
    for (let i = 0; i < 3; i++) assert.notEqual(afterSwap[i], before[i]);
    assert.equal(requestsOf(await r.views.MINUTE.find()), facts.length + 5);

    // The running writer notices the swap and writes on into the new collections.
    await r.save([fact({ at: at(3) })]);
    assert.equal(requestsOf(await r.views.MINUTE.find()), facts.length + 6);
    await new Promise((res) => setTimeout(res, 500));
    reading = false;
    await reader;
    assert.ok(reads > 3, `${reads} reads`);
    const names = (await r.db.listCollections({}, { nameOnly: true }).toArray()).map((c) => c.name);
    for (const old of before) assert.ok(!names.includes(old), `${old} dropped after the swap`);
  });

  test('gatehouse analytics --rebuild-documents swaps in documents rebuilt from the saved snapshot', async () => {
    const r = await rig();
    await r.save(traffic());
    const before = (await r.views.MINUTE.collection()).collectionName;
    const url = new URL(mongoUrl!);
    url.pathname = `/${r.db.databaseName}`;
    const root = fileURLToPath(new URL('../..', import.meta.url));
    const cli = spawnSync(process.execPath, ['--import', 'tsx', 'cli/main.ts', 'analytics', '--rebuild-documents', '--json'], {
      cwd: root, env: { ...process.env, MONGODB_URL: url.toString() }, encoding: 'utf8', timeout: 60_000,
    });
    assert.equal(cli.status, 0, cli.stderr);
    const out = JSON.parse(cli.stdout) as { documents: number; collections: string[] };
    assert.equal(out.documents, (await r.views.MINUTE.find()).length + (await r.views.HOUR.find()).length + (await r.views.DAY.find()).length);
    assert.notEqual((await r.views.MINUTE.collection()).collectionName, before);
    assert.equal(requestsOf(await r.views.MINUTE.find()), traffic().length);
  });
});
