import { describe, test } from 'node:test';
import { given } from '../testing.ts';
import type { RefreshFamilyEvent } from './events.ts';
import { refreshFamilyDecider } from './refresh-family.ts';

const h = (c: string) => c.repeat(64);
const started: RefreshFamilyEvent = {
  type: 'RefreshTokenFamilyStarted',
  data: { familyId: 'f1', clientId: 'ck', subject: 'bob', scope: 'default', tokenHash: h('1'), exp: 2000 },
};
const rotated: RefreshFamilyEvent = { type: 'RefreshTokenRotated', data: { familyId: 'f1', previousTokenHash: h('1'), tokenHash: h('2'), exp: 3000 } };
const rotate = (presented: string, over: { clientId?: string; now?: number } = {}) => ({
  type: 'RotateRefreshToken' as const,
  data: { familyId: 'f1', clientId: over.clientId ?? 'ck', presentedHash: presented, tokenHash: h('3'), exp: 4000, now: over.now ?? 1000 },
});

describe('Refresh-token families', () => {
  test('start', () => {
    given(refreshFamilyDecider).when({ type: 'StartRefreshFamily', data: { familyId: 'f1', clientId: 'ck', subject: 'bob', scope: 'default', tokenHash: h('1'), exp: 2000 } }).then([started]);
  });
  test('refused: start with a token in clear', () => {
    given(refreshFamilyDecider).when({ type: 'StartRefreshFamily', data: { familyId: 'f1', clientId: 'ck', subject: 'bob', scope: '', tokenHash: 'plain', exp: 2000 } }).thenThrows('BAD_USER_INPUT');
  });
  test('refused: start twice', () => {
    given(refreshFamilyDecider, [started]).when({ type: 'StartRefreshFamily', data: { familyId: 'f1', clientId: 'ck', subject: 'bob', scope: '', tokenHash: h('1'), exp: 2000 } }).thenThrows('CONFLICT');
  });
  test('rotation of the current token', () => {
    given(refreshFamilyDecider, [started, rotated]).when(rotate(h('2')))
      .then([{ type: 'RefreshTokenRotated', data: { familyId: 'f1', previousTokenHash: h('2'), tokenHash: h('3'), exp: 4000 } }]);
  });
  test('reuse of a rotated-away token revokes the family', () => {
    given(refreshFamilyDecider, [started, rotated]).when(rotate(h('1')))
      .then([{ type: 'RefreshTokenFamilyRevoked', data: { familyId: 'f1', reason: 'REUSE_DETECTED' } }]);
  });
  test('refused: an expired token', () => given(refreshFamilyDecider, [started]).when(rotate(h('1'), { now: 2000 })).thenThrows('UNAUTHENTICATED', /expired/));
  test('refused: another client', () => given(refreshFamilyDecider, [started]).when(rotate(h('1'), { clientId: 'other' })).thenThrows('UNAUTHENTICATED', /another client/));
  test('refused: a token the family never had', () => given(refreshFamilyDecider, [started]).when(rotate(h('9'))).thenThrows('UNAUTHENTICATED'));
  test('refused: an unknown family', () => given(refreshFamilyDecider).when(rotate(h('1'))).thenThrows('UNAUTHENTICATED'));
  test('refused: a revoked family, even with its current token', () => {
    given(refreshFamilyDecider, [started, { type: 'RefreshTokenFamilyRevoked', data: { familyId: 'f1', reason: 'REVOKED' } }]).when(rotate(h('1'))).thenThrows('UNAUTHENTICATED', /revoked/);
  });
  test('revoke; revoking again or an unknown family appends nothing', () => {
    given(refreshFamilyDecider, [started]).when({ type: 'RevokeRefreshFamily', data: { familyId: 'f1' } })
      .then([{ type: 'RefreshTokenFamilyRevoked', data: { familyId: 'f1', reason: 'REVOKED' } }]);
    given(refreshFamilyDecider, [started, { type: 'RefreshTokenFamilyRevoked', data: { familyId: 'f1', reason: 'REVOKED' } }]).when({ type: 'RevokeRefreshFamily', data: { familyId: 'f1' } }).thenNothing();
    given(refreshFamilyDecider).when({ type: 'RevokeRefreshFamily', data: { familyId: 'f1' } }).thenNothing();
  });
});
