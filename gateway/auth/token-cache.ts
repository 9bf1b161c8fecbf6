// Verified tokens by their compact form, until their exp (a verify costs ~50–130 µs of CPU,
// a lookup well under 1 µs). Bounded: when full the oldest entries go first. Invalid tokens
// are remembered briefly too, so a client replaying garbage does not buy a signature check
// per request.
import type { Principal } from './principal.ts';

export class TokenCache {
  private readonly valid = new Map<string, Principal>();
  private readonly invalid = new Map<string, number>();

  constructor(
    private readonly maxValid = 100_000,
    private readonly maxInvalid = 10_000,
    private readonly invalidTtlMs = 30_000,
  ) {}

  get(token: string, now: number): Principal | undefined {
    const p = this.valid.get(token);
    if (p === undefined) return undefined;
    if (p.validUntilMs > now) return p;
    this.valid.delete(token);
    return undefined;
  }

  set(token: string, p: Principal): void {
    if (this.valid.size >= this.maxValid) evictOldest(this.valid, Math.ceil(this.maxValid / 10));
    this.valid.set(token, p);
  }

  isKnownInvalid(token: string, now: number): boolean {
    if (this.invalid.size === 0) return false;
    const until = this.invalid.get(token);
    if (until === undefined) return false;
    if (until > now) return true;
    this.invalid.delete(token);
    return false;
  }

  markInvalid(token: string, now: number): void {
    if (this.invalid.size >= this.maxInvalid) evictOldest(this.invalid, Math.ceil(this.maxInvalid / 10));
    this.invalid.set(token, now + this.invalidTtlMs);
  }

  clear(): void {
    this.valid.clear();
    this.invalid.clear();
  }

  get size(): number {
    return this.valid.size;
  }
}

function evictOldest<V>(m: Map<string, V>, n: number): void {
  for (const k of m.keys()) {
    if (n-- <= 0) break;
    m.delete(k);
  }
}
