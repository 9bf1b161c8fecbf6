// The authorization_code grant with PKCE through the routes (fastify inject) and a real key
// manager on an in-memory ring, with a clock the test moves: page-or-redirect errors, the
// browser-bound transaction, lockout, single use with revocation, expiry.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes, randomUUID } from 'node:crypto';
import Fastify, { type FastifyInstance } from 'fastify';
import { exportJWK, generateKeyPair, decodeJwt } from 'jose';
import { openMemoryEventStore } from '../../infra/eventstore/memory.ts';
import { SIGNING_KEYS_STREAM } from '../../domain/streams.ts';
import { createMetrics } from '../ops/metrics.ts';
import { createKeyRing, type KeyRing } from './keyring.ts';
import { createKeyManager, sha256Hex, type OAuthClientRecord, type RefreshFamilyState } from './key-manager.ts';
import { oauthRoutes } from './routes.ts';
import { s256 } from './pkce.ts';

const ISSUER = 'http://issuer.test';
const CALLBACK = 'https://app.example/cb?tenant=1';
const VERIFIER = randomBytes(32).toString('base64url');
const SECRET = 'app-secret';

describe('authorization endpoint and authorization_code grant', () => {
  let now = Date.parse('2026-01-01T00:00:00Z');
  let app: FastifyInstance;
  let ring: KeyRing;
  const store = openMemoryEventStore();
  const revoked = new Set<string>();
  const families = new Map<string, RefreshFamilyState>();
  const failures = new Map<string, number>();
  const client = (consumerKey: string, grantTypes: string[], callbackUrl: string | null): OAuthClientRecord => ({
    consumerKey, secretHash: sha256Hex(SECRET), keyType: 'SANDBOX', grantTypes, tokenValiditySeconds: 900, callbackUrl,
    application: { id: `app-${consumerKey}`, name: 'Shop <b>', owner: 'alice', tier: 'Unlimited' },
  });
  const clients = new Map([
    ['ck', client('ck', ['authorization_code', 'refresh_token'], CALLBACK)],
    ['ck-norefresh', client('ck-norefresh', ['authorization_code'], CALLBACK)],
    ['ck-cc', client('ck-cc', ['client_credentials'], CALLBACK)],
    ['ck-nocb', client('ck-nocb', ['client_credentials'], null)],
  ]);

  before(async () => {
    const privates = new Map<string, Record<string, unknown>>();
    const { publicKey, privateKey } = await generateKeyPair('ES256', { extractable: true });
    const kid = randomUUID();
    privates.set(kid, { ...(await exportJWK(privateKey)) });
    await store.appendToStream(SIGNING_KEYS_STREAM, [{ type: 'SigningKeyAdded', data: { kid, alg: 'ES256', publicJwk: await exportJWK(publicKey) }, metadata: { eventId: randomUUID(), actor: 't', correlationId: 'c', causationId: null, recordedAt: new Date(now).toISOString(), schemaVersion: 1 } }]);
    ring = createKeyRing({ store, keyStore: { putPrivateKey: async (k, j) => void privates.set(k, j), getPrivateKey: async (k) => privates.get(k) } });
    await ring.ready;
    const keyManager = createKeyManager({
      issuer: () => ISSUER,
      ring,
      clock: { now: () => new Date(now) },
      random: { uuid: randomUUID, token: (n) => randomBytes(n).toString('base64url') },
      clients: { byConsumerKey: (k) => clients.get(k) },
      isRevoked: (jti) => revoked.has(jti),
      userRoles: (u) => (u === 'alice' ? ['subscriber'] : undefined),
      scopeRoles: (s) => (s === 'orders:read' ? ['subscriber'] : s === 'orders:admin' ? ['admin'] : undefined),
      refreshFamily: async (id) => families.get(id),
      commands: {
        async verifyPassword(username, password) {
          if (username === 'alice' && password === 'pw') return { ok: true, username, roles: ['subscriber'] };
          const n = (failures.get(username) ?? 0) + 1;
          failures.set(username, n);
          return n >= 3 ? { ok: false, reason: 'LOCKED', lockedUntil: 'later' } : { ok: false, reason: 'INVALID_CREDENTIALS' };
        },
        async revokeToken(jti) { revoked.add(jti); },
        async issueRefreshToken(f) {
          const familyId = randomUUID();
          families.set(familyId, { familyId, clientId: f.clientId, subject: f.subject, scope: f.scope, currentHash: '', exp: 0, revoked: false, accessTokens: [f.accessToken] });
          return `${familyId}.${randomBytes(32).toString('base64url')}`;
        },
        async rotateRefreshToken() { throw new Error('not used'); },
        async revokeRefreshToken() {},
        async revokeRefreshFamily(familyId) { families.get(familyId)!.revoked = true; },
      },
    });
    app = Fastify();
    await app.register(oauthRoutes, { keyManager, ring, issuer: () => ISSUER, metrics: createMetrics() });
  });
  after(async () => { await app.close(); await ring.stop(); await store.close(); });

  const authorizeUrl = (over: Record<string, string | null> = {}) => {
    const q = new URLSearchParams();
    const params = { response_type: 'code', client_id: 'ck', redirect_uri: CALLBACK, scope: 'orders:read orders:admin', state: 'st-1', code_challenge: s256(VERIFIER), code_challenge_method: 'S256', ...over };
    for (const [k, v] of Object.entries(params)) if (v !== null) q.set(k, v);
    return `/oauth2/authorize?${q}`;
  };

  /** Opens the sign-in page: its transaction id and the browser's cookie. */
  async function open(over: Record<string, string | null> = {}) {
    const r = await app.inject({ method: 'GET', url: authorizeUrl(over) });
    assert.equal(r.statusCode, 200, r.body);
    const transaction = /name="transaction" value="([^"]+)"/.exec(r.body)![1]!;
    const cookie = String(r.headers['set-cookie']).split(';')[0]!;
    return { transaction, cookie, page: r };
  }

  const submit = (transaction: string, cookie: string | null, fields: Record<string, string>) => app.inject({
    method: 'POST', url: '/oauth2/authorize',
    headers: { 'content-type': 'application/x-www-form-urlencoded', ...(cookie ? { cookie } : {}) },
    payload: new URLSearchParams({ transaction, ...fields }).toString(),
  });

  async function codeFor(over: Record<string, string | null> = {}): Promise<string> {
    const { transaction, cookie } = await open(over);
    const r = await submit(transaction, cookie, { username: 'alice', password: 'pw' });
    assert.equal(r.statusCode, 303, r.body);
    return new URL(r.headers.location!).searchParams.get('code')!;
  }

  const token = (fields: Record<string, string>, clientId = 'ck') => app.inject({
    method: 'POST', url: '/oauth2/token',
    headers: { 'content-type': 'application/x-www-form-urlencoded', authorization: `Basic ${Buffer.from(`${clientId}:${SECRET}`).toString('base64')}` },
    payload: new URLSearchParams(fields).toString(),
  });
  const redeem = (code: string, over: Record<string, string> = {}, clientId = 'ck') =>
    token({ grant_type: 'authorization_code', code, redirect_uri: CALLBACK, code_verifier: VERIFIER, ...over }, clientId);

  test('the page is self-contained, unframeable, uncached, escapes what it shows and binds a cookie', async () => {
    const { page, cookie } = await open();
    assert.match(String(page.headers['content-type']), /^text\/html/);
    assert.equal(page.headers['x-frame-options'], 'DENY');
    assert.match(String(page.headers['content-security-policy']), /default-src 'none'.*frame-ancestors 'none'/);
    assert.equal(page.headers['cache-control'], 'no-store');
    assert.match(String(page.headers['set-cookie']), /HttpOnly; SameSite=Lax/);
    assert.match(cookie, /^gatehouse_authz_[A-Za-z0-9_-]+=[A-Za-z0-9_-]{43}$/);
    assert.match(page.body, /Shop &lt;b&gt;/);
    assert.doesNotMatch(page.body, /<script|https?:\/\/(?!app\.example)/);
    assert.doesNotMatch(page.body, /st-1|code_challenge/, 'request parameters stay on the server');
  });

  test('sign-in redirects with a code, the state and iss; the code buys tokens like the password grant', async () => {
    const { transaction, cookie } = await open();
    const r = await submit(transaction, cookie, { username: 'alice', password: 'pw' });
    assert.equal(r.statusCode, 303);
    const location = new URL(r.headers.location!);
    assert.equal(`${location.origin}${location.pathname}`, 'https://app.example/cb');
    assert.equal(location.searchParams.get('tenant'), '1');
    assert.equal(location.searchParams.get('state'), 'st-1');
    assert.equal(location.searchParams.get('iss'), ISSUER);
    const t = await redeem(location.searchParams.get('code')!);
    assert.equal(t.statusCode, 200, t.body);
    const body = t.json();
    assert.equal(body.scope, 'orders:read', 'scopes: requested ∩ what the user\'s roles allow');
    assert.equal(body.expires_in, 900);
    assert.match(body.refresh_token, /^[0-9a-f-]{36}\./);
    const claims = decodeJwt(body.access_token);
    assert.deepEqual([claims.sub, claims.azp, claims.keytype, claims.aut, claims.aud], ['alice', 'ck', 'SANDBOX', 'APPLICATION_USER', 'gatehouse-gateway']);
  });

  test('no refresh token when the keys lack the refresh_token grant', async () => {
    const code = await codeFor({ client_id: 'ck-norefresh' });
    const t = await redeem(code, {}, 'ck-norefresh');
    assert.equal(t.statusCode, 200, t.body);
    assert.equal(t.json().refresh_token, undefined);
  });

  test('before the redirect URI is validated, errors are shown on the page, never redirected', async () => {
    const cases: Array<Record<string, string | null>> = [{ client_id: null }, { client_id: 'nobody' }, { client_id: 'gatehouse-portal' }, { client_id: 'ck-nocb' },
      { redirect_uri: 'https://evil.example/cb' }, { redirect_uri: `${CALLBACK}&x=1` }, { redirect_uri: 'https://app.example/cb' }];
    for (const over of cases) {
      const r = await app.inject({ method: 'GET', url: authorizeUrl(over) });
      assert.equal(r.statusCode, 400, JSON.stringify(over));
      assert.equal(r.headers.location, undefined);
      assert.match(r.body, /class="error"/);
    }
  });

  test('after it is validated, errors go back to the redirect URI with error and state', async () => {
    const cases: Array<[Record<string, string | null>, string, RegExp]> = [
      [{ code_challenge: null }, 'invalid_request', /code_challenge is required/],
      [{ code_challenge_method: 'plain' }, 'invalid_request', /S256/],
      [{ code_challenge_method: null }, 'invalid_request', /S256/],
      [{ code_challenge: 'short' }, 'invalid_request', /base64url/],
      [{ response_type: 'token' }, 'unsupported_response_type', /code/],
      [{ client_id: 'ck-cc' }, 'unauthorized_client', /authorization_code/],
    ];
    for (const [over, error, description] of cases) {
      const r = await app.inject({ method: 'GET', url: authorizeUrl(over) });
      assert.equal(r.statusCode, 303, JSON.stringify(over));
      const l = new URL(r.headers.location!);
      assert.equal(`${l.origin}${l.pathname}`, 'https://app.example/cb');
      assert.equal(l.searchParams.get('error'), error);
      assert.match(l.searchParams.get('error_description')!, description);
      assert.equal(l.searchParams.get('state'), 'st-1');
      assert.equal(l.searchParams.get('code'), null);
    }
  });

  test('a wrong password shows the form again with no code; repeated failures lock', async () => {
    const { transaction, cookie } = await open();
    const wrong = await submit(transaction, cookie, { username: 'bob', password: 'nope' });
    assert.equal(wrong.statusCode, 401);
    assert.equal(wrong.headers.location, undefined);
    assert.match(wrong.body, /Invalid user name or password/);
    assert.match(wrong.body, new RegExp(`value="${transaction}"`), 'same transaction, the user may retry');
    await submit(transaction, cookie, { username: 'bob', password: 'nope' });
    assert.match((await submit(transaction, cookie, { username: 'bob', password: 'nope' })).body, /locked until later/);
    const ok = await submit(transaction, cookie, { username: 'alice', password: 'pw' });
    assert.equal(ok.statusCode, 303);
    assert.equal((await submit(transaction, cookie, { username: 'alice', password: 'pw' })).statusCode, 400, 'the transaction is single use');
  });

  test('the form is refused without the cookie of the browser that opened it, or with a forged transaction', async () => {
    const { transaction, cookie } = await open();
    for (const [tx, c] of [[transaction, null], [transaction, `${cookie.split('=')[0]}=forged`], ['made-up', cookie]] as const) {
      const r = await submit(tx, c, { username: 'alice', password: 'pw' });
      assert.equal(r.statusCode, 400);
      assert.equal(r.headers.location, undefined);
      assert.match(r.body, /expired or was not opened in this browser/);
    }
  });

  test('cancel sends access_denied with the state', async () => {
    const { transaction, cookie } = await open();
    const r = await submit(transaction, cookie, { action: 'cancel' });
    const l = new URL(r.headers.location!);
    assert.deepEqual([l.searchParams.get('error'), l.searchParams.get('state')], ['access_denied', 'st-1']);
  });

  test('wrong verifier, missing verifier, wrong redirect_uri, other client: invalid_grant, and the code is spent', async () => {
    for (const [over, clientId] of [[{ code_verifier: randomBytes(32).toString('base64url') }, 'ck'], [{ redirect_uri: 'https://app.example/cb' }, 'ck'], [{}, 'ck-norefresh']] as const) {
      const code = await codeFor();
      const r = await redeem(code, over, clientId);
      assert.deepEqual([r.statusCode, r.json().error], [400, 'invalid_grant'], JSON.stringify(over));
      assert.equal((await redeem(code)).json().error, 'invalid_grant', 'spent by the failed attempt');
    }
    const code = await codeFor();
    assert.deepEqual([(await token({ grant_type: 'authorization_code', code, redirect_uri: CALLBACK })).json().error], ['invalid_request']);
  });

  test('redirect_uri may be left out of both requests when the authorization request left it out', async () => {
    const code = await codeFor({ redirect_uri: null });
    const r = await token({ grant_type: 'authorization_code', code, code_verifier: VERIFIER });
    assert.equal(r.statusCode, 200, r.body);
    const code2 = await codeFor();
    assert.equal((await token({ grant_type: 'authorization_code', code: code2, code_verifier: VERIFIER })).json().error, 'invalid_grant', 'given once, required again');
  });

  test('a code used twice: the second call fails and revokes the access token and refresh family of the first', async () => {
    const code = await codeFor();
    const first = (await redeem(code)).json();
    const jti = decodeJwt(first.access_token).jti!;
    const familyId = first.refresh_token.split('.')[0];
    assert.equal(revoked.has(jti), false);
    const second = await redeem(code);
    assert.deepEqual([second.statusCode, second.json().error], [400, 'invalid_grant']);
    assert.equal(revoked.has(jti), true);
    assert.equal(families.get(familyId)!.revoked, true);
  });

  test('a code expires after 60 s; a sign-in page after 10 minutes', async () => {
    const code = await codeFor();
    const { transaction, cookie } = await open();
    now += 61_000;
    const r = await redeem(code);
    assert.deepEqual([r.statusCode, r.json().error], [400, 'invalid_grant']);
    assert.match(r.json().error_description, /expired/);
    now += 540_000;
    assert.equal((await submit(transaction, cookie, { username: 'alice', password: 'pw' })).statusCode, 400);
  });

  test('discovery advertises the endpoint, code, S256 and the grant', async () => {
    const meta = (await app.inject({ method: 'GET', url: '/.well-known/openid-configuration' })).json();
    assert.equal(meta.authorization_endpoint, `${ISSUER}/oauth2/authorize`);
    assert.deepEqual(meta.response_types_supported, ['code']);
    assert.deepEqual(meta.code_challenge_methods_supported, ['S256']);
    assert.ok(meta.grant_types_supported.includes('authorization_code'));
  });
});
