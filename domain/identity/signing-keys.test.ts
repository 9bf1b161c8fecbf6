import { describe, test } from 'node:test';
import { given } from '../testing.ts';
import type { SigningKeyEvent } from './events.ts';
import { signingKeysDecider } from './signing-keys.ts';

const jwk = (x: string) => ({ kty: 'EC', crv: 'P-256', x, y: 'yy' });
const pub = (kid: string, x: string) => ({ kid, alg: 'ES256' as const, publicJwk: { ...jwk(x), kid, alg: 'ES256', use: 'sig' } });
const k1: SigningKeyEvent = { type: 'SigningKeyAdded', data: pub('k1', 'x1') };
const k2: SigningKeyEvent = { type: 'SigningKeyRotated', data: { ...pub('k2', 'x2'), previousKid: 'k1', retiredKid: null } };

describe('Signing keys', () => {
  test('the first key is added', () => given(signingKeysDecider).when({ type: 'AddSigningKey', data: { kid: 'k1', alg: 'ES256', publicJwk: jwk('x1') } }).then([k1]));
  test('adding the same key again: nothing (idempotent bootstrap)', () =>
    given(signingKeysDecider, [k1]).when({ type: 'AddSigningKey', data: { kid: 'k1', alg: 'ES256', publicJwk: jwk('x1') } }).thenNothing());
  test('refused: adding a second key instead of rotating', () =>
    given(signingKeysDecider, [k1]).when({ type: 'AddSigningKey', data: { kid: 'k9', alg: 'ES256', publicJwk: jwk('x9') } }).thenThrows('CONFLICT', /rotate/));
  test('rotation: new current, old previous', () =>
    given(signingKeysDecider, [k1]).when({ type: 'RotateSigningKey', data: { kid: 'k2', alg: 'ES256', publicJwk: jwk('x2') } }).then([k2]));
  test('second rotation retires the oldest key', () =>
    given(signingKeysDecider, [k1, k2]).when({ type: 'RotateSigningKey', data: { kid: 'k3', alg: 'ES256', publicJwk: jwk('x3') } })
      .then([{ type: 'SigningKeyRotated', data: { ...pub('k3', 'x3'), previousKid: 'k2', retiredKid: 'k1' } }]));
  test('refused: rotating before any key exists', () =>
    given(signingKeysDecider).when({ type: 'RotateSigningKey', data: { kid: 'k1', alg: 'ES256', publicJwk: jwk('x') } }).thenThrows('INVALID_TRANSITION'));
  test('refused: rotating to a key id in use', () =>
    given(signingKeysDecider, [k1, k2]).when({ type: 'RotateSigningKey', data: { kid: 'k1', alg: 'ES256', publicJwk: jwk('x') } }).thenThrows('CONFLICT'));
  test('refused: a private key', () =>
    given(signingKeysDecider).when({ type: 'AddSigningKey', data: { kid: 'k1', alg: 'ES256', publicJwk: { ...jwk('x'), d: 'secret' } } }).thenThrows('BAD_USER_INPUT', /private/));
  test('refused: a key of the wrong type for its algorithm', () =>
    given(signingKeysDecider).when({ type: 'AddSigningKey', data: { kid: 'k1', alg: 'EdDSA', publicJwk: jwk('x') } }).thenThrows('BAD_USER_INPUT', /EdDSA/));
  test('refused: an unsupported algorithm', () =>
    given(signingKeysDecider).when({ type: 'AddSigningKey', data: { kid: 'k1', alg: 'HS256', publicJwk: jwk('x') } }).thenThrows('BAD_USER_INPUT', /alg/));
});
