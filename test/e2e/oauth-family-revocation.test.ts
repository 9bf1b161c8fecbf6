// A stolen refresh token comes back after its rotation: reuse detection kills the family and,
// with it, every access token issued from the family (they would otherwise live up to their
// expiry). Through the real key manager, introspection and the embedded gateway.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { startBackend, type RunningBackend } from '../support/backend.ts';
import { startInProcess } from '../support/server.ts';
import { subscribedConsumer } from '../support/consumer-rig.ts';
import { gqlOk } from '../support/gql.ts';

type Running = Awaited<ReturnType<typeof startInProcess>>;
let server: Running;
let backend: RunningBackend;
let basic: string;

before(async () => {
  [server, backend] = await Promise.all([startInProcess({ gateway: true }), startBackend()]);
  const base = server.baseUrl;
  const { appId, token: dana } = await subscribedConsumer(base, server.adminPassword, {
    api: { name: 'Vault', context: '/vault', backendUrl: backend.url, target: '/secrets' }, username: 'dana', password: 'dana-pw-1234',
  });
  const keys = await gqlOk(base, `mutation { generateKeys(applicationId: "${appId}", keyType: PRODUCTION, grantTypes: ["password", "refresh_token"]) { consumerKey consumerSecret } }`, {}, dana);
  basic = `Basic ${Buffer.from(`${keys.generateKeys.consumerKey}:${keys.generateKeys.consumerSecret}`).toString('base64')}`;
});
after(() => Promise.all([server?.stop(), backend?.close()]));

async function oauth(path: string, form: Record<string, string>): Promise<{ status: number; body: Record<string, any> }> {
  const res = await fetch(`${server.baseUrl}${path}`, { method: 'POST', headers: { authorization: basic, 'content-type': 'application/x-www-form-urlencoded' }, body: new URLSearchParams(form) });
  return { status: res.status, body: (await res.json()) as Record<string, any> };
}

async function callGateway(accessToken: string): Promise<{ status: number; code?: string }> {
  const res = await fetch(`${server.gatewayUrl}/vault/1.0.0/secrets`, { headers: { authorization: `Bearer ${accessToken}` } });
  const body = (await res.json()) as { code?: string | number };
  return { status: res.status, ...(body.code !== undefined ? { code: String(body.code) } : {}) };
}

test('reuse of a rotated refresh token: the access tokens of the family introspect inactive and the gateway refuses them (401)', async () => {
  const first = await oauth('/oauth2/token', { grant_type: 'password', username: 'dana', password: 'dana-pw-1234' });
  assert.equal(first.status, 200, JSON.stringify(first.body));
  const second = await oauth('/oauth2/token', { grant_type: 'refresh_token', refresh_token: first.body.refresh_token });
  assert.equal(second.status, 200, JSON.stringify(second.body));
  const accessTokens = [first.body.access_token as string, second.body.access_token as string];
  // the control: both work before the theft is detected
  for (const at of accessTokens) {
    assert.equal((await oauth('/oauth2/introspect', { token: at })).body.active, true);
    assert.equal((await callGateway(at)).status, 200);
  }

  // the attacker replays the stolen (rotated-away) refresh token
  const reuse = await oauth('/oauth2/token', { grant_type: 'refresh_token', refresh_token: first.body.refresh_token });
  assert.deepEqual([reuse.status, reuse.body.error], [400, 'invalid_grant']);

  // the response came after the revocations reached the views: no wait needed
  for (const at of accessTokens) {
    assert.deepEqual((await oauth('/oauth2/introspect', { token: at })).body, { active: false });
    assert.deepEqual(await callGateway(at), { status: 401, code: '900901' });
  }
  const again = await oauth('/oauth2/token', { grant_type: 'refresh_token', refresh_token: second.body.refresh_token });
  assert.deepEqual([again.status, again.body.error], [400, 'invalid_grant'], 'the newest refresh token is dead too');
});

test('revoking a refresh token (RFC 7009) revokes the access token issued with it', async () => {
  const issued = await oauth('/oauth2/token', { grant_type: 'password', username: 'dana', password: 'dana-pw-1234' });
  assert.equal((await callGateway(issued.body.access_token)).status, 200);
  const revoke = await fetch(`${server.baseUrl}/oauth2/revoke`, { method: 'POST', headers: { authorization: basic, 'content-type': 'application/x-www-form-urlencoded' }, body: new URLSearchParams({ token: issued.body.refresh_token }) });
  assert.equal(revoke.status, 200);
  assert.deepEqual((await oauth('/oauth2/introspect', { token: issued.body.access_token })).body, { active: false });
  assert.deepEqual(await callGateway(issued.body.access_token), { status: 401, code: '900901' });
});
