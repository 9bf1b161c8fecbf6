import assert from 'node:assert/strict';
import { test } from 'node:test';
import { isDomainError } from '../errors.ts';
import { RULES, authorize, can, type Action } from './authorization.ts';

const ACTIONS = Object.keys(RULES) as Action[];

test('admin may do everything, on anything', () => {
  for (const a of ACTIONS) assert.equal(can('root', ['admin'], a, 'someone-else'), true, a);
});

test('creator edits APIs; publisher changes lifecycle and blocks subscriptions', () => {
  assert.equal(can('c', ['creator'], 'createApi'), true);
  assert.equal(can('c', ['creator'], 'changeLifecycle'), false);
  assert.equal(can('p', ['publisher'], 'changeLifecycle'), true);
  assert.equal(can('p', ['publisher'], 'blockSubscription'), true);
  assert.equal(can('p', ['publisher'], 'updateApi'), false);
});

test('subscribers act on what they own only', () => {
  assert.equal(can('bob', ['subscriber'], 'generateKeys', 'bob'), true);
  assert.equal(can('bob', ['subscriber'], 'generateKeys', 'alice'), false);
  assert.equal(can('bob', ['subscriber'], 'createApi'), false);
  assert.equal(can('bob', ['subscriber'], 'createThrottlingPolicy'), false);
});

test('admin-only actions need admin', () => {
  for (const a of ['createThrottlingPolicy', 'addBlockingCondition', 'grantRole', 'rotateSigningKey'] as const) {
    assert.equal(can('x', ['creator', 'publisher', 'subscriber'], a), false, a);
  }
});

test('authorize: unknown actor is UNAUTHENTICATED, a missing role or ownership FORBIDDEN', () => {
  const codeOf = (f: () => void) => { try { f(); return 'OK'; } catch (e) { return isDomainError(e) ? e.code : 'OTHER'; } };
  assert.equal(codeOf(() => authorize('ghost', undefined, 'createApplication')), 'UNAUTHENTICATED');
  assert.equal(codeOf(() => authorize('bob', ['subscriber'], 'createApi')), 'FORBIDDEN');
  assert.equal(codeOf(() => authorize('bob', ['subscriber'], 'deleteApplication', 'alice')), 'FORBIDDEN');
  assert.equal(codeOf(() => authorize('bob', ['subscriber'], 'deleteApplication', 'bob')), 'OK');
});
