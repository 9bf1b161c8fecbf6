// Streams one backend response to the client through undici's dispatch handler interface:
// headers are written as soon as they arrive, body chunks are written as they come with
// backpressure (the backend read pauses while the client socket is full), nothing is
// buffered. Transport failures before the response headers become 502/101503 or 504/101504.
import type { RequestContext } from '../context.ts';
import { errors, type GatewayError } from '../errors.ts';
import { downstreamResponseHeaders } from '../http/headers.ts';
import { corsHeaders, sendError } from '../respond.ts';

const TIMEOUTS = new Set(['UND_ERR_CONNECT_TIMEOUT', 'UND_ERR_HEADERS_TIMEOUT', 'UND_ERR_BODY_TIMEOUT', 'ETIMEDOUT']);

export function transportError(err: Error): GatewayError {
  const code = (err as { code?: string }).code ?? '';
  if (TIMEOUTS.has(code)) return errors.backendTimeout;
  if (code === 'UND_ERR_REQ_CONTENT_LENGTH_MISMATCH') return errors.incompletePayload;
  if (code === 'GATEHOUSE_BODY_TOO_LARGE') return errors.payloadTooLarge;
  return errors.backendUnreachable;
}

/** One warning per backend origin per second at most: an outage must not flood the log. */
const lastWarned = new Map<string, number>();
function logBackendFailure(ctx: RequestContext, err: Error): void {
  const origin = ctx.upstream?.origin ?? '';
  const now = Date.now();
  if ((lastWarned.get(origin) ?? 0) > now - 1_000) return;
  lastWarned.set(origin, now);
  ctx.gw.logger.warn({ correlationId: ctx.correlationId, backend: origin, code: (err as { code?: string }).code, err: err.message }, 'backend request failed');
}

/** undici's handler callbacks (the form the client calls directly, without an adapter). */
export class ProxyHandler {
  private readonly ctx: RequestContext;
  private resume: (() => void) | null = null;

  constructor(ctx: RequestContext) {
    this.ctx = ctx;
  }

  onConnect(abort: (err?: Error) => void): void {
    this.ctx.abortUpstream = abort;
  }

  onHeaders(statusCode: number, rawHeaders: Buffer[], resume: () => void): boolean {
    if (statusCode < 200) return true; // 1xx from the backend: the client gets the final answer only
    const ctx = this.ctx;
    ctx.targetStatus = statusCode;
    ctx.backendLatencyMs = performance.now() - ctx.backendStartMark;
    const headers = ['x-correlation-id', ctx.correlationId];
    corsHeaders(ctx, headers);
    ctx.res.writeHead(statusCode, downstreamResponseHeaders(rawHeaders, headers));
    this.resume = resume;
    return true;
  }

  onData(chunk: Buffer): boolean {
    const ctx = this.ctx;
    ctx.responseBytes += chunk.length;
    const ok = ctx.res.write(chunk);
    if (!ok && this.resume !== null) ctx.res.once('drain', this.resume);
    return ok;
  }

  onComplete(): void {
    this.ctx.abortUpstream = null;
    this.ctx.res.end();
  }

  onError(err: Error): void {
    const ctx = this.ctx;
    ctx.abortUpstream = null;
    if (ctx.res.destroyed) return;
    if (ctx.targetStatus === null) {
      const e = transportError(err);
      if (e !== errors.incompletePayload && e !== errors.payloadTooLarge) logBackendFailure(ctx, err);
      sendError(ctx, e);
    } else {
      ctx.res.destroy(err); // mid-body failure: the client sees a truncated response, as from the backend
    }
  }
}
