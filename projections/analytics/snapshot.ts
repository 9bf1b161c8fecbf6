// Snapshot and restore of the analytics view (for the SQLite ViewStore or MongoDB). JSON with
// every collection in a sorted order: the same view gives the same bytes, so a view rebuilt
// by replaying the same facts can be compared byte for byte with the live one.
import type { BoundedCounter } from './bounded-counter.ts';
import { createCounter, sortedEntries } from './bounded-counter.ts';
import { analyticsConfig, type AnalyticsConfig, type AnalyticsConfigInput } from './config.ts';
import { dimensionsOfKey, keyOf } from './dimensions.ts';
import { flush, newCell, sparseFromJson, sparseToJson } from './histogram.ts';
import type { Granularity } from './time.ts';
import { createAnalyticsView, newBucket, sortedRows, type AnalyticsView, type Bucket, type IngestCounters } from './view.ts';
import { newMark, recomputeLow, type Sources } from './watermark.ts';

/**
 * Bump when the snapshot shape changes incompatibly; an older snapshot is then discarded (facts
 * are not replayable). Additive fields (`sources`) keep the version: absent, they start empty.
 */
export const ANALYTICS_SNAPSHOT_VERSION = 1;

interface CounterJson { other: number; tick: number; entries: [string, number, number][] }
interface RowJson {
  key: string;
  apiName: string;
  applicationName: string;
  /** requests, errors, throttled, bytesIn, bytesOut, latencySumUs, backendCount, backendLatencySumUs */
  m: number[];
  latency: number[];
  backendLatency: number[];
}
interface BucketJson { start: number; sealed: boolean; rows: RowJson[]; clients: [string, CounterJson, CounterJson, CounterJson][] }
/** lane → [gateway, hwm, idle] sorted; `newest` is the newest fact time. */
interface SourcesJson { newest: number | null; lanes: [string, [string, number | null, boolean][]][] }
interface SnapshotJson {
  version: number;
  config: AnalyticsConfig;
  watermark: number | null;
  sources?: SourcesJson;
  counters: IngestCounters;
  dedupe: { floor: number | null; minutes: [number, string[]][]; positions: [string, string][] };
  buckets: Record<Granularity, BucketJson[]>;
}

const counterToJson = (c: BoundedCounter): CounterJson => ({
  other: c.other,
  tick: c.tick,
  entries: sortedEntries(c).map(([k, e]) => [k, e.count, e.lastSeen]),
});

function counterFromJson(j: CounterJson, cap: number): BoundedCounter {
  const c = createCounter(cap);
  c.other = j.other;
  c.tick = j.tick;
  for (const [k, count, lastSeen] of j.entries) c.entries.set(k, { count, lastSeen });
  return c;
}

const bucketToJson = (b: Bucket): BucketJson => ({
  start: b.start,
  sealed: b.sealed,
  rows: sortedRows(b).map((r) => ({
    key: keyOf(r.dims),
    apiName: r.apiName,
    applicationName: r.applicationName,
    m: [r.requests, r.errors, r.throttled, r.bytesIn, r.bytesOut, r.latencySumUs, r.backendCount, r.backendLatencySumUs],
    latency: sparseToJson(flush(r.latency)),
    backendLatency: sparseToJson(flush(r.backendLatency)),
  })),
  clients: [...b.clients]
    .sort(([a], [c]) => (a < c ? -1 : a > c ? 1 : 0))
    .map(([k, c]) => [k, counterToJson(c.ips), counterToJson(c.agents), counterToJson(c.platforms)]),
});

const byKey = <T>([a]: [string, T], [b]: [string, T]): number => (a < b ? -1 : a > b ? 1 : 0);
const finiteOrNull = (n: number): number | null => (Number.isFinite(n) ? n : null);

const sourcesToJson = (s: Sources): SourcesJson => ({
  newest: finiteOrNull(s.newest),
  lanes: [...s.lanes].sort(byKey).map(([lane, marks]) => [lane, [...marks].sort(byKey).map(([g, m]) => [g, finiteOrNull(m.hwm), m.idle])]),
});

function restoreSources(s: Sources, j: SourcesJson | undefined, watermark: number): void {
  // A snapshot from before per-source marks: the newest fact was the watermark.
  s.newest = j ? (j.newest ?? -Infinity) : watermark;
  for (const [lane, marks] of j?.lanes ?? []) {
    s.lanes.set(lane, new Map(marks.map(([g, hwm, idle]) => [g, newMark(hwm ?? -Infinity, idle)])));
  }
  recomputeLow(s);
}

const sortedBuckets = (m: Map<number, Bucket>): BucketJson[] =>
  [...m.values()].sort((a, b) => a.start - b.start).map(bucketToJson);

export function serializeAnalytics(view: AnalyticsView): string {
  const json: SnapshotJson = {
    version: ANALYTICS_SNAPSHOT_VERSION,
    config: view.config,
    watermark: view.watermark === -Infinity ? null : view.watermark,
    sources: sourcesToJson(view.sources),
    counters: view.counters,
    dedupe: {
      floor: view.dedupe.floor === -Infinity ? null : view.dedupe.floor,
      minutes: [...view.dedupe.byMinute].sort(([a], [b]) => a - b).map(([m, ids]) => [m, [...ids].sort()]),
      positions: [...view.dedupe.positions].sort(([a], [b]) => (a < b ? -1 : 1)).map(([p, o]) => [p, o.toString()]),
    },
    buckets: { MINUTE: sortedBuckets(view.minutes), HOUR: sortedBuckets(view.hours), DAY: sortedBuckets(view.days) },
  };
  return JSON.stringify(json);
}

/** Restores a snapshot; `config` overrides the saved tuning (e.g. a changed retention). */
export function restoreAnalytics(data: string | Buffer, config: AnalyticsConfigInput = {}): AnalyticsView {
  const json = JSON.parse(data.toString()) as SnapshotJson;
  if (json.version !== ANALYTICS_SNAPSHOT_VERSION) {
    throw new Error(`analytics snapshot version ${json.version} is not ${ANALYTICS_SNAPSHOT_VERSION}`);
  }
  const view = createAnalyticsView(analyticsConfig({ ...json.config, ...config, retention: { ...json.config.retention, ...config.retention } }));
  view.watermark = json.watermark ?? -Infinity;
  restoreSources(view.sources, json.sources, view.watermark);
  view.counters = { ...json.counters };
  view.dedupe.floor = json.dedupe.floor ?? -Infinity;
  for (const [m, ids] of json.dedupe.minutes) {
    view.dedupe.byMinute.set(m, new Set(ids));
    view.dedupe.size += ids.length;
  }
  for (const [p, o] of json.dedupe.positions) view.dedupe.positions.set(p, BigInt(o));
  const cap = view.config.maxTopEntries;
  for (const g of ['MINUTE', 'HOUR', 'DAY'] as const) {
    const map = g === 'MINUTE' ? view.minutes : g === 'HOUR' ? view.hours : view.days;
    for (const bj of json.buckets[g]) {
      const b = newBucket(g, bj.start);
      b.sealed = bj.sealed;
      if (!b.sealed) view.open.add(b.start);
      for (const r of bj.rows) {
        const [requests, errors, throttled, bytesIn, bytesOut, latencySumUs, backendCount, backendLatencySumUs] = r.m as [
          number, number, number, number, number, number, number, number,
        ];
        b.rows.set(r.key, {
          dims: dimensionsOfKey(r.key),
          apiName: r.apiName,
          applicationName: r.applicationName,
          requests, errors, throttled, bytesIn, bytesOut, latencySumUs, backendCount, backendLatencySumUs,
          latency: newCell(sparseFromJson(r.latency)),
          backendLatency: newCell(sparseFromJson(r.backendLatency)),
        });
      }
      for (const [k, ips, agents, platforms] of bj.clients) {
        b.clients.set(k, { ips: counterFromJson(ips, cap), agents: counterFromJson(agents, cap), platforms: counterFromJson(platforms, cap) });
      }
      map.set(b.start, b);
    }
  }
  return view;
}
