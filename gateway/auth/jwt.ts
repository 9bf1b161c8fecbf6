// Local JWT verification (RFC 8725): cheap structural checks first (size, shape, header,
// algorithm allow-list, known kid whose algorithm matches), then jose verifies the signature
// and iss/aud/exp/nbf against the pre-imported key. Any failure is one outcome: invalid.
import { jwtVerify, type JWTPayload } from 'jose';
import { ASYMMETRIC_ALGS, type VerificationKeys } from './keys.ts';

export interface JwtVerifyOptions {
  issuer: string;
  audience: string | string[];
  clockToleranceS: number;
  maxTokenLength: number;
  /** Claims that must be present besides iss/aud (exp for access tokens; API keys may lack it). */
  requiredClaims: string[];
}

export interface VerifiedJwt {
  kid: string;
  alg: string;
  payload: JWTPayload & Record<string, unknown>;
}

const JWT_SHAPE = /^[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+$/;

/** The protected header, or null when the token is not a well-formed compact JWS. */
export function readHeader(token: string, maxLength: number): { alg: string; kid: string } | null {
  if (token.length === 0 || token.length > maxLength || !JWT_SHAPE.test(token)) return null;
  const dot = token.indexOf('.');
  try {
    const header: unknown = JSON.parse(Buffer.from(token.slice(0, dot), 'base64url').toString('utf8'));
    if (typeof header !== 'object' || header === null) return null;
    const { alg, kid, crit } = header as { alg?: unknown; kid?: unknown; crit?: unknown };
    if (typeof alg !== 'string' || typeof kid !== 'string' || crit !== undefined) return null;
    return { alg, kid };
  } catch {
    return null;
  }
}

/** Resolves with the verified token, or null for any invalid one (never throws). */
export async function verifyJwt(token: string, keys: VerificationKeys, opts: JwtVerifyOptions): Promise<VerifiedJwt | null> {
  const header = readHeader(token, opts.maxTokenLength);
  if (!header || !ASYMMETRIC_ALGS.has(header.alg)) return null;
  const key = keys.get(header.kid);
  if (!key || key.alg !== header.alg) return null;
  try {
    const { payload } = await jwtVerify(token, key.key, {
      algorithms: [key.alg],
      issuer: opts.issuer,
      audience: opts.audience,
      clockTolerance: opts.clockToleranceS,
      requiredClaims: ['jti', ...opts.requiredClaims],
    });
    if (typeof payload.jti !== 'string' || payload.jti.length === 0) return null;
    return { kid: header.kid, alg: header.alg, payload: payload as JWTPayload & Record<string, unknown> };
  } catch {
    return null;
  }
}
