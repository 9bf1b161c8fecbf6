import assert from 'node:assert/strict';
import { test } from 'node:test';
import { inRange, normaliseRemoteAddress, parseIp, parseIpRange } from './ip.ts';

const within = (ip: string, range: string) => inRange(parseIp(ip)!, parseIpRange(range)!);

test('single addresses, CIDRs and start-end ranges, IPv4 and IPv6', () => {
  assert.equal(within('10.1.2.3', '10.0.0.0/8'), true);
  assert.equal(within('11.0.0.1', '10.0.0.0/8'), false);
  assert.equal(within('192.168.1.5', '192.168.1.5'), true);
  assert.equal(within('192.168.1.6', '192.168.1.5'), false);
  assert.equal(within('127.0.0.15', '127.0.0.10-127.0.0.20'), true);
  assert.equal(within('127.0.0.21', '127.0.0.20-127.0.0.10'), false, 'a reversed range is normalised');
  assert.equal(within('127.0.0.15', '127.0.0.20-127.0.0.10'), true);
  assert.equal(within('2001:db8::1', '2001:db8::/32'), true);
  assert.equal(within('2001:db9::1', '2001:db8::/32'), false);
  assert.equal(within('::1', '::1'), true);
});

test('IPv4-mapped IPv6 addresses count as IPv4; families never match each other', () => {
  assert.equal(within('::ffff:10.0.0.1', '10.0.0.0/8'), true);
  assert.equal(within('::1', '0.0.0.0/0'), false);
  assert.equal(normaliseRemoteAddress('::ffff:127.0.0.1'), '127.0.0.1');
  assert.equal(normaliseRemoteAddress('::1'), '::1');
});

test('malformed input parses to null', () => {
  for (const s of ['300.1.1.1', '10.0.0.0/99', 'x', '1.2.3.4-::1', '']) assert.equal(parseIpRange(s), null, s);
  assert.equal(parseIp('not-an-ip'), null);
});
