import { describe, test } from 'node:test';
import { given } from '../testing.ts';
import type { LifecycleStatus } from '../api/events.ts';
import { subscriptionDecider, type Subscribe } from './decider.ts';
import type { SubscriptionEvent, SubscriptionStatus } from './events.ts';

const ids = { subscriptionId: 's1', applicationId: 'a1', apiId: 'p1' };
const api = (lifecycleStatus: LifecycleStatus = 'PUBLISHED') => ({ lifecycleStatus, subscriptionPolicies: ['Gold', 'Unlimited'] });
const subscribe = (over: Partial<Subscribe['data']> = {}): Subscribe => ({
  type: 'Subscribe',
  data: { ...ids, throttlingPolicy: 'Gold', api: api(), ...over },
});
const created = (status: SubscriptionStatus = 'UNBLOCKED'): SubscriptionEvent => ({
  type: 'SubscriptionCreated',
  data: { ...ids, throttlingPolicy: 'Gold', status, copiedFrom: null },
});
const blocked = (status: 'BLOCKED' | 'PROD_ONLY_BLOCKED'): SubscriptionEvent => ({ type: 'SubscriptionBlocked', data: { ...ids, status } });

describe('Subscription: subscribe', () => {
  test('to a PUBLISHED API at an offered tier: UNBLOCKED', () => given(subscriptionDecider).when(subscribe()).then([created()]));
  test('to a PROTOTYPED API', () => given(subscriptionDecider).when(subscribe({ api: api('PROTOTYPED') })).then([created()]));
  for (const status of ['CREATED', 'BLOCKED', 'DEPRECATED', 'RETIRED'] as const) {
    test(`refused: the API is ${status}`, () => given(subscriptionDecider).when(subscribe({ api: api(status) })).thenThrows('CONFLICT', new RegExp(status)));
  }
  test('refused: a tier the API does not offer', () => {
    given(subscriptionDecider).when(subscribe({ throttlingPolicy: 'Bronze' })).thenThrows('BAD_USER_INPUT', /does not offer tier "Bronze"/);
  });
  test('refused: already exists', () => given(subscriptionDecider, [created()]).when(subscribe()).thenThrows('CONFLICT'));
  test('a copy to a new version keeps tier and status', () => {
    given(subscriptionDecider)
      .when(subscribe({ throttlingPolicy: 'Bronze', copyOf: { subscriptionId: 's0', status: 'PROD_ONLY_BLOCKED' } }))
      .then([{ type: 'SubscriptionCreated', data: { ...ids, throttlingPolicy: 'Bronze', status: 'PROD_ONLY_BLOCKED', copiedFrom: 's0' } }]);
  });
});

describe('Subscription: tier change', () => {
  test('to another offered tier', () => {
    given(subscriptionDecider, [created()])
      .when({ type: 'ChangeSubscriptionTier', data: { subscriptionId: 's1', throttlingPolicy: 'Unlimited', api: api() } })
      .then([{ type: 'SubscriptionTierChanged', data: { ...ids, from: 'Gold', to: 'Unlimited' } }]);
  });
  test('to the same tier: nothing', () => {
    given(subscriptionDecider, [created()]).when({ type: 'ChangeSubscriptionTier', data: { subscriptionId: 's1', throttlingPolicy: 'Gold', api: api() } }).thenNothing();
  });
  test('refused: a tier not offered', () => {
    given(subscriptionDecider, [created()]).when({ type: 'ChangeSubscriptionTier', data: { subscriptionId: 's1', throttlingPolicy: 'Silver', api: api() } }).thenThrows('BAD_USER_INPUT');
  });
  test('refused: ON_HOLD subscription', () => {
    given(subscriptionDecider, [created('ON_HOLD')]).when({ type: 'ChangeSubscriptionTier', data: { subscriptionId: 's1', throttlingPolicy: 'Unlimited', api: api() } }).thenThrows('INVALID_TRANSITION');
  });
  test('refused: unknown subscription', () => {
    given(subscriptionDecider).when({ type: 'ChangeSubscriptionTier', data: { subscriptionId: 's1', throttlingPolicy: 'Gold', api: api() } }).thenThrows('NOT_FOUND');
  });
});

describe('Subscription: block / unblock', () => {
  test('block all', () => given(subscriptionDecider, [created()]).when({ type: 'BlockSubscription', data: { subscriptionId: 's1', productionOnly: false } }).then([blocked('BLOCKED')]));
  test('block production only', () =>
    given(subscriptionDecider, [created()]).when({ type: 'BlockSubscription', data: { subscriptionId: 's1', productionOnly: true } }).then([blocked('PROD_ONLY_BLOCKED')]));
  test('production-only block widened to all', () =>
    given(subscriptionDecider, [created(), blocked('PROD_ONLY_BLOCKED')]).when({ type: 'BlockSubscription', data: { subscriptionId: 's1', productionOnly: false } }).then([blocked('BLOCKED')]));
  test('blocking again in the same way: nothing', () =>
    given(subscriptionDecider, [created(), blocked('BLOCKED')]).when({ type: 'BlockSubscription', data: { subscriptionId: 's1', productionOnly: false } }).thenNothing());
  test('refused: blocking a REJECTED subscription', () =>
    given(subscriptionDecider, [created('REJECTED')]).when({ type: 'BlockSubscription', data: { subscriptionId: 's1', productionOnly: false } }).thenThrows('INVALID_TRANSITION'));
  test('unblock', () =>
    given(subscriptionDecider, [created(), blocked('BLOCKED')]).when({ type: 'UnblockSubscription', data: { subscriptionId: 's1' } })
      .then([{ type: 'SubscriptionUnblocked', data: { ...ids, status: 'UNBLOCKED' } }]));
  test('unblocking an unblocked subscription: nothing', () =>
    given(subscriptionDecider, [created()]).when({ type: 'UnblockSubscription', data: { subscriptionId: 's1' } }).thenNothing());
  test('refused: unblocking ON_HOLD', () =>
    given(subscriptionDecider, [created('ON_HOLD')]).when({ type: 'UnblockSubscription', data: { subscriptionId: 's1' } }).thenThrows('INVALID_TRANSITION'));
});

describe('Subscription: unsubscribe', () => {
  test('deleted', () => given(subscriptionDecider, [created()]).when({ type: 'Unsubscribe', data: { subscriptionId: 's1' } }).then([{ type: 'SubscriptionDeleted', data: ids }]));
  test('refused: twice', () =>
    given(subscriptionDecider, [created(), { type: 'SubscriptionDeleted', data: ids }]).when({ type: 'Unsubscribe', data: { subscriptionId: 's1' } }).thenThrows('NOT_FOUND'));
});
