// Issuing and verifying the key manager's JWTs (access tokens, API keys). Only the asymmetric
// algorithms of our own keys verify: `alg: none`, HS256 and unknown `kid`s are refused.
import { SignJWT, decodeProtectedHeader, jwtVerify, type JWTPayload } from 'jose';
import { CLOCK_TOLERANCE_S } from './constants.ts';
import type { KeyRing } from './keyring.ts';

export interface TokenRequest {
  issuer: string;
  subject: string;
  audience: string | string[];
  ttlSeconds: number | null; // null: no exp (API keys without validity)
  jti: string;
  now: Date;
  claims: Record<string, unknown>;
  typ?: string;
}

export interface IssuedToken {
  token: string;
  jti: string;
  iat: number;
  exp: number | null;
  kid: string;
}

export async function signToken(ring: KeyRing, req: TokenRequest): Promise<IssuedToken> {
  const { kid, alg, key } = await ring.current();
  const iat = Math.floor(req.now.getTime() / 1000);
  const exp = req.ttlSeconds === null ? null : iat + req.ttlSeconds;
  const jwt = new SignJWT({ ...req.claims })
    .setProtectedHeader({ alg, kid, typ: req.typ ?? 'JWT' })
    .setIssuer(req.issuer)
    .setSubject(req.subject)
    .setAudience(req.audience)
    .setIssuedAt(iat)
    .setNotBefore(iat)
    .setJti(req.jti);
  if (exp !== null) jwt.setExpirationTime(exp);
  return { token: await jwt.sign(key), jti: req.jti, iat, exp, kid };
}

export type VerifyResult =
  | { active: true; claims: JWTPayload & Record<string, unknown>; kid: string }
  | { active: false; reason: string };

export interface VerifyOptions {
  issuer: string;
  audiences: string[];
  now: Date;
  isRevoked(jti: string): boolean;
}

export async function verifyToken(ring: KeyRing, token: string, opts: VerifyOptions): Promise<VerifyResult> {
  let header;
  try {
    header = decodeProtectedHeader(token);
  } catch {
    return { active: false, reason: 'malformed' };
  }
  if (typeof header.kid !== 'string') return { active: false, reason: 'no kid' };
  const material = await ring.verificationKey(header.kid);
  if (!material) return { active: false, reason: 'unknown kid' };
  if (header.alg !== material.alg) return { active: false, reason: 'algorithm mismatch' };
  try {
    const { payload } = await jwtVerify(token, material.key, {
      algorithms: [material.alg],
      issuer: opts.issuer,
      audience: opts.audiences,
      currentDate: opts.now,
      clockTolerance: CLOCK_TOLERANCE_S,
      requiredClaims: ['jti', 'sub', 'iat'],
    });
    if (opts.isRevoked(payload.jti!)) return { active: false, reason: 'revoked' };
    return { active: true, claims: payload as JWTPayload & Record<string, unknown>, kid: header.kid };
  } catch (e) {
    return { active: false, reason: (e as { code?: string }).code ?? 'invalid' };
  }
}
