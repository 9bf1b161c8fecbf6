import { test } from 'node:test';
import assert from 'node:assert/strict';
import { isS256Challenge, s256, verifierMatches } from './pkce.ts';

// RFC 7636 Appendix B
const VERIFIER = 'dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk';
const CHALLENGE = 'E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM';

test('S256 of the RFC 7636 example verifier is the example challenge', () => {
  assert.equal(s256(VERIFIER), CHALLENGE);
  assert.equal(verifierMatches(VERIFIER, CHALLENGE), true);
});

test('a different, short or ill-formed verifier does not match', () => {
  assert.equal(verifierMatches(`${VERIFIER.slice(0, -1)}Y`, CHALLENGE), false);
  assert.equal(verifierMatches('short', s256('short')), false);
  assert.equal(verifierMatches(`${'a'.repeat(42)} `, s256(`${'a'.repeat(42)} `)), false);
  assert.equal(verifierMatches('a'.repeat(129), s256('a'.repeat(129))), false);
});

test('a challenge must look like a base64url SHA-256 (a plain verifier as challenge is refused)', () => {
  assert.equal(isS256Challenge(CHALLENGE), true);
  assert.equal(isS256Challenge(VERIFIER + 'x'), false);
  assert.equal(isS256Challenge('abc'), false);
  assert.equal(verifierMatches(VERIFIER, VERIFIER), false);
});
