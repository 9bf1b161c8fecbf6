// What a pipeline phase is: one entry point on the request path (`run`) and/or one after the
// response is done (`complete`). `run` returns undefined to continue, a catalog error to
// answer with it, RESPONDED when it answered itself, or a promise of one of those.
import type { RequestContext } from './context.ts';
import type { GatewayError } from './errors.ts';

export const RESPONDED = Symbol('responded');

export type PhaseResult = undefined | GatewayError | typeof RESPONDED;

export interface Phase {
  readonly name: string;
  run?(ctx: RequestContext): PhaseResult | Promise<PhaseResult>;
  /** After the response finished or the client went away; must not throw. */
  complete?(ctx: RequestContext): void;
}
