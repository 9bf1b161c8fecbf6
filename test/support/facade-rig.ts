// Test wiring for the domain facade's suites (domain/services/*.test.ts): the real SQLite event
// store in memory, map-backed credential and key stores, a settable clock, and an ES256 signer
// made with jose. It lives here, not in domain/, because it picks an infra adapter.
import { randomBytes, randomUUID } from 'node:crypto';
import { SignJWT, generateKeyPair } from 'jose';
import { openSqliteEventStore } from '../../infra/eventstore/sqlite.ts';
import type { Clock, CredentialStore, EventStore, KeyStore, Randomness } from '../../domain/ports.ts';
import { createGatehouse, type Gatehouse } from '../../domain/services/gatehouse.ts';
import { lookupFromStore } from '../../domain/services/lookup-from-store.ts';
import type { TokenSigner } from '../../domain/services/ports.ts';

export interface TestRig {
  gatehouse: Gatehouse;
  store: EventStore;
  clock: Clock & { set(iso: string): void; advance(seconds: number): void };
  credentials: CredentialStore & { readonly hashes: Map<string, string> };
  keyStore: KeyStore & { readonly keys: Map<string, Record<string, unknown>> };
  signer: TokenSigner & { readonly publicKey: CryptoKey };
}

export async function createTestRig(): Promise<TestRig> {
  const store = openSqliteEventStore({ path: ':memory:' });
  let now = new Date('2024-06-01T12:00:00.000Z');
  const clock = { now: () => new Date(now), set: (iso: string) => { now = new Date(iso); }, advance: (s: number) => { now = new Date(now.getTime() + s * 1000); } };
  const random: Randomness = { uuid: () => randomUUID(), token: (bytes) => randomBytes(bytes).toString('base64url') };
  const hashes = new Map<string, string>();
  const credentials = {
    hashes,
    async setPasswordHash(u: string, h: string) { hashes.set(u, h); },
    async getPasswordHash(u: string) { return hashes.get(u); },
    async deletePasswordHash(u: string) { hashes.delete(u); },
  };
  const keys = new Map<string, Record<string, unknown>>();
  const keyStore = {
    keys,
    async putPrivateKey(kid: string, jwk: Record<string, unknown>) { keys.set(kid, jwk); },
    async getPrivateKey(kid: string) { return keys.get(kid); },
  };
  const { publicKey, privateKey } = await generateKeyPair('ES256');
  const signer = {
    publicKey,
    async sign(claims: Record<string, unknown>, opts: { expiresInSeconds?: number }) {
      const jti = randomUUID();
      const iat = Math.floor(clock.now().getTime() / 1000);
      const exp = opts.expiresInSeconds ? iat + opts.expiresInSeconds : null;
      let jwt = new SignJWT(claims).setProtectedHeader({ alg: 'ES256', kid: 'test' }).setJti(jti).setIssuedAt(iat);
      if (exp) jwt = jwt.setExpirationTime(exp);
      return { token: await jwt.sign(privateKey), jti, exp };
    },
  };
  const gatehouse = createGatehouse({ store, clock, random, credentials, keyStore, lookup: lookupFromStore(store), signer, scryptCost: 1024 });
  return { gatehouse, store, clock, credentials, keyStore, signer };
}
