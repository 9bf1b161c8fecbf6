import assert from 'node:assert/strict';
import { test } from 'node:test';
import { errors } from '../errors.ts';
import { Upstreams } from './upstreams.ts';
import { transportError } from './handler.ts';

const err = (code: string) => Object.assign(new Error(code), { code });

test('transport failures map to 502/101503 or 504/101504', () => {
  assert.equal(transportError(err('ECONNREFUSED')), errors.backendUnreachable);
  assert.equal(transportError(err('ECONNRESET')), errors.backendUnreachable);
  assert.equal(transportError(err('ENOTFOUND')), errors.backendUnreachable);
  assert.equal(transportError(err('UND_ERR_SOCKET')), errors.backendUnreachable);
  assert.equal(transportError(err('UND_ERR_CONNECT_TIMEOUT')), errors.backendTimeout);
  assert.equal(transportError(err('UND_ERR_HEADERS_TIMEOUT')), errors.backendTimeout);
  assert.equal(transportError(err('UND_ERR_BODY_TIMEOUT')), errors.backendTimeout);
  assert.equal(transportError(err('GATEHOUSE_BODY_TOO_LARGE')), errors.payloadTooLarge);
  assert.equal(transportError(new Error('no code')), errors.backendUnreachable);
});

test('endpoints: one pool per origin, base path and query kept, non-http URLs refused', async () => {
  const u = new Upstreams({ connections: 1, connectTimeoutMs: 10, headersTimeoutMs: 10, bodyTimeoutMs: 10, keepAliveTimeoutMs: 10 });
  const a = u.get('http://backend:8080/v1/');
  const b = u.get('http://backend:8080/v2?key=1');
  assert.equal(a?.origin, 'http://backend:8080');
  assert.equal(a?.basePath, '/v1');
  assert.equal(b?.basePath, '/v2');
  assert.equal(b?.baseQuery, 'key=1');
  assert.equal(a?.pool, b?.pool);
  assert.equal(u.get('http://backend:8080')?.basePath, '');
  assert.equal(u.get('ftp://backend/x'), null);
  assert.equal(u.get('not a url'), null);
  await u.close();
});
