import { describe, test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes, randomUUID } from 'node:crypto';
import { decodeJwt, decodeProtectedHeader, exportJWK, generateKeyPair } from 'jose';
import { openMemoryEventStore } from '../../infra/eventstore/memory.ts';
import { SIGNING_KEYS_STREAM } from '../../domain/streams.ts';
import type { EventStore } from '../../domain/ports.ts';
import { createKeyRing, type KeyRing } from './keyring.ts';
import { createKeyManager, sha256Hex, type KeyManager, type RefreshFamilyState } from './key-manager.ts';
import { GATEWAY_AUDIENCE, MANAGEMENT_AUDIENCE, PORTAL_CLIENT_ID } from './constants.ts';
import { OAuthError } from './errors.ts';

const ISSUER = 'http://issuer.test';
const meta = () => ({ eventId: randomUUID(), actor: 'test', correlationId: 'c', causationId: null, recordedAt: new Date().toISOString(), schemaVersion: 1 });

async function addKey(store: EventStore, privates: Map<string, Record<string, unknown>>) {
  const { publicKey, privateKey } = await generateKeyPair('ES256', { extractable: true });
  const kid = randomUUID();
  privates.set(kid, { ...(await exportJWK(privateKey)) });
  await store.appendToStream(SIGNING_KEYS_STREAM, [{ type: 'SigningKeyAdded', data: { kid, alg: 'ES256', publicJwk: await exportJWK(publicKey) }, metadata: meta() }]);
  return kid;
}

describe('key manager', () => {
  let store: EventStore;
  let ring: KeyRing;
  let km: KeyManager;
  const families = new Map<string, RefreshFamilyState>();
  const used = new Map<string, string[]>(); // hashes rotated away, per family
  const revoked = new Set<string>();
  const failures: string[] = [];
  const secret = 'app-secret';
  const client = { consumerKey: 'ck1', secretHash: sha256Hex(secret), keyType: 'PRODUCTION' as const, grantTypes: ['client_credentials', 'password', 'refresh_token'], tokenValiditySeconds: 600, application: { id: 'app1', name: 'App', owner: 'alice', tier: 'Unlimited' } };

  before(async () => {
    store = openMemoryEventStore();
    const privates = new Map<string, Record<string, unknown>>();
    await addKey(store, privates);
    ring = createKeyRing({ store, keyStore: { putPrivateKey: async (k, j) => void privates.set(k, j), getPrivateKey: async (k) => privates.get(k) } });
    await ring.ready;
    km = createKeyManager({
      issuer: () => ISSUER,
      ring,
      clock: { now: () => new Date() },
      random: { uuid: randomUUID, token: (n) => randomBytes(n).toString('base64url') },
      clients: { byConsumerKey: (k) => (k === 'ck1' ? client : undefined) },
      isRevoked: (jti) => revoked.has(jti),
      userRoles: (u) => (u === 'alice' ? ['subscriber'] : u === 'admin' ? ['admin'] : undefined),
      scopeRoles: (s) => (s === 'orders:read' ? ['subscriber'] : s === 'orders:admin' ? ['admin'] : undefined),
      refreshFamily: async (id) => families.get(id),
      commands: {
        async verifyPassword(username, password) {
          if (username === 'alice' && password === 'pw') return { ok: true, username, roles: ['subscriber'] };
          failures.push(username);
          return failures.filter((u) => u === username).length >= 3 ? { ok: false, reason: 'LOCKED', lockedUntil: 'later' } : { ok: false, reason: 'INVALID_CREDENTIALS' };
        },
        async revokeToken(jti) { revoked.add(jti); },
        async issueRefreshToken(f) {
          const familyId = randomUUID();
          const token = `${familyId}.${randomBytes(32).toString('base64url')}`;
          families.set(familyId, { familyId, clientId: f.clientId, subject: f.subject, scope: f.scope, currentHash: sha256Hex(token), exp: 0, revoked: false, accessTokens: [f.accessToken] });
          used.set(familyId, []);
          return token;
        },
        async rotateRefreshToken(f) {
          const fam = families.get(f.refreshToken.split('.')[0]!)!;
          const hash = sha256Hex(f.refreshToken);
          if (fam.revoked) throw new OAuthError('invalid_grant', 'revoked');
          if (used.get(fam.familyId)!.includes(hash)) { fam.revoked = true; throw new OAuthError('invalid_grant', 'reuse'); }
          const next = `${fam.familyId}.${randomBytes(32).toString('base64url')}`;
          used.get(fam.familyId)!.push(fam.currentHash);
          fam.currentHash = sha256Hex(next);
          fam.accessTokens.push(f.accessToken);
          return { refreshToken: next, subject: fam.subject, scope: fam.scope };
        },
        async revokeRefreshToken(token) { families.get(token.split('.')[0]!)!.revoked = true; },
        async revokeRefreshFamily(familyId) { const f = families.get(familyId); if (f) f.revoked = true; },
      },
    });
  });
  after(async () => { await ring.stop(); await store.close(); });

  const basic = { clientId: 'ck1', clientSecret: secret, method: 'client_secret_basic' as const };
  const ctx = { correlationId: 'test' };

  test('client_credentials issues a gateway JWT with WSO2 claims and drops scopes the owner may not hold', async () => {
    const r = await km.token(basic, { grant_type: 'client_credentials', scope: 'orders:read orders:admin' }, ctx);
    assert.equal(r.token_type, 'Bearer');
    assert.equal(r.expires_in, 600);
    assert.equal(r.scope, 'orders:read');
    assert.equal(r.refresh_token, undefined);
    const claims = decodeJwt(r.access_token);
    assert.equal(claims.iss, ISSUER);
    assert.equal(claims.aud, GATEWAY_AUDIENCE);
    assert.equal(claims.sub, 'alice');
    assert.equal(claims.azp, 'ck1');
    assert.equal(claims.keytype, 'PRODUCTION');
    assert.deepEqual(claims.application, { id: 'app1', uuid: 'app1', name: 'App', owner: 'alice', tier: 'Unlimited' });
    assert.equal(claims.exp! - claims.iat!, 600);
    assert.equal(typeof claims.jti, 'string');
    assert.equal(decodeProtectedHeader(r.access_token).kid, ring.keys()[0]!.kid);
  });

  test('a wrong secret, an unknown client and a secretless app client are invalid_client', async () => {
    for (const c of [{ ...basic, clientSecret: 'nope' }, { ...basic, clientId: 'ck2' }, { ...basic, clientSecret: null, method: 'none' as const }]) {
      await assert.rejects(km.token(c, { grant_type: 'client_credentials' }, ctx), (e: unknown) => e instanceof OAuthError && e.error === 'invalid_client' && e.status === 401);
    }
  });

  test('the portal client may not use client_credentials; unknown grants are unsupported', async () => {
    const portal = { clientId: PORTAL_CLIENT_ID, clientSecret: null, method: 'none' as const };
    await assert.rejects(km.token(portal, { grant_type: 'client_credentials' }, ctx), (e: unknown) => e instanceof OAuthError && e.error === 'unauthorized_client');
    await assert.rejects(km.token(portal, { grant_type: 'implicit' }, ctx), (e: unknown) => e instanceof OAuthError && e.error === 'unsupported_grant_type');
  });

  test('password grant for the portal, refresh rotation, and reuse detection kills the family', async () => {
    const portal = { clientId: PORTAL_CLIENT_ID, clientSecret: null, method: 'none' as const };
    const first = await km.token(portal, { grant_type: 'password', username: 'alice', password: 'pw' }, ctx);
    assert.equal(decodeJwt(first.access_token).aud, MANAGEMENT_AUDIENCE);
    assert.ok(first.refresh_token);
    assert.equal((await km.authenticateUser(first.access_token))?.username, 'alice');

    const second = await km.token(portal, { grant_type: 'refresh_token', refresh_token: first.refresh_token }, ctx);
    assert.notEqual(second.refresh_token, first.refresh_token);
    // the rotated-away token comes back: reuse → family revoked, the newest token dies too
    await assert.rejects(km.token(portal, { grant_type: 'refresh_token', refresh_token: first.refresh_token }, ctx), (e: unknown) => e instanceof OAuthError && e.error === 'invalid_grant');
    await assert.rejects(km.token(portal, { grant_type: 'refresh_token', refresh_token: second.refresh_token }, ctx), (e: unknown) => e instanceof OAuthError && e.error === 'invalid_grant');
  });

  test('reuse detection also revokes every access token issued from the family; a refused refresh hands out nothing', async () => {
    const first = await km.token(basic, { grant_type: 'password', username: 'alice', password: 'pw' }, ctx);
    const second = await km.token(basic, { grant_type: 'refresh_token', refresh_token: first.refresh_token }, ctx);
    const jtis = [first, second].map((t) => String(decodeJwt(t.access_token).jti));
    const family = families.get(first.refresh_token!.split('.')[0]!)!;
    assert.deepEqual(family.accessTokens.map((t) => t.jti), jtis, 'each access token is recorded with its refresh token');
    assert.deepEqual(family.accessTokens.map((t) => t.exp), [first, second].map((t) => decodeJwt(t.access_token).exp));
    for (const t of [first, second]) assert.equal((await km.introspect(basic, { token: t.access_token })).active, true);

    await assert.rejects(km.token(basic, { grant_type: 'refresh_token', refresh_token: first.refresh_token }, ctx), (e: unknown) => e instanceof OAuthError && e.error === 'invalid_grant');
    assert.deepEqual(jtis.filter((j) => revoked.has(j)), jtis);
    for (const t of [first, second]) assert.deepEqual(await km.introspect(basic, { token: t.access_token }), { active: false });
    assert.equal(family.accessTokens.length, 2, 'the refused rotation recorded no third token');
  });

  test('revoking a refresh token revokes the access tokens issued with its family', async () => {
    const login = await km.token(basic, { grant_type: 'password', username: 'alice', password: 'pw' }, ctx);
    const jti = String(decodeJwt(login.access_token).jti);
    assert.equal(revoked.has(jti), false);
    await km.revoke(basic, { token: login.refresh_token }, ctx);
    assert.equal(revoked.has(jti), true);
    assert.deepEqual(await km.introspect(basic, { token: login.access_token }), { active: false });
  });

  test('wrong passwords are invalid_grant and the lockout message names the lock', async () => {
    const portal = { clientId: PORTAL_CLIENT_ID, clientSecret: null, method: 'none' as const };
    for (let i = 0; i < 2; i++) {
      await assert.rejects(km.token(portal, { grant_type: 'password', username: 'bob', password: 'x' }, ctx), /Invalid resource owner credentials/);
    }
    await assert.rejects(km.token(portal, { grant_type: 'password', username: 'bob', password: 'x' }, ctx), /locked/);
  });

  test('revocation makes introspection inactive; introspection needs a confidential client', async () => {
    const r = await km.token(basic, { grant_type: 'client_credentials' }, ctx);
    assert.equal((await km.introspect(basic, { token: r.access_token })).active, true);
    await km.revoke(basic, { token: r.access_token }, ctx);
    assert.deepEqual(await km.introspect(basic, { token: r.access_token }), { active: false });
    await assert.rejects(km.introspect({ clientId: PORTAL_CLIENT_ID, clientSecret: null, method: 'none' }, { token: r.access_token }), (e: unknown) => e instanceof OAuthError && e.error === 'invalid_client');
  });
});
