// The analytics page's data: the GraphQL documents and one adapter from the server's report to
// the dashboard model the charts draw, so a change of the analytics schema touches this file only.

export interface SeriesPoint { t: number; requests: number; errors: number; throttled: number; p50: number | null; p95: number | null; p99: number | null }
export interface Ranked { key: string; label: string; requests: number; errors: number }
export interface Totals { requests: number; errors: number; throttled: number; errorRate: number; p50: number | null; p95: number | null; p99: number | null }

export interface Dashboard {
  granularity: string;
  totals: Totals;
  series: SeriesPoint[];
  errorsByCode: Ranked[];
  topApis: Ranked[];
  topApplications: Ranked[];
}

export interface AlertItem { id: string; apiId: string | null; type: string; severity: string; message: string; raisedAt: string }
export interface LiveStats { apiId: string; at: string; requests: number; errors: number; p50LatencyMs: number | null; p99LatencyMs: number | null }

export const ANALYTICS = /* GraphQL */ `query Analytics($apiId: ID, $from: String, $to: String, $granularity: String) {
  analytics(apiId: $apiId, from: $from, to: $to, granularity: $granularity) { apiId from to totalRequests errorCount buckets }
}`;

export const ALERTS = /* GraphQL */ `query Alerts($apiId: ID, $since: String, $limit: Int) {
  alerts(apiId: $apiId, since: $since, limit: $limit) { id apiId type severity message raisedAt }
}`;

export const REQUEST_STATS = /* GraphQL */ `subscription RequestStats($apiId: ID!) {
  requestStats(apiId: $apiId) { apiId at requests errors p50LatencyMs p99LatencyMs }
}`;

type Json = Record<string, unknown>;
const num = (v: unknown): number => (typeof v === 'number' && Number.isFinite(v) ? v : Number(v) || 0);
const numOrNull = (v: unknown): number | null => (v === null || v === undefined || Number.isNaN(Number(v)) ? null : Number(v));
const obj = (v: unknown): Json => (v && typeof v === 'object' && !Array.isArray(v) ? (v as Json) : {});
const time = (v: unknown): number => (typeof v === 'number' ? v : Date.parse(String(v)));

function statsOf(raw: unknown): Omit<SeriesPoint, 't'> {
  const s = obj(raw);
  const latency = obj(s.latency);
  return {
    requests: num(s.requests),
    errors: num(s.errors),
    throttled: num(s.throttled),
    p50: numOrNull(latency.p50Ms ?? s.p50Ms ?? s.p50LatencyMs),
    p95: numOrNull(latency.p95Ms ?? s.p95Ms ?? s.p95LatencyMs),
    p99: numOrNull(latency.p99Ms ?? s.p99Ms ?? s.p99LatencyMs),
  };
}

function ranked(raw: unknown, keyField: string, labelField: string): Ranked[] {
  if (!Array.isArray(raw)) return [];
  return raw.map((g) => {
    const group = obj(g);
    const key = obj(group.key);
    const totals = statsOf(group.totals ?? group);
    const k = String(key[keyField] ?? group[keyField] ?? group.key ?? '');
    return { key: k, label: String(key[labelField] ?? group[labelField] ?? (k || '(none)')), requests: totals.requests, errors: totals.errors };
  }).filter((r) => r.requests > 0);
}

/** Reads the analytics report; `buckets` carries the series and the breakdowns. */
export function toDashboard(report: Json): Dashboard {
  const buckets = report.buckets;
  const b = obj(buckets);
  const rawSeries = Array.isArray(buckets) ? buckets : Array.isArray(b.series) ? b.series : [];
  const series = rawSeries.map((p) => {
    const point = obj(p);
    return { t: time(point.start ?? point.t ?? point.at), ...statsOf(point.stats ?? point) };
  }).filter((p) => Number.isFinite(p.t)).sort((x, y) => x.t - y.t);
  const totalsRaw = statsOf(b.totals ?? {});
  const requests = num(report.totalRequests ?? totalsRaw.requests);
  const errors = num(report.errorCount ?? totalsRaw.errors);
  return {
    granularity: String(b.granularity ?? report.granularity ?? ''),
    totals: {
      requests,
      errors,
      throttled: totalsRaw.throttled,
      errorRate: requests ? errors / requests : 0,
      p50: totalsRaw.p50,
      p95: totalsRaw.p95,
      p99: totalsRaw.p99,
    },
    series,
    errorsByCode: ranked(b.errorsByCode ?? b.errorCodes, 'errorCode', 'errorCode'),
    topApis: ranked(b.topApis ?? b.apis, 'apiId', 'apiName'),
    topApplications: ranked(b.topApplications ?? b.applications, 'applicationId', 'applicationName'),
  };
}
