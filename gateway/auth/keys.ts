// The JWKS of the map, pre-imported as KeyObjects: re-imported only when the map's
// keysVersion moves, so verifying a token never parses a JWK. Only asymmetric algorithms.
import { createPublicKey, type KeyObject } from 'node:crypto';
import type { GatewayMapView } from '../../projections/gateway-map/view.ts';

/** Algorithms the gateway accepts (RFC 8725 §3.1: never `none`, never HMAC with a public key). */
export const ASYMMETRIC_ALGS: ReadonlySet<string> = new Set([
  'ES256', 'ES384', 'ES512', 'EdDSA', 'Ed25519', 'RS256', 'RS384', 'RS512', 'PS256', 'PS384', 'PS512',
]);

export interface VerificationKey {
  kid: string;
  alg: string;
  key: KeyObject;
}

export class VerificationKeys {
  private keys = new Map<string, VerificationKey>();
  private seenView: GatewayMapView | null = null;
  private seenVersion = -1;
  /** Bumped whenever the set changes, so caches of verified tokens can be dropped. */
  generation = 0;

  /** Re-imports the keys if the map's set changed; cheap when it did not. */
  sync(view: GatewayMapView, onError: (kid: string, e: unknown) => void): void {
    if (view === this.seenView && view.keysVersion === this.seenVersion) return;
    const next = new Map<string, VerificationKey>();
    for (const k of view.signingKeys.values()) {
      if (!ASYMMETRIC_ALGS.has(k.alg)) continue;
      try {
        const key = createPublicKey({ key: k.publicJwk as import('node:crypto').JsonWebKey, format: 'jwk' });
        if (key.type !== 'public') continue;
        next.set(k.kid, { kid: k.kid, alg: k.alg, key });
      } catch (e) {
        onError(k.kid, e);
      }
    }
    this.keys = next;
    this.seenView = view;
    this.seenVersion = view.keysVersion;
    this.generation++;
  }

  get(kid: string): VerificationKey | undefined {
    return this.keys.get(kid);
  }

  get size(): number {
    return this.keys.size;
  }
}
