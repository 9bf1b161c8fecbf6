// The analytics buckets as MongoDB documents, for dashboards and tools that read MongoDB
// directly: one document per bucket × row (the row's dimension combination), in the document
// views `analytics_minutes`, `analytics_hours`, `analytics_days` (collections
// `view_analytics_<g>_g<generation>` through `view_pointers`, see mongo-documents.ts).
//
// Written by the analytics service's owner (analytics-worker, or `start` with MONGODB_URL)
// after each saved snapshot: only the buckets the view noted as changed (`view.touched`), and in
// them only the rows whose revision moved. A document's `position` is its row's revision,
// `2 × requests + (sealed ? 1 : 0)`: every change to a row adds requests, and `sealed` only
// turns true, so the revision grows with every change of that document and two writers holding
// the same state write the same revision (the second is a stale no-op). Buckets dropped by
// retention are deleted (no tombstones: an expired bucket never comes back to the view).
// Mongo errors are logged and the changed buckets kept for the next save: ingestion never waits.
import type { Db } from 'mongodb';
import { DIMENSIONS, NONE, type Dimension } from '../../projections/analytics/dimensions.ts';
import { addInto, denseHistogram, flush, type DenseHistogram, type LatencyCell } from '../../projections/analytics/histogram.ts';
import { statsOf, type LatencyStats, type TrafficStats } from '../../projections/analytics/query.ts';
import { GRANULARITY_MS, type Granularity } from '../../projections/analytics/time.ts';
import { bucketsOf, sealedBefore, type AnalyticsView, type Bucket, type Row } from '../../projections/analytics/view.ts';
import { openMongoDocumentView, type DocumentWriter, type MongoDocumentView, type Rebuild } from './mongo-documents.ts';

export const GRANULARITIES: readonly Granularity[] = ['MINUTE', 'HOUR', 'DAY'];

/** Document view name per granularity. */
export const ANALYTICS_DOCUMENT_VIEWS: Record<Granularity, string> = {
  MINUTE: 'analytics_minutes',
  HOUR: 'analytics_hours',
  DAY: 'analytics_days',
};

export interface LatencyDocument extends LatencyStats {
  /** Sum of the latencies (µs), for means over several documents. */
  sumUs: number;
  /**
   * The row's HDR histogram (2 significant digits): `{ us: lowest µs of the HDR bucket, count }`,
   * ascending (objects: FerretDB stores no nested arrays). Add the counts of several documents
   * to get the percentile of a range (never average percentiles).
   */
  histogram: { us: number; count: number }[];
}

/**
 * One bucket × row: the query's TrafficStats of that row (latencies with their histograms) and
 * its dimensions. Absent dimension values (no API, no application) are null.
 */
export interface AnalyticsDocument extends Omit<TrafficStats, 'latency' | 'backendLatency'> {
  granularity: Granularity;
  start: Date;
  end: Date;
  /**
   * Minutes: rolled into their hour and day. Hours and days: every minute of them is sealed
   * (until then they hold the sealed minutes only; the open ones are in `analytics_minutes`).
   */
  sealed: boolean;
  apiId: string | null;
  apiName: string | null;
  apiVersion: string | null;
  operation: string | null;
  applicationId: string | null;
  applicationName: string | null;
  userName: string | null;
  keyType: string | null;
  statusClass: string | null;
  errorCode: string | null;
  latency: LatencyDocument;
  backendLatency: LatencyDocument;
}

export type AnalyticsDocumentViews = Record<Granularity, MongoDocumentView<AnalyticsDocument>>;

const nullable = (v: string): string | null => (v === NONE ? null : v);

/** The natural key, unique per collection: bucket start + the row's dimensions. */
const NATURAL_KEY = ['start', ...DIMENSIONS];

/** `_id`: the natural key as a JSON array `[start ISO, apiId, apiVersion, …]` (the dimensions in DIMENSIONS order, "" for none). */
export const documentId = (start: number, row: Pick<Row, 'dims'>): string =>
  JSON.stringify([new Date(start).toISOString(), ...DIMENSIONS.map((d) => row.dims[d])]);

/** Minutes: their own flag. Hours and days: sealed once the watermark sealed their last minute. */
export const bucketSealed = (view: AnalyticsView, bucket: Bucket): boolean =>
  bucket.granularity === 'MINUTE' ? bucket.sealed : bucket.start + GRANULARITY_MS[bucket.granularity] <= sealedBefore(view);

/** The document's position: grows with every change of the row (see the head of this file). */
export const rowRevision = (row: Row, sealed: boolean): bigint => BigInt(row.requests) * 2n + (sealed ? 1n : 0n);

const scratch = { latency: denseHistogram(), backendLatency: denseHistogram() };
const indexer = denseHistogram();

function histogramOf(cell: LatencyCell): { us: number; count: number }[] {
  const sparse = flush(cell);
  const out: { us: number; count: number }[] = new Array(sparse.length);
  for (let k = 0; k < sparse.length; k++) {
    const v = sparse[k]!;
    out[k] = { us: indexer.valueFromIndex(Math.floor(v / 2 ** 32)), count: v % 2 ** 32 };
  }
  return out;
}

/** The document of one row of a bucket, with the numbers the analytics queries give for it. */
export function analyticsDocument(view: AnalyticsView, bucket: Bucket, row: Row): { id: string; document: AnalyticsDocument; revision: bigint } {
  const sealed = bucketSealed(view, bucket);
  const h: { latency: DenseHistogram; backendLatency: DenseHistogram } = scratch;
  h.latency.reset();
  h.backendLatency.reset();
  addInto(h.latency, row.latency);
  addInto(h.backendLatency, row.backendLatency);
  const stats = statsOf({ ...row, latency: h.latency, backendLatency: h.backendLatency });
  const dims = Object.fromEntries(DIMENSIONS.map((d) => [d, nullable(row.dims[d])])) as Record<Dimension, string | null>;
  const document: AnalyticsDocument = {
    granularity: bucket.granularity,
    start: new Date(bucket.start),
    end: new Date(bucket.start + GRANULARITY_MS[bucket.granularity]),
    sealed,
    ...dims,
    apiName: row.apiName || null,
    applicationName: row.applicationName || null,
    requests: stats.requests,
    errors: stats.errors,
    throttled: stats.throttled,
    bytesIn: stats.bytesIn,
    bytesOut: stats.bytesOut,
    errorRate: stats.errorRate,
    latency: { ...stats.latency, sumUs: row.latencySumUs, histogram: histogramOf(row.latency) },
    backendLatency: { ...stats.backendLatency, sumUs: row.backendLatencySumUs, histogram: histogramOf(row.backendLatency) },
  };
  return { id: documentId(bucket.start, row), document, revision: rowRevision(row, sealed) };
}

export async function openAnalyticsDocuments(db: Db, options: { dropAfterMs?: number } = {}): Promise<AnalyticsDocumentViews> {
  const out: Partial<AnalyticsDocumentViews> = {};
  for (const g of GRANULARITIES) {
    out[g] = await openMongoDocumentView<AnalyticsDocument>({
      db,
      name: ANALYTICS_DOCUMENT_VIEWS[g],
      uniqueIndexes: [{ name: 'start_dimensions', fields: NATURAL_KEY }],
      ...options,
    });
  }
  return out as AnalyticsDocumentViews;
}

/**
 * The newest bucket start of `g` that retention dropped from the view (documents at or before
 * it are gone from the view): behind the retention line and before the oldest bucket kept.
 */
export function retentionCutoff(view: AnalyticsView, g: Granularity): number | null {
  if (view.watermark === -Infinity) return null;
  const size = GRANULARITY_MS[g];
  const r = view.config.retention;
  let cutoff = view.watermark - (g === 'MINUTE' ? r.minuteMs : g === 'HOUR' ? r.hourMs : r.dayMs) - size;
  for (const start of bucketsOf(view, g).keys()) if (start <= cutoff) cutoff = start - 1;
  return cutoff;
}

/** Deletes the documents of buckets retention dropped; returns how many. */
async function applyRetention(views: AnalyticsDocumentViews, view: AnalyticsView, done?: Map<Granularity, number>): Promise<number> {
  let removed = 0;
  for (const g of GRANULARITIES) {
    const cutoff = retentionCutoff(view, g);
    if (cutoff === null || (done?.get(g) ?? -Infinity) >= cutoff) continue;
    const r = await (await views[g].collection()).deleteMany({ start: { $lte: new Date(cutoff) } });
    removed += r.deletedCount;
    done?.set(g, cutoff);
  }
  return removed;
}

interface Write {
  g: Granularity;
  bucket: Bucket;
  row: Row;
}

/** Runs `write` on every item with `concurrency` in flight; stops taking new items after the first error (rethrown). */
async function inParallel<T>(items: Iterator<T>, concurrency: number, write: (item: T) => Promise<void>): Promise<void> {
  let failure: { error: unknown } | undefined;
  const worker = async () => {
    while (!failure) {
      const next = items.next();
      if (next.done) return;
      try {
        await write(next.value);
      } catch (error) {
        failure ??= { error };
      }
    }
  };
  await Promise.all(Array.from({ length: concurrency }, worker));
  if (failure) throw failure.error;
}

export interface PassResult {
  /** Documents written. */
  applied: number;
  /** Writes skipped because the stored document was as new (another writer, a rebuild). */
  stale: number;
  /** Documents deleted by retention. */
  removed: number;
  /** Changed buckets this pass looked at. */
  buckets: number;
  /** The error that stopped the pass (its buckets are kept for the next one). */
  error?: string;
}

export interface AnalyticsDocumentStatus {
  /** Buckets changed and not written yet. */
  dirtyBuckets: number;
  /** The last pass failed: its buckets wait for the next save. */
  retrying: boolean;
  lastPass: PassResult | null;
  /** Documents written since the writer started. */
  written: number;
}

export interface AnalyticsDocumentWriter {
  /** The service's `onSnapshotSaved`: notes what changed and starts a write pass (returns at once). */
  saved(view: AnalyticsView): void;
  /** Resolves once no pass runs or is due (tests, tools); the last pass's result. */
  idle(): Promise<PassResult | null>;
  status(): AnalyticsDocumentStatus;
  /** Lets the running pass (and one due after it) finish; no pass starts afterwards. */
  close(): Promise<void>;
}

export interface WriterLogger {
  info(obj: object, msg: string): void;
  warn(obj: object, msg: string): void;
}

export function createAnalyticsDocumentWriter(options: { views: AnalyticsDocumentViews; logger?: WriterLogger; concurrency?: number }): AnalyticsDocumentWriter {
  const { views } = options;
  const log = options.logger;
  const concurrency = options.concurrency ?? 16;
  let view: AnalyticsView | undefined;
  /** Buckets changed and not written yet (kept across failed passes). */
  const dirty = new Set<Bucket>();
  /** Revision last written (or found as new) per row; rows of a restored view start unknown. */
  let written = new WeakMap<Row, bigint>();
  let lastSealedBefore = -Infinity;
  const retained = new Map<Granularity, number>();
  let running: Promise<void> | undefined;
  let due = false;
  let closed = false;
  let lastPass: PassResult | null = null;
  let total = 0;

  function collect(v: AnalyticsView): void {
    if (v !== view) {
      // A view not seen before (the process's first save, a restored snapshot): all of it.
      view = v;
      dirty.clear();
      forget(v);
      lastSealedBefore = -Infinity;
      v.touched = new Set();
    } else {
      for (const b of v.touched ?? []) dirty.add(b);
      v.touched = new Set();
    }
    // Hours and days become sealed when the watermark passes their end, with or without a fact.
    const sb = sealedBefore(v);
    for (const g of ['HOUR', 'DAY'] as const) {
      for (const b of bucketsOf(v, g).values()) {
        const end = b.start + GRANULARITY_MS[g];
        if (end <= sb && end > lastSealedBefore) dirty.add(b);
      }
    }
    lastSealedBefore = sb;
  }

  /** The live collections at the last pass: a rebuild swapped in since then → write everything again. */
  let liveCollections: string | undefined;
  function forget(v: AnalyticsView): void {
    written = new WeakMap();
    retained.clear();
    for (const g of GRANULARITIES) for (const b of bucketsOf(v, g).values()) dirty.add(b);
  }

  async function pass(v: AnalyticsView): Promise<PassResult> {
    const result: PassResult = { applied: 0, stale: 0, removed: 0, buckets: 0 };
    try {
      const live = (await Promise.all(GRANULARITIES.map(async (g) => (await views[g].collection()).collectionName))).join();
      // Rows this writer wrote to the replaced collections after the rebuild's snapshot are
      // missing from the new ones: the guard turns the rewrite of the others into stale no-ops.
      if (liveCollections !== undefined && live !== liveCollections) forget(v);
      liveCollections = live;
    } catch (e) {
      return { ...result, error: e instanceof Error ? e.message : String(e) };
    }
    const visited: Bucket[] = [];
    function* writes(): Generator<Write> {
      for (const bucket of [...dirty]) {
        visited.push(bucket);
        result.buckets++;
        const g = bucket.granularity;
        if (bucketsOf(v, g).get(bucket.start) !== bucket) continue; // dropped by retention
        for (const row of bucket.rows.values()) {
          if (written.get(row) !== rowRevision(row, bucketSealed(v, bucket))) yield { g, bucket, row };
        }
      }
    }
    try {
      await inParallel(writes(), concurrency, async ({ g, bucket, row }) => {
        // Built at write time from the row as it is now: each document is one consistent state.
        const { id, document, revision } = analyticsDocument(v, bucket, row);
        const outcome = await views[g].upsert(id, document, revision);
        written.set(row, revision);
        result[outcome]++;
      });
      for (const b of visited) dirty.delete(b);
      result.removed = await applyRetention(views, v, retained);
    } catch (e) {
      result.error = e instanceof Error ? e.message : String(e);
    }
    return result;
  }

  function schedule(): void {
    if (running) {
      due = true;
      return;
    }
    running = (async () => {
      do {
        due = false;
        const r = await pass(view!);
        lastPass = r;
        total += r.applied;
        if (r.error) log?.warn({ err: r.error, dirtyBuckets: dirty.size, written: r.applied }, 'analytics documents: writing failed; retrying at the next save');
        else if (r.applied + r.removed > 0) log?.info({ written: r.applied, stale: r.stale, removed: r.removed, buckets: r.buckets }, 'analytics documents written');
      } while (due && !closed);
    })().finally(() => {
      running = undefined;
    });
  }

  return {
    saved(v) {
      if (closed) return;
      collect(v);
      schedule();
    },
    async idle() {
      while (running) await running;
      return lastPass;
    },
    status: () => ({ dirtyBuckets: dirty.size, retrying: Boolean(lastPass?.error), lastPass, written: total }),
    async close() {
      while (running) await running;
      closed = true;
    },
  };
}

export interface AnalyticsSnapshotSource {
  /** The analytics view as last saved and the snapshot's position; null when none is saved. */
  load(): Promise<{ view: AnalyticsView; position: bigint } | null>;
}

export interface AnalyticsRebuildResult {
  /** Snapshot position the fresh collections were filled from. */
  position: bigint;
  documents: number;
  collections: string[];
  /** Newer snapshots saved meanwhile whose changes were written after the swap. */
  catchUps: number;
  /** Position of the last snapshot written. */
  livePosition: bigint;
}

function* rowsOf(view: AnalyticsView): Generator<Write> {
  for (const g of GRANULARITIES) for (const bucket of bucketsOf(view, g).values()) for (const row of bucket.rows.values()) yield { g, bucket, row };
}

/**
 * Blue/green rebuild of the analytics documents from the saved snapshot: fills fresh
 * collections with every row of it, swaps the three pointers, then writes what newer
 * snapshots (saved by a running writer meanwhile, which may have written them to the replaced
 * collections) changed, until a snapshot stays the same across a catch-up (at most
 * `maxCatchUps`, default 5). The running writer needs no restart: it resolves the pointer on
 * every write and its later saves land in the new collections.
 */
export async function rebuildAnalyticsDocuments(options: {
  db: Db;
  source: AnalyticsSnapshotSource;
  dropAfterMs?: number;
  concurrency?: number;
  maxCatchUps?: number;
}): Promise<AnalyticsRebuildResult> {
  const concurrency = options.concurrency ?? 16;
  const views = await openAnalyticsDocuments(options.db, options.dropAfterMs === undefined ? {} : { dropAfterMs: options.dropAfterMs });
  const first = await options.source.load();
  if (!first) throw new Error('no analytics snapshot saved yet: nothing to rebuild the documents from');
  const revisions = new Map<string, bigint>();
  const writeAll = async (view: AnalyticsView, into: Record<Granularity, DocumentWriter<AnalyticsDocument>>, onlyChanged: boolean) => {
    let n = 0;
    await inParallel(rowsOf(view), concurrency, async ({ g, bucket, row }) => {
      const { id, document, revision } = analyticsDocument(view, bucket, row);
      const key = `${g}:${id}`;
      if (onlyChanged && revisions.get(key) === revision) return;
      await into[g].upsert(id, document, revision);
      revisions.set(key, revision);
      n++;
    });
    return n;
  };
  const rebuilds: Partial<Record<Granularity, Rebuild<AnalyticsDocument>>> = {};
  const collections: string[] = [];
  let documents: number;
  try {
    for (const g of GRANULARITIES) rebuilds[g] = await views[g].beginRebuild();
    documents = await writeAll(first.view, rebuilds as Record<Granularity, Rebuild<AnalyticsDocument>>, false);
    for (const g of GRANULARITIES) {
      await rebuilds[g]!.commit();
      collections.push(rebuilds[g]!.collectionName);
      delete rebuilds[g];
    }
  } finally {
    for (const r of Object.values(rebuilds)) await r?.abort();
  }
  let last = first;
  let catchUps = 0;
  for (let i = 0; i < (options.maxCatchUps ?? 5); i++) {
    const next = await options.source.load();
    if (!next || next.position === last.position) break;
    await writeAll(next.view, views, true);
    await applyRetention(views, next.view);
    last = next;
    catchUps++;
  }
  return { position: first.position, documents, collections, catchUps, livePosition: last.position };
}
