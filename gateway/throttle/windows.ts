// Fixed calendar windows (WSO2 §4.1: "10/min" = up to 10 per wall-clock minute, not sliding).
// Windows of unitTime > 1 are aligned on multiples of their length since the epoch (UTC);
// weeks start on Monday, months and years on the calendar.
import type { TimeUnit } from '../../domain/policy/events.ts';

const SEC = 1000;
const MS: Record<'SEC' | 'MIN' | 'HOUR' | 'DAY' | 'WEEK', number> = {
  SEC,
  MIN: 60 * SEC,
  HOUR: 3600 * SEC,
  DAY: 86400 * SEC,
  WEEK: 7 * 86400 * SEC,
};
/** 1970-01-01 was a Thursday: weeks aligned on Monday start 3 days earlier. */
const MONDAY_OFFSET = -3 * MS.DAY;

export interface Window {
  start: number;
  end: number;
}

/** The window containing `now` (epoch ms) for a limit of `unitTime` × `timeUnit`; writes into `out`. */
export function windowAt(timeUnit: TimeUnit, unitTime: number, now: number, out: Window): Window {
  const n = unitTime > 0 ? Math.floor(unitTime) : 1;
  if (timeUnit === 'MONTH' || timeUnit === 'YEAR') {
    const d = new Date(now);
    const months = timeUnit === 'MONTH' ? n : 12 * n;
    const index = d.getUTCFullYear() * 12 + d.getUTCMonth();
    const first = index - (index % months);
    out.start = Date.UTC(Math.floor(first / 12), first % 12, 1);
    out.end = Date.UTC(Math.floor((first + months) / 12), (first + months) % 12, 1);
    return out;
  }
  const length = MS[timeUnit] * n;
  const offset = timeUnit === 'WEEK' ? MONDAY_OFFSET : 0;
  out.start = Math.floor((now - offset) / length) * length + offset;
  out.end = out.start + length;
  return out;
}
