// Top-N counting with bounded memory for high-cardinality keys (client IPs, user agents).
// Up to `cap` keys are counted exactly; when a new key would exceed the cap, the rarest tenth
// (ties: least recently seen) is folded into `other`. Totals stay exact, heavy hitters stay
// listed, and the eviction order depends only on the order of the facts (deterministic).

export interface CounterEntry {
  count: number;
  /** Value of `tick` when last counted (recency for eviction ties). */
  lastSeen: number;
}

export interface BoundedCounter {
  readonly cap: number;
  entries: Map<string, CounterEntry>;
  other: number;
  tick: number;
}

export interface TopEntry {
  key: string;
  count: number;
}

export const createCounter = (cap: number): BoundedCounter => ({ cap, entries: new Map(), other: 0, tick: 0 });

export function countKey(c: BoundedCounter, key: string, n = 1): void {
  const tick = ++c.tick;
  const e = c.entries.get(key);
  if (e) {
    e.count += n;
    e.lastSeen = tick;
    return;
  }
  if (c.entries.size >= c.cap) evictRarest(c);
  c.entries.set(key, { count: n, lastSeen: tick });
}

function evictRarest(c: BoundedCounter): void {
  const victims = [...c.entries].sort(([, a], [, b]) => a.count - b.count || a.lastSeen - b.lastSeen);
  const n = Math.max(1, Math.ceil(c.cap / 10));
  for (let i = 0; i < n && i < victims.length; i++) {
    const [key, e] = victims[i]!;
    c.other += e.count;
    c.entries.delete(key);
  }
}

/** Adds every count of `from` into `into` (the roll-up of a minute into its hour and day). */
export function mergeCounter(into: BoundedCounter, from: BoundedCounter): void {
  for (const [key, e] of sortedEntries(from)) countKey(into, key, e.count);
  into.other += from.other;
}

/** Entries by key: a stable order for merging and serializing. */
export const sortedEntries = (c: BoundedCounter): [string, CounterEntry][] =>
  [...c.entries].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));

/** Sums many counters into one ranking: highest count first, then key. */
export function topOf(counters: readonly BoundedCounter[], n: number): { top: TopEntry[]; other: number; total: number } {
  const sums = new Map<string, number>();
  let other = 0;
  for (const c of counters) {
    other += c.other;
    for (const [key, e] of c.entries) sums.set(key, (sums.get(key) ?? 0) + e.count);
  }
  const ranked = [...sums].map(([key, count]) => ({ key, count })).sort(byCountThenKey);
  const top = ranked.slice(0, n);
  const rest = ranked.slice(n).reduce((s, e) => s + e.count, 0);
  const total = ranked.reduce((s, e) => s + e.count, 0) + other;
  return { top, other: other + rest, total };
}

export const byCountThenKey = (a: TopEntry, b: TopEntry): number => b.count - a.count || (a.key < b.key ? -1 : a.key > b.key ? 1 : 0);
