// PKCE (RFC 7636) with S256 only: `plain` would hand the verifier to whoever sees the
// authorization request, so it is refused.
import { hash, timingSafeEqual } from 'node:crypto';

/** §4.1: 43–128 characters of [A-Z a-z 0-9 - . _ ~]. */
const VERIFIER = /^[A-Za-z0-9\-._~]{43,128}$/;
/** §4.2: BASE64URL(SHA-256(verifier)) is always 43 characters. */
const S256_CHALLENGE = /^[A-Za-z0-9_-]{43}$/;

export const isS256Challenge = (challenge: string): boolean => S256_CHALLENGE.test(challenge);

export const s256 = (verifier: string): string => hash('sha256', verifier, 'base64url');

/** True when the verifier is well-formed and hashes to the challenge (constant-time compare). */
export function verifierMatches(verifier: string, challenge: string): boolean {
  if (!VERIFIER.test(verifier) || !isS256Challenge(challenge)) return false;
  return timingSafeEqual(Buffer.from(s256(verifier)), Buffer.from(challenge));
}
