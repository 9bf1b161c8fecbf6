// Reading the analytics view: time series and totals for a filter, grouped by any dimensions,
// and Top-N rankings. Percentiles of a range come from merging the buckets' histograms.
// Hour and day buckets only receive a minute when it seals, so reads of the current hour or
// day add the still-open minutes on top: a query always sees every applied fact.
import { invalidInput } from '../../domain/errors.ts';
import { topOf, type BoundedCounter, type TopEntry } from './bounded-counter.ts';
import { DIMENSIONS, NONE, splitClientKey, type Dimension, type RowDimensions } from './dimensions.ts';
import { addInto, denseHistogram, percentileMs, type DenseHistogram } from './histogram.ts';
import { GRANULARITY_MS, floorTo, type Granularity } from './time.ts';
import { addMeasures, bucketsOf, type AnalyticsView, type Bucket, type ClientCounters, type Measures, type Row } from './view.ts';

/** Who may see what: rows of these APIs or these applications. Absent = everything (admins). */
export interface VisibilityScope {
  apiIds: ReadonlySet<string>;
  applicationIds: ReadonlySet<string>;
}

export interface AnalyticsFilter {
  /** Epoch ms, inclusive; rounded down to the granularity. */
  from: number;
  /** Epoch ms, exclusive; rounded up to the granularity. */
  to: number;
  /** Default: the finest granularity still retained at `from` that gives ≤ 1 500 points. */
  granularity?: Granularity;
  apiId?: string;
  apiVersion?: string;
  operation?: string;
  applicationId?: string;
  userName?: string;
  keyType?: string;
  scope?: VisibilityScope;
}

export interface LatencyStats {
  count: number;
  meanMs: number | null;
  p50Ms: number | null;
  p95Ms: number | null;
  p99Ms: number | null;
  maxMs: number | null;
}

export interface TrafficStats {
  requests: number;
  errors: number;
  throttled: number;
  bytesIn: number;
  bytesOut: number;
  /** errors / requests (0 without requests). */
  errorRate: number;
  latency: LatencyStats;
  backendLatency: LatencyStats;
}

export interface SeriesPoint {
  start: number;
  stats: TrafficStats;
}

/** Dimension values of a group ("" → null for "none"); labels come from the facts. */
export type GroupKey = Partial<Record<Dimension, string | null>> & { apiName?: string | null; applicationName?: string | null };

export interface AnalyticsGroup {
  key: GroupKey;
  totals: TrafficStats;
  series: SeriesPoint[];
}

export interface AnalyticsResult {
  from: number;
  to: number;
  granularity: Granularity;
  totals: TrafficStats;
  series: SeriesPoint[];
  /** Empty without groupBy; otherwise by requests (desc), at most `maxGroups`. */
  groups: AnalyticsGroup[];
}

const MAX_POINTS = 10_000;
const AUTO_POINTS = 1_500;

interface Accumulator extends Measures {
  latency: DenseHistogram;
  backendLatency: DenseHistogram;
}

const zeroMeasures = (): Measures => ({
  requests: 0, errors: 0, throttled: 0, bytesIn: 0, bytesOut: 0, latencySumUs: 0, backendCount: 0, backendLatencySumUs: 0,
});
const newAccumulator = (): Accumulator => ({ ...zeroMeasures(), latency: denseHistogram(), backendLatency: denseHistogram() });

function resetAccumulator(a: Accumulator): void {
  Object.assign(a, zeroMeasures());
  a.latency.reset();
  a.backendLatency.reset();
}

function accumulate(a: Accumulator, row: Row): void {
  addMeasures(a, row);
  addInto(a.latency, row.latency);
  addInto(a.backendLatency, row.backendLatency);
}

function merge(into: Accumulator, from: Accumulator): void {
  addMeasures(into, from);
  if (from.latency.totalCount > 0) into.latency.add(from.latency);
  if (from.backendLatency.totalCount > 0) into.backendLatency.add(from.backendLatency);
}

const latencyStats = (h: DenseHistogram, count: number, sumUs: number): LatencyStats => ({
  count,
  meanMs: count === 0 ? null : sumUs / count / 1000,
  p50Ms: percentileMs(h, 50),
  p95Ms: percentileMs(h, 95),
  p99Ms: percentileMs(h, 99),
  // Bucket top, like the percentiles: the same whether the bucket is open (exact max) or sealed.
  maxMs: h.totalCount === 0 ? null : h.highestEquivalentValue(h.maxValue) / 1000,
});

export const statsOf = (a: Accumulator): TrafficStats => ({
  requests: a.requests,
  errors: a.errors,
  throttled: a.throttled,
  bytesIn: a.bytesIn,
  bytesOut: a.bytesOut,
  errorRate: a.requests === 0 ? 0 : a.errors / a.requests,
  latency: latencyStats(a.latency, a.requests, a.latencySumUs),
  backendLatency: latencyStats(a.backendLatency, a.backendCount, a.backendLatencySumUs),
});

/** The granularity used when the caller names none. */
export function autoGranularity(view: AnalyticsView, from: number, to: number): Granularity {
  const r = view.config.retention;
  const retained = { MINUTE: r.minuteMs, HOUR: r.hourMs, DAY: r.dayMs };
  for (const g of ['MINUTE', 'HOUR'] as const) {
    const size = GRANULARITY_MS[g];
    const oldestKept = view.watermark === -Infinity ? -Infinity : view.watermark - retained[g] - size;
    if (from >= oldestKept && (to - from) / size <= AUTO_POINTS) return g;
  }
  return 'DAY';
}

/** The range aligned to the granularity, validated. */
export function alignRange(view: AnalyticsView, filter: Pick<AnalyticsFilter, 'from' | 'to' | 'granularity'>) {
  const { from, to } = filter;
  if (!Number.isFinite(from) || !Number.isFinite(to) || from >= to) {
    throw invalidInput('analytics range needs from < to', { from, to });
  }
  const granularity = filter.granularity ?? autoGranularity(view, from, to);
  const size = GRANULARITY_MS[granularity];
  const start = floorTo(from, size);
  const end = floorTo(to - 1, size) + size;
  const points = (end - start) / size;
  if (points > MAX_POINTS) {
    throw invalidInput(`analytics range spans ${points} ${granularity} buckets (max ${MAX_POINTS}); choose a coarser granularity`);
  }
  return { start, end, size, granularity };
}

/** The buckets that make up one series point: the stored bucket plus, for hours and days, the open minutes in it. */
export function bucketsAt(view: AnalyticsView, g: Granularity, start: number): Bucket[] {
  const out: Bucket[] = [];
  const stored = bucketsOf(view, g).get(start);
  if (stored) out.push(stored);
  if (g !== 'MINUTE') {
    const size = GRANULARITY_MS[g];
    for (const m of [...view.open].sort((a, b) => a - b)) {
      if (m >= start && m < start + size) out.push(view.minutes.get(m)!);
    }
  }
  return out;
}

const visible = (scope: VisibilityScope | undefined, d: { apiId: string; applicationId: string }): boolean =>
  !scope || scope.apiIds.has(d.apiId) || scope.applicationIds.has(d.applicationId);

function matches(f: AnalyticsFilter, d: RowDimensions): boolean {
  if (f.apiId !== undefined && d.apiId !== f.apiId) return false;
  if (f.apiVersion !== undefined && d.apiVersion !== f.apiVersion) return false;
  if (f.operation !== undefined && d.operation !== f.operation) return false;
  if (f.applicationId !== undefined && d.applicationId !== f.applicationId) return false;
  if (f.userName !== undefined && d.userName !== f.userName) return false;
  if (f.keyType !== undefined && d.keyType !== f.keyType) return false;
  return visible(f.scope, d);
}

const nullable = (v: string): string | null => (v === NONE ? null : v);

export function analytics(
  view: AnalyticsView,
  filter: AnalyticsFilter,
  groupBy: readonly Dimension[] = [],
  options: { maxGroups?: number } = {},
): AnalyticsResult {
  for (const d of groupBy) if (!DIMENSIONS.includes(d)) throw invalidInput(`unknown analytics dimension ${d}`);
  const { start, end, size, granularity } = alignRange(view, filter);
  const total = newAccumulator();
  const point = newAccumulator();
  const groups = new Map<string, { key: GroupKey; total: Accumulator; point: Accumulator; series: SeriesPoint[] }>();
  const series: SeriesPoint[] = [];

  for (let t = start; t < end; t += size) {
    resetAccumulator(point);
    for (const g of groups.values()) resetAccumulator(g.point);
    for (const bucket of bucketsAt(view, granularity, t)) {
      for (const row of bucket.rows.values()) {
        if (!matches(filter, row.dims)) continue;
        accumulate(point, row);
        if (groupBy.length === 0) continue;
        const id = groupBy.map((d) => row.dims[d]).join('\x1f');
        let g = groups.get(id);
        if (!g) {
          const key: GroupKey = {};
          for (const d of groupBy) key[d] = nullable(row.dims[d]);
          if (groupBy.includes('apiId')) key.apiName = row.apiName || null;
          if (groupBy.includes('applicationId')) key.applicationName = row.applicationName || null;
          g = { key, total: newAccumulator(), point: newAccumulator(), series: [] };
          // Points before this group appeared were zero.
          for (let z = start; z < t; z += size) g.series.push({ start: z, stats: statsOf(g.point) });
          groups.set(id, g);
        }
        accumulate(g.point, row);
      }
    }
    merge(total, point);
    series.push({ start: t, stats: statsOf(point) });
    for (const g of groups.values()) {
      merge(g.total, g.point);
      g.series.push({ start: t, stats: statsOf(g.point) });
    }
  }

  const maxGroups = options.maxGroups ?? 100;
  const ranked = [...groups.entries()]
    .sort(([ka, a], [kb, b]) => b.total.requests - a.total.requests || (ka < kb ? -1 : ka > kb ? 1 : 0))
    .slice(0, maxGroups)
    .map(([, g]) => ({ key: g.key, totals: statsOf(g.total), series: g.series }));
  return { from: start, to: end, granularity, totals: statsOf(total), series, groups: ranked };
}

export interface RankedGroup {
  key: GroupKey;
  stats: TrafficStats;
}

/** Top-N by requests over a range, grouped by `dimensions` (topApis, topApplications, topUsers). */
export function topBy(view: AnalyticsView, filter: AnalyticsFilter, dimensions: readonly Dimension[], n: number): RankedGroup[] {
  const { groups } = analytics(view, filter, dimensions, { maxGroups: n });
  return groups.map((g) => ({ key: g.key, stats: g.totals }));
}

export const topApis = (view: AnalyticsView, filter: AnalyticsFilter, n = 10) => topBy(view, filter, ['apiId'], n);
export const topApplications = (view: AnalyticsView, filter: AnalyticsFilter, n = 10) => topBy(view, filter, ['applicationId'], n);
export const topUsers = (view: AnalyticsView, filter: AnalyticsFilter, n = 10) => topBy(view, filter, ['userName'], n);

export interface ClientRanking {
  top: TopEntry[];
  /** Everything not in `top`, including keys folded away by the bounded counters. */
  other: number;
  total: number;
}

type ClientDimension = keyof ClientCounters;

/** Top client IPs, user agents or platforms over a range (apiId / applicationId / scope filters apply). */
export function topClients(view: AnalyticsView, filter: AnalyticsFilter, what: ClientDimension, n = 10): ClientRanking {
  const { start, end, size, granularity } = alignRange(view, filter);
  const counters: BoundedCounter[] = [];
  for (let t = start; t < end; t += size) {
    for (const bucket of bucketsAt(view, granularity, t)) {
      for (const [key, c] of bucket.clients) {
        const d = splitClientKey(key);
        if (filter.apiId !== undefined && d.apiId !== filter.apiId) continue;
        if (filter.applicationId !== undefined && d.applicationId !== filter.applicationId) continue;
        if (!visible(filter.scope, d)) continue;
        counters.push(c[what]);
      }
    }
  }
  return topOf(counters, n);
}

export const topClientIps = (view: AnalyticsView, filter: AnalyticsFilter, n = 10) => topClients(view, filter, 'ips', n);
export const topUserAgents = (view: AnalyticsView, filter: AnalyticsFilter, n = 10) => topClients(view, filter, 'agents', n);
export const topPlatforms = (view: AnalyticsView, filter: AnalyticsFilter, n = 10) => topClients(view, filter, 'platforms', n);
