import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { given } from '../testing.ts';
import { policyDecider, type ThrottlingPolicyInput } from './decider.ts';
import { DEFAULT_POLICIES } from './defaults.ts';
import type { PolicyEvent, ThrottlingPolicyFields } from './events.ts';

const gold: ThrottlingPolicyInput = { level: 'SUBSCRIPTION', name: 'Platinum', requestCount: 10000, unitTime: 1, timeUnit: 'MIN', burstLimit: 50, burstTimeUnit: 'SEC', description: 'big' };
const goldFields: ThrottlingPolicyFields = {
  level: 'SUBSCRIPTION', name: 'Platinum', displayName: null, description: 'big', limitType: 'REQUEST_COUNT', requestCount: 10000,
  dataAmount: null, dataUnit: null, unitTime: 1, timeUnit: 'MIN', burstLimit: 50, burstTimeUnit: 'SEC', stopOnQuotaReach: true,
  billingPlan: 'FREE', permissions: null, customAttributes: [], conditionalGroups: [], graphQLMaxDepth: null, graphQLMaxComplexity: null,
};
const created: PolicyEvent = { type: 'ThrottlingPolicyCreated', data: { ...goldFields, seeded: false } };
const create = (input: ThrottlingPolicyInput, seeded = false) => ({ type: 'CreateThrottlingPolicy' as const, data: { input, seeded } });

describe('Throttling policy: create', () => {
  test('a subscription policy with WSO2 fields and burst control', () => given(policyDecider).when(create(gold)).then([created]));

  test('an application policy with defaults (1 MIN, stop on quota)', () => {
    const [e] = given(policyDecider).when(create({ level: 'APPLICATION', name: '5PerMin', requestCount: 5 })).events();
    assert.deepEqual(
      { ...e!.data, seeded: undefined },
      { ...goldFields, level: 'APPLICATION', name: '5PerMin', description: null, requestCount: 5, burstLimit: null, burstTimeUnit: null, billingPlan: null, seeded: undefined },
    );
  });

  test('an advanced policy with conditional groups', () => {
    const [e] = given(policyDecider).when(create({
      level: 'ADVANCED', name: 'Cond', requestCount: 100,
      conditionalGroups: [{
        unitTime: 1, timeUnit: 'MIN', requestCount: 5,
        conditions: [
          { type: 'IP_RANGE', startingIp: '10.0.0.1', endingIp: '10.0.0.9' },
          { type: 'HEADER', name: 'User-Agent', value: '^curl', invert: true },
        ],
      }],
    })).events();
    assert.deepEqual((e!.data as ThrottlingPolicyFields).conditionalGroups[0]!.conditions, [
      { type: 'IP_RANGE', invert: false, name: null, value: null, startingIp: '10.0.0.1', endingIp: '10.0.0.9' },
      { type: 'HEADER', invert: true, name: 'User-Agent', value: '^curl', startingIp: null, endingIp: null },
    ]);
  });

  test('a bandwidth limit', () => {
    const [e] = given(policyDecider).when(create({ level: 'SUBSCRIPTION', name: 'Bw', limitType: 'BANDWIDTH', dataAmount: 10, dataUnit: 'MB' })).events();
    assert.equal((e!.data as ThrottlingPolicyFields).dataAmount, 10);
    assert.equal((e!.data as ThrottlingPolicyFields).requestCount, null);
  });

  const bad: [string, ThrottlingPolicyInput, RegExp][] = [
    ['missing request count', { level: 'SUBSCRIPTION', name: 'X' }, /requestCount/],
    ['zero request count', { level: 'SUBSCRIPTION', name: 'X', requestCount: 0 }, /requestCount/],
    ['fractional unit time', { level: 'SUBSCRIPTION', name: 'X', requestCount: 1, unitTime: 1.5 }, /unitTime/],
    ['unknown time unit', { level: 'SUBSCRIPTION', name: 'X', requestCount: 1, timeUnit: 'FORTNIGHT' }, /timeUnit/],
    ['unknown level', { level: 'GLOBAL', name: 'X', requestCount: 1 }, /level/],
    ['bad name', { level: 'SUBSCRIPTION', name: 'has space', requestCount: 1 }, /name/],
    ['burst on an application policy', { level: 'APPLICATION', name: 'X', requestCount: 1, burstLimit: 5 }, /burstLimit/],
    ['burst unit HOUR', { level: 'SUBSCRIPTION', name: 'X', requestCount: 1, burstLimit: 5, burstTimeUnit: 'HOUR' }, /burstTimeUnit/],
    ['bandwidth without unit', { level: 'SUBSCRIPTION', name: 'X', limitType: 'BANDWIDTH', dataAmount: 5 }, /dataAmount/],
    ['permissions on an advanced policy', { level: 'ADVANCED', name: 'X', requestCount: 1, permissions: { type: 'ALLOW', roles: ['a'] } }, /permissions/],
    ['conditions on a subscription policy', { level: 'SUBSCRIPTION', name: 'X', requestCount: 1, conditionalGroups: [{ unitTime: 1, timeUnit: 'MIN', requestCount: 1, conditions: [{ type: 'IP_SPECIFIC', value: '1.2.3.4' }] }] }, /conditionalGroups/],
    ['invalid IP condition', { level: 'ADVANCED', name: 'X', requestCount: 1, conditionalGroups: [{ unitTime: 1, timeUnit: 'MIN', requestCount: 1, conditions: [{ type: 'IP_SPECIFIC', value: '999.1.1.1' }] }] }, /IP/],
    ['invalid regex', { level: 'ADVANCED', name: 'X', requestCount: 1, conditionalGroups: [{ unitTime: 1, timeUnit: 'MIN', requestCount: 1, conditions: [{ type: 'HEADER', name: 'h', value: '(' }] }] }, /regular expression/],
    ['empty condition group', { level: 'ADVANCED', name: 'X', requestCount: 1, conditionalGroups: [{ unitTime: 1, timeUnit: 'MIN', requestCount: 1, conditions: [] }] }, /condition/],
  ];
  for (const [what, input, field] of bad) {
    test(`refused: ${what}`, () => given(policyDecider).when(create(input)).thenThrows('BAD_USER_INPUT', field));
  }

  test('refused: a policy that exists', () => given(policyDecider, [created]).when(create(gold)).thenThrows('CONFLICT'));

  test('a deleted policy may be created again', () => {
    given(policyDecider, [created, { type: 'ThrottlingPolicyDeleted', data: { level: 'SUBSCRIPTION', name: 'Platinum' } }]).when(create(gold)).then([created]);
  });
});

describe('Throttling policy: seeding the WSO2 defaults', () => {
  test('every default validates and is seeded as is', () => {
    for (const p of DEFAULT_POLICIES) {
      given(policyDecider).when(create(p, true)).then([{ type: 'ThrottlingPolicyCreated', data: { ...p, seeded: true } }]);
    }
  });
  test('the defaults are the ones SPEC names', () => {
    const by = (level: string) => DEFAULT_POLICIES.filter((p) => p.level === level).map((p) => `${p.name}:${p.requestCount ?? '∞'}`);
    assert.deepEqual(by('SUBSCRIPTION'), ['Unlimited:∞', 'Gold:5000', 'Silver:2000', 'Bronze:1000', 'Unauthenticated:500']);
    assert.deepEqual(by('APPLICATION'), ['Unlimited:∞', '10PerMin:10', '20PerMin:20', '50PerMin:50']);
    assert.deepEqual(by('ADVANCED'), ['Unlimited:∞', '10KPerMin:10000', '20KPerMin:20000', '50KPerMin:50000']);
    assert.ok(DEFAULT_POLICIES.every((p) => p.unitTime === 1 && p.timeUnit === 'MIN'));
  });
  test('seeding again, or after a deletion, appends nothing', () => {
    const seeded: PolicyEvent = { type: 'ThrottlingPolicyCreated', data: { ...DEFAULT_POLICIES[1]!, seeded: true } };
    given(policyDecider, [seeded]).when(create(DEFAULT_POLICIES[1]!, true)).thenNothing();
    given(policyDecider, [seeded, { type: 'ThrottlingPolicyDeleted', data: { level: 'SUBSCRIPTION', name: 'Gold' } }]).when(create(DEFAULT_POLICIES[1]!, true)).thenNothing();
  });
  test('refused: an unlimited policy created by an admin', () => {
    given(policyDecider).when(create({ level: 'SUBSCRIPTION', name: 'Free', requestCount: null })).thenThrows('BAD_USER_INPUT', /requestCount/);
  });
});

describe('Throttling policy: update / delete', () => {
  test('update keeps omitted fields', () => {
    given(policyDecider, [created])
      .when({ type: 'UpdateThrottlingPolicy', data: { input: { level: 'SUBSCRIPTION', name: 'Platinum', requestCount: 20000, stopOnQuotaReach: false } } })
      .then([{ type: 'ThrottlingPolicyUpdated', data: { ...goldFields, requestCount: 20000, stopOnQuotaReach: false } }]);
  });
  test('update clearing burst control', () => {
    const [e] = given(policyDecider, [created]).when({ type: 'UpdateThrottlingPolicy', data: { input: { level: 'SUBSCRIPTION', name: 'Platinum', burstLimit: null } } }).events();
    assert.equal((e!.data as ThrottlingPolicyFields).burstLimit, null);
    assert.equal((e!.data as ThrottlingPolicyFields).burstTimeUnit, null);
  });
  test('update without change appends nothing', () => {
    given(policyDecider, [created]).when({ type: 'UpdateThrottlingPolicy', data: { input: { level: 'SUBSCRIPTION', name: 'Platinum' } } }).thenNothing();
  });
  test('refused: update of a missing policy', () => {
    given(policyDecider).when({ type: 'UpdateThrottlingPolicy', data: { input: gold } }).thenThrows('NOT_FOUND');
  });
  test('refused: invalid update', () => {
    given(policyDecider, [created]).when({ type: 'UpdateThrottlingPolicy', data: { input: { level: 'SUBSCRIPTION', name: 'Platinum', requestCount: -1 } } }).thenThrows('BAD_USER_INPUT');
  });
  test('delete an unused policy', () => {
    given(policyDecider, [created])
      .when({ type: 'DeleteThrottlingPolicy', data: { level: 'SUBSCRIPTION', name: 'Platinum', usage: 0 } })
      .then([{ type: 'ThrottlingPolicyDeleted', data: { level: 'SUBSCRIPTION', name: 'Platinum' } }]);
  });
  test('refused: delete while in use', () => {
    given(policyDecider, [created]).when({ type: 'DeleteThrottlingPolicy', data: { level: 'SUBSCRIPTION', name: 'Platinum', usage: 3 } }).thenThrows('CONFLICT', /in use/);
  });
  test('refused: delete Unlimited', () => {
    const unlimited: PolicyEvent = { type: 'ThrottlingPolicyCreated', data: { ...DEFAULT_POLICIES[0]!, seeded: true } };
    given(policyDecider, [unlimited]).when({ type: 'DeleteThrottlingPolicy', data: { level: 'SUBSCRIPTION', name: 'Unlimited', usage: 0 } }).thenThrows('CONFLICT', /built-in/);
  });
  test('refused: delete a missing policy', () => {
    given(policyDecider).when({ type: 'DeleteThrottlingPolicy', data: { level: 'SUBSCRIPTION', name: 'X', usage: 0 } }).thenThrows('NOT_FOUND');
  });
});
