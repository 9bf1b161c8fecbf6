// Authentication (WSO2 APIAuthenticationHandler): an OAuth2 JWT from `Authorization: Bearer`
// or an API key from the `apikey` header / `?apikey=`, as the API's security schemes allow.
// Resources with auth type NONE and prototyped APIs need none. Tokens are verified locally
// against the map's keys and cached until exp; revocation is checked on every request.
import { isRevoked } from '../../projections/gateway-map/query.ts';
import { principalFromJwt } from '../auth/claims.ts';
import { verifyJwt, type JwtVerifyOptions } from '../auth/jwt.ts';
import type { CredentialKind } from '../auth/principal.ts';
import type { RequestContext } from '../context.ts';
import { errors } from '../errors.ts';
import { queryParam } from '../http/query.ts';
import type { Phase, PhaseResult } from '../phase.ts';

/** Whether the matched resource needs credentials at all. */
export const needsCredentials = (ctx: RequestContext): boolean =>
  ctx.resource !== null && ctx.resource.authType !== 'NONE' && ctx.api !== null && ctx.api.lifecycleStatus !== 'PROTOTYPED';

/** `Bearer <token>` with the scheme in any case (RFC 6750), checked without allocating. */
function isBearer(header: string): boolean {
  return (
    header.length > 7 &&
    header.charCodeAt(6) === 32 &&
    (header.charCodeAt(0) | 0x20) === 98 && // b
    (header.charCodeAt(1) | 0x20) === 101 && // e
    (header.charCodeAt(2) | 0x20) === 97 && // a
    (header.charCodeAt(3) | 0x20) === 114 && // r
    (header.charCodeAt(4) | 0x20) === 101 && // e
    (header.charCodeAt(5) | 0x20) === 114 // r
  );
}

async function verifySlow(ctx: RequestContext, credential: string, token: string, kind: CredentialKind): Promise<PhaseResult> {
  const gw = ctx.gw;
  const cfg = gw.config;
  const opts: JwtVerifyOptions = {
    issuer: cfg.issuer,
    audience: cfg.audience,
    clockToleranceS: cfg.clockToleranceS,
    maxTokenLength: cfg.maxTokenLength,
    requiredClaims: kind === 'OAUTH2' ? ['exp'] : [],
  };
  const verified = await verifyJwt(token, gw.keys, opts);
  if (verified === null) {
    gw.tokens.markInvalid(credential, Date.now());
    return errors.invalidCredentials;
  }
  const principal = principalFromJwt(verified, kind, cfg.clockToleranceS);
  gw.tokens.set(credential, principal);
  if (isRevoked(ctx.view, principal.jti)) return errors.invalidCredentials;
  ctx.principal = principal;
  return undefined;
}

export const authenticate: Phase = {
  name: 'authenticate',
  run(ctx) {
    if (!needsCredentials(ctx)) return undefined;
    const schemes = ctx.api!.securitySchemes;
    // The cache is keyed by the credential as sent (the whole Authorization value for OAuth2),
    // so a cache hit slices nothing.
    let credential: string | null = null;
    let kind: CredentialKind = 'OAUTH2';
    const authorization = ctx.req.headers.authorization;
    if (authorization !== undefined && isBearer(authorization) && schemes.includes('OAUTH2')) credential = authorization;
    else if (schemes.includes('API_KEY')) {
      kind = 'API_KEY';
      const header = ctx.req.headers.apikey;
      if (typeof header === 'string' && header.length > 0) credential = header;
      else {
        const fromQuery = queryParam(ctx.url, ctx.pathEnd, 'apikey');
        if (fromQuery !== undefined && fromQuery.length > 0) {
          credential = fromQuery;
          ctx.apiKeyInQuery = true;
        }
      }
    }
    if (credential === null) return errors.missingCredentials;
    if (credential.length > ctx.gw.config.maxTokenLength + 7) return errors.invalidCredentials;

    const cached = ctx.gw.tokens.get(credential, ctx.startedAt);
    if (cached !== undefined) {
      if (isRevoked(ctx.view, cached.jti)) return errors.invalidCredentials;
      ctx.principal = cached;
      return undefined;
    }
    if (ctx.gw.tokens.isKnownInvalid(credential, ctx.startedAt)) return errors.invalidCredentials;
    const token = kind === 'OAUTH2' ? credential.slice(7).trim() : credential;
    return verifySlow(ctx, credential, token, kind);
  },
};
