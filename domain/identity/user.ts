// Users (`user-<name>`): roles and the login-failure lockout. The password hash is not here:
// it lives in the CredentialStore port. User names are unique by their stream (created with
// STREAM_DOES_NOT_EXIST), and case-insensitive (normalizeUsername).
import type { Decider } from '../decider.ts';
import { conflict, notFound } from '../errors.ts';
import { fail, requireOneOf } from '../validate.ts';
import type { Role, UserEvent } from './events.ts';

export const ROLES: readonly Role[] = ['admin', 'publisher', 'creator', 'subscriber'];
export const MAX_LOGIN_FAILURES = 5;
export const LOCKOUT_SECONDS = 300;

const USERNAME = /^[a-z0-9][a-z0-9._@-]{1,63}$/;

export const normalizeUsername = (username: string): string => (username ?? '').trim().toLowerCase();

export function validateUsername(username: string): string {
  if (!USERNAME.test(username)) fail('username', '2 to 64 characters: letters, digits and . _ @ - (starting with a letter or digit)');
  return username;
}

/** Password policy (checked by the service before hashing; the password never reaches a decider). */
export function validatePassword(password: string): string {
  if (typeof password !== 'string' || password.length < 8) fail('password', 'must be at least 8 characters');
  if (password.length > 256) fail('password', 'must be at most 256 characters');
  return password;
}

export interface UserSnapshot {
  username: string;
  roles: Role[];
  consecutiveFailures: number;
  lockedUntil: string | null;
}

export type UserState = { status: 'NONE' } | { status: 'ACTIVE'; user: UserSnapshot };

export type RegisterUser = {
  type: 'RegisterUser';
  data: { username: string; roles: readonly string[]; via: 'SIGN_UP' | 'BOOTSTRAP' };
};
export type GrantRole = { type: 'GrantRole'; data: { username: string; role: string } };
export type RevokeRole = { type: 'RevokeRole'; data: { username: string; role: string } };
export type RecordLoginFailure = { type: 'RecordLoginFailure'; data: { username: string; now: string } };
export type RecordLoginSuccess = { type: 'RecordLoginSuccess'; data: { username: string } };
/** The new hash went to the CredentialStore; the log records that it changed, and unlocks. */
export type ChangePassword = { type: 'ChangePassword'; data: { username: string } };

export type UserCommand = RegisterUser | GrantRole | RevokeRole | RecordLoginFailure | RecordLoginSuccess | ChangePassword;

export const isLockedOut = (user: UserSnapshot, now: Date): boolean =>
  user.lockedUntil !== null && Date.parse(user.lockedUntil) > now.getTime();

const active = (state: UserState, username: string): UserSnapshot => {
  if (state.status !== 'ACTIVE') throw notFound('User', username);
  return state.user;
};

function decide(command: UserCommand, state: UserState): UserEvent[] {
  switch (command.type) {
    case 'RegisterUser': {
      const c = command.data;
      const username = validateUsername(c.username);
      if (state.status !== 'NONE') throw conflict(`user name ${username} is taken`, { username });
      const roles = [...new Set(c.roles.map((r) => requireOneOf('roles', r, ROLES)))];
      return [{ type: 'UserRegistered', data: { username, roles, via: c.via } }];
    }
    case 'GrantRole': {
      const user = active(state, command.data.username);
      const role = requireOneOf('role', command.data.role, ROLES);
      return user.roles.includes(role) ? [] : [{ type: 'UserRoleGranted', data: { username: user.username, role } }];
    }
    case 'RevokeRole': {
      const user = active(state, command.data.username);
      const role = requireOneOf('role', command.data.role, ROLES);
      return user.roles.includes(role) ? [{ type: 'UserRoleRevoked', data: { username: user.username, role } }] : [];
    }
    case 'RecordLoginFailure': {
      const user = active(state, command.data.username);
      const now = new Date(command.data.now);
      if (isLockedOut(user, now)) return []; // already locked: attempts are refused before any check
      const consecutiveFailures = user.consecutiveFailures + 1;
      const events: UserEvent[] = [{ type: 'UserLoginFailed', data: { username: user.username, consecutiveFailures } }];
      if (consecutiveFailures >= MAX_LOGIN_FAILURES) {
        const lockedUntil = new Date(now.getTime() + LOCKOUT_SECONDS * 1000).toISOString();
        events.push({ type: 'UserLockedOut', data: { username: user.username, lockedUntil } });
      }
      return events;
    }
    case 'RecordLoginSuccess': {
      const user = active(state, command.data.username);
      return user.consecutiveFailures > 0 ? [{ type: 'UserLoginFailuresReset', data: { username: user.username } }] : [];
    }
    case 'ChangePassword': {
      const user = active(state, command.data.username);
      return [{ type: 'UserPasswordChanged', data: { username: user.username } }];
    }
  }
}

function evolve(state: UserState, event: UserEvent): UserState {
  if (event.type === 'UserRegistered') {
    return { status: 'ACTIVE', user: { username: event.data.username, roles: event.data.roles, consecutiveFailures: 0, lockedUntil: null } };
  }
  if (state.status !== 'ACTIVE') return state;
  const user = state.user;
  switch (event.type) {
    case 'UserRoleGranted':
      return { status: 'ACTIVE', user: { ...user, roles: [...user.roles, event.data.role] } };
    case 'UserRoleRevoked':
      return { status: 'ACTIVE', user: { ...user, roles: user.roles.filter((r) => r !== event.data.role) } };
    case 'UserPasswordChanged':
      return { status: 'ACTIVE', user: { ...user, consecutiveFailures: 0, lockedUntil: null } };
    case 'UserLoginFailed':
      return { status: 'ACTIVE', user: { ...user, consecutiveFailures: event.data.consecutiveFailures } };
    case 'UserLockedOut':
      return { status: 'ACTIVE', user: { ...user, consecutiveFailures: 0, lockedUntil: event.data.lockedUntil } };
    case 'UserLoginFailuresReset':
      return { status: 'ACTIVE', user: { ...user, consecutiveFailures: 0 } };
  }
}

export const userDecider: Decider<UserState, UserCommand, UserEvent> = {
  decide,
  evolve,
  initialState: () => ({ status: 'NONE' }),
};
