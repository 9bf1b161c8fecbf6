import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { Principal } from './principal.ts';
import { TokenCache } from './token-cache.ts';

const principal = (validUntilMs: number) => ({ validUntilMs, jti: 'j' }) as Principal;

test('a cached verification holds until its validity ends', () => {
  const c = new TokenCache();
  c.set('t', principal(1_000));
  assert.ok(c.get('t', 999));
  assert.equal(c.get('t', 1_000), undefined);
  assert.equal(c.size, 0, 'the expired entry is dropped');
});

test('bounded: the oldest entries leave first', () => {
  const c = new TokenCache(10);
  for (let i = 0; i < 11; i++) c.set(`t${i}`, principal(Infinity));
  assert.equal(c.get('t0', 0), undefined);
  assert.ok(c.get('t10', 0));
  assert.ok(c.size <= 10);
});

test('refused tokens are remembered for a while, then forgotten; clear() forgets all', () => {
  const c = new TokenCache(10, 10, 1_000);
  c.markInvalid('bad', 0);
  assert.equal(c.isKnownInvalid('bad', 999), true);
  assert.equal(c.isKnownInvalid('bad', 1_000), false);
  c.markInvalid('bad', 0);
  c.set('good', principal(Infinity));
  c.clear();
  assert.equal(c.isKnownInvalid('bad', 1), false);
  assert.equal(c.get('good', 1), undefined);
});
