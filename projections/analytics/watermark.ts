// Where the analytics view's time stands when facts come from several sources that are not in
// time order with each other: Kafka partitions (consumed in any interleaving) and, within each,
// gateways (whose clocks differ). Each source keeps its high-water mark (newest fact time applied
// from it); the view's watermark is the lowest mark among the active sources, so a minute seals
// only once every source has passed it. A source that delivers nothing for a sweep period (the
// service's clock decides, `sweepIdle`) stops holding the watermark back until it delivers again,
// and no source holds it more than `maxLagMs` behind the newest fact (memory stays bounded).
// Pure: the marks move with the facts; only the sweep is driven from outside.

/** Gateway key of a partition assigned to this consumer that has delivered no fact yet. */
export const PENDING_SOURCE = '';
/** Lane of the facts that come without a partition (in-process stream, tools). */
export const UNPOSITIONED_LANE = '';

export interface SourceMark {
  /** Newest fact time applied from this source (epoch ms); -Infinity before the first. */
  hwm: number;
  /** Delivered nothing during the last sweep period: does not hold the watermark back. */
  idle: boolean;
  /** Runtime, not state: delivered since the last sweep. */
  touched: boolean;
}

export interface Sources {
  /** Lane (partition, or UNPOSITIONED_LANE) → gateway id → mark. */
  lanes: Map<string, Map<string, SourceMark>>;
  /** Newest fact time applied from any source. */
  newest: number;
  /** Cache: the active mark with the lowest hwm (null when none is active). */
  low: SourceMark | null;
  /** Cache: the lowest hwm among the other active marks. */
  nextLow: number;
}

const NONE: ReadonlySet<string> = new Set();

export const createSources = (): Sources => ({ lanes: new Map(), newest: -Infinity, low: null, nextLow: Infinity });

export const newMark = (hwm = -Infinity, idle = false): SourceMark => ({ hwm, idle, touched: true });

export function laneOf(s: Sources, lane: string): Map<string, SourceMark> {
  let marks = s.lanes.get(lane);
  if (!marks) s.lanes.set(lane, (marks = new Map()));
  return marks;
}

/** The mark of `gatewayId` in `lane`, created (replacing the lane's pending mark) or woken up. */
export function markOf(s: Sources, lane: Map<string, SourceMark>, gatewayId: string): SourceMark {
  const m = lane.get(gatewayId);
  if (m && !m.idle) return m;
  if (m) m.idle = false;
  else {
    lane.set(gatewayId, newMark());
    if (gatewayId !== PENDING_SOURCE) lane.delete(PENDING_SOURCE);
  }
  recomputeLow(s);
  return lane.get(gatewayId)!;
}

/** Records a fact at `t` applied from mark `m`. */
export function advanceMark(s: Sources, m: SourceMark, t: number): void {
  m.touched = true;
  if (t <= m.hwm) return;
  m.hwm = t;
  if (t > s.newest) s.newest = t;
  if (m === s.low && t > s.nextLow) recomputeLow(s);
}

/** The watermark the marks allow: the lowest active mark, but never more than `maxLagMs` behind the newest fact. */
export function allowedWatermark(s: Sources, maxLagMs: number): number {
  const low = s.low ? s.low.hwm : s.newest;
  return Math.max(low, s.newest - maxLagMs);
}

export function recomputeLow(s: Sources): void {
  let low: SourceMark | null = null;
  let lowHwm = Infinity;
  let next = Infinity;
  for (const marks of s.lanes.values()) {
    for (const m of marks.values()) {
      if (m.idle) continue;
      if (low === null || m.hwm < lowHwm) {
        next = lowHwm;
        low = m;
        lowHwm = m.hwm;
      } else if (m.hwm < next) next = m.hwm;
    }
  }
  s.low = low;
  s.nextLow = next;
}

/**
 * The sources that delivered nothing since the previous sweep become idle; idle ones whose mark
 * is older than `forgetBefore` are forgotten (a gateway gone for good, an empty partition).
 * Sources in an `unread` lane (a partition holding facts not handed over yet) are only slow:
 * they keep holding the watermark back, or the facts waiting there would all arrive late.
 */
export function sweepIdle(s: Sources, forgetBefore: number, unread: ReadonlySet<string> = NONE): void {
  for (const [lane, marks] of s.lanes) {
    const waiting = unread.has(lane);
    for (const [gatewayId, m] of marks) {
      if (!m.touched && !waiting) m.idle = true;
      m.touched = false;
      if (m.idle && m.hwm < forgetBefore) marks.delete(gatewayId);
    }
    if (marks.size === 0) s.lanes.delete(lane);
  }
  recomputeLow(s);
}

/**
 * The partitions this consumer now owns: each new one holds the watermark back (pending mark)
 * until it delivers or goes idle; partitions handed to another consumer no longer hold it.
 */
export function assignLanes(s: Sources, partitions: readonly string[]): void {
  const owned = new Set(partitions);
  for (const lane of s.lanes.keys()) if (lane !== UNPOSITIONED_LANE && !owned.has(lane)) s.lanes.delete(lane);
  for (const p of owned) if (!s.lanes.has(p)) s.lanes.set(p, new Map([[PENDING_SOURCE, newMark()]]));
  recomputeLow(s);
}

/** Number of sources holding the watermark back now. */
export function activeSources(s: Sources): number {
  let n = 0;
  for (const marks of s.lanes.values()) for (const m of marks.values()) if (!m.idle) n++;
  return n;
}
