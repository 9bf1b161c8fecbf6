import assert from 'node:assert/strict';
import { test } from 'node:test';
import { apiCreated, apiPublished, operation } from '../../projections/gateway-map/fixtures.ts';
import { errors } from '../errors.ts';
import { sendError } from '../respond.ts';
import { requestFact } from './emit.ts';
import { locate } from './locate.ts';
import { route } from './route.ts';
import { mapOf, testContext, testGateway } from './test-context.ts';

const gw = testGateway(mapOf([apiCreated({ apiId: 'a', name: 'Pizza', context: '/pizza', operations: [operation('GET', '/menu')] }), apiPublished('a')]));

test('a refused request is reported with its WSO2 error code and type, and no backend fields', () => {
  const { ctx } = testContext(gw, 'GET', '/pizza/1.0.0/menu', { 'user-agent': 'ua/1' }, '10.0.0.1');
  locate.run!(ctx);
  route.run!(ctx);
  sendError(ctx, errors.missingCredentials);
  const f = requestFact(ctx);
  assert.equal(f.requestId, 'corr-1');
  assert.equal(f.apiId, 'a');
  assert.equal(f.apiName, 'Pizza');
  assert.equal(f.apiResourceTemplate, '/menu');
  assert.equal(f.userIp, '10.0.0.1');
  assert.equal(f.userAgent, 'ua/1');
  assert.equal(f.proxyResponseCode, 401);
  assert.equal(f.targetResponseCode, null);
  assert.equal(f.backendLatencyMs, null);
  assert.equal(f.errorCode, '900902');
  assert.equal(f.errorType, 'AUTH_FAILURE');
  assert.equal(f.responseSize, errors.missingCredentials.body.length);
  assert.ok(f.responseLatencyMs >= 0);
  assert.ok(!Number.isNaN(Date.parse(f.timestamp)));
});

test('an unknown API is reported without API fields', () => {
  const { ctx } = testContext(gw, 'GET', '/nope/1/x');
  locate.run!(ctx);
  sendError(ctx, errors.noMatchingResource);
  const f = requestFact(ctx);
  assert.equal(f.apiId, null);
  assert.equal(f.errorType, 'RESOURCE_NOT_FOUND');
  assert.deepEqual(f.throttleKeys, []);
});
