// The alert engine: after each batch of facts, judges every minute the analytics view has
// sealed since the last call, in order, and returns the AlertRaised / AlertCleared events to
// append. Pure: state in, events out; time is the minutes of the facts, never the clock.
import { MINUTE_MS, iso } from '../time.ts';
import { sealedBefore, type AnalyticsView } from '../view.ts';
import { alertConfig, type AlertConfig, type AlertConfigInput } from './config.ts';
import { emptyDetectorState, detectMinute, type DetectorState } from './detectors.ts';
import type { AlertEvent } from './events.ts';
import { summarizeMinute } from './minute-summary.ts';
import { judge, type Tracker, type TrackerContext } from './tracker.ts';

export interface AlertEngine {
  config: AlertConfig;
  /** Every minute before this one has been judged; null before the first. */
  judgedBefore: number | null;
  trackers: Map<string, Tracker>;
  detectors: DetectorState;
}

export const createAlertEngine = (config: AlertConfigInput = {}): AlertEngine => ({
  config: alertConfig(config),
  judgedBefore: null,
  trackers: new Map(),
  detectors: emptyDetectorState(),
});

/** Longest look-back of any detector: after this many quiet minutes every state is idle. */
const horizonMinutes = (c: AlertConfig) =>
  Math.max(c.responseTime.baselineMinutes, c.backendTime.baselineMinutes, c.requestRate.baselineMinutes,
    c.tierLimit.windowMinutes, c.unusualIp.clearAfterMinutes, c.clearAfterMinutes, c.suppressionMs / MINUTE_MS) + 1;

export function evaluateAlerts(engine: AlertEngine, view: AnalyticsView): AlertEvent[] {
  const until = sealedBefore(view);
  if (until === -Infinity) return [];
  if (engine.judgedBefore === null) {
    const first = Math.min(until, ...view.minutes.keys());
    engine.judgedBefore = first;
  }
  const out: AlertEvent[] = [];
  const ctx: TrackerContext = { trackers: engine.trackers, suppressionMs: engine.config.suppressionMs, out };
  const horizon = horizonMinutes(engine.config);
  const dataMinutes = [...view.minutes.keys()].filter((m) => m >= engine.judgedBefore! && m < until).sort((a, b) => a - b);
  let next = 0;
  let quiet = 0;
  for (let minute = engine.judgedBefore; minute < until; minute += MINUTE_MS) {
    while (next < dataMinutes.length && dataMinutes[next]! < minute) next++;
    const hasData = dataMinutes[next] === minute;
    // After `horizon` quiet minutes every state is idle: jump to the next minute with traffic.
    if (!hasData && quiet >= horizon) {
      minute = (dataMinutes[next] ?? until) - MINUTE_MS;
      engine.judgedBefore = minute + MINUTE_MS;
      continue;
    }
    quiet = hasData ? 0 : quiet + 1;
    detectMinute(ctx, engine.detectors, engine.config, minute, summarizeMinute(view.minutes.get(minute)));
    // Active alerts whose scope had no traffic this minute: a quiet minute is a normal one.
    for (const [key, t] of [...engine.trackers].sort(([a], [b]) => (a < b ? -1 : 1))) {
      if (t.active && t.judgedAt < minute) {
        const sep = key.indexOf('\x1f');
        const clearAfter = t.kind === 'UNUSUAL_IP_ACCESS' ? engine.config.unusualIp.clearAfterMinutes : engine.config.clearAfterMinutes;
        judge(ctx, t.kind, key.slice(sep + 1), t.scope, minute, null, t.kind === 'FREQUENT_TIER_LIMIT_HITTING' ? 1 : clearAfter);
      }
    }
    engine.judgedBefore = minute + MINUTE_MS;
  }
  return out;
}

/** Active alerts of the engine (what it would clear), for diagnostics. */
export const activeAlerts = (engine: AlertEngine): { alertId: string; since: string }[] =>
  [...engine.trackers.values()].filter((t) => t.active).map((t) => ({ alertId: t.active!, since: iso(t.lastRaised) }));
