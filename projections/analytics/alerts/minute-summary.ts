// One sealed minute of the analytics view, summarized the way the detectors look at it:
// per API (latency, failures), per application × API (requests), per application
// (throttled requests, client IPs). Rows folded into "(other)" or without an API/app are skipped.
import { NONE, OTHER, splitClientKey } from '../dimensions.ts';
import { flush, mergeSparse, type SparseHistogram } from '../histogram.ts';
import type { Bucket } from '../view.ts';

export interface ApiMinute {
  apiId: string;
  apiName: string;
  requests: number;
  /** Responses with a 5xx status (backend errors, unreachable or timed-out backends). */
  failures: number;
  /** 101503 / 101504: the backend could not be reached or did not answer in time. */
  connectivityFailures: number;
  latency: SparseHistogram;
  backendLatency: SparseHistogram;
}

export interface PairMinute {
  apiId: string;
  apiName: string;
  applicationId: string;
  applicationName: string;
  requests: number;
}

export interface AppMinute {
  applicationId: string;
  applicationName: string;
  throttled: number;
  /** Distinct client IPs seen (sorted). */
  ips: string[];
}

export interface MinuteSummary {
  apis: Map<string, ApiMinute>;
  pairs: Map<string, PairMinute>;
  apps: Map<string, AppMinute>;
}

const known = (id: string) => id !== NONE && id !== OTHER;
export const pairKey = (applicationId: string, apiId: string) => `${applicationId}/${apiId}`;

export function summarizeMinute(bucket: Bucket | undefined): MinuteSummary {
  const s: MinuteSummary = { apis: new Map(), pairs: new Map(), apps: new Map() };
  if (!bucket) return s;
  for (const row of bucket.rows.values()) {
    const { apiId, applicationId, statusClass, errorCode } = row.dims;
    if (known(apiId)) {
      let a = s.apis.get(apiId);
      if (!a) {
        a = { apiId, apiName: row.apiName, requests: 0, failures: 0, connectivityFailures: 0, latency: [], backendLatency: [] };
        s.apis.set(apiId, a);
      }
      a.requests += row.requests;
      if (statusClass === '5xx') a.failures += row.requests;
      if (errorCode === '101503' || errorCode === '101504') a.connectivityFailures += row.requests;
      a.latency = mergeSparse(a.latency, flush(row.latency));
      a.backendLatency = mergeSparse(a.backendLatency, flush(row.backendLatency));
    }
    if (!known(applicationId)) continue;
    let app = s.apps.get(applicationId);
    if (!app) {
      app = { applicationId, applicationName: row.applicationName, throttled: 0, ips: [] };
      s.apps.set(applicationId, app);
    }
    app.throttled += row.throttled;
    if (!known(apiId)) continue;
    const k = pairKey(applicationId, apiId);
    let p = s.pairs.get(k);
    if (!p) {
      p = { apiId, apiName: row.apiName, applicationId, applicationName: row.applicationName, requests: 0 };
      s.pairs.set(k, p);
    }
    p.requests += row.requests;
  }
  const ips = new Map<string, Set<string>>();
  for (const [key, c] of bucket.clients) {
    const { applicationId } = splitClientKey(key);
    if (!s.apps.has(applicationId)) continue;
    let set = ips.get(applicationId);
    if (!set) ips.set(applicationId, (set = new Set()));
    for (const ip of c.ips.entries.keys()) set.add(ip);
  }
  for (const [appId, set] of ips) s.apps.get(appId)!.ips = [...set].sort();
  return s;
}
