import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { ThrottleCondition } from '../../domain/policy/events.ts';
import { policy } from '../../projections/gateway-map/fixtures.ts';
import type { MapPolicy } from '../../projections/gateway-map/view.ts';
import { matchingGroup, type ConditionInput } from './conditions.ts';

const c = (type: ThrottleCondition['type'], extra: Partial<ThrottleCondition>): ThrottleCondition => ({ type, invert: false, name: null, value: null, startingIp: null, endingIp: null, ...extra });
const group = (conditions: ThrottleCondition[]) => ({ description: null, conditions, requestCount: 1, dataAmount: null, dataUnit: null, unitTime: 1, timeUnit: 'MIN' as const });

function withGroups(groups: ReturnType<typeof group>[]): MapPolicy {
  const p = policy({ level: 'ADVANCED', name: 'p', requestCount: 100, conditionalGroups: groups });
  return { ...p, level: 'ADVANCED', conditionalGroups: p.conditionalGroups };
}

const input: ConditionInput = {
  clientIp: '10.0.0.5',
  header: (n) => ({ 'x-tier': 'free', 'user-agent': 'curl/8' })[n],
  query: (n) => ({ plan: 'basic' })[n],
  claim: (n) => ({ department: 'sales', groups: ['a', 'b'] })[n],
};

test('the first group whose conditions all hold is chosen; none → the default limit', () => {
  const p = withGroups([group([c('HEADER', { name: 'X-Tier', value: '^premium$' })]), group([c('HEADER', { name: 'X-Tier', value: '^free$' }), c('QUERY_PARAMETER', { name: 'plan', value: 'basic' })])]);
  assert.equal(matchingGroup(p, input)?.index, 1);
  assert.equal(matchingGroup(withGroups([group([c('HEADER', { name: 'x-tier', value: '^premium$' })])]), input), undefined);
  assert.equal(matchingGroup(withGroups([]), input), undefined);
});

test('IP specific, IP range, JWT claims and inverted conditions', () => {
  assert.equal(matchingGroup(withGroups([group([c('IP_SPECIFIC', { value: '10.0.0.5' })])]), input)?.index, 0);
  assert.equal(matchingGroup(withGroups([group([c('IP_RANGE', { startingIp: '10.0.0.1', endingIp: '10.0.0.9' })])]), input)?.index, 0);
  assert.equal(matchingGroup(withGroups([group([c('IP_RANGE', { startingIp: '10.0.1.1', endingIp: '10.0.1.9' })])]), input), undefined);
  assert.equal(matchingGroup(withGroups([group([c('JWT_CLAIMS', { name: 'department', value: 'sal' })])]), input)?.index, 0);
  assert.equal(matchingGroup(withGroups([group([c('HEADER', { name: 'x-tier', value: 'free', invert: true })])]), input), undefined);
  assert.equal(matchingGroup(withGroups([group([c('HEADER', { name: 'x-missing', value: '.*', invert: true })])]), input)?.index, 0);
});

test('an invalid regex never matches (and never throws)', () => {
  assert.equal(matchingGroup(withGroups([group([c('HEADER', { name: 'x-tier', value: '([' })])]), input), undefined);
});
