// Detector thresholds. Defaults follow WSO2's alert descriptions (reference §6.3): a 10-minute
// suppression window (Choreo), tier-limit hitting at more than 10 throttled requests per hour,
// unusual IP = new for the application or unseen for 30 days.
import { invalidInput } from '../../../domain/errors.ts';

export interface LatencyAlertConfig {
  /** Minutes of normal traffic whose merged histogram gives the baseline p95. */
  baselineMinutes: number;
  /** Before this many baseline minutes (with traffic) nothing is judged. */
  learnMinutes: number;
  minBaselineRequests: number;
  /** Requests a minute needs before its p95 means anything. */
  minRequests: number;
  /** Abnormal when the minute's p95 > baseline p95 × factor and > baseline + minDeltaMs. */
  factor: number;
  minDeltaMs: number;
}

export interface AlertConfig {
  /** After an alert is raised, the same kind and scope is not raised again for this long (ms). */
  suppressionMs: number;
  /** Normal minutes in a row that clear an active alert. */
  clearAfterMinutes: number;
  responseTime: LatencyAlertConfig;
  backendTime: LatencyAlertConfig;
  requestRate: { baselineMinutes: number; learnMinutes: number; factor: number; minRequests: number };
  tierLimit: { windowMinutes: number; maxThrottled: number };
  unusualIp: { learnMinutes: number; forgetAfterMs: number; maxIpsPerApplication: number; clearAfterMinutes: number; maxAlertsPerMinute: number };
  health: { minRequests: number; maxFailureRatio: number };
}

const latency = (): LatencyAlertConfig => ({
  baselineMinutes: 30, learnMinutes: 5, minBaselineRequests: 50, minRequests: 10, factor: 2, minDeltaMs: 50,
});

export const DEFAULT_ALERT_CONFIG: AlertConfig = {
  suppressionMs: 10 * 60_000,
  clearAfterMinutes: 2,
  responseTime: latency(),
  backendTime: latency(),
  requestRate: { baselineMinutes: 30, learnMinutes: 5, factor: 3, minRequests: 30 },
  tierLimit: { windowMinutes: 60, maxThrottled: 10 },
  unusualIp: { learnMinutes: 60, forgetAfterMs: 30 * 86_400_000, maxIpsPerApplication: 1_000, clearAfterMinutes: 60, maxAlertsPerMinute: 5 },
  health: { minRequests: 5, maxFailureRatio: 0.5 },
};

export type AlertConfigInput = {
  [K in keyof AlertConfig]?: AlertConfig[K] extends object ? Partial<AlertConfig[K]> : AlertConfig[K];
};

export function alertConfig(input: AlertConfigInput = {}): AlertConfig {
  const d = DEFAULT_ALERT_CONFIG;
  const c: AlertConfig = {
    suppressionMs: input.suppressionMs ?? d.suppressionMs,
    clearAfterMinutes: input.clearAfterMinutes ?? d.clearAfterMinutes,
    responseTime: { ...d.responseTime, ...input.responseTime },
    backendTime: { ...d.backendTime, ...input.backendTime },
    requestRate: { ...d.requestRate, ...input.requestRate },
    tierLimit: { ...d.tierLimit, ...input.tierLimit },
    unusualIp: { ...d.unusualIp, ...input.unusualIp },
    health: { ...d.health, ...input.health },
  };
  const check = (path: string, v: unknown) => {
    if (typeof v === 'number' && (!Number.isFinite(v) || v < 0)) throw invalidInput(`alert setting ${path} must be a non-negative number`);
    if (v && typeof v === 'object') for (const [k, x] of Object.entries(v)) check(`${path}.${k}`, x);
  };
  check('alerts', c);
  if (c.clearAfterMinutes < 1) throw invalidInput('alert setting clearAfterMinutes must be at least 1');
  return c;
}
