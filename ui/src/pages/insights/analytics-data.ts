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

export interface AlertItem {
  id: string; kind: string; severity: string; status: string; message: string;
  apiId: string | null; apiName: string | null; applicationName: string | null; raisedAt: string; clearedAt: string | null;
}
export interface LiveStats { apiId: string; at: string; requests: number; errors: number; throttled: number; requestsPerSecond: number; p50LatencyMs: number | null; p99LatencyMs: number | null }

const STATS = `requests errors throttled errorRate latency { p50Ms p95Ms p99Ms }`;

export const ANALYTICS = /* GraphQL */ `query Analytics($filter: AnalyticsFilter!) {
  analytics(filter: $filter, groupBy: [STATUS_CLASS, ERROR_CODE], maxGroups: 20) {
    granularity totals { ${STATS} }
    series { start stats { ${STATS} } }
    groups { key { statusClass errorCode } totals { requests errors } }
  }
  topApis(filter: $filter, limit: 8) { key { apiId apiName apiVersion } stats { requests errors } }
  topApplications(filter: $filter, limit: 8) { key { applicationId applicationName } stats { requests errors } }
}`;

const ALERT_FIELDS = `id kind severity status message apiId apiName applicationName raisedAt clearedAt`;

export const ALERTS = /* GraphQL */ `query Alerts($apiId: ID, $limit: Int) { alerts(apiId: $apiId, limit: $limit) { ${ALERT_FIELDS} } }`;
export const ALERTS_LIVE = /* GraphQL */ `subscription LiveAlerts($apiId: ID) { alerts(apiId: $apiId) { change alert { ${ALERT_FIELDS} } } }`;

export const REQUEST_STATS = /* GraphQL */ `subscription RequestStats($apiId: ID!) {
  requestStats(apiId: $apiId) { apiId at requests errors throttled requestsPerSecond p50LatencyMs p99LatencyMs }
}`;

interface Stats { requests: number; errors: number; throttled?: number; errorRate?: number; latency?: { p50Ms: number | null; p95Ms: number | null; p99Ms: number | null } }
interface GroupKey { apiId?: string | null; apiName?: string | null; apiVersion?: string | null; applicationId?: string | null; applicationName?: string | null; statusClass?: string | null; errorCode?: string | null }

export interface AnalyticsResponse {
  analytics: {
    granularity: string;
    totals: Stats;
    series: Array<{ start: string; stats: Stats }>;
    groups: Array<{ key: GroupKey; totals: Stats }>;
  };
  topApis: Array<{ key: GroupKey; stats: Stats }>;
  topApplications: Array<{ key: GroupKey; stats: Stats }>;
}

const point = (s: Stats) => ({
  requests: s.requests,
  errors: s.errors,
  throttled: s.throttled ?? 0,
  p50: s.latency?.p50Ms ?? null,
  p95: s.latency?.p95Ms ?? null,
  p99: s.latency?.p99Ms ?? null,
});

export function toDashboard(r: AnalyticsResponse): Dashboard {
  const a = r.analytics;
  const totals = point(a.totals);
  return {
    granularity: a.granularity,
    totals: { ...totals, errorRate: a.totals.errorRate ?? (totals.requests ? totals.errors / totals.requests : 0) },
    series: a.series.map((p) => ({ t: Date.parse(p.start), ...point(p.stats) })),
    errorsByCode: a.groups
      .filter((g) => g.totals.errors > 0)
      .map((g) => {
        const label = g.key.errorCode ? `${g.key.errorCode} (${g.key.statusClass ?? '?'})` : `HTTP ${g.key.statusClass ?? '?'}`;
        return { key: label, label, requests: g.totals.errors, errors: g.totals.errors };
      }),
    topApis: r.topApis.map((t) => ({
      key: t.key.apiId ?? '',
      label: t.key.apiName ? `${t.key.apiName}${t.key.apiVersion ? ` ${t.key.apiVersion}` : ''}` : t.key.apiId ?? '(no API)',
      requests: t.stats.requests,
      errors: t.stats.errors,
    })),
    topApplications: r.topApplications.map((t) => ({
      key: t.key.applicationId ?? '',
      label: t.key.applicationName ?? t.key.applicationId ?? '(anonymous)',
      requests: t.stats.requests,
      errors: t.stats.errors,
    })),
  };
}
