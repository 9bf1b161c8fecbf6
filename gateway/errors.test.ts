import assert from 'node:assert/strict';
import { test } from 'node:test';
import { errors, rawErrorResponse } from './errors.ts';

test('every catalog error has a WSO2-style JSON body and a consistent status', () => {
  for (const e of Object.values(errors)) {
    const body = JSON.parse(e.body.toString('utf8')) as Record<string, unknown>;
    assert.deepEqual(Object.keys(body), ['code', 'message', 'description']);
    assert.equal(body.code, e.code);
    assert.match(e.code, /^\d{6}$/);
    assert.ok(e.status >= 400 && e.status < 600);
    assert.equal(e.retryAfter, e.errorType === 'THROTTLED');
  }
});

test('the SPEC table: codes and statuses', () => {
  const table: [keyof typeof errors, string, number][] = [
    ['invalidCredentials', '900901', 401], ['missingCredentials', '900902', 401], ['noMatchingResource', '900906', 404],
    ['subscriptionBlocked', '900907', 401], ['notSubscribed', '900908', 403], ['subscriptionInactive', '900909', 401],
    ['scopeNotAllowed', '900910', 403], ['apiBlocked', '700700', 503], ['hardLimitExceeded', '900801', 503], ['apiThrottled', '900800', 429],
    ['resourceThrottled', '900802', 429], ['applicationThrottled', '900803', 429], ['subscriptionThrottled', '900804', 429],
    ['customThrottled', '900806', 429], ['blockedByDenyPolicy', '900805', 429], ['burstThrottled', '900807', 429],
    ['backendUnreachable', '101503', 502], ['backendTimeout', '101504', 504],
  ];
  for (const [key, code, status] of table) {
    assert.equal(errors[key].code, code, key);
    assert.equal(errors[key].status, status, key);
  }
});

test('a raw error response is a complete HTTP/1.1 message that closes the connection', () => {
  const raw = rawErrorResponse(errors.headersTooLarge);
  const [head, body] = raw.split('\r\n\r\n') as [string, string];
  assert.match(head, /^HTTP\/1\.1 431 /);
  assert.match(head, /Connection: close/);
  assert.equal(Number(/Content-Length: (\d+)/.exec(head)?.[1]), Buffer.byteLength(body));
  assert.equal((JSON.parse(body) as { code: string }).code, '900431');
});
