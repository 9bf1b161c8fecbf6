import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { isDomainError } from '../errors.ts';
import { openApiToCreateApi } from './openapi.ts';

const oas3 = {
  openapi: '3.0.3',
  info: { title: 'PizzaShack', version: '1.0.0', description: 'Pizzas' },
  servers: [{ url: 'https://server.example/api' }],
  'x-wso2-basePath': '/pizzashack/1.0.0',
  'x-wso2-production-endpoints': { urls: ['https://prod.example/pizza'], type: 'http' },
  'x-wso2-sandbox-endpoints': ['https://sandbox.example/pizza'],
  'x-wso2-throttling-tier': '10KPerMin',
  'x-wso2-cors': { corsConfigurationEnabled: true, accessControlAllowOrigins: ['https://app.example'] },
  security: [{ default: [] }],
  components: {
    securitySchemes: {
      default: { type: 'oauth2', flows: { implicit: { authorizationUrl: 'https://a.example', scopes: { order: 'place orders' } } } },
      key: { type: 'apiKey', in: 'header', name: 'apikey' },
    },
  },
  'x-scopes-bindings': { order: 'subscriber,admin' },
  paths: {
    '/menu': { get: { 'x-auth-type': 'None', responses: { 200: { description: 'ok' } } } },
    '/order': {
      post: { security: [{ default: ['order'] }, { key: [] }], 'x-throttling-tier': '20KPerMin', responses: { 201: { description: 'ok' } } },
      delete: { 'x-auth-type': 'Application', security: [], responses: { 204: { description: 'ok' } } },
    },
    '/order/{orderId}': { get: { responses: { 200: { description: 'ok' } } } },
    '/open': { get: { security: [], responses: { 200: { description: 'ok' } } } },
  },
};

describe('OpenAPI → CreateApiInput', () => {
  const input = openApiToCreateApi(oas3);

  test('name, version, description; context from x-wso2-basePath without the version', () => {
    assert.equal(input.name, 'PizzaShack');
    assert.equal(input.version, '1.0.0');
    assert.equal(input.context, '/pizzashack');
    assert.equal(input.description, 'Pizzas');
  });

  test('endpoints from the x-wso2 extensions win over servers', () => {
    assert.deepEqual(input.endpoints, { production: 'https://prod.example/pizza', sandbox: 'https://sandbox.example/pizza' });
  });

  test('operations with auth types, scopes and resource tiers', () => {
    assert.deepEqual(input.operations, [
      { verb: 'GET', target: '/menu', authType: 'NONE', scopes: [], throttlingPolicy: null },
      { verb: 'POST', target: '/order', authType: 'APPLICATION_AND_APPLICATION_USER', scopes: ['order'], throttlingPolicy: '20KPerMin' },
      { verb: 'DELETE', target: '/order', authType: 'APPLICATION', scopes: [], throttlingPolicy: null },
      { verb: 'GET', target: '/order/{orderId}', authType: 'APPLICATION_AND_APPLICATION_USER', scopes: [], throttlingPolicy: null },
      { verb: 'GET', target: '/open', authType: 'NONE', scopes: [], throttlingPolicy: null },
    ]);
  });

  test('scopes declared with roles; security schemes used; API-level tier; CORS', () => {
    assert.deepEqual(input.scopes, [{ name: 'order', description: 'place orders', roles: ['subscriber', 'admin'] }]);
    assert.deepEqual(input.securitySchemes?.slice().sort(), ['API_KEY', 'OAUTH2']);
    assert.equal(input.apiThrottlingPolicy, '10KPerMin');
    assert.equal(input.cors?.enabled, true);
    assert.deepEqual(input.cors?.allowOrigins, ['https://app.example']);
  });

  test('arguments override the document', () => {
    const o = openApiToCreateApi(oas3, { name: 'Other', context: '/other', version: '2', endpoints: { production: 'https://x.example' } });
    assert.deepEqual([o.name, o.context, o.version, o.endpoints], ['Other', '/other', '2', { production: 'https://x.example' }]);
  });

  test('without extensions: context from the title, production endpoint from servers, OAUTH2', () => {
    const plain = openApiToCreateApi({ openapi: '3.1.0', info: { title: 'Swagger Petstore', version: 'v1' }, servers: [{ url: 'https://petstore.example/v1' }], paths: { '/pets': { get: {} } } });
    assert.equal(plain.context, '/swagger-petstore');
    assert.deepEqual(plain.endpoints, { production: 'https://petstore.example/v1', sandbox: null });
    assert.deepEqual(plain.securitySchemes, ['OAUTH2']);
  });

  test('Swagger 2.0: endpoint from schemes/host/basePath, scopes from securityDefinitions', () => {
    const s = openApiToCreateApi({
      swagger: '2.0', info: { title: 'Legacy', version: '1' }, host: 'legacy.example', basePath: '/svc', schemes: ['http', 'https'],
      securityDefinitions: { o: { type: 'oauth2', flow: 'implicit', authorizationUrl: 'https://a', scopes: { read: 'r' } } },
      'x-wso2-security': { apim: { 'x-wso2-scopes': [{ name: 'Read', key: 'read', roles: 'subscriber', description: 'r' }] } },
      paths: { '/items': { get: { security: [{ o: ['read'] }] } } },
    });
    assert.equal(s.endpoints?.production, 'https://legacy.example/svc');
    assert.deepEqual(s.scopes, [{ name: 'read', displayName: 'Read', description: 'r', roles: ['subscriber'] }]);
    assert.deepEqual(s.operations?.[0]?.scopes, ['read']);
  });

  const refused: [string, unknown, RegExp][] = [
    ['not an OpenAPI document', { info: { title: 'x', version: '1' } }, /neither/],
    ['no paths', { openapi: '3.0.0', info: { title: 'x', version: '1' }, paths: {} }, /no operations/],
    ['no version', { openapi: '3.0.0', info: { title: 'x' }, paths: { '/a': { get: {} } } }, /version/],
    ['unknown x-auth-type', { openapi: '3.0.0', info: { title: 'x', version: '1' }, paths: { '/a': { get: { 'x-auth-type': 'Basic' } } } }, /x-auth-type/],
  ];
  for (const [what, doc, message] of refused) {
    test(`refused: ${what}`, () => {
      assert.throws(() => openApiToCreateApi(doc), (e: unknown) => isDomainError(e) && e.code === 'BAD_USER_INPUT' && message.test(e.message));
    });
  }
});
