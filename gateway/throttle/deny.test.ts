import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { MapBlockingCondition } from '../../projections/gateway-map/view.ts';
import { DenyPolicies, type DenySubject } from './deny.ts';

const subject: DenySubject = { apiPath: '/pizza/1.0.0', application: 'alice:Shop', user: 'alice', clientIp: '10.1.2.3' };
const cond = (type: MapBlockingCondition['type'], value: string, extra: Partial<MapBlockingCondition> = {}): MapBlockingCondition => ({ id: value, type, value, enabled: true, invert: false, ...extra });

test('no enabled condition blocks nothing', () => {
  const d = new DenyPolicies([cond('IP', '10.1.2.3', { enabled: false })]);
  assert.equal(d.empty, true);
  assert.equal(d.blocks(subject), false);
});

test('each condition type blocks what it names', () => {
  assert.equal(new DenyPolicies([cond('API', '/pizza/1.0.0')]).blocks(subject), true);
  assert.equal(new DenyPolicies([cond('API', '/pizza/2.0.0')]).blocks(subject), false);
  assert.equal(new DenyPolicies([cond('APPLICATION', 'alice:Shop')]).blocks(subject), true);
  assert.equal(new DenyPolicies([cond('USER', 'alice')]).blocks(subject), true);
  assert.equal(new DenyPolicies([cond('USER', 'bob')]).blocks(subject), false);
  assert.equal(new DenyPolicies([cond('IP', '10.1.2.3')]).blocks(subject), true);
  assert.equal(new DenyPolicies([cond('IP_RANGE', '10.0.0.0/8')]).blocks(subject), true);
  assert.equal(new DenyPolicies([cond('IP_RANGE', '10.1.2.4-10.1.2.9')]).blocks(subject), false);
});

test('an inverted condition blocks everything that does not match it', () => {
  assert.equal(new DenyPolicies([cond('IP_RANGE', '10.0.0.0/8', { invert: true })]).blocks(subject), false);
  assert.equal(new DenyPolicies([cond('IP_RANGE', '192.168.0.0/16', { invert: true })]).blocks(subject), true);
  assert.equal(new DenyPolicies([cond('USER', 'bob', { invert: true })]).blocks(subject), true);
  assert.equal(new DenyPolicies([cond('APPLICATION', 'alice:Shop', { invert: true })]).blocks({ ...subject, application: null }), true, 'anonymous is not that application');
});

test('a malformed IP condition never matches (and never throws)', () => {
  assert.equal(new DenyPolicies([cond('IP', 'not-an-ip')]).blocks(subject), false);
});
