// `gatehouse analytics`: traffic of an API (or of everything) over the last while, as a small
// table and a unicode sparkline. Two sources:
//   default  the analytics snapshot in the data dir (<data>/views.db, saved every minute and on
//            shutdown by the running server); works offline, no credentials, lags ≤ 1 min.
//   --url    the running control plane's GraphQL (live numbers; needs --token or
//            $GATEHOUSE_TOKEN, an access token from POST /oauth2/token); also the way to read a
//            distributed deployment whose views live in MongoDB.
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { InvalidArgumentError, Option, type Command } from 'commander';
import { openSqliteViewStore } from '../../infra/views/sqlite.ts';
import { analytics, type TrafficStats } from '../../projections/analytics/query.ts';
import { ANALYTICS_VIEW_NAME, decodeAnalyticsSnapshot } from '../../projections/analytics/service-snapshot.ts';
import { ANALYTICS_SNAPSHOT_VERSION } from '../../projections/analytics/snapshot.ts';
import type { Granularity } from '../../projections/analytics/time.ts';
import type { AnalyticsView } from '../../projections/analytics/view.ts';
import { DATA_OPTION_HELP, dataDirOf, paint } from './events.ts';

interface AnalyticsOptions {
  api?: string;
  since: number;
  granularity?: Granularity;
  data?: string;
  url?: string;
  token?: string;
  json?: boolean;
  rebuildDocuments?: boolean;
}

/** One API's (or everything's) traffic, whatever the source. */
export interface TrafficReport {
  title: string;
  granularity: Granularity;
  from: number;
  to: number;
  totals: TrafficStats;
  series: { start: number; requests: number; errors: number }[];
  breakdown: { statusClass: string; errorCode: string | null; requests: number }[];
}

const UNITS: Record<string, number> = { s: 1_000, m: 60_000, h: 3_600_000, d: 86_400_000, w: 7 * 86_400_000 };

export function parseDuration(v: string): number {
  const m = /^(\d+)([smhdw])$/.exec(v.trim());
  if (!m || Number(m[1]) === 0) throw new InvalidArgumentError('a duration like 15m, 1h, 6h, 2d or 1w');
  return Number(m[1]) * UNITS[m[2]!]!;
}

/** Buckets that give a readable sparkline (≤ 120 points). */
export const granularityFor = (sinceMs: number): Granularity => (sinceMs <= 2 * 3_600_000 ? 'MINUTE' : sinceMs <= 5 * 86_400_000 ? 'HOUR' : 'DAY');

const BARS = '▁▂▃▄▅▆▇█';
export function sparkline(values: readonly number[]): string {
  const max = Math.max(0, ...values);
  return values.map((v) => (v <= 0 || max === 0 ? ' ' : BARS[Math.min(BARS.length - 1, Math.floor((v / max) * (BARS.length - 1) + 0.5))]!)).join('');
}

const int = (n: number) => Math.round(n).toLocaleString('en-US');
const ms = (v: number | null) => (v === null ? '-' : v < 10 ? v.toFixed(2) : v < 100 ? v.toFixed(1) : v.toFixed(0));
const pad = (s: string, n: number) => s.padStart(n);

export function renderReport(r: TrafficReport): string {
  const t = r.totals;
  const minutes = (r.to - r.from) / 60_000;
  const lines = [
    `${paint('bold', r.title)}  ${paint('dim', `${new Date(r.from).toISOString()} → ${new Date(r.to).toISOString()} · ${r.granularity} buckets`)}`,
    '',
    `requests  ${paint('cyan', sparkline(r.series.map((p) => p.requests)))}  ${int(t.requests)} (${(t.requests / minutes).toFixed(1)}/min)`,
    `errors    ${paint('red', sparkline(r.series.map((p) => p.errors)))}  ${int(t.errors)} (${(t.errorRate * 100).toFixed(2)} %), throttled ${int(t.throttled)}`,
    '',
    `           ${pad('p50', 9)}${pad('p95', 9)}${pad('p99', 9)}${pad('max', 9)}`,
    `latency    ${pad(ms(t.latency.p50Ms), 9)}${pad(ms(t.latency.p95Ms), 9)}${pad(ms(t.latency.p99Ms), 9)}${pad(ms(t.latency.maxMs), 9)}  ms`,
    `backend    ${pad(ms(t.backendLatency.p50Ms), 9)}${pad(ms(t.backendLatency.p95Ms), 9)}${pad(ms(t.backendLatency.p99Ms), 9)}${pad(ms(t.backendLatency.maxMs), 9)}  ms`,
  ];
  if (r.breakdown.length > 0) {
    lines.push('', `status  ${'error'.padEnd(8)}${pad('requests', 10)}`);
    for (const b of r.breakdown) lines.push(`${b.statusClass.padEnd(8)}${(b.errorCode ?? '-').padEnd(8)}${pad(int(b.requests), 10)}`);
  }
  return lines.join('\n');
}

// ---------------------------------------------------------------- from the data dir snapshot

function loadSnapshotView(dataDir: string): Promise<AnalyticsView> {
  const path = join(dataDir, 'views.db');
  if (!existsSync(path)) throw new Error(`no views.db in ${dataDir} (has the server run there? set --data or GATEHOUSE_DATA)`);
  const store = openSqliteViewStore({ path });
  return store.load(ANALYTICS_VIEW_NAME, ANALYTICS_SNAPSHOT_VERSION).then(
    async (snap) => {
      await store.close();
      if (!snap) throw new Error(`no analytics snapshot in ${path} yet (the server saves one every minute and on shutdown)`);
      return decodeAnalyticsSnapshot(snap.data).view;
    },
    async (e: unknown) => {
      await store.close();
      throw e;
    },
  );
}

/** The APIs whose id is `api` or whose name is `api` (case-insensitive), as the facts named them. */
function apisNamed(view: AnalyticsView, api: string): { apiId: string; label: string }[] {
  const found = new Map<string, string>();
  const wanted = api.toLowerCase();
  for (const buckets of [view.minutes, view.hours, view.days]) {
    for (const b of buckets.values()) {
      for (const row of b.rows.values()) {
        const { apiId, apiVersion } = row.dims;
        if (apiId === api || row.apiName.toLowerCase() === wanted) found.set(apiId, `${row.apiName || apiId} ${apiVersion}`.trim());
      }
    }
  }
  return [...found].sort(([a], [b]) => (a < b ? -1 : 1)).map(([apiId, label]) => ({ apiId, label }));
}

export function reportsFromView(view: AnalyticsView, o: Pick<AnalyticsOptions, 'api' | 'since' | 'granularity'>, now: number): TrafficReport[] {
  const granularity = o.granularity ?? granularityFor(o.since);
  const targets = o.api === undefined ? [{ apiId: undefined, label: 'All APIs' }] : apisNamed(view, o.api);
  if (targets.length === 0) throw new Error(`no traffic recorded for an API named or identified '${o.api}'`);
  return targets.map(({ apiId, label }) => {
    const filter = { from: now - o.since, to: now, granularity, ...(apiId !== undefined ? { apiId } : {}) };
    const r = analytics(view, filter, ['statusClass', 'errorCode']);
    return {
      title: apiId === undefined ? label : `${label} (${apiId})`,
      granularity: r.granularity,
      from: r.from,
      to: r.to,
      totals: r.totals,
      series: r.series.map((p) => ({ start: p.start, requests: p.stats.requests, errors: p.stats.errors })),
      breakdown: r.groups.map((g) => ({ statusClass: g.key.statusClass ?? '-', errorCode: g.key.errorCode ?? null, requests: g.totals.requests })),
    };
  });
}

// ---------------------------------------------------------------- from a running control plane

const STATS = 'requests errors throttled bytesIn bytesOut errorRate latency { count meanMs p50Ms p95Ms p99Ms maxMs } backendLatency { count meanMs p50Ms p95Ms p99Ms maxMs }';
const REPORT = `query($f: AnalyticsFilter!) { analytics(filter: $f, groupBy: [STATUS_CLASS, ERROR_CODE]) {
  from to granularity totals { ${STATS} } series { start stats { requests errors } } groups { key { statusClass errorCode } totals { requests } } } }`;
const TOP = 'query($f: AnalyticsFilter!) { topApis(filter: $f, limit: 1000) { key { apiId apiName apiVersion } } }';

async function graphql<T>(url: string, token: string, query: string, variables: Record<string, unknown>): Promise<T> {
  let res: Response;
  try {
    res = await fetch(`${url.replace(/\/+$/, '')}/graphql`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
      body: JSON.stringify({ query, variables }),
    });
  } catch (e) {
    throw new Error(`cannot reach ${url}: ${e instanceof Error ? e.message : String(e)}`);
  }
  const body = (await res.json().catch(() => ({}))) as { data?: T; errors?: { message: string }[] };
  if (body.errors?.length || !body.data) throw new Error(body.errors?.[0]?.message ?? `HTTP ${res.status} from ${url}/graphql`);
  return body.data;
}

interface WireReport {
  from: string;
  to: string;
  granularity: Granularity;
  totals: TrafficStats;
  series: { start: string; stats: { requests: number; errors: number } }[];
  groups: { key: { statusClass: string | null; errorCode: string | null }; totals: { requests: number } }[];
}

async function reportsFromServer(o: AnalyticsOptions, now: number): Promise<TrafficReport[]> {
  const token = o.token ?? process.env.GATEHOUSE_TOKEN;
  if (!token) throw new Error('--url needs --token or $GATEHOUSE_TOKEN (an access token from POST /oauth2/token)');
  const base = { from: new Date(now - o.since).toISOString(), to: new Date(now).toISOString(), granularity: o.granularity ?? granularityFor(o.since) };
  let targets: { apiId?: string; label: string }[] = [{ label: 'All APIs' }];
  if (o.api !== undefined) {
    const wanted = o.api.toLowerCase();
    const top = await graphql<{ topApis: { key: { apiId: string; apiName: string | null; apiVersion: string | null } }[] }>(o.url!, token, TOP, { f: base });
    targets = top.topApis
      .filter((t) => t.key.apiId === o.api || t.key.apiName?.toLowerCase() === wanted)
      .map((t) => ({ apiId: t.key.apiId, label: `${t.key.apiName ?? t.key.apiId} (${t.key.apiId})` }));
    if (targets.length === 0) throw new Error(`no traffic recorded for an API named or identified '${o.api}' in that range`);
  }
  const out: TrafficReport[] = [];
  for (const t of targets) {
    const { analytics: r } = await graphql<{ analytics: WireReport }>(o.url!, token, REPORT, { f: { ...base, ...(t.apiId ? { apiId: t.apiId } : {}) } });
    out.push({
      title: t.label,
      granularity: r.granularity,
      from: Date.parse(r.from),
      to: Date.parse(r.to),
      totals: r.totals,
      series: r.series.map((p) => ({ start: Date.parse(p.start), ...p.stats })),
      breakdown: r.groups.map((g) => ({ statusClass: g.key.statusClass ?? '-', errorCode: g.key.errorCode, requests: g.totals.requests })),
    });
  }
  return out;
}

// ---------------------------------------------------------------- the command

// ---------------------------------------------------------------- rebuilding the MongoDB documents

/**
 * `--rebuild-documents`: the analytics documents (analytics_minutes / _hours / _days) rebuilt
 * from the analytics snapshot in MongoDB into fresh collections and swapped in (blue/green).
 * The worker (or server) that writes them may keep running.
 */
export async function rebuildDocuments(mongoUrl: string | undefined, json: boolean): Promise<void> {
  if (!mongoUrl) throw new Error('--rebuild-documents needs MONGODB_URL (the documents and the snapshot they are rebuilt from live in MongoDB)');
  const { openMongoViewStore } = await import('../../infra/views/mongo.ts');
  const { rebuildAnalyticsDocuments } = await import('../../infra/views/mongo-analytics.ts');
  const views = await openMongoViewStore({ url: mongoUrl });
  try {
    const source = {
      async load() {
        const snap = await views.load(ANALYTICS_VIEW_NAME, ANALYTICS_SNAPSHOT_VERSION);
        return snap ? { view: decodeAnalyticsSnapshot(snap.data).view, position: snap.position } : null;
      },
    };
    const r = await rebuildAnalyticsDocuments({ db: views.db, source });
    process.stdout.write(json
      ? `${JSON.stringify({ ...r, position: r.position.toString(), livePosition: r.livePosition.toString() })}\n`
      : `swapped     analytics documents: ${r.documents} rows of the snapshot at ${r.position} into ${r.collections.join(', ')}` +
        `${r.catchUps > 0 ? `; ${r.catchUps} newer snapshot(s) written after the swap (live at ${r.livePosition})` : ''}\n`);
  } finally {
    await views.close();
  }
}

async function run(o: AnalyticsOptions): Promise<void> {
  if (o.rebuildDocuments) return rebuildDocuments(process.env.MONGODB_URL || undefined, Boolean(o.json));
  const now = Date.now();
  const reports = o.url ? await reportsFromServer(o, now) : reportsFromView(await loadSnapshotView(dataDirOf(o.data)), o, now);
  if (o.json) {
    process.stdout.write(`${JSON.stringify(reports)}\n`);
    return;
  }
  process.stdout.write(`${reports.map(renderReport).join('\n\n')}\n`);
}

export function register(program: Command): void {
  program
    .command('analytics')
    .description('traffic of an API (or of all) over the last while: sparkline, errors, latency percentiles, status breakdown')
    .option('--api <name|id>', 'API name (every version that had traffic) or id; default: all APIs together')
    .option('--since <duration>', 'how far back: 15m, 1h, 6h, 2d, 1w', parseDuration, 3_600_000)
    .addOption(new Option('--granularity <g>', 'bucket size (default: from --since)').choices(['MINUTE', 'HOUR', 'DAY']))
    .option('--data <dir>', `${DATA_OPTION_HELP}; reads the analytics snapshot there`)
    .option('--url <url>', 'ask a running control plane instead (e.g. http://localhost:8080)')
    .option('--token <token>', 'access token for --url (default: $GATEHOUSE_TOKEN)')
    .option('--json', 'print the report(s) as JSON')
    .option('--rebuild-documents', 'MONGODB_URL: rebuild the per-bucket analytics documents from the saved snapshot into fresh collections and swap them in (the worker may run)')
    .addHelpText('after', [
      '',
      'Sources: by default the snapshot the server saves in <data>/views.db (every minute and on',
      'shutdown: up to a minute behind, works with the server stopped); with --url the live',
      'numbers of a running control plane over GraphQL (admins see all APIs, others their own).',
      '',
      'Examples:',
      '  gatehouse analytics --api PizzaShack --since 1h',
      '  gatehouse analytics --since 2d --granularity HOUR',
      '  GATEHOUSE_TOKEN=… gatehouse analytics --url http://localhost:8080 --api PizzaShack --since 15m',
      '  MONGODB_URL=mongodb://… gatehouse analytics --rebuild-documents',
    ].join('\n'))
    .action(run);
}
