// Sends the request to the backend through the origin's undici pool, streaming the client's
// body (when there is one) and the backend's response (proxy/handler.ts). If the client goes
// away first, the backend request is aborted.
import type { Dispatcher } from 'undici';
import type { RequestContext } from '../context.ts';
import { RESPONDED, type Phase } from '../phase.ts';
import { BodyLimit } from '../proxy/body-limit.ts';
import { ProxyHandler } from '../proxy/handler.ts';

function requestBody(ctx: RequestContext): Dispatcher.DispatchOptions['body'] {
  const h = ctx.req.headers;
  const length = h['content-length'];
  if (length !== undefined) {
    ctx.requestBytes = Number(length) || 0;
    return ctx.requestBytes > 0 ? ctx.req : null;
  }
  if (h['transfer-encoding'] === undefined) return null;
  const limit = new BodyLimit(ctx.gw.config.maxBodyBytes);
  ctx.req.on('error', (e) => limit.destroy(e));
  ctx.req.pipe(limit);
  limit.on('end', () => {
    ctx.requestBytes = limit.bytes;
  });
  return limit;
}

export const proxy: Phase = {
  name: 'proxy',
  run(ctx) {
    if (ctx.res.destroyed) return RESPONDED;
    const upstream = ctx.upstream!;
    ctx.backendStartMark = performance.now();
    upstream.pool.dispatch(
      {
        path: ctx.upstreamPath,
        method: ctx.method as Dispatcher.HttpMethod,
        headers: ctx.upstreamHeaders!,
        body: requestBody(ctx),
      },
      new ProxyHandler(ctx) as unknown as Dispatcher.DispatchHandler,
    );
    return RESPONDED;
  },

  complete(ctx) {
    const abort = ctx.abortUpstream;
    if (abort !== null) {
      ctx.abortUpstream = null;
      abort(new Error('client closed the connection'));
    }
  },
};
