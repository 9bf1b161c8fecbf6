// Cluster-wide fixed-window counters: the pure core of the traffic manager. Folds the hits of
// request facts from every gateway into one counter per (throttle key, window) and returns a
// decision `{throttleKey, throttledUntil: windowEnd}` the moment a key's count reaches its
// limit — once per window. Each counter also keeps what each request partition contributed
// (one key, e.g. `appId:user`, can get facts from several), so a partition's share can be saved,
// restored and dropped on its own (partitions.ts) while decisions use the sum. Time comes in as
// an argument; nothing here reads a clock.
import type { ThrottleDecision } from '../../domain/ports.ts';
import { hitsOf, isValidHit, type ThrottleKeyHit, type TrafficFact } from './hits.ts';

export interface TrafficWindow {
  key: string;
  start: number;
  end: number;
  limit: number;
  /** The sum of `parts`: what decisions compare with the limit. */
  count: number;
  /** Request partition ("<topic>:<n>", or UNPARTITIONED) → hits counted from its facts. */
  parts: Map<string, number>;
  /** A decision was emitted for this window. */
  decided: boolean;
}

export interface TrafficView {
  /** `${windowStart} ${key}` → counter (late facts of a previous window keep their own). */
  windows: Map<string, TrafficWindow>;
  /** Windows that ended at or before this were forgotten; hits for them are ignored. */
  forgottenBefore: number;
  /** Request partition → offset of the last fact counted from it (facts at or below are skipped). */
  offsets: Map<string, bigint>;
}

/** The partition of facts that come from a stream without partitions (the in-process one). */
export const UNPARTITIONED = '';

export const emptyTrafficView = (): TrafficView => ({ windows: new Map(), forgottenBefore: 0, offsets: new Map() });

/**
 * Counts one hit. Returns the decision to publish when this hit made the count reach the
 * limit (a limit changed within the window counts from the newest one), else null. A window
 * already over at `now` is counted but never decided: its decision could only lift nothing.
 * `partition` is where the fact came from; `amount` > 1 restores a saved count in one step.
 */
export function countHit(view: TrafficView, hit: ThrottleKeyHit, now: number, partition = UNPARTITIONED, amount = 1): ThrottleDecision | null {
  if (!isValidHit(hit) || hit.windowEnd <= view.forgottenBefore) return null;
  const id = `${hit.windowStart} ${hit.key}`;
  let w = view.windows.get(id);
  if (w === undefined) {
    w = { key: hit.key, start: hit.windowStart, end: hit.windowEnd, limit: hit.limit, count: 0, parts: new Map(), decided: false };
    view.windows.set(id, w);
  }
  w.count += amount;
  w.parts.set(partition, (w.parts.get(partition) ?? 0) + amount);
  w.limit = hit.limit;
  if (w.decided || w.count < w.limit || w.end <= now) return null;
  w.decided = true;
  return { throttleKey: w.key, throttledUntil: w.end };
}

/** Folds a batch of facts; the decisions come out in the order the limits were reached. */
export function countFacts(view: TrafficView, facts: readonly TrafficFact[], now: number, partition = UNPARTITIONED): ThrottleDecision[] {
  const decisions: ThrottleDecision[] = [];
  for (const fact of facts) {
    for (const hit of hitsOf(fact)) {
      const d = countHit(view, hit, now, partition);
      if (d) decisions.push(d);
    }
  }
  return decisions;
}

/** Forgets windows that ended at or before `now`; returns how many. Keeps memory bounded by the active windows. */
export function forgetEndedWindows(view: TrafficView, now: number): number {
  let n = 0;
  for (const [id, w] of view.windows) {
    if (w.end <= now) {
      view.windows.delete(id);
      n++;
    }
  }
  if (now > view.forgottenBefore) view.forgottenBefore = now;
  return n;
}

/** The live count of a key in the window containing `at` (0 when none): for status pages and tests. */
export function countOf(view: TrafficView, key: string, at: number): number {
  for (const w of view.windows.values()) if (w.key === key && w.start <= at && at < w.end) return w.count;
  return 0;
}
