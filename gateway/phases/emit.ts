// Emits one request fact (WSO2 analytics fields, §6.1) per request once the response is done,
// to the request stream, which queues it: the response never waits for analytics.
import type { RequestFact } from '../../domain/ports.ts';
import type { RequestContext } from '../context.ts';
import type { Phase } from '../phase.ts';

/** Requests of the same millisecond share one timestamp string. */
let lastMs = -1;
let lastIso = '';
function isoAt(ms: number): string {
  if (ms !== lastMs) {
    lastMs = ms;
    lastIso = new Date(ms).toISOString();
  }
  return lastIso;
}

export function requestFact(ctx: RequestContext): RequestFact {
  const api = ctx.api;
  const app = ctx.application;
  const err = ctx.error;
  const ua = ctx.req.headers['user-agent'];
  return {
    requestId: ctx.correlationId,
    timestamp: isoAt(ctx.startedAt),
    gatewayId: ctx.gw.config.gatewayId,
    apiId: api === null ? null : api.id,
    apiName: api === null ? null : api.name,
    apiVersion: api === null ? null : api.version,
    apiContext: api === null ? null : api.context,
    apiMethod: ctx.method,
    apiResourceTemplate: ctx.resource === null ? null : ctx.resource.compiled.template,
    applicationId: app === null ? null : app.id,
    applicationName: app === null ? null : app.name,
    applicationOwner: app === null ? null : app.owner,
    subscriptionTier: ctx.tier,
    keyType: ctx.keyType,
    userName: ctx.principal === null ? null : ctx.principal.subject,
    userIp: ctx.clientIp,
    userAgent: ua === undefined ? null : ua,
    destination: ctx.upstream === null ? null : ctx.upstream.url,
    targetResponseCode: ctx.targetStatus,
    proxyResponseCode: ctx.res.statusCode,
    backendLatencyMs: ctx.backendLatencyMs,
    responseLatencyMs: performance.now() - ctx.startMark,
    // Refused before the body was streamed: its declared length.
    requestSize: ctx.requestBytes > 0 ? ctx.requestBytes : Number(ctx.req.headers['content-length'] ?? 0) || 0,
    responseSize: ctx.responseBytes,
    errorType: err === null ? null : err.errorType,
    errorCode: err === null ? null : err.code,
    throttleKeys: ctx.throttleKeys,
    throttleHits: ctx.throttleHits ?? undefined,
  };
}

export const emit: Phase = {
  name: 'emit',
  complete(ctx) {
    ctx.gw.requestStream.publish(requestFact(ctx));
  },
};
