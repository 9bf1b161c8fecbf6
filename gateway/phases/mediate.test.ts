import assert from 'node:assert/strict';
import { test } from 'node:test';
import { apiCreated, apiPublished, applicationCreated, keysGenerated, operation, subscriptionCreated } from '../../projections/gateway-map/fixtures.ts';
import type { Principal } from '../auth/principal.ts';
import { authorize } from './authorize.ts';
import { locate } from './locate.ts';
import { mediate } from './mediate.ts';
import { route } from './route.ts';
import { header, mapOf, testContext, testGateway } from './test-context.ts';

const gw = testGateway(
  mapOf([
    apiCreated({ apiId: 'a', context: '/a', endpoints: { production: 'http://backend:9000/base/?k=v', sandbox: null }, backendJwt: true, operations: [operation('GET', '/*')] }),
    apiPublished('a'),
    apiCreated({ apiId: 'r', context: '/root', endpoints: { production: 'http://backend:9000', sandbox: null }, operations: [operation('GET', '/*', { authType: 'NONE' })] }),
    apiPublished('r'),
    applicationCreated({ applicationId: 'app' }),
    keysGenerated('app', 'ck'),
    subscriptionCreated('s', 'app', 'a'),
  ]),
);

const principal: Principal = {
  kind: 'OAUTH2', kid: 'k', jti: 'j', validUntilMs: Infinity, exp: null, subject: 'alice', consumerKey: 'ck', applicationId: null, keyType: null,
  scopes: new Set(), tokenType: 'APPLICATION', subscribedApis: null, permittedIps: null, permittedReferers: null, claims: {}, appThrottleKey: null, appThrottleKeyFor: null,
};

function mediated(url: string, headers: Record<string, string>, p: Principal | null = principal) {
  const { ctx } = testContext(gw, 'GET', url, headers);
  locate.run!(ctx);
  route.run!(ctx);
  ctx.principal = p;
  assert.equal(authorize.run!(ctx), undefined);
  if (headers.apikey === undefined && url.includes('apikey=')) ctx.apiKeyInQuery = true;
  assert.equal(mediate.run!(ctx), undefined);
  return ctx;
}

test('the backend path is the endpoint base path + the resource path; endpoint and request queries merge; apikey leaves', () => {
  assert.equal(mediated('/a/1.0.0/items/1?x=1', {}).upstreamPath, '/base/items/1?k=v&x=1');
  assert.equal(mediated('/a/1.0.0', {}).upstreamPath, '/base?k=v');
  assert.equal(mediated('/a/1.0.0/i?apikey=secret&x=1', {}).upstreamPath, '/base/i?k=v&x=1');
  assert.equal(mediated('/root/1.0.0', {}, null).upstreamPath, '/');
  assert.equal(mediated('/root/1.0.0?q=1', {}, null).upstreamPath, '/?q=1');
});

test('headers: correlation id, forwarded-for chain, backend JWT; no client credentials', () => {
  const ctx = mediated('/a/1.0.0/x', { authorization: 'Bearer t', 'x-forwarded-for': '203.0.113.9', host: 'gw.example', accept: 'text/plain' });
  const h = ctx.upstreamHeaders!;
  assert.equal(header(h, 'x-correlation-id'), 'corr-1');
  assert.equal(header(h, 'x-forwarded-for'), '203.0.113.9, 127.0.0.1');
  assert.equal(header(h, 'x-forwarded-host'), 'gw.example');
  assert.equal(header(h, 'accept'), 'text/plain');
  assert.equal(header(h, 'authorization'), undefined);
  assert.equal(header(h, 'host'), undefined);
  assert.match(header(h, 'x-jwt-assertion') ?? '', /^[\w-]+\.[\w-]+\.[\w-]+$/);
});
