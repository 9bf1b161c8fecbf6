import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { given } from '../testing.ts';
import type { UserEvent } from './events.ts';
import { LOCKOUT_SECONDS, MAX_LOGIN_FAILURES, isLockedOut, normalizeUsername, userDecider, validatePassword } from './user.ts';

const registered: UserEvent = { type: 'UserRegistered', data: { username: 'bob', roles: ['subscriber'], via: 'SIGN_UP' } };
const failed = (n: number): UserEvent => ({ type: 'UserLoginFailed', data: { username: 'bob', consecutiveFailures: n } });
const now = '2024-05-01T10:00:00.000Z';

describe('Users: register', () => {
  test('sign-up with the subscriber role', () => {
    given(userDecider).when({ type: 'RegisterUser', data: { username: 'bob', roles: ['subscriber', 'subscriber'], via: 'SIGN_UP' } }).then([registered]);
  });
  test('refused: a taken name', () => {
    given(userDecider, [registered]).when({ type: 'RegisterUser', data: { username: 'bob', roles: [], via: 'SIGN_UP' } }).thenThrows('CONFLICT', /taken/);
  });
  for (const bad of ['b', 'Bob', 'bo b', '-bob', 'x'.repeat(65), 'bob/evil']) {
    test(`refused: user name "${bad.slice(0, 10)}"`, () => {
      given(userDecider).when({ type: 'RegisterUser', data: { username: bad, roles: [], via: 'SIGN_UP' } }).thenThrows('BAD_USER_INPUT', /username/);
    });
  }
  test('refused: an unknown role', () => {
    given(userDecider).when({ type: 'RegisterUser', data: { username: 'bob', roles: ['root'], via: 'BOOTSTRAP' } }).thenThrows('BAD_USER_INPUT', /roles/);
  });
  test('user names are case-insensitive (normalised by the service)', () => assert.equal(normalizeUsername('  Bob '), 'bob'));
  test('password policy', () => {
    assert.throws(() => validatePassword('short'), /at least 8/);
    assert.equal(validatePassword('long enough'), 'long enough');
  });
});

describe('Users: roles', () => {
  test('grant', () => given(userDecider, [registered]).when({ type: 'GrantRole', data: { username: 'bob', role: 'creator' } }).then([{ type: 'UserRoleGranted', data: { username: 'bob', role: 'creator' } }]));
  test('grant a held role: nothing', () => given(userDecider, [registered]).when({ type: 'GrantRole', data: { username: 'bob', role: 'subscriber' } }).thenNothing());
  test('revoke', () => given(userDecider, [registered]).when({ type: 'RevokeRole', data: { username: 'bob', role: 'subscriber' } }).then([{ type: 'UserRoleRevoked', data: { username: 'bob', role: 'subscriber' } }]));
  test('revoke a role not held: nothing', () => given(userDecider, [registered]).when({ type: 'RevokeRole', data: { username: 'bob', role: 'admin' } }).thenNothing());
  test('refused: unknown role', () => given(userDecider, [registered]).when({ type: 'GrantRole', data: { username: 'bob', role: 'god' } }).thenThrows('BAD_USER_INPUT'));
  test('refused: unknown user', () => given(userDecider).when({ type: 'GrantRole', data: { username: 'bob', role: 'admin' } }).thenThrows('NOT_FOUND'));
});

describe('Users: login failures and lockout', () => {
  test('a failure is counted', () => given(userDecider, [registered]).when({ type: 'RecordLoginFailure', data: { username: 'bob', now } }).then([failed(1)]));

  test(`the ${MAX_LOGIN_FAILURES}th consecutive failure locks the account for ${LOCKOUT_SECONDS}s`, () => {
    const before = [registered, ...Array.from({ length: MAX_LOGIN_FAILURES - 1 }, (_, i) => failed(i + 1))];
    given(userDecider, before).when({ type: 'RecordLoginFailure', data: { username: 'bob', now } }).then([
      failed(MAX_LOGIN_FAILURES),
      { type: 'UserLockedOut', data: { username: 'bob', lockedUntil: '2024-05-01T10:05:00.000Z' } },
    ]);
  });

  test('while locked, failures are not recorded; after expiry they count from zero', () => {
    const locked: UserEvent[] = [registered, failed(5), { type: 'UserLockedOut', data: { username: 'bob', lockedUntil: '2024-05-01T10:05:00.000Z' } }];
    const g = given(userDecider, locked);
    assert.equal(g.state.status === 'ACTIVE' && isLockedOut(g.state.user, new Date(now)), true);
    assert.equal(g.state.status === 'ACTIVE' && isLockedOut(g.state.user, new Date('2024-05-01T10:05:01Z')), false);
    g.when({ type: 'RecordLoginFailure', data: { username: 'bob', now } }).thenNothing();
    g.when({ type: 'RecordLoginFailure', data: { username: 'bob', now: '2024-05-01T10:06:00.000Z' } }).then([failed(1)]);
  });

  test('a success after failures resets the counter; without failures it records nothing', () => {
    given(userDecider, [registered, failed(2)]).when({ type: 'RecordLoginSuccess', data: { username: 'bob' } }).then([{ type: 'UserLoginFailuresReset', data: { username: 'bob' } }]);
    given(userDecider, [registered]).when({ type: 'RecordLoginSuccess', data: { username: 'bob' } }).thenNothing();
  });

  test('a password change is recorded and lifts a lockout', () => {
    const locked: UserEvent[] = [registered, { type: 'UserLockedOut', data: { username: 'bob', lockedUntil: '2099-01-01T00:00:00.000Z' } }];
    given(userDecider, locked).when({ type: 'ChangePassword', data: { username: 'bob' } }).then([{ type: 'UserPasswordChanged', data: { username: 'bob' } }]);
    const after = given(userDecider, [...locked, { type: 'UserPasswordChanged', data: { username: 'bob' } }]).state;
    assert.equal(after.status === 'ACTIVE' && after.user.lockedUntil, null);
  });

  test('refused: failures of an unknown user', () => {
    given(userDecider).when({ type: 'RecordLoginFailure', data: { username: 'ghost', now } }).thenThrows('NOT_FOUND');
  });
});
