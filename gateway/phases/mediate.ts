// Mediation (WSO2 inSequence): picks the backend of the key type, builds the backend path
// (endpoint base path + the resource path and query, without an `apikey` parameter) and the
// backend headers: X-Correlation-ID always, X-Forwarded-*, the backend JWT when the API
// enables it; hop-by-hop headers and the client's credentials stripped.
import type { RequestContext } from '../context.ts';
import { errors } from '../errors.ts';
import { upstreamRequestHeaders } from '../http/headers.ts';
import { withoutQueryParam } from '../http/query.ts';
import type { Phase } from '../phase.ts';

function backendPath(ctx: RequestContext, basePath: string, baseQuery: string): string {
  let rest = ctx.url.slice(ctx.prefixEnd);
  if (ctx.apiKeyInQuery) rest = withoutQueryParam(rest, ctx.pathEnd - ctx.prefixEnd, 'apikey');
  if (rest.length === 0 || rest.charCodeAt(0) === 63 /* ? */) rest = (basePath === '' ? '/' : '') + rest;
  let path = basePath + rest;
  if (baseQuery !== '') {
    const q = path.indexOf('?');
    path = q < 0 ? `${path}?${baseQuery}` : `${path.slice(0, q)}?${baseQuery}&${path.slice(q + 1)}`;
  }
  return path;
}

function backendJwt(ctx: RequestContext): string | null {
  const p = ctx.principal;
  const app = ctx.application;
  const api = ctx.api!;
  if (p === null || app === null) return null;
  return ctx.gw.backendJwt.assertion(
    {
      cacheKey: `${p.jti} ${api.id} ${ctx.tier ?? ''}`,
      credentialExp: p.exp,
      endUser: p.subject,
      userType: p.tokenType === 'APPLICATION_USER' ? 'APPLICATION_USER' : 'APPLICATION',
      keyType: ctx.keyType ?? 'PRODUCTION',
      application: { id: app.id, name: app.name, owner: app.owner, tier: app.throttlingPolicy },
      api: { name: api.name, context: `${api.context}/${api.version}`, version: api.version },
      subscriptionTier: ctx.tier ?? '',
    },
    ctx.startedAt,
  );
}

export const mediate: Phase = {
  name: 'mediate',
  run(ctx) {
    const upstream = ctx.gw.upstreams.get(ctx.endpoint!);
    if (upstream === null) return errors.backendUnreachable;
    ctx.upstream = upstream;
    ctx.upstreamPath = backendPath(ctx, upstream.basePath, upstream.baseQuery);

    const h = ctx.req.headers;
    const xff = h['x-forwarded-for'];
    const extra = [
      'x-correlation-id', ctx.correlationId,
      'x-forwarded-for', xff === undefined ? ctx.clientIp : `${xff}, ${ctx.clientIp}`,
      'x-forwarded-proto', 'http',
    ];
    if (h.host !== undefined) extra.push('x-forwarded-host', h.host);
    if (ctx.api!.backendJwt) {
      const jwt = backendJwt(ctx);
      if (jwt !== null) extra.push(ctx.gw.config.backendJwtHeader, jwt);
    }
    ctx.upstreamHeaders = upstreamRequestHeaders(h, extra);
    return undefined;
  },
};
