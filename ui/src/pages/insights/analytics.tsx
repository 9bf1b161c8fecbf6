// Analytics dashboards: traffic over time, latency percentiles, errors by code, top APIs and
// applications, the live request rate of one API (GraphQL subscription) and the alerts raised.
import { useMemo, useState } from 'react';
import { Area, AreaChart, Bar, BarChart, CartesianGrid, Legend, Line, LineChart, ResponsiveContainer, Tooltip, XAxis, YAxis } from 'recharts';
import { APIS } from '../../lib/documents.ts';
import { useQuery, useSubscription } from '../../lib/hooks.ts';
import type { ApiSummary } from '../../lib/types.ts';
import { Badge, Card, Empty, ErrorBanner, Loading, PageHeader, SelectField, formatTime } from '../../components/ui.tsx';
import { ALERTS, ALERTS_LIVE, ANALYTICS, REQUEST_STATS, toDashboard, type AlertItem, type AnalyticsResponse, type LiveStats, type Ranked } from './analytics-data.ts';

const RANGES = [
  { id: '15m', label: 'Last 15 minutes', ms: 15 * 60_000, granularity: 'MINUTE' },
  { id: '1h', label: 'Last hour', ms: 3_600_000, granularity: 'MINUTE' },
  { id: '24h', label: 'Last 24 hours', ms: 86_400_000, granularity: 'HOUR' },
  { id: '7d', label: 'Last 7 days', ms: 7 * 86_400_000, granularity: 'HOUR' },
];
const COLORS = { requests: '#4f46e5', errors: '#dc2626', throttled: '#d97706', p50: '#10b981', p95: '#6366f1', p99: '#db2777' };
const LIVE_POINTS = 60;

const clock = (t: number, withDate: boolean) => new Date(t).toLocaleString(undefined, withDate ? { month: 'short', day: 'numeric', hour: '2-digit', minute: '2-digit' } : { hour: '2-digit', minute: '2-digit' });
const ms = (v: number | null) => (v === null ? '—' : `${v < 10 ? v.toFixed(1) : Math.round(v)} ms`);

function Stat({ label, value, sub }: { label: string; value: string; sub?: string }) {
  return (
    <div className="stat" role="group" aria-label={label}>
      <p className="stat-label">{label}</p>
      <p className="stat-value" data-testid={`stat-${label.toLowerCase().replace(/\W+/g, '-')}`}>{value}</p>
      {sub ? <p className="stat-sub">{sub}</p> : null}
    </div>
  );
}

function RankedBars({ data, label, errorsOnly }: { data: Ranked[]; label: string; errorsOnly?: boolean }) {
  if (data.length === 0) return <Empty title={`No ${label} in this range`} />;
  return (
    <div className="chart chart-sm" role="img" aria-label={`${label}: ${data.map((d) => `${d.label} ${d.requests}`).join(', ')}`}>
      <ResponsiveContainer>
        <BarChart data={data.slice(0, 8)} layout="vertical" margin={{ left: 8, right: 16 }}>
          <CartesianGrid strokeDasharray="3 3" horizontal={false} />
          <XAxis type="number" allowDecimals={false} />
          <YAxis type="category" dataKey="label" width={140} tick={{ fontSize: 12 }} />
          <Tooltip />
          {errorsOnly ? null : <Bar dataKey="requests" name="Requests" fill={COLORS.requests} radius={[0, 4, 4, 0]} isAnimationActive={false} />}
          <Bar dataKey="errors" name="Errors" fill={COLORS.errors} radius={[0, 4, 4, 0]} isAnimationActive={false} />
        </BarChart>
      </ResponsiveContainer>
    </div>
  );
}

function LiveRate({ apis }: { apis: ApiSummary[] }) {
  const [apiId, setApiId] = useState('');
  const chosen = apiId || apis[0]?.id || '';
  const [points, setPoints] = useState<Array<{ t: number; rps: number; errors: number }>>([]);
  const error = useSubscription<{ requestStats: LiveStats }>(REQUEST_STATS, { apiId: chosen }, (d) => {
    const s = d.requestStats;
    setPoints((p) => [...p, { t: Date.parse(s.at) || Date.now(), rps: s.requestsPerSecond, errors: s.errors }].slice(-LIVE_POINTS));
  }, Boolean(chosen));
  const last = points[points.length - 1];
  return (
    <Card title={<>Live request rate {chosen && !error ? <span className="live-dot" aria-hidden="true" /> : null}</>}
      actions={apis.length ? <SelectField label="API" value={chosen} onChange={(e) => { setApiId(e.target.value); setPoints([]); }} options={apis.map((a) => ({ value: a.id, label: `${a.name} ${a.version}` }))} /> : null}>
      <ErrorBanner error={error} />
      {!chosen ? <Empty title="No API to watch" /> : null}
      {chosen && points.length === 0 && !error ? <p className="muted">Waiting for traffic…</p> : null}
      {points.length > 0 ? (
        <>
          <p className="muted" aria-live="polite" data-testid="live-rate">{last ? `${last.rps.toFixed(1)} requests/s, ${last.errors} errors in the last interval (${new Date(last.t).toLocaleTimeString()})` : ''}</p>
          <div className="chart chart-sm">
            <ResponsiveContainer>
              <LineChart data={points}>
                <CartesianGrid strokeDasharray="3 3" vertical={false} />
                <XAxis dataKey="t" tickFormatter={(t: number) => new Date(t).toLocaleTimeString()} minTickGap={40} />
                <YAxis />
                <Tooltip labelFormatter={(t) => new Date(Number(t)).toLocaleTimeString()} />
                <Line type="monotone" dataKey="rps" name="Requests/s" stroke={COLORS.requests} dot={false} isAnimationActive={false} />
                <Line type="monotone" dataKey="errors" name="Errors" stroke={COLORS.errors} dot={false} isAnimationActive={false} />
              </LineChart>
            </ResponsiveContainer>
          </div>
        </>
      ) : null}
    </Card>
  );
}

export function AnalyticsPage() {
  const [rangeId, setRangeId] = useState('1h');
  const [apiId, setApiId] = useState('');
  const range = RANGES.find((r) => r.id === rangeId)!;
  // The window is fixed when the range is chosen; "Refresh" moves it to now.
  const [now, setNow] = useState(() => Date.now());
  const vars = useMemo(() => ({
    filter: {
      from: new Date(now - range.ms).toISOString(),
      to: new Date(now + 60_000).toISOString(),
      granularity: range.granularity,
      ...(apiId ? { apiId } : {}),
    },
  }), [apiId, now, range]);
  const apis = useQuery<{ apis: { nodes: ApiSummary[] } }>(APIS, { first: 100 });
  const q = useQuery<AnalyticsResponse>(ANALYTICS, vars);
  const alerts = useQuery<{ alerts: AlertItem[] }>(ALERTS, { apiId: apiId || null, limit: 20 });
  const [liveAlerts, setLiveAlerts] = useState<AlertItem[]>([]);
  const alertsError = useSubscription<{ alerts: { change: string; alert: AlertItem } }>(ALERTS_LIVE, { apiId: apiId || null }, (d) => setLiveAlerts((l) => [d.alerts.alert, ...l.filter((x) => x.id !== d.alerts.alert.id)]));
  const alertList = [...liveAlerts, ...(alerts.data?.alerts ?? []).filter((a) => !liveAlerts.some((l) => l.id === a.id))];
  const dash = useMemo(() => (q.data ? toDashboard(q.data) : null), [q.data]);
  const apiList = apis.data?.apis.nodes ?? [];
  const apiName = (id: string | null) => apiList.find((a) => a.id === id)?.name ?? id ?? 'all APIs';
  const withDate = range.ms > 86_400_000;
  // With few samples a line has nothing to join: draw the points.
  const sparse = (dash?.series.filter((p) => p.p50 !== null).length ?? 0) < 20;

  return (
    <div className="page">
      <PageHeader eyebrow="Insights" title="Analytics" subtitle="Traffic, latency and errors as the gateway saw them."
        actions={<>
          <SelectField label="API" value={apiId} onChange={(e) => setApiId(e.target.value)} options={[{ value: '', label: 'All APIs' }, ...apiList.map((a) => ({ value: a.id, label: `${a.name} ${a.version}` }))]} />
          <SelectField label="Range" value={rangeId} onChange={(e) => { setRangeId(e.target.value); setNow(Date.now()); }} options={RANGES.map((r) => ({ value: r.id, label: r.label }))} />
          <button type="button" className="btn btn-secondary" onClick={() => { setNow(Date.now()); void alerts.refetch(); }}>Refresh</button>
        </>} />
      <ErrorBanner error={q.error} />
      {q.loading && !dash ? <Loading /> : null}
      {dash ? (
        <>
          <div className="stats">
            <Stat label="Requests" value={dash.totals.requests.toLocaleString()} sub={range.label.toLowerCase()} />
            <Stat label="Errors" value={dash.totals.errors.toLocaleString()} sub={`${(dash.totals.errorRate * 100).toFixed(1)}% error rate`} />
            <Stat label="Throttled" value={dash.totals.throttled.toLocaleString()} />
            <Stat label="Latency p95" value={ms(dash.totals.p95)} sub={`p50 ${ms(dash.totals.p50)} · p99 ${ms(dash.totals.p99)}`} />
          </div>
          <div className="two-col">
            <Card title="Traffic over time">
              {dash.series.length === 0 ? <Empty title="No traffic in this range" /> : (
                <div className="chart" role="img" aria-label={`Traffic over time: ${dash.totals.requests} requests`}>
                  <ResponsiveContainer>
                    <AreaChart data={dash.series}>
                      <CartesianGrid strokeDasharray="3 3" vertical={false} />
                      <XAxis dataKey="t" tickFormatter={(t: number) => clock(t, withDate)} minTickGap={40} />
                      <YAxis allowDecimals={false} />
                      <Tooltip labelFormatter={(t) => clock(Number(t), true)} />
                      <Legend />
                      <Area type="monotone" dataKey="requests" name="Requests" stroke={COLORS.requests} fill={COLORS.requests} fillOpacity={0.15} isAnimationActive={false} />
                      <Area type="monotone" dataKey="errors" name="Errors" stroke={COLORS.errors} fill={COLORS.errors} fillOpacity={0.15} isAnimationActive={false} />
                      <Area type="monotone" dataKey="throttled" name="Throttled" stroke={COLORS.throttled} fill={COLORS.throttled} fillOpacity={0.1} isAnimationActive={false} />
                    </AreaChart>
                  </ResponsiveContainer>
                </div>
              )}
            </Card>
            <Card title="Latency percentiles">
              {dash.series.every((p) => p.p50 === null) ? <Empty title="No latency samples in this range" /> : (
                <div className="chart" role="img" aria-label={`Latency p50 ${ms(dash.totals.p50)}, p95 ${ms(dash.totals.p95)}, p99 ${ms(dash.totals.p99)}`}>
                  <ResponsiveContainer>
                    <LineChart data={dash.series}>
                      <CartesianGrid strokeDasharray="3 3" vertical={false} />
                      <XAxis dataKey="t" tickFormatter={(t: number) => clock(t, withDate)} minTickGap={40} />
                      <YAxis unit=" ms" />
                      <Tooltip labelFormatter={(t) => clock(Number(t), true)} formatter={(v) => ms(Number(v))} />
                      <Legend />
                      <Line type="monotone" dataKey="p50" name="p50" stroke={COLORS.p50} dot={sparse} connectNulls isAnimationActive={false} />
                      <Line type="monotone" dataKey="p95" name="p95" stroke={COLORS.p95} dot={sparse} connectNulls isAnimationActive={false} />
                      <Line type="monotone" dataKey="p99" name="p99" stroke={COLORS.p99} dot={sparse} connectNulls isAnimationActive={false} />
                    </LineChart>
                  </ResponsiveContainer>
                </div>
              )}
            </Card>
            <Card title="Errors by code"><RankedBars data={dash.errorsByCode} label="errors" errorsOnly /></Card>
            <Card title="Top APIs"><RankedBars data={dash.topApis} label="APIs" /></Card>
            <Card title="Top applications"><RankedBars data={dash.topApplications} label="applications" /></Card>
            <LiveRate apis={apiList} />
          </div>
        </>
      ) : null}
      <Card title="Alerts">
        <ErrorBanner error={alerts.error ?? alertsError} />
        {alerts.data && alertList.length === 0 ? <p className="muted">No alerts. Response-time, request-rate, tier-limit and unusual-IP anomalies show up here as they are raised.</p> : null}
        <ul className="sub-list" aria-label="Alerts">
          {alertList.map((a) => (
            <li key={a.id} className="alert-item">
              <Badge tone={a.status === 'CLEARED' ? 'muted' : a.severity === 'CRITICAL' ? 'danger' : 'warning'}>{a.status === 'CLEARED' ? 'cleared' : a.severity}</Badge>
              <div>
                <p><strong>{a.kind.replace(/_/g, ' ').toLowerCase()}</strong> · {a.apiName ?? apiName(a.apiId)}{a.applicationName ? ` · ${a.applicationName}` : ''}</p>
                <p className="muted">{a.message} · raised {formatTime(a.raisedAt)}{a.clearedAt ? ` · cleared ${formatTime(a.clearedAt)}` : ''}</p>
              </div>
            </li>
          ))}
        </ul>
      </Card>
    </div>
  );
}
