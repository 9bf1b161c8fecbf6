// Refresh-token families (`refresh-<familyId>`): each refresh rotates the token; presenting a
// token that was already rotated away means it leaked, so the whole family is revoked
// (OAuth 2.0 Security BCP, refresh token rotation). Only SHA-256 hashes are recorded. The jti
// of each access token issued with a token of the family is recorded too, so that whoever
// kills the family can revoke those access tokens as well.
import type { Decider } from '../decider.ts';
import { DomainError, conflict } from '../errors.ts';
import { fail, requireInt, requireText } from '../validate.ts';
import type { FamilyAccessToken, RefreshFamilyEvent } from './events.ts';

export interface RefreshFamilySnapshot {
  familyId: string;
  clientId: string;
  subject: string;
  scope: string;
  currentHash: string;
  exp: number;
  usedHashes: string[];
  /** Access tokens issued with the family's refresh tokens, oldest first. */
  accessTokens: FamilyAccessToken[];
}

export type RefreshFamilyState =
  | { status: 'NONE' }
  | { status: 'ACTIVE'; family: RefreshFamilySnapshot }
  | { status: 'REVOKED'; family: RefreshFamilySnapshot };

export type StartRefreshFamily = {
  type: 'StartRefreshFamily';
  data: { familyId: string; clientId: string; subject: string; scope: string; tokenHash: string; exp: number; accessToken?: FamilyAccessToken | null };
};
/** now: epoch seconds. A reuse yields RefreshTokenFamilyRevoked: the service appends it, then refuses. */
export type RotateRefreshToken = {
  type: 'RotateRefreshToken';
  data: { familyId: string; clientId: string; presentedHash: string; tokenHash: string; exp: number; now: number; accessToken?: FamilyAccessToken | null };
};
export type RevokeRefreshFamily = { type: 'RevokeRefreshFamily'; data: { familyId: string } };

export type RefreshFamilyCommand = StartRefreshFamily | RotateRefreshToken | RevokeRefreshFamily;

const SHA256_HEX = /^[0-9a-f]{64}$/;
const invalidGrant = (message: string) => new DomainError('UNAUTHENTICATED', message, { oauthError: 'invalid_grant' });

const hashOf = (field: string, h: string): string => (SHA256_HEX.test(h) ? h : fail(field, 'must be a hex SHA-256'));

/** `{ accessToken }` to spread into an event, or nothing when the command carries none. */
const accessTokenOf = (t: FamilyAccessToken | null | undefined): { accessToken?: FamilyAccessToken } =>
  t ? { accessToken: { jti: requireText('accessToken.jti', t.jti, 200), exp: requireInt('accessToken.exp', t.exp, 1) } } : {};

function decide(command: RefreshFamilyCommand, state: RefreshFamilyState): RefreshFamilyEvent[] {
  switch (command.type) {
    case 'StartRefreshFamily': {
      const c = command.data;
      if (state.status !== 'NONE') throw conflict(`refresh token family ${c.familyId} exists`, { familyId: c.familyId });
      return [{
        type: 'RefreshTokenFamilyStarted',
        data: {
          familyId: c.familyId,
          clientId: requireText('clientId', c.clientId, 200),
          subject: requireText('subject', c.subject, 200),
          scope: c.scope,
          tokenHash: hashOf('tokenHash', c.tokenHash),
          exp: c.exp,
          ...accessTokenOf(c.accessToken),
        },
      }];
    }
    case 'RotateRefreshToken': {
      const c = command.data;
      if (state.status === 'NONE') throw invalidGrant('unknown refresh token');
      if (state.status === 'REVOKED') throw invalidGrant('the refresh token has been revoked');
      const f = state.family;
      if (c.clientId !== f.clientId) throw invalidGrant('the refresh token was issued to another client');
      if (f.usedHashes.includes(c.presentedHash)) {
        return [{ type: 'RefreshTokenFamilyRevoked', data: { familyId: f.familyId, reason: 'REUSE_DETECTED' } }];
      }
      if (c.presentedHash !== f.currentHash) throw invalidGrant('unknown refresh token');
      if (f.exp <= c.now) throw invalidGrant('the refresh token has expired');
      return [{ type: 'RefreshTokenRotated', data: { familyId: f.familyId, previousTokenHash: f.currentHash, tokenHash: hashOf('tokenHash', c.tokenHash), exp: c.exp, ...accessTokenOf(c.accessToken) } }];
    }
    case 'RevokeRefreshFamily':
      return state.status === 'ACTIVE' ? [{ type: 'RefreshTokenFamilyRevoked', data: { familyId: state.family.familyId, reason: 'REVOKED' } }] : [];
  }
}

function evolve(state: RefreshFamilyState, event: RefreshFamilyEvent): RefreshFamilyState {
  switch (event.type) {
    case 'RefreshTokenFamilyStarted': {
      const { tokenHash, accessToken, ...rest } = event.data;
      return { status: 'ACTIVE', family: { ...rest, currentHash: tokenHash, usedHashes: [], accessTokens: accessToken ? [accessToken] : [] } };
    }
    case 'RefreshTokenRotated':
      if (state.status !== 'ACTIVE') return state;
      return {
        status: 'ACTIVE',
        family: {
          ...state.family,
          currentHash: event.data.tokenHash,
          exp: event.data.exp,
          usedHashes: [...state.family.usedHashes, event.data.previousTokenHash],
          accessTokens: event.data.accessToken ? [...state.family.accessTokens, event.data.accessToken] : state.family.accessTokens,
        },
      };
    case 'RefreshTokenFamilyRevoked':
      return state.status === 'NONE' ? state : { status: 'REVOKED', family: state.family };
  }
}

export const refreshFamilyDecider: Decider<RefreshFamilyState, RefreshFamilyCommand, RefreshFamilyEvent> = {
  decide,
  evolve,
  initialState: () => ({ status: 'NONE' }),
};
