// Local fixed-window counters, one per throttle key. Checking and counting are separate so a
// request refused at a later level is not counted at the earlier ones (WSO2 counts admitted
// requests only). Expired counters are swept on a timer, so the map stays bounded by the
// keys active in the current windows.

export interface Counter {
  start: number;
  end: number;
  used: number;
}

export class WindowCounters {
  private readonly counters = new Map<string, Counter>();

  /** Used amount of the key in the window [start, end) (0 when the window moved on). */
  used(key: string, start: number): number {
    const c = this.counters.get(key);
    return c !== undefined && c.start === start ? c.used : 0;
  }

  add(key: string, start: number, end: number, amount: number): void {
    const c = this.counters.get(key);
    if (c === undefined) this.counters.set(key, { start, end, used: amount });
    else if (c.start === start) c.used += amount;
    else {
      c.start = start;
      c.end = end;
      c.used = amount;
    }
  }

  /** Drops counters whose window ended before `now`. */
  sweep(now: number): void {
    for (const [key, c] of this.counters) if (c.end <= now) this.counters.delete(key);
  }

  get size(): number {
    return this.counters.size;
  }

  clear(): void {
    this.counters.clear();
  }
}
