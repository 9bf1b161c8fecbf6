import assert from 'node:assert/strict';
import { test } from 'node:test';
import { principalFromJwt, refererPattern } from './claims.ts';

const verified = (payload: Record<string, unknown>) => ({ kid: 'k', alg: 'ES256', payload: { jti: 'j', ...payload } });

test('access-token claims: consumer key, key type, scopes, token type, validity', () => {
  const p = principalFromJwt(verified({ sub: 'alice', azp: 'ck', keytype: 'sandbox', scope: 'default orders:write', aut: 'APPLICATION_USER', exp: 100, application: { id: 'app-1' } }), 'OAUTH2', 30);
  assert.equal(p.consumerKey, 'ck');
  assert.equal(p.keyType, 'SANDBOX');
  assert.deepEqual([...p.scopes], ['default', 'orders:write']);
  assert.equal(p.tokenType, 'APPLICATION_USER');
  assert.equal(p.validUntilMs, 130_000);
  assert.equal(p.applicationId, 'app-1');
  assert.equal(p.subscribedApis, null, 'only API keys carry subscribedAPIs');
  assert.equal(principalFromJwt(verified({ client_id: 'ck2' }), 'OAUTH2', 0).consumerKey, 'ck2');
  assert.equal(principalFromJwt(verified({}), 'OAUTH2', 0).validUntilMs, Number.POSITIVE_INFINITY);
});

test('API-key claims: subscribedAPIs, permitted IPs (comma list or array), referers', () => {
  const p = principalFromJwt(
    verified({
      application: { uuid: 'app-1', id: 7 },
      keytype: 'PRODUCTION',
      subscribedAPIs: [{ name: 'Pizza', context: '/pizza', version: '1.0.0' }, 'junk'],
      permittedIP: '10.0.0.0/8, 192.168.1.1',
      permittedReferer: ['www.example.com/*'],
    }),
    'API_KEY',
    0,
  );
  assert.equal(p.applicationId, 'app-1');
  assert.deepEqual(p.subscribedApis, [{ id: null, name: 'Pizza', context: '/pizza', version: '1.0.0' }]);
  assert.equal(p.permittedIps?.length, 2);
  assert.equal(p.permittedReferers?.length, 1);
  assert.equal(p.consumerKey, null);
});

test('a permittedIP list of only malformed entries allows nothing, not everything', () => {
  const p = principalFromJwt(verified({ permittedIP: 'nonsense' }), 'API_KEY', 0);
  assert.deepEqual(p.permittedIps, []);
});

test('referer patterns: * is the only wildcard, the whole referer must match, scheme optional', () => {
  const re = refererPattern('www.example.com/*');
  assert.equal(re.test('https://www.example.com/page'), true);
  assert.equal(re.test('www.example.com/a/b'), true);
  assert.equal(re.test('https://evil.example/www.example.com/'), false);
  assert.equal(re.test('https://wwwXexample.com/'), false, 'dots are literal');
  assert.equal(refererPattern('*.example.com/*').test('https://api.example.com/x'), true);
});
