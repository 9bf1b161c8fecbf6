import assert from 'node:assert/strict';
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
  test('the access token issued alongside is recorded at start and at each rotation, and folded into the family', () => {
    const at1 = { jti: 'jti-1', exp: 1600 };
    const at2 = { jti: 'jti-2', exp: 2600 };
    const startedWith: RefreshFamilyEvent = { type: 'RefreshTokenFamilyStarted', data: { familyId: 'f1', clientId: 'ck', subject: 'bob', scope: 'default', tokenHash: h('1'), exp: 2000, accessToken: at1 } };
    given(refreshFamilyDecider).when({ type: 'StartRefreshFamily', data: { familyId: 'f1', clientId: 'ck', subject: 'bob', scope: 'default', tokenHash: h('1'), exp: 2000, accessToken: at1 } })
      .then([startedWith]);
    given(refreshFamilyDecider, [startedWith]).when({ ...rotate(h('1')), data: { ...rotate(h('1')).data, accessToken: at2 } })
      .then([{ type: 'RefreshTokenRotated', data: { familyId: 'f1', previousTokenHash: h('1'), tokenHash: h('3'), exp: 4000, accessToken: at2 } }]);
    const rotatedWith: RefreshFamilyEvent = { type: 'RefreshTokenRotated', data: { familyId: 'f1', previousTokenHash: h('1'), tokenHash: h('2'), exp: 3000, accessToken: at2 } };
    const family = given(refreshFamilyDecider, [startedWith, rotated, rotatedWith]).state;
    assert.equal(family.status, 'ACTIVE');
    if (family.status === 'ACTIVE') assert.deepEqual(family.family.accessTokens, [at1, at2], 'events without one (older ones) add nothing');
    const revoked = given(refreshFamilyDecider, [startedWith, rotatedWith, { type: 'RefreshTokenFamilyRevoked', data: { familyId: 'f1', reason: 'REUSE_DETECTED' } }]).state;
    assert.deepEqual(revoked.status === 'REVOKED' && revoked.family.accessTokens, [at1, at2], 'a revoked family still knows its access tokens');
  });
  test('refused: an access token without a jti or with a bad exp', () => {
    given(refreshFamilyDecider).when({ type: 'StartRefreshFamily', data: { familyId: 'f1', clientId: 'ck', subject: 'bob', scope: '', tokenHash: h('1'), exp: 2000, accessToken: { jti: '', exp: 1 } } }).thenThrows('BAD_USER_INPUT', /jti/);
    given(refreshFamilyDecider, [started]).when({ ...rotate(h('1')), data: { ...rotate(h('1')).data, accessToken: { jti: 'j', exp: 1.5 } } }).thenThrows('BAD_USER_INPUT', /exp/);
  });
  test('revoke; revoking again or an unknown family appends nothing', () => {
    given(refreshFamilyDecider, [started]).when({ type: 'RevokeRefreshFamily', data: { familyId: 'f1' } })
      .then([{ type: 'RefreshTokenFamilyRevoked', data: { familyId: 'f1', reason: 'REVOKED' } }]);
    given(refreshFamilyDecider, [started, { type: 'RefreshTokenFamilyRevoked', data: { familyId: 'f1', reason: 'REVOKED' } }]).when({ type: 'RevokeRefreshFamily', data: { familyId: 'f1' } }).thenNothing();
    given(refreshFamilyDecider).when({ type: 'RevokeRefreshFamily', data: { familyId: 'f1' } }).thenNothing();
  });
});
