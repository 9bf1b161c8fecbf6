// updateKeys end to end against `gatehouse start` in-process: keys generated for
// client_credentials only cannot start the authorization_code flow (no callback URL); after
// updateKeys adds the grant and a callback URL, the same consumer key and secret run it at once
// (read-your-writes), with the new token validity, and tokens issued before stay valid.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { createHash, randomBytes } from 'node:crypto';
import { startInProcess } from '../support/server.ts';
import { codeOf, gql, gqlOk, login } from '../support/gql.ts';

type Running = Awaited<ReturnType<typeof startInProcess>>;
const CALLBACK = 'http://127.0.0.1:9/callback';
const KEYS = 'applicationId keyType consumerKey grantTypes tokenValiditySeconds callbackUrl streamVersion position';
const UPDATE = `mutation($a: ID!, $g: [String!], $v: Int, $cb: String) {
  updateKeys(applicationId: $a, keyType: PRODUCTION, grantTypes: $g, tokenValiditySeconds: $v, callbackUrl: $cb) { ${KEYS} } }`;

describe('updateKeys: adding authorization_code to existing keys', () => {
  let server: Running;
  let erin: string;
  let appId: string;
  let keys: { consumerKey: string; consumerSecret: string };
  let basic: string;

  before(async () => {
    server = await startInProcess();
    const base = server.baseUrl;
    await gqlOk(base, 'mutation { signUp(username: "erin", password: "erin-pw-1234") { username } }');
    await gqlOk(base, 'mutation { signUp(username: "frank", password: "frank-pw-1234") { username } }');
    erin = await login(base, 'erin', 'erin-pw-1234');
    appId = (await gqlOk(base, '{ applications { id } }', {}, erin)).applications[0].id as string;
    keys = (await gqlOk(base, 'mutation($a: ID!) { generateKeys(applicationId: $a, keyType: PRODUCTION, grantTypes: ["client_credentials"]) { consumerKey consumerSecret callbackUrl } }',
      { a: appId }, erin)).generateKeys;
    basic = `Basic ${Buffer.from(`${keys.consumerKey}:${keys.consumerSecret}`).toString('base64')}`;
  });
  after(() => server?.stop());

  const post = async (path: string, form: Record<string, string>) => {
    const res = await fetch(`${server.baseUrl}${path}`, { method: 'POST', headers: { authorization: basic, 'content-type': 'application/x-www-form-urlencoded' }, body: new URLSearchParams(form) });
    return { status: res.status, body: (await res.json()) as Record<string, any> };
  };

  function authorizeUrl(verifier: string, state: string): URL {
    const url = new URL('/oauth2/authorize', server.baseUrl);
    const challenge = createHash('sha256').update(verifier).digest('base64url');
    for (const [k, v] of Object.entries({ response_type: 'code', client_id: keys.consumerKey, redirect_uri: CALLBACK, scope: 'default', state, code_challenge: challenge, code_challenge_method: 'S256' })) {
      url.searchParams.set(k, v);
    }
    return url;
  }

  test('client_credentials keys → error page; updateKeys (owner only) → the authorize flow redirects with a code; same key and secret', async () => {
    const base = server.baseUrl;
    const before = await post('/oauth2/token', { grant_type: 'client_credentials' });
    assert.equal(before.status, 200, JSON.stringify(before.body));
    assert.equal(before.body.expires_in, 3600, 'server default validity');

    const verifier = randomBytes(32).toString('base64url');
    const refused = await fetch(authorizeUrl(verifier, 's1'), { redirect: 'manual' });
    assert.equal(refused.status, 400);
    assert.equal(refused.headers.get('location'), null, 'shown on the page, never redirected');
    assert.match(await refused.text(), /no callback URL registered/);

    const frank = await login(base, 'frank', 'frank-pw-1234');
    const foreign = await gql(base, UPDATE, { a: appId, g: ['authorization_code'], cb: 'https://evil.example/cb' }, frank);
    assert.equal(codeOf(foreign), 'FORBIDDEN', JSON.stringify(foreign.errors));
    const withoutCallback = await gql(base, UPDATE, { a: appId, g: ['client_credentials', 'authorization_code'] }, erin);
    assert.equal(codeOf(withoutCallback), 'BAD_USER_INPUT');
    assert.match(withoutCallback.errors![0]!.message, /callbackUrl/);

    const updated = (await gqlOk(base, UPDATE, { a: appId, g: ['client_credentials', 'authorization_code', 'refresh_token'], v: 900, cb: CALLBACK }, erin)).updateKeys;
    assert.deepEqual(
      { ...updated, position: typeof updated.position },
      { applicationId: appId, keyType: 'PRODUCTION', consumerKey: keys.consumerKey, grantTypes: ['client_credentials', 'authorization_code', 'refresh_token'], tokenValiditySeconds: 900, callbackUrl: CALLBACK, streamVersion: updated.streamVersion, position: 'string' },
    );
    const listed = (await gqlOk(base, '{ applications { keys { consumerKey grantTypes tokenValiditySeconds callbackUrl } } }', {}, erin)).applications[0].keys;
    assert.deepEqual(listed, [{ consumerKey: keys.consumerKey, grantTypes: ['client_credentials', 'authorization_code', 'refresh_token'], tokenValiditySeconds: 900, callbackUrl: CALLBACK }]);

    // Immediately (no waiting beyond the mutation): the sign-in page, then a redirect with a code.
    const page = await fetch(authorizeUrl(verifier, 's2'), { redirect: 'manual' });
    const html = await page.text();
    assert.equal(page.status, 200, html);
    const transaction = /name="transaction" value="([^"]+)"/.exec(html)![1]!;
    const signIn = await fetch(new URL('/oauth2/authorize', base), {
      method: 'POST', redirect: 'manual',
      headers: { 'content-type': 'application/x-www-form-urlencoded', cookie: page.headers.get('set-cookie')!.split(';')[0]! },
      body: new URLSearchParams({ transaction, username: 'erin', password: 'erin-pw-1234', action: 'login' }),
    });
    assert.equal(signIn.status, 303, await signIn.text());
    const back = new URL(signIn.headers.get('location')!);
    assert.equal(`${back.origin}${back.pathname}`, CALLBACK);
    assert.equal(back.searchParams.get('state'), 's2');
    const code = back.searchParams.get('code');
    assert.ok(code, back.href);

    // The unchanged secret buys tokens with the code, valid for the new 900 s.
    const tokens = await post('/oauth2/token', { grant_type: 'authorization_code', code, redirect_uri: CALLBACK, code_verifier: verifier });
    assert.equal(tokens.status, 200, JSON.stringify(tokens.body));
    assert.equal(tokens.body.expires_in, 900);
    assert.ok(tokens.body.refresh_token, 'refresh_token grant added too');
    // A token issued before the update stays valid.
    assert.equal((await post('/oauth2/introspect', { token: before.body.access_token })).body.active, true);

    // Nothing to change: nothing appended, the same stream version.
    const again = (await gqlOk(base, UPDATE, { a: appId, v: 900, cb: CALLBACK }, erin)).updateKeys;
    assert.equal(again.streamVersion, updated.streamVersion);
    assert.equal(again.consumerKey, keys.consumerKey);
  });
});
