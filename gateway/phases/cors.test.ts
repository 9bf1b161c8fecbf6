import assert from 'node:assert/strict';
import { test } from 'node:test';
import { apiCreated, apiPublished, operation } from '../../projections/gateway-map/fixtures.ts';
import { RESPONDED } from '../phase.ts';
import { allowedOrigin, cors } from './cors.ts';
import { locate } from './locate.ts';
import { header, mapOf, testContext, testGateway } from './test-context.ts';

const policy = { enabled: true, allowOrigins: ['https://a.example'], allowCredentials: false, allowHeaders: [], allowMethods: [] };
const gw = testGateway(mapOf([apiCreated({ apiId: 'c', context: '/c', cors: policy, operations: [operation('GET', '/x'), operation('PUT', '/x')] }), apiPublished('c')]));

test('allowedOrigin: listed origins, * without credentials, echo with credentials', () => {
  assert.equal(allowedOrigin(policy, 'https://a.example'), 'https://a.example');
  assert.equal(allowedOrigin(policy, 'https://b.example'), null);
  assert.equal(allowedOrigin({ ...policy, allowOrigins: ['*'] }, 'https://b.example'), '*');
  assert.equal(allowedOrigin({ ...policy, allowOrigins: ['*'], allowCredentials: true }, 'https://b.example'), 'https://b.example');
});

test('a preflight is answered with the verbs of the API when allowMethods is empty, and echoes requested headers', () => {
  const { ctx, response } = testContext(gw, 'OPTIONS', '/c/1.0.0/x', { origin: 'https://a.example', 'access-control-request-method': 'PUT', 'access-control-request-headers': 'authorization' });
  locate.run!(ctx);
  assert.equal(cors.run!(ctx), RESPONDED);
  assert.equal(response.status, 204);
  assert.equal(header(response.headers, 'access-control-allow-origin'), 'https://a.example');
  assert.equal(header(response.headers, 'access-control-allow-methods'), 'GET,PUT');
  assert.equal(header(response.headers, 'access-control-allow-headers'), 'authorization');
});

test('a simple request continues, with the origin remembered for the response', () => {
  const { ctx, response } = testContext(gw, 'GET', '/c/1.0.0/x', { origin: 'https://a.example' });
  locate.run!(ctx);
  assert.equal(cors.run!(ctx), undefined);
  assert.equal(ctx.corsOrigin, 'https://a.example');
  assert.equal(response.status, null);
});
