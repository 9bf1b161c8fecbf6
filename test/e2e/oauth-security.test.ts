// Forged, misdirected and stale tokens are refused by introspection (and by /graphql), client
// authentication failures are RFC 6749 errors, and repeated wrong passwords lock the account,
// recorded as events in the log.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { SignJWT, exportSPKI, generateKeyPair, importJWK, type JWK } from 'jose';
import { startInProcess } from '../support/server.ts';
import { gql, gqlOk, login } from '../support/gql.ts';

type Running = Awaited<ReturnType<typeof startInProcess>>;

const b64 = (o: object) => Buffer.from(JSON.stringify(o)).toString('base64url');

describe('key manager security', () => {
  let server: Running;
  let consumerKey: string;
  let consumerSecret: string;
  let admin: string;

  const basic = (id = consumerKey, secret = consumerSecret) => `Basic ${Buffer.from(`${id}:${secret}`).toString('base64')}`;
  const form = async (path: string, body: Record<string, string>, authorization?: string) => {
    const res = await fetch(`${server.baseUrl}${path}`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded', ...(authorization ? { authorization } : {}) },
      body: new URLSearchParams(body),
    });
    const text = await res.text();
    return { status: res.status, headers: res.headers, body: (text ? JSON.parse(text) : {}) as Record<string, unknown> };
  };
  const introspect = async (token: string) => (await form('/oauth2/introspect', { token }, basic())).body;

  /** A token with the claims a real one has, signed by the server's current key unless told otherwise. */
  async function craft(over: { claims?: Record<string, unknown>; header?: Record<string, unknown>; key?: CryptoKey | Uint8Array; alg?: string } = {}) {
    const current = await server.ring.current();
    const now = Math.floor(Date.now() / 1000);
    const claims = { iss: server.baseUrl, sub: 'admin', aud: 'gatehouse-gateway', iat: now, nbf: now, exp: now + 600, jti: crypto.randomUUID(), azp: consumerKey, scope: 'default', keytype: 'PRODUCTION', ...over.claims };
    const header = { alg: over.alg ?? current.alg, kid: current.kid, typ: 'JWT', ...over.header };
    return new SignJWT(claims).setProtectedHeader(header as { alg: string }).sign(over.key ?? current.key);
  }

  before(async () => {
    server = await startInProcess();
    admin = await login(server.baseUrl, 'admin', server.adminPassword);
    const apps = await gqlOk(server.baseUrl, '{ applications { id } }', {}, admin);
    const keys = await gqlOk(server.baseUrl, 'mutation($a: ID!) { generateKeys(applicationId: $a, keyType: PRODUCTION, grantTypes: ["client_credentials"]) { consumerKey consumerSecret } }', { a: apps.applications[0].id }, admin);
    ({ consumerKey, consumerSecret } = keys.generateKeys);
  });
  after(() => server.stop());

  test('a well-formed token signed by the current key introspects as active (the control for the cases below)', async () => {
    assert.equal((await introspect(await craft())).active, true);
  });

  test('alg none is inactive', async () => {
    const current = await server.ring.current();
    const now = Math.floor(Date.now() / 1000);
    const token = `${b64({ alg: 'none', kid: current.kid, typ: 'JWT' })}.${b64({ iss: server.baseUrl, sub: 'admin', aud: 'gatehouse-gateway', iat: now, exp: now + 600, jti: 'x' })}.`;
    assert.deepEqual(await introspect(token), { active: false });
  });

  test('HS256 signed with the public key as the HMAC secret is inactive', async () => {
    const current = server.ring.keys()[0]!;
    const publicKey = await importJWK(current.publicJwk, current.alg, { extractable: true });
    const pem = await exportSPKI(publicKey as CryptoKey);
    for (const secret of [new TextEncoder().encode(pem), new TextEncoder().encode(JSON.stringify(current.publicJwk as JWK))]) {
      const token = await craft({ alg: 'HS256', key: secret });
      assert.deepEqual(await introspect(token), { active: false });
    }
  });

  test('wrong issuer, wrong audience, expired, future nbf, missing jti: all inactive', async () => {
    const now = Math.floor(Date.now() / 1000);
    for (const claims of [
      { iss: 'https://evil.example' },
      { aud: 'someone-else' },
      { exp: now - 3600, iat: now - 7200, nbf: now - 7200 },
      { nbf: now + 3600 },
      { jti: undefined },
    ]) {
      assert.deepEqual(await introspect(await craft({ claims })), { active: false }, JSON.stringify(claims));
    }
  });

  test('an unknown kid (a key the server never published) is inactive, as is the right kid with a foreign key', async () => {
    const { privateKey } = await generateKeyPair('ES256');
    assert.deepEqual(await introspect(await craft({ key: privateKey, header: { kid: 'not-our-key' }, alg: 'ES256' })), { active: false });
    assert.deepEqual(await introspect(await craft({ key: privateKey, alg: 'ES256' })), { active: false });
  });

  test('forged tokens do not authenticate a GraphQL caller either', async () => {
    const forged = await craft({ claims: { aud: 'gatehouse-management', iss: 'https://evil.example' } });
    const res = await fetch(`${server.baseUrl}/graphql`, { method: 'POST', headers: { 'content-type': 'application/json', authorization: `Bearer ${forged}` }, body: JSON.stringify({ query: '{ users { username } }' }) });
    const body = (await res.json()) as { errors: Array<{ extensions: { code: string }; message: string }> };
    assert.equal(body.errors[0]!.extensions.code, 'UNAUTHENTICATED');
    assert.match(body.errors[0]!.message, /invalid, expired or revoked/);
  });

  test('a revoked access token is inactive, and a revoked portal token no longer reaches /graphql', async () => {
    const issued = await form('/oauth2/token', { grant_type: 'client_credentials' }, basic());
    const token = issued.body.access_token as string;
    assert.equal((await introspect(token)).active, true);
    const revoked = await form('/oauth2/revoke', { token, token_type_hint: 'access_token' }, basic());
    assert.equal(revoked.status, 200);
    assert.deepEqual(await introspect(token), { active: false });

    const userToken = await login(server.baseUrl, 'admin', server.adminPassword);
    await form('/oauth2/revoke', { token: userToken, client_id: 'gatehouse-portal' });
    const me = await gqlOk(server.baseUrl, '{ me { username } }', {}, userToken);
    assert.equal(me.me, null);
    const events = await gqlOk(server.baseUrl, '{ events(types: ["TokenRevoked"]) { data } }', {}, admin);
    assert.equal(events.events.length, 2);
    assert.ok(events.events.every((e: { data: { jti: string; exp: number } }) => typeof e.data.jti === 'string' && typeof e.data.exp === 'number'));
  });

  test('client authentication failures: wrong secret and unknown client are invalid_client 401 with a Basic challenge', async () => {
    for (const authorization of [basic(consumerKey, 'wrong'), basic('unknown-client', consumerSecret)]) {
      const r = await form('/oauth2/token', { grant_type: 'client_credentials' }, authorization);
      assert.equal(r.status, 401);
      assert.equal(r.body.error, 'invalid_client');
      assert.match(r.headers.get('www-authenticate') ?? '', /^Basic/);
      assert.equal(r.headers.get('cache-control'), 'no-store');
    }
    const post = await form('/oauth2/token', { grant_type: 'client_credentials', client_id: consumerKey, client_secret: 'wrong' });
    assert.equal(post.status, 401);
    assert.equal(post.body.error, 'invalid_client');
    const introspection = await form('/oauth2/introspect', { token: 'x' }, basic(consumerKey, 'wrong'));
    assert.equal(introspection.status, 401);
  });

  test('RFC 6749 errors: missing and unsupported grant types, repeated parameters', async () => {
    assert.deepEqual((await form('/oauth2/token', {}, basic())).body.error, 'invalid_request');
    const unsupported = await form('/oauth2/token', { grant_type: 'implicit' }, basic());
    assert.equal(unsupported.status, 400);
    assert.equal(unsupported.body.error, 'unsupported_grant_type');
    const res = await fetch(`${server.baseUrl}/oauth2/token`, { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded', authorization: basic() }, body: 'grant_type=client_credentials&grant_type=password' });
    assert.equal(res.status, 400);
    assert.equal(((await res.json()) as { error: string }).error, 'invalid_request');
    const notAllowed = await form('/oauth2/token', { grant_type: 'password', username: 'admin', password: 'x' }, basic());
    assert.equal(notAllowed.body.error, 'unauthorized_client', 'the key was generated without the password grant');
  });

  test('brute force: repeated wrong passwords lock the account (even the right password is refused), recorded as events', async () => {
    await gqlOk(server.baseUrl, 'mutation { signUp(username: "mallory", password: "right-password-1") { username } }');
    const attempt = (password: string) => form('/oauth2/token', { grant_type: 'password', client_id: 'gatehouse-portal', username: 'mallory', password });
    let last = await attempt('wrong');
    for (let i = 0; i < 9 && !/locked/i.test(String(last.body.error_description)); i++) {
      assert.equal(last.status, 400);
      assert.equal(last.body.error, 'invalid_grant');
      last = await attempt('wrong');
    }
    assert.match(String(last.body.error_description), /locked/i);
    const right = await attempt('right-password-1');
    assert.equal(right.status, 400);
    assert.match(String(right.body.error_description), /locked/i);
    const events = await gqlOk(server.baseUrl, '{ events(streamId: "user-mallory") { type } }', {}, admin);
    const types = events.events.map((e: { type: string }) => e.type);
    assert.ok(types.includes('UserLoginFailed'));
    assert.ok(types.includes('UserLockedOut'));
    const users = await gqlOk(server.baseUrl, '{ users { username locked lockedUntil } }', {}, admin);
    assert.equal(users.users.find((u: { username: string }) => u.username === 'mallory').locked, true);
  });

  test('changePassword: your own needs the current password; admin may reset anyone\'s', async () => {
    await gqlOk(server.baseUrl, 'mutation { signUp(username: "dave", password: "dave-pw-1234") { username } }');
    const dave = await login(server.baseUrl, 'dave', 'dave-pw-1234');
    const wrong = await gql(server.baseUrl, 'mutation { changePassword(currentPassword: "nope", newPassword: "dave-pw-5678") { username } }', {}, dave);
    assert.equal(wrong.errors?.[0]?.extensions?.code, 'UNAUTHENTICATED');
    await gqlOk(server.baseUrl, 'mutation { changePassword(currentPassword: "dave-pw-1234", newPassword: "dave-pw-5678") { username } }', {}, dave);
    await assert.rejects(login(server.baseUrl, 'dave', 'dave-pw-1234'));
    await login(server.baseUrl, 'dave', 'dave-pw-5678');
    const notAdmin = await gql(server.baseUrl, 'mutation { changePassword(username: "admin", newPassword: "hijacked-pw-1") { username } }', {}, dave);
    assert.equal(notAdmin.errors?.[0]?.extensions?.code, 'FORBIDDEN');
    await gqlOk(server.baseUrl, 'mutation { changePassword(username: "dave", newPassword: "reset-by-admin-1") { username } }', {}, admin);
    await login(server.baseUrl, 'dave', 'reset-by-admin-1');
  });
});
