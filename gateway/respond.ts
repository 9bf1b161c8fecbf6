// Writes gateway-made responses: catalog errors as WSO2 JSON bodies with their status, plus
// the headers a client needs to act on them (Retry-After, WWW-Authenticate, CORS, correlation id).
import type { ServerResponse } from 'node:http';
import type { RequestContext } from './context.ts';
import type { GatewayError } from './errors.ts';

const JSON_TYPE = 'application/json; charset=utf-8';

export function corsHeaders(ctx: RequestContext, out: string[]): void {
  if (ctx.corsOrigin === null) return;
  out.push('access-control-allow-origin', ctx.corsOrigin);
  if (ctx.corsCredentials) out.push('access-control-allow-credentials', 'true');
  if (ctx.corsOrigin !== '*') out.push('vary', 'Origin');
}

export function sendError(ctx: RequestContext, e: GatewayError): void {
  ctx.error = e;
  const res = ctx.res;
  if (res.headersSent) {
    res.destroy();
    return;
  }
  const headers = ['content-type', JSON_TYPE, 'content-length', String(e.body.length), 'x-correlation-id', ctx.correlationId];
  if (e.retryAfter) headers.push('retry-after', String(Math.max(1, ctx.retryAfterS)));
  if (e.status === 401) headers.push('www-authenticate', e.code === '900902' ? 'Bearer realm="gatehouse"' : 'Bearer realm="gatehouse", error="invalid_token"');
  if (e.status === 413 || e.status === 408) headers.push('connection', 'close');
  corsHeaders(ctx, headers);
  ctx.responseBytes = e.body.length;
  res.writeHead(e.status, headers);
  res.end(ctx.method === 'HEAD' ? undefined : e.body);
}

/** A small JSON answer for the gateway's own endpoints. */
export function sendJson(res: ServerResponse, status: number, body: unknown, extra: string[] = []): void {
  const buf = Buffer.from(JSON.stringify(body));
  res.writeHead(status, ['content-type', JSON_TYPE, 'content-length', String(buf.length), 'cache-control', 'no-store', ...extra]);
  res.end(buf);
}
