import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { GatehouseEvent } from '../../domain/events.ts';
import type { SubscriptionStatus } from '../../domain/subscription/events.ts';
import { apiCreated, apiPublished, applicationCreated, keysGenerated, operation, subscriptionCreated } from '../../projections/gateway-map/fixtures.ts';
import type { Principal } from '../auth/principal.ts';
import { errors } from '../errors.ts';
import { parseIpRange, type IpRange } from '../http/ip.ts';
import { authorize } from './authorize.ts';
import { locate } from './locate.ts';
import { route } from './route.ts';
import { mapOf, testContext, testGateway } from './test-context.ts';

function world(status: SubscriptionStatus, extra: GatehouseEvent[] = []) {
  return testGateway(
    mapOf([
      apiCreated({ apiId: 'a', context: '/a', endpoints: { production: 'http://prod', sandbox: 'http://sandbox' }, operations: [operation('GET', '/x'), operation('GET', '/admin', { scopes: ['admin'] }), operation('GET', '/user', { authType: 'APPLICATION_USER' })] }),
      apiPublished('a'),
      apiCreated({ apiId: 'p', context: '/prod-only', endpoints: { production: 'http://prod', sandbox: null } }),
      apiPublished('p'),
      applicationCreated({ applicationId: 'app' }),
      keysGenerated('app', 'ck-p', 'PRODUCTION'),
      keysGenerated('app', 'ck-s', 'SANDBOX'),
      subscriptionCreated('s', 'app', 'a', 'Gold', status),
      subscriptionCreated('s2', 'app', 'p', 'Gold', 'UNBLOCKED'),
      ...extra,
    ]),
  );
}

const oauth = (consumerKey: string, over: Partial<Principal> = {}): Principal => ({
  kind: 'OAUTH2', kid: 'k', jti: 'j', validUntilMs: Infinity, exp: null, subject: 'alice', consumerKey, applicationId: null, keyType: null,
  scopes: new Set(['default']), tokenType: 'APPLICATION', subscribedApis: null, permittedIps: null, permittedReferers: null, claims: {}, appThrottleKey: null, appThrottleKeyFor: null, ...over,
});

function check(gw: ReturnType<typeof world>, url: string, p: Principal, headers: Record<string, string> = {}, ip = '127.0.0.1') {
  const { ctx } = testContext(gw, 'GET', url, headers, ip);
  locate.run!(ctx);
  route.run!(ctx);
  ctx.principal = p;
  return { result: authorize.run!(ctx), ctx };
}

test('an UNBLOCKED subscription passes; the key type picks the endpoint', () => {
  const gw = world('UNBLOCKED');
  const prod = check(gw, '/a/1.0.0/x', oauth('ck-p'));
  assert.equal(prod.result, undefined);
  assert.equal(prod.ctx.endpoint, 'http://prod');
  assert.equal(prod.ctx.tier, 'Gold');
  assert.equal(check(gw, '/a/1.0.0/x', oauth('ck-s')).ctx.endpoint, 'http://sandbox');
});

test('subscription status semantics: 900907, 900909; PROD_ONLY_BLOCKED spares sandbox keys; TIER_UPDATE_PENDING passes', () => {
  assert.equal(check(world('BLOCKED'), '/a/1.0.0/x', oauth('ck-s')).result, errors.subscriptionBlocked);
  assert.equal(check(world('PROD_ONLY_BLOCKED'), '/a/1.0.0/x', oauth('ck-p')).result, errors.subscriptionBlocked);
  assert.equal(check(world('PROD_ONLY_BLOCKED'), '/a/1.0.0/x', oauth('ck-s')).result, undefined);
  assert.equal(check(world('ON_HOLD'), '/a/1.0.0/x', oauth('ck-p')).result, errors.subscriptionInactive);
  assert.equal(check(world('REJECTED'), '/a/1.0.0/x', oauth('ck-p')).result, errors.subscriptionInactive);
  assert.equal(check(world('TIER_UPDATE_PENDING'), '/a/1.0.0/x', oauth('ck-p')).result, undefined);
});

test('unknown consumer key → 900901; not subscribed → 900908; no endpoint for the key type → 900901', () => {
  const gw = world('UNBLOCKED', [applicationCreated({ applicationId: 'other' }), keysGenerated('other', 'ck-o')]);
  assert.equal(check(gw, '/a/1.0.0/x', oauth('nobody')).result, errors.invalidCredentials);
  assert.equal(check(gw, '/a/1.0.0/x', oauth('ck-o')).result, errors.notSubscribed);
  assert.equal(check(gw, '/prod-only/1.0.0/x', oauth('ck-s')).result, errors.noEndpointForKeyType);
});

test('scopes (900910) and token type versus auth type (900905)', () => {
  const gw = world('UNBLOCKED');
  assert.equal(check(gw, '/a/1.0.0/admin', oauth('ck-p')).result, errors.scopeNotAllowed);
  assert.equal(check(gw, '/a/1.0.0/admin', oauth('ck-p', { scopes: new Set(['admin']) })).result, undefined);
  assert.equal(check(gw, '/a/1.0.0/user', oauth('ck-p')).result, errors.incorrectTokenType);
  assert.equal(check(gw, '/a/1.0.0/user', oauth('ck-p', { tokenType: 'APPLICATION_USER' })).result, undefined);
});

test('API keys: subscribedAPIs must cover the API; permitted IPs and referers', () => {
  const gw = world('UNBLOCKED');
  const key = (over: Partial<Principal>) => oauth('', { kind: 'API_KEY', consumerKey: null, applicationId: 'app', keyType: 'PRODUCTION', subscribedApis: [{ id: null, name: 'x', context: '/a', version: '1.0.0' }], ...over });
  assert.equal(check(gw, '/a/1.0.0/x', key({})).result, undefined);
  assert.equal(check(gw, '/a/1.0.0/x', key({ subscribedApis: [{ id: 'a', name: null, context: null, version: null }] })).result, undefined, 'by API id');
  assert.equal(check(gw, '/a/1.0.0/x', key({ subscribedApis: [] })).result, errors.apiKeyForbidden);
  const ips: IpRange[] = [parseIpRange('10.0.0.0/8')!];
  assert.equal(check(gw, '/a/1.0.0/x', key({ permittedIps: ips })).result, errors.apiKeyForbidden);
  assert.equal(check(gw, '/a/1.0.0/x', key({ permittedIps: ips }), {}, '10.2.3.4').result, undefined);
  const referers = [/^(?:https?:\/\/)?app\.example\/.*$/];
  assert.equal(check(gw, '/a/1.0.0/x', key({ permittedReferers: referers })).result, errors.apiKeyForbidden);
  assert.equal(check(gw, '/a/1.0.0/x', key({ permittedReferers: referers }), { referer: 'https://app.example/p' }).result, undefined);
});
