// Exactly-once in effect for request facts. Redelivered facts carry the same requestId and
// timestamp, so ids are remembered per minute of the fact's time for a bounded window; a
// fact older than the window cannot be told from a redelivery and is rejected as late.
// From Kafka, the (partition, offset) position is the cheaper key: see `positionSeen`.
import { MINUTE_MS, floorTo } from './time.ts';

export interface DedupeState {
  /** Request ids seen, per minute (epoch ms of the minute start), oldest minute first. */
  byMinute: Map<number, Set<string>>;
  size: number;
  /** Facts before this instant are rejected as late (the window moved past them). */
  floor: number;
  /** Highest offset applied per source partition ("topic:partition"). */
  positions: Map<string, bigint>;
}

export type DedupeVerdict = 'new' | 'duplicate' | 'late';

export const createDedupe = (): DedupeState => ({ byMinute: new Map(), size: 0, floor: -Infinity, positions: new Map() });

export function admit(d: DedupeState, requestId: string, minute: number): DedupeVerdict {
  if (minute < d.floor) return 'late';
  let ids = d.byMinute.get(minute);
  if (!ids) {
    ids = new Set();
    const outOfOrder = minute < lastKey(d.byMinute);
    d.byMinute.set(minute, ids);
    if (outOfOrder) sortMinutes(d);
  } else if (ids.has(requestId)) return 'duplicate';
  ids.add(requestId);
  d.size++;
  return 'new';
}

/** Moves the window to `newest - windowMs`, then sheds the oldest minutes while over `maxIds` (never the newest). */
export function advanceWindow(d: DedupeState, newest: number, windowMs: number, maxIds: number): void {
  if (!Number.isFinite(newest)) return;
  raiseFloor(d, floorTo(newest - windowMs, MINUTE_MS));
  while (d.size > maxIds && d.byMinute.size > 1) {
    const oldest = d.byMinute.keys().next().value as number;
    raiseFloor(d, oldest + MINUTE_MS);
  }
}

function raiseFloor(d: DedupeState, floor: number): void {
  if (floor <= d.floor) return;
  d.floor = floor;
  for (const [minute, ids] of d.byMinute) {
    if (minute >= floor) break;
    d.size -= ids.size;
    d.byMinute.delete(minute);
  }
}

/** true when this position (or a later one) of the partition was already applied; records it otherwise. */
export function positionSeen(d: DedupeState, partition: string, offset: bigint): boolean {
  const last = d.positions.get(partition);
  if (last !== undefined && offset <= last) return true;
  d.positions.set(partition, offset);
  return false;
}

const lastKey = (m: Map<number, unknown>): number => {
  let last = -Infinity;
  for (const k of m.keys()) last = k;
  return last;
};

function sortMinutes(d: DedupeState): void {
  const sorted = [...d.byMinute].sort(([a], [b]) => a - b);
  d.byMinute = new Map(sorted);
}
