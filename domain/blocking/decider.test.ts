import { describe, test } from 'node:test';
import { given } from '../testing.ts';
import { blockingDecider } from './decider.ts';
import type { BlockingEvent } from './events.ts';

const conditionId = 'b1';
const add = (type: string, value: string, extra: { invert?: boolean; enabled?: boolean } = {}) =>
  ({ type: 'AddBlockingCondition' as const, data: { conditionId, type, value, ...extra } });
const added = (type: 'API' | 'APPLICATION' | 'IP' | 'IP_RANGE' | 'USER', value: string, invert = false, enabled = true): BlockingEvent =>
  ({ type: 'BlockingConditionAdded', data: { conditionId, type, value, enabled, invert } });

describe('Blocking conditions: add', () => {
  const ok: [string, string, BlockingEvent][] = [
    ['IP', ' 10.0.0.1 ', added('IP', '10.0.0.1')],
    ['IP', '2001:0db8::0001', added('IP', '2001:db8::1')],
    ['IP_RANGE', '10.0.0.1-10.0.0.50', added('IP_RANGE', '10.0.0.1-10.0.0.50')],
    ['IP_RANGE', '192.168.0.0/16', added('IP_RANGE', '192.168.0.0/16')],
    ['API', '/pizzashack/1.0.0', added('API', '/pizzashack/1.0.0')],
    ['APPLICATION', 'bob:My App', added('APPLICATION', 'bob:My App')],
    ['USER', 'mallory', added('USER', 'mallory')],
  ];
  for (const [type, value, event] of ok) {
    test(`${type} ${value.trim()}`, () => given(blockingDecider).when(add(type, value)).then([event]));
  }

  test('inverted and initially disabled', () => {
    given(blockingDecider).when(add('IP', '10.0.0.1', { invert: true, enabled: false })).then([added('IP', '10.0.0.1', true, false)]);
  });

  const bad: [string, string][] = [
    ['IP', '10.0.0'],
    ['IP', '010.0.0.1'],
    ['IP', '10.0.0.0/8'],
    ['IP_RANGE', '10.0.0.9-10.0.0.1'],
    ['IP_RANGE', '10.0.0.1-::1'],
    ['IP_RANGE', '10.0.0.0/40'],
    ['API', 'pizzashack'],
    ['API', '/pizza shack/1.0'],
    ['APPLICATION', 'noowner'],
    ['APPLICATION', 'bob:'],
    ['USER', ' '],
    ['HOST', 'x'],
  ];
  for (const [type, value] of bad) {
    test(`refused: ${type} "${value}"`, () => given(blockingDecider).when(add(type, value)).thenThrows('BAD_USER_INPUT'));
  }

  test('refused: the same id twice', () => given(blockingDecider, [added('USER', 'x')]).when(add('USER', 'y')).thenThrows('CONFLICT'));
});

describe('Blocking conditions: enable / disable / remove', () => {
  test('disable then enable', () => {
    given(blockingDecider, [added('USER', 'x')]).when({ type: 'SetBlockingConditionEnabled', data: { conditionId, enabled: false } })
      .then([{ type: 'BlockingConditionDisabled', data: { conditionId } }]);
    given(blockingDecider, [added('USER', 'x'), { type: 'BlockingConditionDisabled', data: { conditionId } }])
      .when({ type: 'SetBlockingConditionEnabled', data: { conditionId, enabled: true } })
      .then([{ type: 'BlockingConditionEnabled', data: { conditionId } }]);
  });
  test('enabling an enabled condition: nothing', () => {
    given(blockingDecider, [added('USER', 'x')]).when({ type: 'SetBlockingConditionEnabled', data: { conditionId, enabled: true } }).thenNothing();
  });
  test('remove', () => {
    given(blockingDecider, [added('USER', 'x')]).when({ type: 'RemoveBlockingCondition', data: { conditionId } })
      .then([{ type: 'BlockingConditionRemoved', data: { conditionId } }]);
  });
  test('refused: unknown or removed condition', () => {
    given(blockingDecider).when({ type: 'RemoveBlockingCondition', data: { conditionId } }).thenThrows('NOT_FOUND');
    const gone: BlockingEvent[] = [added('USER', 'x'), { type: 'BlockingConditionRemoved', data: { conditionId } }];
    given(blockingDecider, gone).when({ type: 'SetBlockingConditionEnabled', data: { conditionId, enabled: false } }).thenThrows('NOT_FOUND');
    given(blockingDecider, gone).when({ type: 'RemoveBlockingCondition', data: { conditionId } }).thenThrows('NOT_FOUND');
  });
});
