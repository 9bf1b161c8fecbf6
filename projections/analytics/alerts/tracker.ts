// The life of one alert (kind × scope): raised when a detector finds the minute abnormal,
// not raised again within the suppression window, cleared after enough normal minutes.
import { iso } from '../time.ts';
import type { AlertEvent, AlertKind, AlertScope, AlertSeverity } from './events.ts';

export interface Finding {
  severity: AlertSeverity;
  message: string;
  observed: number;
  threshold: number;
  baseline: number | null;
}

export interface Tracker {
  kind: AlertKind;
  scope: AlertScope;
  /** Id of the active alert; null when none is active. */
  active: string | null;
  normalStreak: number;
  /** Minute the last alert was raised for (epoch ms); -1 never. */
  lastRaised: number;
  /** Abnormal minutes not raised because of the suppression window. */
  suppressed: number;
  /** Minute last judged (so trackers not judged in a minute can be judged normal). */
  judgedAt: number;
}

export interface TrackerContext {
  trackers: Map<string, Tracker>;
  suppressionMs: number;
  out: AlertEvent[];
}

export const trackerKey = (kind: AlertKind, scopeKey: string) => `${kind}\x1f${scopeKey}`;

/** Feeds one minute's verdict (null = normal) into the tracker of kind × scope. */
export function judge(
  ctx: TrackerContext,
  kind: AlertKind,
  scopeKey: string,
  scope: AlertScope,
  minute: number,
  finding: Finding | null,
  clearAfterMinutes: number,
): void {
  const key = trackerKey(kind, scopeKey);
  let t = ctx.trackers.get(key);
  if (!t) {
    if (!finding) return;
    t = { kind, scope, active: null, normalStreak: 0, lastRaised: -1, suppressed: 0, judgedAt: minute };
    ctx.trackers.set(key, t);
  }
  t.judgedAt = minute;
  if (finding) {
    t.normalStreak = 0;
    if (t.active) return;
    if (t.lastRaised >= 0 && minute < t.lastRaised + ctx.suppressionMs) {
      t.suppressed++;
      return;
    }
    const alertId = `${kind}:${scopeKey}:${iso(minute)}`;
    t.active = alertId;
    t.lastRaised = minute;
    t.scope = scope;
    ctx.out.push({
      type: 'AlertRaised',
      data: {
        alertId, kind, ...scope, ...finding,
        windowStart: iso(minute), windowEnd: iso(minute + 60_000), raisedAt: iso(minute + 60_000),
      },
    });
    return;
  }
  if (!t.active) {
    if (t.lastRaised < 0 || minute >= t.lastRaised + ctx.suppressionMs) ctx.trackers.delete(key);
    return;
  }
  t.normalStreak++;
  if (t.normalStreak < clearAfterMinutes) return;
  ctx.out.push({
    type: 'AlertCleared',
    data: {
      alertId: t.active, kind, ...t.scope,
      message: `${clearAfterMinutes} normal minute(s) in a row`,
      clearedAt: iso(minute + 60_000),
    },
  });
  t.active = null;
  t.normalStreak = 0;
}
