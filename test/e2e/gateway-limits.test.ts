// Bad input at the gateway's edge: oversized headers, URLs and bodies, slow clients, paths
// that try to leave their API, invalid encodings. Each gets a clear JSON error (raw sockets
// where a well-behaved client would refuse to send it) and the gateway keeps serving.
import assert from 'node:assert/strict';
import { connect } from 'node:net';
import { after, before, describe, test } from 'node:test';
import { apiCreated, apiPublished, operation } from '../../projections/gateway-map/fixtures.ts';
import { startHarness, type Harness } from './gateway.harness.ts';

let h: Harness;

before(async () => {
  h = await startHarness({ limits: { maxBodyBytes: 1024, maxUrlLength: 2048, headersTimeoutMs: 400, requestTimeoutMs: 1_500 } });
  await h.publish(
    apiCreated({ apiId: 'lim', context: '/lim', endpoints: { production: `${h.backend.url}/base`, sandbox: null }, operations: [operation('GET', '/*', { authType: 'NONE' }), operation('POST', '/*', { authType: 'NONE' })] }),
    apiPublished('lim'),
    apiCreated({ apiId: 'admin', context: '/admin', endpoints: { production: `${h.backend.url}/secret`, sandbox: null }, operations: [operation('GET', '/*')] }),
    apiPublished('admin'),
  );
});
after(async () => {
  await h.close();
});

interface RawResponse {
  status: number;
  head: string;
  body: string;
}

/** Writes raw bytes and reads until the server closes or answers completely. */
function raw(payload: Buffer | string, opts: { pauseMs?: number; then?: string } = {}): Promise<RawResponse> {
  return new Promise((resolve, reject) => {
    const socket = connect(h.gateway.port, '127.0.0.1');
    const chunks: Buffer[] = [];
    const done = () => {
      const text = Buffer.concat(chunks).toString('latin1');
      const split = text.indexOf('\r\n\r\n');
      const head = split < 0 ? text : text.slice(0, split);
      resolve({ status: Number(/^HTTP\/1\.1 (\d{3})/.exec(head)?.[1] ?? 0), head, body: split < 0 ? '' : text.slice(split + 4) });
    };
    socket.on('data', (c: Buffer) => {
      chunks.push(c);
      const text = Buffer.concat(chunks).toString('latin1');
      const length = /content-length: (\d+)/i.exec(text)?.[1];
      const split = text.indexOf('\r\n\r\n');
      if (length !== undefined && split >= 0 && text.length - split - 4 >= Number(length)) {
        socket.destroy();
        done();
      }
    });
    socket.on('end', done);
    socket.on('error', (e) => (chunks.length ? done() : reject(e)));
    socket.write(payload);
    if (opts.then !== undefined) setTimeout(() => socket.writable && socket.write(opts.then!), opts.pauseMs ?? 0);
  });
}

function assertJsonError(r: RawResponse, status: number, code: string): void {
  assert.equal(r.status, status, r.head);
  assert.match(r.head, /content-type: application\/json/i);
  assert.equal((JSON.parse(r.body) as { code: string }).code, code);
}

const get = (target: string, extra = '') => `GET ${target} HTTP/1.1\r\nHost: gw\r\n${extra}Connection: close\r\n\r\n`;

describe('edge limits and malformed requests', () => {
  test('a normal request passes (control)', async () => {
    const r = await raw(get('/lim/1.0.0/ok'));
    assert.equal(r.status, 200, r.head);
    assert.equal((JSON.parse(r.body) as { url: string }).url, '/base/ok');
  });

  test('headers over the limit → 431/900431', async () => {
    assertJsonError(await raw(get('/lim/1.0.0/ok', `X-Big: ${'a'.repeat(20_000)}\r\n`)), 431, '900431');
  });

  test('a URL over the limit → 414/900414', async () => {
    const r = await h.call(`/lim/1.0.0/${'a'.repeat(3000)}`);
    assert.equal(r.status, 414);
    assert.equal(r.json<{ code: string }>().code, '900414');
  });

  test('a body over the limit → 413/900413, by Content-Length and when chunked', async () => {
    const big = await h.call('/lim/1.0.0/upload', { method: 'POST', body: 'x'.repeat(5000), headers: { 'content-type': 'text/plain' } });
    assert.equal(big.status, 413);
    assert.equal(big.json<{ code: string }>().code, '900413');
    // Three chunks of 800 bytes, no Content-Length: refused once the count passes 1024.
    const chunk = `320\r\n${'x'.repeat(800)}\r\n`;
    const chunked = await raw(`POST /lim/1.0.0/upload HTTP/1.1\r\nHost: gw\r\nTransfer-Encoding: chunked\r\nConnection: close\r\n\r\n${chunk}`, {
      pauseMs: 50,
      then: `${chunk}${chunk}0\r\n\r\n`,
    });
    assertJsonError(chunked, 413, '900413');
    const small = await h.call('/lim/1.0.0/upload', { method: 'POST', body: 'small', headers: { 'content-type': 'text/plain' } });
    assert.equal((JSON.parse(small.text) as { body: string }).body, 'small');
  });

  test('paths that try to leave the API → 400/900400 and never reach the backend', async () => {
    for (const target of ['/lim/1.0.0/../../admin/1.0.0/x', '/lim/1.0.0/%2e%2e/%2E%2E/admin/1.0.0/x', '/lim/1.0.0/a%2fb', '/lim/1.0.0/a%2F..%2Fb', '/lim/1.0.0/./x', '/lim/1.0.0/a%5cb', '/lim/1.0.0/a\\..\\b', '/lim/1.0.0/a%00b']) {
      const r = await raw(get(target));
      assertJsonError(r, 400, '900400');
    }
  });

  test('invalid percent-encoding and invalid UTF-8 → 400/900400', async () => {
    assertJsonError(await raw(get('/lim/1.0.0/%ff%fe')), 400, '900400');
    assertJsonError(await raw(get('/lim/1.0.0/%zz')), 400, '900400');
    assertJsonError(await raw(get('/lim/1.0.0/%c3%28')), 400, '900400');
    // Raw bytes above 0x7F are not HTTP (they must be percent-encoded): refused as well.
    assertJsonError(await raw(Buffer.concat([Buffer.from('GET /lim/1.0.0/caf'), Buffer.from('é', 'utf8'), Buffer.from(' HTTP/1.1\r\nHost: gw\r\nConnection: close\r\n\r\n')])), 400, '900400');
    const ok = await raw(get('/lim/1.0.0/caf%C3%A9?q=%E2%82%AC'));
    assert.equal(ok.status, 200, 'valid percent-encoded UTF-8 passes');
    assert.equal((JSON.parse(ok.body) as { url: string }).url, '/base/caf%C3%A9?q=%E2%82%AC', 'and is forwarded as sent');
  });

  test('a garbage request line → 400 JSON, not a crash', async () => {
    assertJsonError(await raw('THIS IS NOT HTTP\r\n\r\n'), 400, '900400');
  });

  test('a slow client (headers never finished) → 408/900408 after headersTimeout', async () => {
    const started = Date.now();
    const r = await raw('GET /lim/1.0.0/slow HTTP/1.1\r\nHost: gw\r\n');
    assertJsonError(r, 408, '900408');
    assert.ok(Date.now() - started < 5_000);
  });

  test('the gateway still serves after all of the above', async () => {
    const r = await h.call('/lim/1.0.0/still-alive');
    assert.equal(r.status, 200);
  });
});
