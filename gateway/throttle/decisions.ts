// Throttle decisions from a traffic manager (`{throttleKey, throttledUntil}`, reference §4.4):
// a key is refused until its expiry; throttledUntil 0 (or in the past) lifts it.
import type { ThrottleDecision } from '../../domain/ports.ts';

export class ThrottleDecisions {
  private readonly until = new Map<string, number>();

  apply(d: ThrottleDecision): void {
    if (d.throttledUntil > 0) this.until.set(d.throttleKey, d.throttledUntil);
    else this.until.delete(d.throttleKey);
  }

  /** Epoch ms until which the key is throttled, or 0. */
  throttledUntil(key: string, now: number): number {
    if (this.until.size === 0) return 0;
    const t = this.until.get(key);
    if (t === undefined) return 0;
    if (t <= now) {
      this.until.delete(key);
      return 0;
    }
    return t;
  }

  /** Forgets decisions that have expired (keys no request asked about since). */
  sweep(now: number): void {
    for (const [key, until] of this.until) if (until <= now) this.until.delete(key);
  }

  get size(): number {
    return this.until.size;
  }
}
