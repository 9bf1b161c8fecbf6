// The authorization_code grant with PKCE (S256) driven by a certified OpenID client library
// (openid-client v6) against `gatehouse start` in-process: sign-in page, code, tokens the
// embedded gateway accepts, and the failure paths a browser or a thief can produce.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import * as oidc from 'openid-client';
import { startBackend, type RunningBackend } from '../support/backend.ts';
import { startInProcess } from '../support/server.ts';
import { subscribedConsumer } from '../support/consumer-rig.ts';
import { gqlOk } from '../support/gql.ts';

type Running = Awaited<ReturnType<typeof startInProcess>>;
const CALLBACK = 'http://127.0.0.1:9/callback';
const insecure = { execute: [oidc.allowInsecureRequests] };

describe('authorization_code + PKCE with openid-client', () => {
  let server: Running;
  let backend: RunningBackend;
  let config: oidc.Configuration;
  let basic: string;

  before(async () => {
    [server, backend] = await Promise.all([startInProcess({ gateway: true }), startBackend()]);
    const base = server.baseUrl;
    const { appId, token: erin } = await subscribedConsumer(base, server.adminPassword, {
      api: { name: 'Orders', context: '/orders', backendUrl: backend.url, target: '/items' }, username: 'erin', password: 'erin-pw-1234',
    });
    const keys = (await gqlOk(base, 'mutation($a: ID!, $cb: String) { generateKeys(applicationId: $a, keyType: PRODUCTION, grantTypes: ["authorization_code", "refresh_token"], callbackUrl: $cb) { consumerKey consumerSecret callbackUrl } }',
      { a: appId, cb: CALLBACK }, erin)).generateKeys;
    assert.equal(keys.callbackUrl, CALLBACK);
    const listed = await gqlOk(base, '{ applications { keys { callbackUrl grantTypes } } }', {}, erin);
    assert.deepEqual(listed.applications[0].keys, [{ callbackUrl: CALLBACK, grantTypes: ['authorization_code', 'refresh_token'] }]);
    config = await oidc.discovery(new URL(base), keys.consumerKey, undefined, oidc.ClientSecretBasic(keys.consumerSecret), insecure);
    basic = `Basic ${Buffer.from(`${keys.consumerKey}:${keys.consumerSecret}`).toString('base64')}`;
  });
  after(() => Promise.all([server?.stop(), backend?.close()]));

  /** The browser: opens the authorization URL, signs in; the Location it is sent to. */
  async function browserSignIn(url: URL, password = 'erin-pw-1234'): Promise<{ status: number; location: string | null; body: string }> {
    const page = await fetch(url, { redirect: 'manual' });
    assert.equal(page.status, 200, await page.clone().text());
    const html = await page.text();
    const transaction = /name="transaction" value="([^"]+)"/.exec(html)![1]!;
    const cookie = page.headers.get('set-cookie')!.split(';')[0]!;
    const res = await fetch(new URL('/oauth2/authorize', server.baseUrl), {
      method: 'POST', redirect: 'manual',
      headers: { 'content-type': 'application/x-www-form-urlencoded', cookie },
      body: new URLSearchParams({ transaction, username: 'erin', password, action: 'login' }),
    });
    return { status: res.status, location: res.headers.get('location'), body: await res.text() };
  }

  async function authorizationUrl(extra: Record<string, string> = {}) {
    const verifier = oidc.randomPKCECodeVerifier();
    const state = oidc.randomState();
    const url = oidc.buildAuthorizationUrl(config, {
      redirect_uri: CALLBACK, scope: 'default', state,
      code_challenge: await oidc.calculatePKCECodeChallenge(verifier), code_challenge_method: 'S256', ...extra,
    });
    return { url, verifier, state };
  }

  const post = async (path: string, form: Record<string, string>) => {
    const res = await fetch(`${server.baseUrl}${path}`, { method: 'POST', headers: { authorization: basic, 'content-type': 'application/x-www-form-urlencoded' }, body: new URLSearchParams(form) });
    return { status: res.status, body: (await res.json()) as Record<string, any> };
  };
  const gateway = async (token: string) => (await fetch(`${server.gatewayUrl}/orders/1.0.0/items`, { headers: { authorization: `Bearer ${token}` } })).status;
  const refusal = (p: Promise<unknown>) => p.then(() => 'no error', (e: { error?: string }) => e.error ?? String(e));

  test('discovery: authorization endpoint, response type code, S256 only', () => {
    const meta = config.serverMetadata();
    assert.equal(meta.authorization_endpoint, `${server.baseUrl}/oauth2/authorize`);
    assert.deepEqual(meta.response_types_supported, ['code']);
    assert.deepEqual(meta.code_challenge_methods_supported, ['S256']);
    assert.ok(meta.grant_types_supported?.includes('authorization_code'));
  });

  test('full flow: sign in, code, tokens; the gateway accepts the access token; the refresh token rotates', async () => {
    const { url, verifier, state } = await authorizationUrl();
    const signIn = await browserSignIn(url);
    assert.equal(signIn.status, 303, signIn.body);
    assert.ok(signIn.location!.startsWith(`${CALLBACK}?`));
    const tokens = await oidc.authorizationCodeGrant(config, new URL(signIn.location!), { pkceCodeVerifier: verifier, expectedState: state });
    assert.equal(tokens.scope, 'default');
    const claims = JSON.parse(Buffer.from(tokens.access_token.split('.')[1]!, 'base64url').toString());
    assert.deepEqual([claims.sub, claims.keytype, claims.aut], ['erin', 'PRODUCTION', 'APPLICATION_USER']);
    assert.equal(await gateway(tokens.access_token), 200);
    const refreshed = await oidc.refreshTokenGrant(config, tokens.refresh_token!);
    assert.equal(await gateway(refreshed.access_token), 200);
  });

  test('a code used twice: the second token call fails and the first call\'s tokens are revoked', async () => {
    const { url, verifier, state } = await authorizationUrl();
    const { location } = await browserSignIn(url);
    const tokens = await oidc.authorizationCodeGrant(config, new URL(location!), { pkceCodeVerifier: verifier, expectedState: state });
    assert.equal(await gateway(tokens.access_token), 200);
    const again = await post('/oauth2/token', { grant_type: 'authorization_code', code: new URL(location!).searchParams.get('code')!, redirect_uri: CALLBACK, code_verifier: verifier });
    assert.deepEqual([again.status, again.body.error], [400, 'invalid_grant']);
    assert.deepEqual((await post('/oauth2/introspect', { token: tokens.access_token })).body, { active: false });
    assert.equal(await gateway(tokens.access_token), 401);
    assert.equal(await refusal(oidc.refreshTokenGrant(config, tokens.refresh_token!)), 'invalid_grant');
  });

  test('a wrong code_verifier is invalid_grant', async () => {
    const { url, state } = await authorizationUrl();
    const { location } = await browserSignIn(url);
    assert.equal(await refusal(oidc.authorizationCodeGrant(config, new URL(location!), { pkceCodeVerifier: oidc.randomPKCECodeVerifier(), expectedState: state })), 'invalid_grant');
  });

  test('a redirect_uri other than the registered callback is shown on the page, not redirected', async () => {
    const { url } = await authorizationUrl({ redirect_uri: 'http://127.0.0.1:9/elsewhere' });
    const res = await fetch(url, { redirect: 'manual' });
    assert.equal(res.status, 400);
    assert.equal(res.headers.get('location'), null);
    assert.match(await res.text(), /does not match the callback URL/);
  });

  test('a missing or plain code_challenge is refused back to the client with error and state', async () => {
    const cases: Array<Record<string, string>> = [{ code_challenge_method: 'plain' }, { code_challenge: '' }];
    for (const params of cases) {
      const { url, state } = await authorizationUrl(params);
      if (params.code_challenge === '') { url.searchParams.delete('code_challenge'); url.searchParams.delete('code_challenge_method'); }
      const res = await fetch(url, { redirect: 'manual' });
      assert.equal(res.status, 303);
      const back = new URL(res.headers.get('location')!);
      assert.deepEqual([`${back.origin}${back.pathname}`, back.searchParams.get('error'), back.searchParams.get('state')], [CALLBACK, 'invalid_request', state]);
    }
  });

  test('a wrong password shows the form again, with no code', async () => {
    const { url } = await authorizationUrl();
    const r = await browserSignIn(url, 'not-the-password');
    assert.equal(r.status, 401);
    assert.equal(r.location, null);
    assert.match(r.body, /Invalid user name or password/);
    assert.match(r.body, /name="transaction"/);
  });
});
