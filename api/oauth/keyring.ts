// The key manager's signing keys: public halves folded from the `keys-signing` stream, private
// halves fetched from the KeyStore port on first use. `current` signs; every key still in the
// JWKS (current + previous, until retired by a later rotation) verifies.
import { createPrivateKey, type KeyObject } from 'node:crypto';
import { importJWK, type CryptoKey, type JWK } from 'jose';
import { SIGNING_KEYS_STREAM } from '../../domain/streams.ts';
import { START, type EventStore, type KeyStore, type RecordedEvent, type Subscription } from '../../domain/ports.ts';

export type SigningAlg = 'ES256' | 'EdDSA';

export interface PublicSigningKey {
  kid: string;
  alg: SigningAlg;
  publicJwk: JWK;
  status: 'CURRENT' | 'PREVIOUS';
  addedAt: string;
  position: bigint;
}

export interface SigningMaterial {
  kid: string;
  alg: SigningAlg;
  key: CryptoKey;
  /** The same private key for node:crypto's synchronous sign (the token endpoint's hot path). */
  keyObject: KeyObject;
}

export interface KeyRing {
  /** Resolves once every key present at start has been folded in. */
  readonly ready: Promise<void>;
  current(): Promise<SigningMaterial>;
  /** The current key's material when already loaded (the hot path skips a promise), else undefined. */
  currentSync(): SigningMaterial | undefined;
  /** Keys that verify (current first); empty before the first key exists. */
  keys(): PublicSigningKey[];
  verificationKey(kid: string): Promise<{ alg: SigningAlg; key: CryptoKey } | undefined>;
  /** Stream version of `keys-signing` as folded so far. */
  readonly streamVersion: bigint;
  /** Applies one recorded event (used by the subscription; exposed for tests). */
  apply(event: RecordedEvent): void;
  stop(): Promise<void>;
}

interface KeysSigningData {
  kid: string;
  alg: SigningAlg;
  publicJwk: Record<string, unknown>;
  previousKid?: string;
  retiredKid?: string | null;
}

/** A public JWK as published: no private members, with kid/alg/use. */
export function publicOnly(jwk: Record<string, unknown>, kid: string, alg: SigningAlg): JWK {
  const { d: _d, p: _p, q: _q, dp: _dp, dq: _dq, qi: _qi, ...pub } = jwk;
  return { ...(pub as JWK), kid, alg, use: 'sig' };
}

export interface KeyRingDeps {
  store: EventStore;
  keyStore: KeyStore;
  /**
   * Live events after the initial read. Default: the store's own subscription. The composition
   * root passes the projection runner's listener, so the ring is never behind the views.
   */
  follow?: (listener: (event: RecordedEvent) => void) => () => void;
}

export function createKeyRing(deps: KeyRingDeps): KeyRing {
  const byKid = new Map<string, PublicSigningKey>();
  let currentKid: string | undefined;
  let streamVersion = 0n;
  const privateCache = new Map<string, Promise<SigningMaterial>>();
  const settled = new Map<string, SigningMaterial>(); // the settled entries of privateCache
  const publicCache = new Map<string, Promise<{ alg: SigningAlg; key: CryptoKey }>>();

  const apply = (e: RecordedEvent): void => {
    if (e.streamId !== SIGNING_KEYS_STREAM) return;
    if (e.streamVersion <= streamVersion) return;
    streamVersion = e.streamVersion;
    const d = e.data as KeysSigningData;
    if (e.type !== 'SigningKeyAdded' && e.type !== 'SigningKeyRotated') return;
    for (const k of byKid.values()) k.status = 'PREVIOUS';
    if (d.retiredKid) {
      byKid.delete(d.retiredKid);
      publicCache.delete(d.retiredKid);
      privateCache.delete(d.retiredKid);
      settled.delete(d.retiredKid);
    }
    byKid.set(d.kid, {
      kid: d.kid,
      alg: d.alg,
      publicJwk: publicOnly(d.publicJwk, d.kid, d.alg),
      status: 'CURRENT',
      addedAt: e.metadata.recordedAt,
      position: e.globalPosition,
    });
    currentKid = d.kid;
  };

  let stop: () => Promise<void>;
  let ready: Promise<void>;
  if (deps.follow) {
    const early: RecordedEvent[] = [];
    let loaded = false;
    const unfollow = deps.follow((e) => (loaded ? apply(e) : void early.push(e)));
    stop = async () => unfollow();
    ready = deps.store.readStream(SIGNING_KEYS_STREAM).then((r) => {
      for (const e of r.events) apply(e);
      loaded = true;
      for (const e of early.splice(0)) apply(e); // streamVersion dedupes the overlap
    });
  } else {
    const subscription: Subscription = deps.store.subscribe(apply, { after: START, filter: { streamIds: [SIGNING_KEYS_STREAM] } });
    stop = () => subscription.stop();
    ready = subscription.caughtUp;
  }

  const loadPrivate = async (kid: string, alg: SigningAlg): Promise<SigningMaterial> => {
    const jwk = await deps.keyStore.getPrivateKey(kid);
    if (!jwk) throw new Error(`Private key ${kid} is missing from the key store`);
    return {
      kid,
      alg,
      key: (await importJWK(jwk as JWK, alg)) as CryptoKey,
      keyObject: createPrivateKey({ key: jwk as import('node:crypto').JsonWebKey, format: 'jwk' }),
    };
  };

  return {
    ready,
    get streamVersion() {
      return streamVersion;
    },
    apply,
    async current() {
      if (!currentKid) throw new Error('No signing key yet (the bootstrap adds the first one)');
      const k = byKid.get(currentKid)!;
      let p = privateCache.get(k.kid);
      if (!p) {
        p = loadPrivate(k.kid, k.alg);
        const promise = p;
        p.then((m) => {
          if (privateCache.get(k.kid) === promise) settled.set(k.kid, m);
        }, () => privateCache.delete(k.kid));
        privateCache.set(k.kid, p);
      }
      return p;
    },
    currentSync() {
      return currentKid === undefined ? undefined : settled.get(currentKid);
    },
    keys() {
      return [...byKid.values()].sort((a, b) => (a.status === 'CURRENT' ? -1 : b.status === 'CURRENT' ? 1 : Number(b.position - a.position)));
    },
    async verificationKey(kid) {
      const k = byKid.get(kid);
      if (!k) return undefined;
      let p = publicCache.get(kid);
      if (!p) {
        p = importJWK(k.publicJwk, k.alg).then((key) => ({ alg: k.alg, key: key as CryptoKey }));
        publicCache.set(kid, p);
      }
      return p;
    },
    stop: () => stop(),
  };
}
