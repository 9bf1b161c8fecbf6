// The six detectors. Each looks at one sealed minute (MinuteSummary) and its own learned state,
// and tells the trackers whether that minute is abnormal for a scope. Deterministic: the only
// time is the minute being judged; iteration is in sorted key order.
import { mergeSparse, sparsePercentileMs, type SparseHistogram } from '../histogram.ts';
import type { AlertConfig, LatencyAlertConfig } from './config.ts';
import type { AlertScope } from './events.ts';
import type { ApiMinute, MinuteSummary } from './minute-summary.ts';
import { judge, type Finding, type TrackerContext } from './tracker.ts';

/** What the detectors learn; serialized with the engine. */
export interface DetectorState {
  /** Per API: histograms of the last normal minutes with traffic (oldest first). */
  responseBaseline: Map<string, SparseHistogram[]>;
  backendBaseline: Map<string, SparseHistogram[]>;
  /** Per application/API: requests of each of the last minutes since first seen (oldest first). */
  requestRates: Map<string, number[]>;
  /** Per application: throttled requests of each of the last minutes (oldest first). */
  throttles: Map<string, number[]>;
  /** Per application: when first seen, and each known client IP with the minute last seen. */
  clientIps: Map<string, { firstSeen: number; known: Map<string, number> }>;
}

export const emptyDetectorState = (): DetectorState => ({
  responseBaseline: new Map(),
  backendBaseline: new Map(),
  requestRates: new Map(),
  throttles: new Map(),
  clientIps: new Map(),
});

const sorted = <V>(m: Map<string, V>): [string, V][] => [...m].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
const sum = (xs: readonly number[]) => xs.reduce((s, x) => s + x, 0);
const round = (x: number) => Math.round(x * 100) / 100;
const apiScope = (a: { apiId: string; apiName: string }): AlertScope => ({
  apiId: a.apiId, apiName: a.apiName || null, applicationId: null, applicationName: null, clientIp: null,
});

function pushRing<T>(ring: T[], value: T, size: number): void {
  ring.push(value);
  while (ring.length > size) ring.shift();
}

/** Abnormal response or backend time: the minute's p95 against the p95 of the merged baseline minutes. */
function latency(
  ctx: TrackerContext,
  state: Map<string, SparseHistogram[]>,
  kind: 'ABNORMAL_RESPONSE_TIME' | 'ABNORMAL_BACKEND_TIME',
  cfg: LatencyAlertConfig,
  clearAfter: number,
  minute: number,
  apis: Map<string, ApiMinute>,
): void {
  for (const [apiId, a] of sorted(apis)) {
    const hist = kind === 'ABNORMAL_RESPONSE_TIME' ? a.latency : a.backendLatency;
    if (hist.length === 0) continue;
    const ring = state.get(apiId) ?? [];
    state.set(apiId, ring);
    let finding: Finding | null = null;
    const count = countOf(hist);
    if (ring.length >= cfg.learnMinutes && count >= cfg.minRequests) {
      const baseline = ring.reduce(mergeSparse, []);
      if (countOf(baseline) >= cfg.minBaselineRequests) {
        const base = sparsePercentileMs([baseline], 95)!;
        const current = sparsePercentileMs([hist], 95)!;
        const threshold = Math.max(base * cfg.factor, base + cfg.minDeltaMs);
        if (current > threshold) {
          const what = kind === 'ABNORMAL_RESPONSE_TIME' ? 'Response time' : 'Backend time';
          finding = {
            severity: current > 2 * threshold ? 'CRITICAL' : 'WARNING',
            message: `${what} p95 of ${a.apiName || apiId} is ${round(current)} ms, above ${round(threshold)} ms (baseline p95 ${round(base)} ms)`,
            observed: round(current), threshold: round(threshold), baseline: round(base),
          };
        }
      }
    }
    judge(ctx, kind, apiId, apiScope(a), minute, finding, clearAfter);
    // Abnormal minutes stay out of the baseline, or the baseline would learn the anomaly.
    if (!finding && count >= cfg.minRequests) pushRing(ring, hist, cfg.baselineMinutes);
  }
}

function countOf(h: SparseHistogram): number {
  let n = 0;
  for (const v of h) n += v % 2 ** 32;
  return n;
}

/** Request-rate spike per application × API: the minute's requests against the mean of the last minutes. */
function requestRate(ctx: TrackerContext, s: DetectorState, cfg: AlertConfig, minute: number, summary: MinuteSummary): void {
  const c = cfg.requestRate;
  for (const key of summary.pairs.keys()) if (!s.requestRates.has(key)) s.requestRates.set(key, []);
  for (const [key, ring] of sorted(s.requestRates)) {
    const p = summary.pairs.get(key);
    const requests = p?.requests ?? 0;
    let finding: Finding | null = null;
    if (p && ring.length >= c.learnMinutes && requests >= c.minRequests) {
      const mean = sum(ring) / ring.length;
      const threshold = Math.max(c.minRequests, mean * c.factor);
      if (requests > threshold) {
        finding = {
          severity: 'WARNING',
          message: `${p.applicationName || p.applicationId} sent ${requests} requests/min to ${p.apiName || p.apiId}, above ${round(threshold)} (usual ${round(mean)}/min)`,
          observed: requests, threshold: round(threshold), baseline: round(mean),
        };
      }
    }
    const scope: AlertScope | null = p
      ? { apiId: p.apiId, apiName: p.apiName || null, applicationId: p.applicationId, applicationName: p.applicationName || null, clientIp: null }
      : null;
    if (scope) judge(ctx, 'ABNORMAL_REQUEST_RATE', key, scope, minute, finding, cfg.clearAfterMinutes);
    if (!finding) pushRing(ring, requests, c.baselineMinutes);
    if (ring.length === c.baselineMinutes && sum(ring) === 0) s.requestRates.delete(key); // idle: forget
  }
}

/** Frequent tier-limit hitting: an application throttled more than N times in the last window. */
function tierLimit(ctx: TrackerContext, s: DetectorState, cfg: AlertConfig, minute: number, summary: MinuteSummary): void {
  const c = cfg.tierLimit;
  for (const [appId, a] of summary.apps) if (a.throttled > 0 && !s.throttles.has(appId)) s.throttles.set(appId, []);
  for (const [appId, ring] of sorted(s.throttles)) {
    const a = summary.apps.get(appId);
    pushRing(ring, a?.throttled ?? 0, c.windowMinutes);
    const total = sum(ring);
    const finding: Finding | null = total > c.maxThrottled
      ? {
          severity: 'WARNING',
          message: `${a?.applicationName || appId} was throttled ${total} times in the last ${c.windowMinutes} minutes (limit ${c.maxThrottled})`,
          observed: total, threshold: c.maxThrottled, baseline: null,
        }
      : null;
    const scope: AlertScope = { apiId: null, apiName: null, applicationId: appId, applicationName: a?.applicationName || null, clientIp: null };
    judge(ctx, 'FREQUENT_TIER_LIMIT_HITTING', appId, scope, minute, finding, 1);
    if (total === 0) s.throttles.delete(appId);
  }
}

/** Unusual client IP: an IP new to the application (after its learning period) or unseen for long. */
function unusualIp(ctx: TrackerContext, s: DetectorState, cfg: AlertConfig, minute: number, summary: MinuteSummary): void {
  const c = cfg.unusualIp;
  for (const [appId, a] of sorted(summary.apps)) {
    if (a.ips.length === 0) continue;
    let st = s.clientIps.get(appId);
    if (!st) s.clientIps.set(appId, (st = { firstSeen: minute, known: new Map() }));
    const learning = minute - st.firstSeen < c.learnMinutes * 60_000;
    let raised = 0;
    for (const ip of a.ips) {
      const lastSeen = st.known.get(ip);
      const isNew = lastSeen === undefined || minute - lastSeen > c.forgetAfterMs;
      if (isNew && !learning && raised < c.maxAlertsPerMinute) {
        raised++;
        judge(ctx, 'UNUSUAL_IP_ACCESS', `${appId}/${ip}`, {
          apiId: null, apiName: null, applicationId: appId, applicationName: a.applicationName || null, clientIp: ip,
        }, minute, {
          severity: 'WARNING',
          message: lastSeen === undefined
            ? `${a.applicationName || appId} was used from a new IP address ${ip}`
            : `${a.applicationName || appId} was used from ${ip}, not seen for ${Math.floor((minute - lastSeen) / 86_400_000)} days`,
          observed: 1, threshold: 0, baseline: null,
        }, c.clearAfterMinutes);
      }
      st.known.delete(ip); // re-inserted last: Map order = least recently seen first
      st.known.set(ip, minute);
    }
    while (st.known.size > c.maxIpsPerApplication) st.known.delete(st.known.keys().next().value as string);
  }
}

/** API health: the share of 5xx responses (backend errors and unreachable backends) in the minute. */
function health(ctx: TrackerContext, cfg: AlertConfig, minute: number, apis: Map<string, ApiMinute>): void {
  const c = cfg.health;
  for (const [apiId, a] of sorted(apis)) {
    const ratio = a.requests === 0 ? 0 : a.failures / a.requests;
    const finding: Finding | null = a.requests >= c.minRequests && ratio >= c.maxFailureRatio
      ? {
          severity: 'CRITICAL',
          message: `${a.apiName || apiId}: ${a.failures} of ${a.requests} requests failed (${Math.round(ratio * 100)} %` +
            `${a.connectivityFailures ? `, ${a.connectivityFailures} backend unreachable or timed out` : ''})`,
          observed: round(ratio), threshold: c.maxFailureRatio, baseline: null,
        }
      : null;
    judge(ctx, 'API_HEALTH', apiId, apiScope(a), minute, finding, cfg.clearAfterMinutes);
  }
}

export function detectMinute(ctx: TrackerContext, s: DetectorState, cfg: AlertConfig, minute: number, summary: MinuteSummary): void {
  latency(ctx, s.responseBaseline, 'ABNORMAL_RESPONSE_TIME', cfg.responseTime, cfg.clearAfterMinutes, minute, summary.apis);
  latency(ctx, s.backendBaseline, 'ABNORMAL_BACKEND_TIME', cfg.backendTime, cfg.clearAfterMinutes, minute, summary.apis);
  requestRate(ctx, s, cfg, minute, summary);
  tierLimit(ctx, s, cfg, minute, summary);
  unusualIp(ctx, s, cfg, minute, summary);
  health(ctx, cfg, minute, summary.apis);
}
