import assert from 'node:assert/strict';
import { test } from 'node:test';
import { downstreamResponseHeaders, upstreamRequestHeaders } from './headers.ts';

test('the backend never sees hop-by-hop headers, those listed in Connection, the client credentials or Host', () => {
  const out = upstreamRequestHeaders(
    {
      host: 'gw',
      connection: 'keep-alive, x-secret-hop',
      'keep-alive': 'timeout=5',
      'x-secret-hop': '1',
      'transfer-encoding': 'chunked',
      te: 'trailers',
      upgrade: 'websocket',
      'proxy-authorization': 'Basic x',
      authorization: 'Bearer t',
      apikey: 'k',
      'x-jwt-assertion': 'forged',
      'x-correlation-id': 'client',
      expect: '100-continue',
      accept: 'application/json',
      cookie: 'a=1; b=2',
    },
    ['x-correlation-id', 'ours'],
  );
  const names = out.filter((_, i) => i % 2 === 0);
  assert.deepEqual(names.sort(), ['accept', 'cookie', 'x-correlation-id']);
  assert.equal(out[out.indexOf('x-correlation-id') + 1], 'ours');
});

test('response headers keep end-to-end ones (repeated Set-Cookie too) and drop hop-by-hop ones', () => {
  const raw = ['Content-Type', 'text/plain', 'Connection', 'keep-alive, X-Internal', 'Keep-Alive', 'timeout=5', 'Transfer-Encoding', 'chunked', 'X-Internal', 'secret', 'Set-Cookie', 'a=1', 'Set-Cookie', 'b=2'].map((s) => Buffer.from(s));
  const out = downstreamResponseHeaders(raw, ['x-correlation-id', 'c']);
  assert.deepEqual(out, ['x-correlation-id', 'c', 'Content-Type', 'text/plain', 'Set-Cookie', 'a=1', 'Set-Cookie', 'b=2']);
});
