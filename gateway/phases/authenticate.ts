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

function bearerToken(header: string | undefined): string | null {
  if (header === undefined || header.length < 8) return null;
  // RFC 6750: the scheme is case-insensitive.
  if (header.charCodeAt(6) !== 32 || header.slice(0, 6).toLowerCase() !== 'bearer') return null;
  const token = header.slice(7).trim();
  return token.length > 0 ? token : null;
}

async function verifySlow(ctx: RequestContext, token: string, kind: CredentialKind): Promise<PhaseResult> {
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
    gw.tokens.markInvalid(token, Date.now());
    return errors.invalidCredentials;
  }
  const principal = principalFromJwt(verified, kind, cfg.clockToleranceS);
  gw.tokens.set(token, principal);
  if (isRevoked(ctx.view, principal.jti)) return errors.invalidCredentials;
  ctx.principal = principal;
  return undefined;
}

export const authenticate: Phase = {
  name: 'authenticate',
  run(ctx) {
    if (!needsCredentials(ctx)) return undefined;
    const schemes = ctx.api!.securitySchemes;
    let token: string | null = null;
    let kind: CredentialKind = 'OAUTH2';
    if (schemes.includes('OAUTH2')) token = bearerToken(ctx.req.headers.authorization);
    if (token === null && schemes.includes('API_KEY')) {
      kind = 'API_KEY';
      const header = ctx.req.headers.apikey;
      if (typeof header === 'string' && header.length > 0) token = header;
      else {
        const fromQuery = queryParam(ctx.url, ctx.pathEnd, 'apikey');
        if (fromQuery !== undefined && fromQuery.length > 0) {
          token = fromQuery;
          ctx.apiKeyInQuery = true;
        }
      }
    }
    if (token === null) return errors.missingCredentials;
    if (token.length > ctx.gw.config.maxTokenLength) return errors.invalidCredentials;

    const cached = ctx.gw.tokens.get(token, ctx.startedAt);
    if (cached !== undefined) {
      if (cached.kind !== kind || isRevoked(ctx.view, cached.jti)) return errors.invalidCredentials;
      ctx.principal = cached;
      return undefined;
    }
    if (ctx.gw.tokens.isKnownInvalid(token, ctx.startedAt)) return errors.invalidCredentials;
    return verifySlow(ctx, token, kind);
  },
};
