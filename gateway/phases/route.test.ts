import assert from 'node:assert/strict';
import { test } from 'node:test';
import { apiCreated, apiPublished, operation } from '../../projections/gateway-map/fixtures.ts';
import { errors } from '../errors.ts';
import { apiStatus } from './api-status.ts';
import { locate } from './locate.ts';
import { route } from './route.ts';
import { mapOf, testContext, testGateway } from './test-context.ts';

const gw = testGateway(
  mapOf([
    apiCreated({ apiId: 'a', context: '/shop', operations: [operation('GET', '/items/{id}'), operation('POST', '/items')] }),
    apiPublished('a'),
    apiCreated({ apiId: 'b', context: '/blocked' }),
    apiPublished('b'),
    { type: 'ApiLifecycleChanged', data: { apiId: 'b', action: 'BLOCK', from: 'PUBLISHED', to: 'BLOCKED', checklist: null, causedBy: null } },
  ]),
);

const run = (method: string, url: string) => {
  const { ctx } = testContext(gw, method, url);
  locate.run!(ctx);
  return { ctx, status: apiStatus.run!(ctx), routed: route.run!(ctx) };
};

test('locate + route find the API and its most specific resource', () => {
  const { ctx, routed } = run('GET', '/shop/1.0.0/items/42?x=1');
  assert.equal(routed, undefined);
  assert.equal(ctx.api?.id, 'a');
  assert.equal(ctx.prefixEnd, '/shop/1.0.0'.length);
  assert.equal(ctx.resource?.target, '/items/{id}');
});

test('unknown API, unknown path and unknown verb are 900906', () => {
  assert.equal(run('GET', '/nope/1.0.0/items/1').routed, errors.noMatchingResource);
  assert.equal(run('GET', '/shop/1.0.0/other').routed, errors.noMatchingResource);
  assert.equal(run('DELETE', '/shop/1.0.0/items/1').routed, errors.noMatchingResource);
});

test('a BLOCKED API answers 700700 before routing', () => {
  assert.equal(run('GET', '/blocked/1.0.0/x').status, errors.apiBlocked);
  assert.equal(run('GET', '/shop/1.0.0/items/1').status, undefined);
});
