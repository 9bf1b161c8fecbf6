import assert from 'node:assert/strict';
import { test } from 'node:test';
import { exportJWK, generateKeyPair, SignJWT } from 'jose';
import { apiCreated, apiPublished, operation, signingKeyAdded } from '../../projections/gateway-map/fixtures.ts';
import { errors } from '../errors.ts';
import { authenticate } from './authenticate.ts';
import { locate } from './locate.ts';
import { route } from './route.ts';
import { mapOf, testContext, testGateway } from './test-context.ts';

const { publicKey, privateKey } = await generateKeyPair('ES256', { extractable: true });
const view = mapOf([
  signingKeyAdded('k1', { ...(await exportJWK(publicKey)), kid: 'k1', alg: 'ES256' }),
  apiCreated({ apiId: 'a', context: '/a', operations: [operation('GET', '/secure'), operation('GET', '/open', { authType: 'NONE' })], securitySchemes: ['OAUTH2', 'API_KEY'] }),
  apiPublished('a'),
  apiCreated({ apiId: 'o', context: '/oauth-only', securitySchemes: ['OAUTH2'] }),
  apiPublished('o'),
]);
const gw = testGateway(view);
const token = (claims: Record<string, unknown> = {}) =>
  new SignJWT({ iss: 'https://issuer.test', aud: 'gatehouse-gateway', sub: 'alice', jti: crypto.randomUUID(), exp: Math.floor(Date.now() / 1000) + 60, azp: 'ck', ...claims }).setProtectedHeader({ alg: 'ES256', kid: 'k1' }).sign(privateKey);

function routed(url: string, headers: Record<string, string>) {
  const { ctx } = testContext(gw, 'GET', url, headers);
  locate.run!(ctx);
  route.run!(ctx);
  return ctx;
}

async function authenticateAt(url: string, headers: Record<string, string>) {
  const ctx = routed(url, headers);
  return { ctx, result: await authenticate.run!(ctx) };
}

test('a Bearer token is verified once, then served from the cache', async () => {
  const t = await token();
  const first = await authenticateAt('/a/1.0.0/secure', { authorization: `Bearer ${t}` });
  assert.equal(first.result, undefined);
  assert.equal(first.ctx.principal?.consumerKey, 'ck');
  const second = routed('/a/1.0.0/secure', { authorization: `Bearer ${t}` });
  assert.equal(authenticate.run!(second), undefined, 'a cached token is answered synchronously');
  assert.equal(second.principal, first.ctx.principal);
  const lower = await authenticateAt('/a/1.0.0/secure', { authorization: `bearer ${t}` });
  assert.equal(lower.result, undefined, 'the scheme is case-insensitive');
});

test('missing, non-Bearer, garbage and revoked credentials', async () => {
  assert.equal((await authenticateAt('/a/1.0.0/secure', {})).result, errors.missingCredentials);
  assert.equal((await authenticateAt('/a/1.0.0/secure', { authorization: 'Basic abc' })).result, errors.missingCredentials);
  assert.equal((await authenticateAt('/a/1.0.0/secure', { authorization: 'Bearer x.y.z' })).result, errors.invalidCredentials);
  const jti = 'revoked-jti';
  const t = await token({ jti });
  assert.equal((await authenticateAt('/a/1.0.0/secure', { authorization: `Bearer ${t}` })).result, undefined);
  view.revokedJtis.set(jti, null);
  assert.equal((await authenticateAt('/a/1.0.0/secure', { authorization: `Bearer ${t}` })).result, errors.invalidCredentials, 'revocation is checked on cache hits');
});

test('API keys from the header or the query; only where the API accepts them', async () => {
  const k = await token({ azp: undefined });
  const header = await authenticateAt('/a/1.0.0/secure', { apikey: k });
  assert.equal(header.result, undefined);
  assert.equal(header.ctx.principal?.kind, 'API_KEY');
  const query = await authenticateAt(`/a/1.0.0/secure?apikey=${k}`, {});
  assert.equal(query.result, undefined);
  assert.equal(query.ctx.apiKeyInQuery, true);
  assert.equal((await authenticateAt('/oauth-only/1.0.0/x', { apikey: k })).result, errors.missingCredentials);
});

test('auth type NONE needs no credentials', async () => {
  const { result, ctx } = await authenticateAt('/a/1.0.0/open', {});
  assert.equal(result, undefined);
  assert.equal(ctx.principal, null);
});
