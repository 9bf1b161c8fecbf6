// The traffic counters over a partitioned request log (Kafka): facts are counted per partition
// and offset, and each partition's share of the open windows is its state — saved with the
// offset it covers, restored before the partition is counted again, dropped when another
// instance takes the partition. Restored counts plus the facts after the saved offset give the
// exact count a never-restarted instance would hold. Pure: time comes in as `now`.
import type { ThrottleDecision } from '../../domain/ports.ts';
import { countFacts, countHit, type TrafficView } from './counters.ts';
import type { TrafficFact } from './hits.ts';

/** A batch of one partition: fact i sits at offsets[i], ascending. */
export interface PartitionBatch {
  /** "<topic>:<partition>" */
  partition: string;
  facts: readonly TrafficFact[];
  offsets: readonly bigint[];
  /** Offset the partition's next message will get, when known. */
  highWatermark?: bigint;
}

/** One open window as far as one partition's facts counted it. */
export interface PartitionWindow {
  key: string;
  start: number;
  end: number;
  limit: number;
  count: number;
}

/** What a partition contributed: its counts in the windows still open, up to `offset`. */
export interface PartitionState {
  /** Offset of the last fact counted (null: none yet). */
  offset: bigint | null;
  windows: PartitionWindow[];
}

export const STATE_VERSION = 1;

/**
 * Counts the facts of a batch that were not counted yet (a restart or rebalance re-reads from
 * the committed offset, which may lag the saved state); returns the decisions it caused.
 */
export function countBatch(view: TrafficView, batch: PartitionBatch, now: number): ThrottleDecision[] {
  const last = view.offsets.get(batch.partition);
  // The partition ends below what was counted: it was deleted and created again, its offsets are new.
  const fresh = last === undefined || (batch.highWatermark !== undefined && batch.highWatermark <= last);
  const from = fresh ? 0 : batch.facts.findIndex((_, i) => batch.offsets[i]! > last);
  if (from < 0 || batch.facts.length === 0) return [];
  const decisions = countFacts(view, from === 0 ? batch.facts : batch.facts.slice(from), now, batch.partition);
  view.offsets.set(batch.partition, batch.offsets[batch.offsets.length - 1]!);
  return decisions;
}

/** How many facts of a batch `countBatch` would skip as already counted. */
export function alreadyCounted(view: TrafficView, batch: PartitionBatch): number {
  const last = view.offsets.get(batch.partition);
  if (last === undefined || (batch.highWatermark !== undefined && batch.highWatermark <= last)) return 0;
  return batch.offsets.filter((o) => o <= last).length;
}

/** The partition's share of the windows open at `now` (ended ones are left out), sorted. */
export function partitionState(view: TrafficView, partition: string, now: number): PartitionState {
  const windows: PartitionWindow[] = [];
  for (const w of view.windows.values()) {
    const count = w.parts.get(partition);
    if (count !== undefined && count > 0 && w.end > now) windows.push({ key: w.key, start: w.start, end: w.end, limit: w.limit, count });
  }
  windows.sort((a, b) => a.start - b.start || (a.key < b.key ? -1 : a.key > b.key ? 1 : 0));
  return { offset: view.offsets.get(partition) ?? null, windows };
}

/**
 * Adds a saved partition state to the counters (the partition must hold nothing yet: see
 * dropPartition). Windows ended at `now` are skipped. Returns the decisions of the windows the
 * restored counts bring to their limit — possibly published before the restart already:
 * gateways take a decision again as the same one.
 */
export function restorePartition(view: TrafficView, partition: string, state: PartitionState, now: number): ThrottleDecision[] {
  const decisions: ThrottleDecision[] = [];
  for (const w of state.windows) {
    if (w.end <= now || w.count <= 0) continue;
    const d = countHit(view, { key: w.key, limit: w.limit, windowStart: w.start, windowEnd: w.end }, now, partition, w.count);
    if (d) decisions.push(d);
  }
  if (state.offset !== null) view.offsets.set(partition, state.offset);
  return decisions;
}

/** Takes a partition's share out of the counters (another instance counts it now); returns the windows touched. */
export function dropPartition(view: TrafficView, partition: string): number {
  let n = 0;
  for (const [id, w] of view.windows) {
    const count = w.parts.get(partition);
    if (count === undefined) continue;
    w.parts.delete(partition);
    w.count -= count;
    n++;
    // A decision made stays in force at the gateways: the window is kept for it while others count.
    if (w.parts.size === 0 && !w.decided) view.windows.delete(id);
  }
  view.offsets.delete(partition);
  return n;
}

/** The stored form: `{v, offset: "<decimal>" | null, windows: [[key, start, end, limit, count], ...]}`. */
export function encodePartitionState(state: PartitionState): string {
  return JSON.stringify({
    v: STATE_VERSION,
    offset: state.offset === null ? null : state.offset.toString(),
    windows: state.windows.map((w) => [w.key, w.start, w.end, w.limit, w.count]),
  });
}

/** Reads a stored state; anything malformed (or of another version) yields null: counted from nothing. */
export function decodePartitionState(text: string): PartitionState | null {
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch {
    return null;
  }
  if (typeof raw !== 'object' || raw === null) return null;
  const { v, offset, windows } = raw as { v?: unknown; offset?: unknown; windows?: unknown };
  if (v !== STATE_VERSION || !Array.isArray(windows)) return null;
  if (offset !== null && (typeof offset !== 'string' || !/^\d+$/.test(offset))) return null;
  const out: PartitionWindow[] = [];
  for (const w of windows) {
    if (!Array.isArray(w) || w.length !== 5) return null;
    const [key, start, end, limit, count] = w as unknown[];
    if (typeof key !== 'string' || key.length === 0) return null;
    if (![start, end, limit, count].every((n) => typeof n === 'number' && Number.isFinite(n))) return null;
    if ((end as number) <= (start as number) || (limit as number) < 0 || !Number.isInteger(count) || (count as number) < 0) return null;
    out.push({ key, start: start as number, end: end as number, limit: limit as number, count: count as number });
  }
  return { offset: offset === null ? null : BigInt(offset), windows: out };
}
