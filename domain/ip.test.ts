import assert from 'node:assert/strict';
import { test } from 'node:test';
import { ipMatcher, normalizeIpSpec } from './ip.ts';

const all = { cidr: true, range: true };

test('addresses, CIDRs and ranges are normalised', () => {
  assert.equal(normalizeIpSpec(' 10.0.0.1 ', all), '10.0.0.1');
  assert.equal(normalizeIpSpec('2001:0db8:0:0:0:0:0:1', all), '2001:db8::1');
  assert.equal(normalizeIpSpec('::ffff:10.1.2.3', all), '10.1.2.3');
  assert.equal(normalizeIpSpec('10.0.0.0/8', all), '10.0.0.0/8');
  assert.equal(normalizeIpSpec('10.0.0.1-10.0.0.9', all), '10.0.0.1-10.0.0.9');
  assert.equal(normalizeIpSpec('2001:db8::1-2001:db8::ff', all), '2001:db8::1-2001:db8::ff');
});

test('ambiguous or invalid forms are refused', () => {
  for (const bad of ['010.0.0.1', '1.2.3', '256.0.0.1', '10.0.0.0/33', '::/129', '10.0.0.9-10.0.0.1', '10.0.0.1-::1', 'host', '', '1.2.3.4/']) {
    assert.equal(normalizeIpSpec(bad, all), undefined, bad);
  }
  assert.equal(normalizeIpSpec('10.0.0.0/8', { cidr: false, range: true }), undefined);
  assert.equal(normalizeIpSpec('10.0.0.1-10.0.0.2', { cidr: true, range: false }), undefined);
});

test('matchers', () => {
  assert.equal(ipMatcher('10.0.0.0/8')('10.200.1.1'), true);
  assert.equal(ipMatcher('10.0.0.0/8')('11.0.0.1'), false);
  assert.equal(ipMatcher('10.0.0.5-10.0.0.9')('10.0.0.9'), true);
  assert.equal(ipMatcher('10.0.0.5-10.0.0.9')('10.0.0.10'), false);
  assert.equal(ipMatcher('192.168.1.1')('::ffff:192.168.1.1'), true);
  assert.equal(ipMatcher('192.168.1.1')('192.168.1.2'), false);
  assert.equal(ipMatcher('2001:db8::/32')('2001:db8::42'), true);
  assert.equal(ipMatcher('2001:db8::/32')('10.0.0.1'), false);
  assert.equal(ipMatcher('10.0.0.1')('garbage'), false);
});
