import { test } from 'node:test';
import assert from 'node:assert/strict';
import { openApiToCreateApi } from '../../domain/api/openapi.ts';
import { definition } from '../../projections/catalog/story.fixture.ts';
import type { ApiRecord } from '../../projections/catalog/view.ts';
import { apiToOpenApi } from './export.ts';

const record = (over: Partial<ApiRecord> = {}): ApiRecord => ({
  ...definition({
    operations: [
      { verb: 'GET', target: '/menu', authType: 'NONE', scopes: [], throttlingPolicy: null },
      { verb: 'POST', target: '/order/{orderId}', authType: 'APPLICATION', scopes: ['order:write'], throttlingPolicy: '10KPerMin' },
      { verb: 'DELETE', target: '/order/{orderId}', authType: 'APPLICATION_USER', scopes: [], throttlingPolicy: null },
    ],
    securitySchemes: ['OAUTH2', 'API_KEY'],
    endpoints: { production: 'http://backend:9000/pizza', sandbox: 'http://sandbox:9000/pizza' },
    cors: { enabled: true, allowOrigins: ['https://a.example'], allowCredentials: true, allowHeaders: ['authorization'], allowMethods: ['GET', 'POST'] },
  }),
  id: 'id-1',
  name: 'PizzaShack',
  context: '/pizzashack',
  version: '1.0.0',
  provider: 'alice',
  lifecycleStatus: 'PUBLISHED',
  isDefaultVersion: true,
  maxTps: null,
  documents: [],
  lifecycleHistory: [],
  copiedFrom: null,
  createdAt: '2026-01-01T00:00:00.000Z',
  updatedAt: '2026-01-01T00:00:00.000Z',
  streamVersion: 3n,
  position: 10n,
  ...over,
});

test('export then import gives the same definition back (WSO2 extensions round trip)', () => {
  const api = record();
  const doc = apiToOpenApi(api);
  assert.equal(doc.openapi, '3.0.3');
  assert.equal(doc['x-wso2-basePath'], '/pizzashack/1.0.0');
  const back = openApiToCreateApi(JSON.parse(JSON.stringify(doc)));
  assert.equal(back.name, api.name);
  assert.equal(back.version, api.version);
  assert.equal(back.context, api.context);
  assert.equal(back.description, api.description);
  assert.deepEqual(back.endpoints, api.endpoints);
  assert.deepEqual(back.operations, api.operations.map((o) => ({ ...o, throttlingPolicy: o.throttlingPolicy ?? 'Unlimited' })));
  assert.deepEqual(back.scopes?.map((s) => ({ name: s.name, roles: s.roles })), api.scopes.map((s) => ({ name: s.name, roles: s.roles })));
  assert.deepEqual([...(back.securitySchemes ?? [])].sort(), ['API_KEY', 'OAUTH2']);
  assert.deepEqual(back.cors, api.cors);
  assert.equal(back.maxTps, undefined, 'no backend hard limit, none exported');
});

test('the backend hard limit (maxTps) travels in x-gatehouse and comes back (validated by the API decider like any input)', () => {
  const doc = apiToOpenApi(record({ maxTps: { production: 50, sandbox: null } }));
  assert.deepEqual((doc['x-gatehouse'] as { maxTps: unknown }).maxTps, { production: 50, sandbox: null });
  const back = openApiToCreateApi(JSON.parse(JSON.stringify(doc)));
  assert.deepEqual(back.maxTps, { production: 50, sandbox: null });
});

test('operations without auth carry no security requirement; path parameters are declared', () => {
  const doc = apiToOpenApi(record());
  const paths = doc.paths as Record<string, Record<string, { security: unknown[]; parameters?: Array<{ name: string }> }>>;
  assert.deepEqual(paths['/menu']!.get!.security, []);
  assert.deepEqual(paths['/order/{orderId}']!.post!.parameters!.map((p) => p.name), ['orderId']);
  assert.equal(doc['x-wso2-sandbox-endpoints'] !== undefined, true);
});
