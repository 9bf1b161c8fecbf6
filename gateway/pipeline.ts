// THE request pipeline: the phases in order, in one array (reference §5.1). A request runs
// the `run` entry points until one answers; once the response is done (or the client left),
// every `complete` entry point runs in the same order.
import type { ServerResponse } from 'node:http';
import type { RequestContext } from './context.ts';
import { errors, type GatewayError } from './errors.ts';
import { RESPONDED, type Phase, type PhaseResult } from './phase.ts';
import { apiStatus } from './phases/api-status.ts';
import { authenticate } from './phases/authenticate.ts';
import { authorize } from './phases/authorize.ts';
import { cors } from './phases/cors.ts';
import { emit } from './phases/emit.ts';
import { locate } from './phases/locate.ts';
import { mediate } from './phases/mediate.ts';
import { proxy } from './phases/proxy.ts';
import { route } from './phases/route.ts';
import { throttle } from './phases/throttle.ts';
import { sendError } from './respond.ts';

export const phases: readonly Phase[] = [locate, cors, apiStatus, route, authenticate, authorize, throttle, mediate, proxy, emit];

const running = phases.filter((p) => p.run !== undefined);
const completing = phases.filter((p) => p.complete !== undefined);
const kContext = Symbol('gatehouse.context');

type WithContext = ServerResponse & { [kContext]?: RequestContext };

function onClose(this: WithContext): void {
  const ctx = this[kContext];
  if (ctx === undefined) return;
  this[kContext] = undefined;
  for (let i = 0; i < completing.length; i++) {
    try {
      completing[i]!.complete!(ctx);
    } catch (e) {
      ctx.gw.logger.error({ phase: completing[i]!.name, correlationId: ctx.correlationId, err: e instanceof Error ? e.message : String(e) }, 'phase completion failed');
    }
  }
}

function fail(ctx: RequestContext, phase: string, e: unknown): void {
  ctx.gw.logger.error({ phase, correlationId: ctx.correlationId, err: e instanceof Error ? e.stack : String(e) }, 'gateway phase failed');
  sendError(ctx, errors.internalError);
}

function settle(ctx: RequestContext, result: PhaseResult): boolean {
  if (result === undefined) return true;
  if (result !== RESPONDED) sendError(ctx, result);
  return false;
}

function step(ctx: RequestContext, from: number): void {
  let i = from;
  try {
    for (; i < running.length; i++) {
      const result = running[i]!.run!(ctx);
      if (result === undefined) continue;
      if (result instanceof Promise) {
        const next = i + 1;
        const name = running[i]!.name;
        result.then(
          (r) => {
            if (ctx.res.destroyed) return;
            if (settle(ctx, r)) step(ctx, next);
          },
          (e: unknown) => fail(ctx, name, e),
        );
        return;
      }
      settle(ctx, result);
      return;
    }
  } catch (e) {
    fail(ctx, running[i]?.name ?? 'unknown', e);
  }
}

function track(ctx: RequestContext): void {
  (ctx.res as WithContext)[kContext] = ctx;
  ctx.res.on('close', onClose); // not once(): that wraps the listener in a new closure per request
}

/** Runs the request through the pipeline; the response is written by a phase or an error. */
export function runPipeline(ctx: RequestContext): void {
  track(ctx);
  step(ctx, 0);
}

/** Answers a request refused at the edge (limits, malformed target); it is still reported. */
export function rejectEarly(ctx: RequestContext, e: GatewayError): void {
  track(ctx);
  sendError(ctx, e);
}
