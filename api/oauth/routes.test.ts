import { describe, test, after } from 'node:test';
import assert from 'node:assert/strict';
import Fastify from 'fastify';
import { createMetrics } from '../ops/metrics.ts';
import { unsupportedGrantType } from './errors.ts';
import type { KeyManager } from './key-manager.ts';
import type { KeyRing } from './keyring.ts';
import { oauthRoutes } from './routes.ts';
import { TOKEN_PATH } from './constants.ts';

describe('token endpoint metrics', () => {
  const metrics = createMetrics();
  const keyManager = {
    async token(_client, body) {
      if (body.grant_type !== 'client_credentials') throw unsupportedGrantType(`Unsupported grant_type ${String(body.grant_type)}`);
      return { access_token: 'x', token_type: 'Bearer', expires_in: 60, scope: 'default' };
    },
  } as Pick<KeyManager, 'token'> as KeyManager;
  const app = Fastify();
  after(() => app.close());

  test('grant_type label: known grants by name, anything else as one bounded label', async () => {
    await app.register(oauthRoutes, { keyManager, ring: {} as KeyRing, issuer: () => 'http://issuer', metrics });
    const post = (body: string) => app.inject({ method: 'POST', url: TOKEN_PATH, headers: { 'content-type': 'application/x-www-form-urlencoded' }, payload: body });
    assert.equal((await post('grant_type=client_credentials&client_id=c&client_secret=s')).statusCode, 200);
    for (let i = 0; i < 3; i++) assert.equal((await post(`grant_type=made-up-${i}&client_id=c&client_secret=s`)).statusCode, 400);
    assert.equal((await post('client_id=c&client_secret=s')).statusCode, 400);
    const text = await metrics.registry.metrics();
    assert.match(text, /gatehouse_oauth_token_requests_total\{grant_type="client_credentials",outcome="issued"\} 1/);
    assert.match(text, /gatehouse_oauth_token_requests_total\{grant_type="unsupported",outcome="unsupported_grant_type"\} 3/);
    assert.match(text, /gatehouse_oauth_token_requests_total\{grant_type="none",outcome="unsupported_grant_type"\} 1/);
    assert.doesNotMatch(text, /made-up/);
  });
});
