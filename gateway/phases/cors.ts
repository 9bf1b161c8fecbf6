// CORS from the API's own policy (WSO2 CORSRequestHandler): preflights of a CORS-enabled API
// are answered here, before status and authentication; allowed origins get the
// Access-Control-Allow-* headers on every response, errors included.
import type { Cors } from '../../domain/api/events.ts';
import { RESPONDED, type Phase } from '../phase.ts';
import { corsHeaders } from '../respond.ts';
import { resourcesOf } from '../../projections/gateway-map/query.ts';

/** The Access-Control-Allow-Origin value for `origin`, or null when the policy refuses it. */
export function allowedOrigin(cors: Cors, origin: string): string | null {
  const any = cors.allowOrigins.includes('*');
  if (!any && !cors.allowOrigins.includes(origin)) return null;
  return any && !cors.allowCredentials ? '*' : origin;
}

export const cors: Phase = {
  name: 'cors',
  run(ctx) {
    const api = ctx.api;
    if (api === null || !api.cors.enabled) return undefined;
    const origin = ctx.req.headers.origin;
    if (origin === undefined) return undefined;
    const allowed = allowedOrigin(api.cors, origin);
    if (allowed !== null) {
      ctx.corsOrigin = allowed;
      ctx.corsCredentials = api.cors.allowCredentials;
    }
    const requestedMethod = ctx.req.headers['access-control-request-method'];
    if (ctx.method !== 'OPTIONS' || requestedMethod === undefined) return undefined;
    const headers: string[] = ['content-length', '0', 'x-correlation-id', ctx.correlationId];
    corsHeaders(ctx, headers);
    if (allowed !== null) {
      const methods = api.cors.allowMethods.length > 0 ? api.cors.allowMethods : [...resourcesOf(api).keys()];
      headers.push('access-control-allow-methods', methods.join(','));
      const requestedHeaders = ctx.req.headers['access-control-request-headers'];
      const allowHeaders = api.cors.allowHeaders.length > 0 ? api.cors.allowHeaders.join(',') : requestedHeaders;
      if (allowHeaders) headers.push('access-control-allow-headers', allowHeaders);
      headers.push('access-control-max-age', '600');
    }
    ctx.res.writeHead(204, headers);
    ctx.res.end();
    return RESPONDED;
  },
};
