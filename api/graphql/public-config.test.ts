import { test } from 'node:test';
import assert from 'node:assert/strict';
import { gatewayUrlFor, publicConfig, type PublicConfigSource } from './public-config.ts';

const source = (over: Partial<PublicConfigSource> = {}): PublicConfigSource => ({
  version: '1.2.3',
  issuer: () => 'https://km.example',
  gatewayUrl: null,
  gatewayListening: () => ({ host: '127.0.0.1', port: 8281 }),
  ...over,
});

test('a gateway bound to one address is reached there, whatever host the caller used', () => {
  assert.equal(gatewayUrlFor(source(), { protocol: 'http', hostname: 'portal.example' }), 'http://127.0.0.1:8281');
  assert.equal(gatewayUrlFor(source({ gatewayListening: () => ({ host: '::1', port: 9 }) })), 'http://[::1]:9');
});

test('a gateway bound to every interface is reached at the host the caller reached the control plane at', () => {
  for (const host of ['0.0.0.0', '::']) {
    const s = source({ gatewayListening: () => ({ host, port: 8280 }) });
    assert.equal(gatewayUrlFor(s, { protocol: 'https', hostname: 'apim.example.org' }), 'http://apim.example.org:8280');
    assert.equal(gatewayUrlFor(s, { protocol: 'http', hostname: '[fd00::5]' }), 'http://[fd00::5]:8280');
    assert.equal(gatewayUrlFor(s), 'http://localhost:8280', 'no request (a subscription): localhost');
    assert.equal(gatewayUrlFor(s, { protocol: 'http', hostname: 'evil"><script>' }), 'http://localhost:8280', 'a Host header that is no host name is not echoed');
  }
});

test('GATEHOUSE_GATEWAY_URL wins; no gateway and none configured is null', () => {
  assert.equal(gatewayUrlFor(source({ gatewayUrl: 'https://gw.example' }), { protocol: 'http', hostname: 'x' }), 'https://gw.example');
  assert.equal(gatewayUrlFor(source({ gatewayUrl: 'https://gw.example', gatewayListening: () => null })), 'https://gw.example');
  assert.equal(gatewayUrlFor(source({ gatewayListening: () => null })), null);
});

test('the OAuth2 endpoints derive from the issuer as discovery publishes them', () => {
  assert.deepEqual(publicConfig(source()), {
    gatewayUrl: 'http://127.0.0.1:8281',
    issuer: 'https://km.example',
    tokenEndpoint: 'https://km.example/oauth2/token',
    revocationEndpoint: 'https://km.example/oauth2/revoke',
    jwksUri: 'https://km.example/oauth2/jwks',
    version: '1.2.3',
  });
});
