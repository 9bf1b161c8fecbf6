// The consumer story driven through the domain facade (createGatehouse), as the GraphQL API
// and the key manager drive it: bootstrap, create + publish an API, an application with keys,
// a subscription; tokens minted with the private half of the signing key bootstrap put in
// the key store (the test holds the key store). Then the publisher and admin commands the
// gateway must honour without restart, timed from the command returning.
import assert from 'node:assert/strict';
import { randomBytes, randomUUID } from 'node:crypto';
import { after, before, describe, test } from 'node:test';
import { importJWK, SignJWT, type CryptoKey, type JWK } from 'jose';
import type { KeyType } from '../../domain/application/events.ts';
import type { CommandContext } from '../../domain/command-handler.ts';
import type { Clock, KeyStore, Randomness } from '../../domain/ports.ts';
import { createGatehouse, type Gatehouse } from '../../domain/services/gatehouse.ts';
import { lookupFromStore } from '../../domain/services/lookup-from-store.ts';
import type { TokenSigner } from '../../domain/services/ports.ts';
import { AUDIENCE, ISSUER, startHarness, type Harness } from './gateway.harness.ts';

let h: Harness;
let g: Gatehouse;
const keys = new Map<string, Record<string, unknown>>();
let signingKid = '';
let signingKey: CryptoKey;

const admin: CommandContext = { actor: 'admin', correlationId: 'facade-test' };
const now = () => Math.floor(Date.now() / 1000);

/** Signs like the key manager: iss/aud/iat/nbf/jti added to the claims, ES256 with the current key. */
async function sign(claims: Record<string, unknown>, expiresInSeconds: number | null): Promise<{ token: string; jti: string; exp: number | null }> {
  const jti = typeof claims.jti === 'string' ? claims.jti : randomUUID();
  const exp = expiresInSeconds === null ? null : now() + expiresInSeconds;
  const jwt = new SignJWT({ ...claims })
    .setProtectedHeader({ alg: 'ES256', kid: signingKid, typ: 'JWT' })
    .setIssuer(ISSUER)
    .setAudience(AUDIENCE)
    .setIssuedAt()
    .setNotBefore(now())
    .setJti(jti);
  if (exp !== null) jwt.setExpirationTime(exp);
  return { token: await jwt.sign(signingKey), jti, exp };
}

before(async () => {
  h = await startHarness({}, { seed: false });
  const keyStore: KeyStore = {
    async putPrivateKey(kid, jwk) {
      keys.set(kid, jwk);
    },
    async getPrivateKey(kid) {
      return keys.get(kid);
    },
  };
  const hashes = new Map<string, string>();
  const clock: Clock = { now: () => new Date() };
  const random: Randomness = { uuid: randomUUID, token: (n) => randomBytes(n).toString('base64url') };
  const signer: TokenSigner = { sign: (claims, opts) => sign(claims, opts.expiresInSeconds ?? null) };
  g = createGatehouse({
    store: h.store,
    clock,
    random,
    credentials: {
      async setPasswordHash(u, x) {
        hashes.set(u, x);
      },
      async getPasswordHash(u) {
        return hashes.get(u);
      },
      async deletePasswordHash(u) {
        hashes.delete(u);
      },
    },
    keyStore,
    lookup: lookupFromStore(h.store),
    signer,
    scryptCost: 1024,
  });
  const boot = await g.bootstrap({ adminPassword: 'admin-Pa55word!' });
  signingKid = boot.signingKeyKid;
  const privateJwk = keys.get(signingKid);
  assert.ok(privateJwk, 'bootstrap stored the private signing key in the key store');
  signingKey = (await importJWK(privateJwk as JWK, String(privateJwk.alg ?? 'ES256'))) as CryptoKey;
  await h.waitForMap(boot.position);
});
after(async () => {
  await h.close();
});

interface Story {
  apiId: string;
  applicationId: string;
  subscriptionId: string;
  consumerKey: string;
  sandboxKey: string;
  base: string;
}

let n = 0;

async function story(opts: { backendJwt?: boolean } = {}): Promise<Story> {
  const i = ++n;
  const created = await g.createApi(
    {
      input: {
        name: `Orders${i}`,
        context: `/orders${i}`,
        version: '1.0.0',
        endpoints: { production: `${h.backend.url}/prod`, sandbox: `${h.backend.url}/sandbox` },
        operations: [
          { verb: 'GET', target: '/orders/{id}' },
          { verb: 'POST', target: '/orders', scopes: ['orders:write'] },
        ],
        scopes: [{ name: 'orders:write', roles: [] }],
        subscriptionPolicies: ['Gold', 'Unlimited'],
        securitySchemes: ['OAUTH2', 'API_KEY'],
        backendJwt: opts.backendJwt ?? true,
      },
    },
    admin,
  );
  const apiId = created.id;
  const app = await g.createApplication({ input: { name: `Shop${i}`, throttlingPolicy: 'Unlimited' } }, admin);
  const prod = await g.generateKeys({ applicationId: app.id, keyType: 'PRODUCTION', grantTypes: ['client_credentials'] }, admin);
  const sand = await g.generateKeys({ applicationId: app.id, keyType: 'SANDBOX', grantTypes: ['client_credentials'] }, admin);
  const published = await g.changeLifecycle({ apiId, action: 'PUBLISH' }, admin);
  const sub = await g.subscribe({ applicationId: app.id, apiId, throttlingPolicy: 'Gold' }, admin);
  await h.waitForMap(sub.position > published.position ? sub.position : published.position);
  return { apiId, applicationId: app.id, subscriptionId: sub.id, consumerKey: prod.consumerKey, sandboxKey: sand.consumerKey, base: `/orders${i}/1.0.0` };
}

/** A client-credentials access token as the key manager issues it. */
async function accessToken(consumerKey: string, keyType: KeyType, scope = 'default'): Promise<{ auth: Record<string, string>; jti: string; exp: number }> {
  const t = await sign({ sub: 'admin', azp: consumerKey, client_id: consumerKey, consumerKey, scope, keytype: keyType, aut: 'APPLICATION' }, 3600);
  return { auth: { authorization: `Bearer ${t.token}` }, jti: t.jti, exp: t.exp! };
}

describe('through the domain facade', () => {
  test('publish → subscribe → token → 200 with the backend JWT; scopes; API keys with an IP restriction', async () => {
    const s = await story();
    const { auth } = await accessToken(s.consumerKey, 'PRODUCTION');
    const r = await h.call(`${s.base}/orders/7`, { headers: auth });
    assert.equal(r.status, 200, r.text);
    const echo = h.echo(r);
    assert.equal(echo.url, '/prod/orders/7');
    assert.equal(echo.headers.authorization, undefined);
    assert.equal(typeof echo.headers['x-jwt-assertion'], 'string');

    const post = await h.call(`${s.base}/orders`, { method: 'POST', headers: auth, body: '{}' });
    assert.equal(post.status, 403);
    assert.equal(post.json<{ code: string }>().code, '900910');
    const writer = await accessToken(s.consumerKey, 'PRODUCTION', 'default orders:write');
    assert.equal((await h.call(`${s.base}/orders`, { method: 'POST', headers: writer.auth, body: '{}' })).status, 200);

    const key = await g.generateApiKey({ applicationId: s.applicationId, keyType: 'PRODUCTION', validitySeconds: 3600, permittedIPs: ['127.0.0.9'] }, admin);
    await h.waitForMap(key.position);
    const refused = await h.call(`${s.base}/orders/1`, { headers: { apikey: key.apiKey } });
    assert.equal(refused.status, 403, refused.text);
    assert.equal(refused.json<{ code: string }>().code, '900908');
    const allowed = await h.call(`${s.base}/orders/1`, { headers: { apikey: key.apiKey }, localAddress: '127.0.0.9' });
    assert.equal(allowed.status, 200, allowed.text);
    const revoked = await g.revokeApiKey({ applicationId: s.applicationId, jti: key.jti }, admin);
    await h.waitForMap(revoked.position);
    assert.equal((await h.call(`${s.base}/orders/1`, { headers: { apikey: key.apiKey }, localAddress: '127.0.0.9' })).status, 401);
  });

  test('blockSubscription(productionOnly) refuses production keys, sandbox still works; unblock restores', async () => {
    const s = await story();
    const prod = await accessToken(s.consumerKey, 'PRODUCTION');
    const sand = await accessToken(s.sandboxKey, 'SANDBOX');
    const blocked = await g.blockSubscription({ id: s.subscriptionId, productionOnly: true }, admin);
    await h.waitForMap(blocked.position);
    const r = await h.call(`${s.base}/orders/1`, { headers: prod.auth });
    assert.equal(r.status, 401);
    assert.equal(r.json<{ code: string }>().code, '900907');
    const sr = await h.call(`${s.base}/orders/1`, { headers: sand.auth });
    assert.equal(sr.status, 200);
    assert.equal(h.echo(sr).url, '/sandbox/orders/1');
    await h.waitForMap((await g.unblockSubscription({ id: s.subscriptionId }, admin)).position);
    assert.equal((await h.call(`${s.base}/orders/1`, { headers: prod.auth })).status, 200);
  });

  test('commands take effect at the gateway as soon as they return: revoke, block API, deny policy, tier change', async () => {
    const s = await story();
    const token = await accessToken(s.consumerKey, 'PRODUCTION');
    assert.equal((await h.call(`${s.base}/orders/1`, { headers: token.auth })).status, 200);

    // Embedded: the map is updated in process; no wait for the map is needed after the command.
    await g.revokeToken({ jti: token.jti, exp: token.exp }, admin);
    assert.equal((await h.call(`${s.base}/orders/1`, { headers: token.auth })).status, 401);

    const fresh = await accessToken(s.consumerKey, 'PRODUCTION');
    await g.changeLifecycle({ apiId: s.apiId, action: 'BLOCK' }, admin);
    assert.equal((await h.call(`${s.base}/orders/1`, { headers: fresh.auth })).status, 503);
    await g.changeLifecycle({ apiId: s.apiId, action: 'REPUBLISH' }, admin);
    assert.equal((await h.call(`${s.base}/orders/1`, { headers: fresh.auth })).status, 200);

    const cond = await g.addBlockingCondition({ type: 'IP', value: '127.0.0.11' }, admin);
    assert.equal((await h.call(`${s.base}/orders/1`, { headers: fresh.auth, localAddress: '127.0.0.11' })).status, 429);
    await g.removeBlockingCondition({ id: cond.id }, admin);
    assert.equal((await h.call(`${s.base}/orders/1`, { headers: fresh.auth, localAddress: '127.0.0.11' })).status, 200);

    await g.createThrottlingPolicy({ input: { level: 'SUBSCRIPTION', name: `Two${n}`, requestCount: 2, unitTime: 1, timeUnit: 'HOUR' } }, admin);
    await g.updateApi({ id: s.apiId, input: { subscriptionPolicies: ['Gold', 'Unlimited', `Two${n}`] } }, admin);
    await g.changeSubscriptionTier({ id: s.subscriptionId, throttlingPolicy: `Two${n}` }, admin);
    const statuses: number[] = [];
    for (let i = 0; i < 3; i++) statuses.push((await h.call(`${s.base}/orders/1`, { headers: fresh.auth })).status);
    assert.deepEqual(statuses, [200, 200, 429]);
  });

  test('rotating the signing key: tokens of the previous key still pass, the new key signs', async () => {
    const s = await story();
    const old = await accessToken(s.consumerKey, 'PRODUCTION');
    const rotated = await g.rotateSigningKey({}, admin);
    await h.waitForMap(rotated.position);
    assert.equal((await h.call(`${s.base}/orders/1`, { headers: old.auth })).status, 200, 'the previous key still verifies');
    signingKid = rotated.kid;
    const privateJwk = keys.get(signingKid)!;
    signingKey = (await importJWK(privateJwk as JWK, String(privateJwk.alg ?? 'ES256'))) as CryptoKey;
    const fresh = await accessToken(s.consumerKey, 'PRODUCTION');
    assert.equal((await h.call(`${s.base}/orders/1`, { headers: fresh.auth })).status, 200);
  });
});
