// "Which events match": by stream (or stream prefix), types, actor, position and time. With
// the audit index the matching positions come from memory and only those events are read;
// without it (CLI, index not built) the store's filtered readAll does the work. Either way the
// part of the log the index has not applied yet is read from the store, so answers are complete.
import type { EventStore, ReadAllFilter, RecordedEvent } from '../../domain/ports.ts';
import '../../domain/events.ts'; // registers the upcasters `upcast` applies
import { upcast } from '../../domain/upcasting.ts';
import type { AuditIndex } from './projection.ts';

export interface EventQuery {
  streamId?: string;
  streamPrefix?: string;
  /** Any of these types. */
  types?: readonly string[];
  actor?: string;
  /** Exclusive. */
  fromPosition?: bigint;
  /** Inclusive. */
  toPosition?: bigint;
  /** Inclusive bounds on metadata.recordedAt (ISO-8601). */
  since?: string;
  until?: string;
  /** Default 100, at most MAX_EVENT_QUERY_LIMIT. */
  limit?: number;
}

export const DEFAULT_EVENT_QUERY_LIMIT = 100;
export const MAX_EVENT_QUERY_LIMIT = 10_000;
const PAGE = 500;

const limitOf = (q: EventQuery): number => {
  const n = q.limit ?? DEFAULT_EVENT_QUERY_LIMIT;
  if (!Number.isInteger(n) || n < 1) throw new RangeError(`limit must be a positive integer, got ${n}`);
  return Math.min(n, MAX_EVENT_QUERY_LIMIT);
};

const inTime = (q: EventQuery, e: RecordedEvent): boolean =>
  (q.since === undefined || e.metadata.recordedAt >= q.since) && (q.until === undefined || e.metadata.recordedAt <= q.until);

const storeFilter = (q: EventQuery): ReadAllFilter | undefined => {
  const f: ReadAllFilter = {};
  if (q.streamId !== undefined) f.streamIds = [q.streamId];
  if (q.streamPrefix !== undefined) f.streamPrefixes = [q.streamPrefix];
  if (q.types?.length) f.types = [...q.types];
  if (q.actor !== undefined) f.actor = q.actor;
  return Object.keys(f).length ? f : undefined;
};

/** Reads matching events after `after`, page by page, until `want` or `toPosition` (time bounds filter). */
async function scanStore(store: EventStore, q: EventQuery, after: bigint, want: number, out: RecordedEvent[]): Promise<void> {
  const filter = storeFilter(q);
  for (;;) {
    const page = await store.readAll({ after, limit: PAGE, ...(filter ? { filter } : {}) });
    for (const raw of page) {
      if (q.toPosition !== undefined && raw.globalPosition > q.toPosition) return;
      const e = upcast(raw);
      if (inTime(q, e)) out.push(e);
      if (out.length >= want) return;
    }
    if (page.length < PAGE) return;
    after = page.at(-1)!.globalPosition;
  }
}

/** First index i with sorted[i] > x. */
function upperBound(sorted: readonly number[], x: number): number {
  let lo = 0;
  let hi = sorted.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (sorted[mid]! <= x) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

const union = (lists: number[][]): number[] =>
  lists.length === 1 ? lists[0]! : [...new Set(lists.flat())].sort((a, b) => a - b);

function intersect(a: number[], b: number[]): number[] {
  const out: number[] = [];
  let i = 0;
  let j = 0;
  while (i < a.length && j < b.length) {
    if (a[i] === b[j]) {
      out.push(a[i]!);
      i++;
      j++;
    } else if (a[i]! < b[j]!) i++;
    else j++;
  }
  return out;
}

/** Positions in the index matching the stream/type/actor criteria after `after`; null = all. */
function candidates(index: AuditIndex, q: EventQuery, after: number): number[] | null {
  const tail = (list: number[] | undefined): number[] => (list ? list.slice(upperBound(list, after)) : []);
  const dims: number[][] = [];
  if (q.streamId !== undefined) dims.push(tail(index.streams.get(q.streamId)));
  if (q.streamPrefix !== undefined) {
    const lists: number[][] = [];
    for (const [s, l] of index.streams) if (s.startsWith(q.streamPrefix)) lists.push(tail(l));
    dims.push(lists.length ? union(lists) : []);
  }
  if (q.types?.length) dims.push(union(q.types.map((t) => tail(index.types.get(t)))));
  if (q.actor !== undefined) dims.push(tail(index.actors.get(q.actor)));
  if (dims.length === 0) return null;
  return dims.reduce(intersect);
}

/** Position before the first event whose recordedAt minute is at or after `since`'s. */
export function positionBefore(index: AuditIndex, since: string): number {
  const minute = since.slice(0, 16);
  const m = index.minutes;
  let lo = 0;
  let hi = m.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (m[mid]![0] < minute) lo = mid + 1;
    else hi = mid;
  }
  return lo < m.length ? m[lo]![1] - 1 : index.position;
}

/** Reads the events at the given ascending positions (consecutive runs in one read). */
export async function readAtPositions(store: EventStore, positions: readonly number[]): Promise<RecordedEvent[]> {
  const out: RecordedEvent[] = [];
  let i = 0;
  while (i < positions.length) {
    let j = i + 1;
    while (j < positions.length && positions[j] === positions[j - 1]! + 1) j++;
    const events = await store.readAll({ after: BigInt(positions[i]! - 1), limit: j - i });
    for (const e of events) out.push(upcast(e));
    i = j;
  }
  return out;
}

export async function queryEvents(store: EventStore, query: EventQuery, index?: AuditIndex): Promise<RecordedEvent[]> {
  const want = limitOf(query);
  const from = query.fromPosition ?? 0n;
  const out: RecordedEvent[] = [];
  if (!index) {
    await scanStore(store, query, from, want, out);
    return out;
  }
  let after = Number(from);
  if (query.since !== undefined) after = Math.max(after, positionBefore(index, query.since));
  const upTo = Math.min(index.position, query.toPosition === undefined ? Infinity : Number(query.toPosition));
  const matches = candidates(index, query, after);
  if (matches === null) {
    await scanStore(store, query, BigInt(after), want, out);
    return out;
  }
  let i = 0;
  while (out.length < want && i < matches.length && matches[i]! <= upTo) {
    let j = i;
    while (j < matches.length && j - i < want - out.length && matches[j]! <= upTo) j++;
    for (const e of await readAtPositions(store, matches.slice(i, j))) if (inTime(query, e)) out.push(e);
    i = j;
  }
  if (out.length < want && (query.toPosition === undefined || query.toPosition > BigInt(index.position))) {
    await scanStore(store, query, BigInt(Math.max(after, index.position)), want, out);
  }
  return out;
}
