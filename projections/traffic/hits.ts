// What the traffic manager counts: one hit per throttle key a request was admitted against,
// with the limit and the fixed window the gateway resolved for it (reference §4.1-4.2). The
// gateway already knows both when it counts locally, so the traffic manager needs no policy
// lookup and no calendar arithmetic (month and year windows are not a fixed length).
import type { RequestFact } from '../../domain/ports.ts';

export interface ThrottleKeyHit {
  /** A WSO2 throttle key, e.g. `{appId}:{context}:{version}` (subscription) or `{appId}:{user}` (application). */
  key: string;
  /** Requests allowed in the window (stopOnQuotaReach policies only; Unlimited keys carry no hit). */
  limit: number;
  /** The fixed window the request fell in: [windowStart, windowEnd), epoch ms. */
  windowStart: number;
  windowEnd: number;
}

/**
 * A request fact with the per-key limits attached. `throttleHits` is the proposed additive
 * field of RequestFact (domain/ports.ts); until the kernel carries it, the gateway attaches it
 * to the facts it publishes and the traffic manager reads it from there.
 */
export type TrafficFact = RequestFact & { throttleHits?: ThrottleKeyHit[] };

/** The hits of a fact that counts: admitted requests only (WSO2 counts what passed the throttle). */
export function hitsOf(fact: TrafficFact): readonly ThrottleKeyHit[] {
  if (fact.errorType === 'THROTTLED' || fact.errorType === 'BLOCKED') return [];
  return fact.throttleHits ?? [];
}

/** A hit is usable when its numbers are sane; anything else is ignored rather than trusted. */
export function isValidHit(h: ThrottleKeyHit): boolean {
  return (
    typeof h.key === 'string' && h.key.length > 0 &&
    Number.isFinite(h.limit) && h.limit >= 0 &&
    Number.isFinite(h.windowStart) && Number.isFinite(h.windowEnd) && h.windowEnd > h.windowStart
  );
}
