import { test } from 'node:test';
import { given } from '../testing.ts';
import type { TokenEvent } from './events.ts';
import { revocationDecider } from './revocation.ts';

const revoked: TokenEvent = { type: 'TokenRevoked', data: { jti: 'j1', exp: 1_900_000_000, tokenType: 'access_token' } };

test('a token is revoked with its expiry', () => {
  given(revocationDecider).when({ type: 'RevokeToken', data: { jti: 'j1', exp: 1_900_000_000, tokenType: 'access_token' } }).then([revoked]);
});
test('revoking again appends nothing', () => {
  given(revocationDecider, [revoked]).when({ type: 'RevokeToken', data: { jti: 'j1', exp: 1_900_000_000, tokenType: 'access_token' } }).thenNothing();
});
test('refused: unknown token type', () => {
  given(revocationDecider).when({ type: 'RevokeToken', data: { jti: 'j1', exp: null, tokenType: 'id_token' } }).thenThrows('BAD_USER_INPUT', /tokenType/);
});
test('refused: empty jti or bad expiry', () => {
  given(revocationDecider).when({ type: 'RevokeToken', data: { jti: '', exp: null, tokenType: 'api_key' } }).thenThrows('BAD_USER_INPUT', /jti/);
  given(revocationDecider).when({ type: 'RevokeToken', data: { jti: 'j', exp: 1.5, tokenType: 'api_key' } }).thenThrows('BAD_USER_INPUT', /exp/);
});
