import assert from 'node:assert/strict';
import { test } from 'node:test';
import { fold } from '../../../domain/decider.ts';
import { alertSubscriptionDecider as d } from './subscription.ts';

const configure = (data: Partial<Parameters<typeof d.decide>[0]['data']> = {}) => ({
  type: 'ConfigureAlerts' as const,
  data: { userName: 'alice', kinds: [], apiIds: null, applicationIds: null, ...data },
});

test('given no subscription, configuring kinds records them in the catalogue order, ids sorted and unique', () => {
  const events = d.decide(configure({ kinds: ['API_HEALTH', 'ABNORMAL_REQUEST_RATE'], apiIds: ['b', 'a', 'b'] }), d.initialState());
  assert.deepEqual(events, [{
    type: 'AlertSubscriptionConfigured',
    data: { userName: 'alice', kinds: ['ABNORMAL_REQUEST_RATE', 'API_HEALTH'], apiIds: ['a', 'b'], applicationIds: null },
  }]);
});

test('given the same choice, configuring again appends nothing; a different one is recorded', () => {
  const state = fold(d, d.decide(configure({ kinds: ['API_HEALTH'] }), d.initialState()));
  assert.deepEqual(d.decide(configure({ kinds: ['API_HEALTH'] }), state), []);
  assert.equal(d.decide(configure({ kinds: [] }), state).length, 1);
});

test('an unknown kind is refused as bad input', () => {
  assert.throws(() => d.decide(configure({ kinds: ['NOPE' as never] }), d.initialState()), { code: 'BAD_USER_INPUT' });
});
