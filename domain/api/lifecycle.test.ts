import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { LifecycleAction, LifecycleStatus } from './events.ts';
import { LIFECYCLE, nextStatus } from './lifecycle.ts';

// The WSO2 default lifecycle (reference §1.2), written out once more as the expected table.
const EXPECTED: [LifecycleStatus, LifecycleAction, LifecycleStatus][] = [
  ['CREATED', 'PUBLISH', 'PUBLISHED'],
  ['CREATED', 'DEPLOY_AS_PROTOTYPE', 'PROTOTYPED'],
  ['PROTOTYPED', 'PUBLISH', 'PUBLISHED'],
  ['PROTOTYPED', 'DEMOTE_TO_CREATED', 'CREATED'],
  ['PROTOTYPED', 'DEPLOY_AS_PROTOTYPE', 'PROTOTYPED'],
  ['PUBLISHED', 'BLOCK', 'BLOCKED'],
  ['PUBLISHED', 'DEPLOY_AS_PROTOTYPE', 'PROTOTYPED'],
  ['PUBLISHED', 'DEMOTE_TO_CREATED', 'CREATED'],
  ['PUBLISHED', 'DEPRECATE', 'DEPRECATED'],
  ['PUBLISHED', 'PUBLISH', 'PUBLISHED'],
  ['BLOCKED', 'DEPRECATE', 'DEPRECATED'],
  ['BLOCKED', 'REPUBLISH', 'PUBLISHED'],
  ['DEPRECATED', 'RETIRE', 'RETIRED'],
];
const STATES: LifecycleStatus[] = ['CREATED', 'PROTOTYPED', 'PUBLISHED', 'BLOCKED', 'DEPRECATED', 'RETIRED'];
const ACTIONS: LifecycleAction[] = ['PUBLISH', 'DEPLOY_AS_PROTOTYPE', 'DEMOTE_TO_CREATED', 'BLOCK', 'REPUBLISH', 'DEPRECATE', 'RETIRE'];

test('every state × action pair follows the WSO2 table, and nothing else is allowed', () => {
  for (const from of STATES) {
    for (const action of ACTIONS) {
      const row = EXPECTED.find(([f, a]) => f === from && a === action);
      assert.equal(nextStatus(from, action), row?.[2], `${from} ${action}`);
    }
  }
  assert.equal(Object.values(LIFECYCLE).reduce((n, r) => n + Object.keys(r).length, 0), EXPECTED.length);
});

test('RETIRED is terminal', () => {
  assert.deepEqual(LIFECYCLE.RETIRED, {});
});
