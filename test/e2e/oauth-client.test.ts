// The key manager driven by a certified OpenID client library used as a black box
// (openid-client v6): discovery, client_credentials, password + refresh rotation, revocation,
// introspection; issued tokens verified by jose against /oauth2/jwks only.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import * as oidc from 'openid-client';
import { createRemoteJWKSet, decodeProtectedHeader, jwtVerify } from 'jose';
import { startInProcess } from '../support/server.ts';
import { gqlOk, login } from '../support/gql.ts';

type Running = Awaited<ReturnType<typeof startInProcess>>;

const insecure = { execute: [oidc.allowInsecureRequests] };

async function refusal(p: Promise<unknown>): Promise<string> {
  try {
    await p;
  } catch (e) {
    return (e as { error?: string }).error ?? String(e);
  }
  return 'no error';
}

describe('key manager with openid-client', () => {
  let server: Running;
  let consumerKey: string;
  let consumerSecret: string;

  before(async () => {
    server = await startInProcess();
    const admin = await login(server.baseUrl, 'admin', server.adminPassword);
    await gqlOk(server.baseUrl, 'mutation { signUp(username: "carol", password: "carol-pw-123") { username } }');
    const carol = await login(server.baseUrl, 'carol', 'carol-pw-123');
    const apps = await gqlOk(server.baseUrl, '{ applications { id name } }', {}, carol);
    const keys = await gqlOk(server.baseUrl, 'mutation($a: ID!) { generateKeys(applicationId: $a, keyType: PRODUCTION, grantTypes: ["client_credentials", "password", "refresh_token"], tokenValiditySeconds: 900) { consumerKey consumerSecret } }', { a: apps.applications[0].id }, carol);
    ({ consumerKey, consumerSecret } = keys.generateKeys);
    assert.ok(admin);
  });
  after(() => server.stop());

  const discover = (auth: oidc.ClientAuth, clientId = consumerKey) =>
    oidc.discovery(new URL(server.baseUrl), clientId, undefined, auth, insecure);

  test('discovery: both well-known documents describe this issuer', async () => {
    const config = await discover(oidc.ClientSecretBasic(consumerSecret));
    const meta = config.serverMetadata();
    assert.equal(meta.issuer, server.baseUrl);
    assert.equal(meta.token_endpoint, `${server.baseUrl}/oauth2/token`);
    assert.equal(meta.jwks_uri, `${server.baseUrl}/oauth2/jwks`);
    assert.equal(meta.revocation_endpoint, `${server.baseUrl}/oauth2/revoke`);
    assert.equal(meta.introspection_endpoint, `${server.baseUrl}/oauth2/introspect`);
    const rfc8414 = await (await fetch(`${server.baseUrl}/.well-known/oauth-authorization-server`)).json();
    assert.equal((rfc8414 as { issuer: string }).issuer, server.baseUrl);
  });

  test('client_credentials (Basic and post): a JWT that jose verifies against the JWKS alone', async () => {
    const jwks = createRemoteJWKSet(new URL(`${server.baseUrl}/oauth2/jwks`));
    for (const auth of [oidc.ClientSecretBasic(consumerSecret), oidc.ClientSecretPost(consumerSecret)]) {
      const config = await discover(auth);
      const tokens = await oidc.clientCredentialsGrant(config);
      assert.equal(tokens.token_type.toLowerCase(), 'bearer');
      assert.equal(tokens.expires_in, 900);
      assert.equal(tokens.refresh_token, undefined);
      const { payload, protectedHeader } = await jwtVerify(tokens.access_token, jwks, { issuer: server.baseUrl, audience: 'gatehouse-gateway' });
      assert.ok(['ES256', 'EdDSA'].includes(protectedHeader.alg));
      assert.equal(typeof protectedHeader.kid, 'string');
      for (const claim of ['iss', 'sub', 'aud', 'exp', 'iat', 'nbf', 'jti', 'azp', 'scope', 'keytype', 'application']) assert.ok(claim in payload, claim);
      assert.equal(payload.azp, consumerKey);
      assert.equal(payload.sub, 'carol');
      assert.equal(payload.keytype, 'PRODUCTION');
      assert.deepEqual(Object.keys(payload.application as object).sort(), ['id', 'name', 'owner', 'tier', 'uuid']);
      assert.equal((payload.application as { owner: string }).owner, 'carol');
    }
  });

  test('introspection then revocation: active, then inactive', async () => {
    const config = await discover(oidc.ClientSecretBasic(consumerSecret));
    const { access_token } = await oidc.clientCredentialsGrant(config);
    const active = await oidc.tokenIntrospection(config, access_token);
    assert.equal(active.active, true);
    assert.equal(active.client_id, consumerKey);
    assert.equal(active.token_type, 'Bearer');
    await oidc.tokenRevocation(config, access_token);
    const inactive = await oidc.tokenIntrospection(config, access_token);
    assert.equal(inactive.active, false);
    // revoking an unknown token is not an error (RFC 7009 §2.2)
    await oidc.tokenRevocation(config, 'not-a-token');
  });

  test('password grant + refresh: rotation, and reuse of a rotated token revokes the family', async () => {
    const config = await discover(oidc.ClientSecretBasic(consumerSecret));
    const first = await oidc.genericGrantRequest(config, 'password', { username: 'carol', password: 'carol-pw-123' });
    assert.ok(first.refresh_token);
    const second = await oidc.refreshTokenGrant(config, first.refresh_token!);
    assert.ok(second.refresh_token);
    assert.notEqual(second.refresh_token, first.refresh_token);
    assert.notEqual(second.access_token, first.access_token);
    assert.equal(await refusal(oidc.refreshTokenGrant(config, first.refresh_token!)), 'invalid_grant', 'reuse is refused');
    assert.equal(await refusal(oidc.refreshTokenGrant(config, second.refresh_token!)), 'invalid_grant', 'and the whole family is dead');
  });

  test('the portals public client: password login, refresh, and refresh-token revocation', async () => {
    const portal = await oidc.discovery(new URL(server.baseUrl), 'gatehouse-portal', undefined, oidc.None(), insecure);
    const login1 = await oidc.genericGrantRequest(portal, 'password', { username: 'carol', password: 'carol-pw-123' });
    const me = await gqlOk(server.baseUrl, '{ me { username } }', {}, login1.access_token);
    assert.equal(me.me.username, 'carol');
    const refreshed = await oidc.refreshTokenGrant(portal, login1.refresh_token!);
    await oidc.tokenRevocation(portal, refreshed.refresh_token!);
    assert.equal(await refusal(oidc.refreshTokenGrant(portal, refreshed.refresh_token!)), 'invalid_grant');
    // an application cannot use another client's refresh token
    const login2 = await oidc.genericGrantRequest(portal, 'password', { username: 'carol', password: 'carol-pw-123' });
    const app = await discover(oidc.ClientSecretBasic(consumerSecret));
    assert.equal(await refusal(oidc.refreshTokenGrant(app, login2.refresh_token!)), 'invalid_grant');
  });

  test('signing-key rotation: new tokens use the new kid, old tokens still verify (previous key in the JWKS)', async () => {
    const config = await discover(oidc.ClientSecretBasic(consumerSecret));
    const before = await oidc.clientCredentialsGrant(config);
    const admin = await login(server.baseUrl, 'admin', server.adminPassword);
    const rotated = await gqlOk(server.baseUrl, 'mutation { rotateSigningKey { kid status alg } }', {}, admin);
    assert.equal(rotated.rotateSigningKey.status, 'CURRENT');
    const after = await oidc.clientCredentialsGrant(config);
    assert.equal(decodeProtectedHeader(after.access_token).kid, rotated.rotateSigningKey.kid);
    const jwks = createRemoteJWKSet(new URL(`${server.baseUrl}/oauth2/jwks`));
    for (const t of [before.access_token, after.access_token]) {
      await jwtVerify(t, jwks, { issuer: server.baseUrl, audience: 'gatehouse-gateway' });
    }
    const keys = (await (await fetch(`${server.baseUrl}/oauth2/jwks`)).json()) as { keys: Array<{ kid: string; d?: string }> };
    assert.equal(keys.keys.length, 2);
    assert.ok(keys.keys.every((k) => k.d === undefined), 'no private member is published');
  });
});
