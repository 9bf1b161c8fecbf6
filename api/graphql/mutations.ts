// Running a mutation: the caller becomes the command's actor, idempotencyKey and
// expectedStreamVersion pass through, the outcome is counted, and the answer is read from the
// views once they hold the write (read-your-writes), so mutations and queries show one shape.
import type { CommandContext } from '../../domain/command-handler.ts';
import { badInput, toClientError } from '../errors.ts';
import type { GqlContext } from './context.ts';
import type { Gatehouse, MutationResult } from './facade.ts';
import { requireCaller } from './guards.ts';
import { waitForViews } from './reads.ts';

const MAX_IDEMPOTENCY_KEY = 200;

type Args = Record<string, unknown>;

/** The command context of a GraphQL mutation; `actor` overrides the caller (signUp). */
export function commandContext(ctx: GqlContext, args: Args, actor?: string): CommandContext {
  const key = args.idempotencyKey;
  if (key != null && (typeof key !== 'string' || key.length === 0 || key.length > MAX_IDEMPOTENCY_KEY)) {
    throw badInput(`idempotencyKey must be 1-${MAX_IDEMPOTENCY_KEY} characters`, { argument: 'idempotencyKey' });
  }
  const expected = args.expectedStreamVersion;
  if (expected != null && (typeof expected !== 'number' || !Number.isInteger(expected) || expected < 0)) {
    throw badInput('expectedStreamVersion must be a non-negative integer', { argument: 'expectedStreamVersion' });
  }
  return {
    actor: actor ?? requireCaller(ctx).username,
    correlationId: ctx.correlationId,
    ...(typeof key === 'string' ? { idempotencyKey: key } : {}),
    ...(typeof expected === 'number' ? { expectedStreamVersion: BigInt(expected) } : {}),
  };
}

/** The mutation's own arguments, without the two every mutation shares. */
export function commandArgs(args: Args): Args {
  const { idempotencyKey: _k, expectedStreamVersion: _v, ...rest } = args;
  return rest;
}

/** Facade methods GraphQL mutations call (same names as the SDL's mutations). */
export type MutationName = {
  [K in keyof Gatehouse]: Gatehouse[K] extends (args: never, ctx: CommandContext) => Promise<MutationResult> ? K : never;
}[keyof Gatehouse];

type ResultOf<K extends MutationName> = Awaited<ReturnType<Gatehouse[K]>>;

/**
 * Calls the facade method of the same name with the mutation's arguments (GraphQL validated
 * their shapes against the SDL; the facade validates the values), then waits for the views.
 */
export async function mutate<K extends MutationName>(ctx: GqlContext, name: K, args: Args, options: { actor?: string } = {}): Promise<ResultOf<K>> {
  const command = commandContext(ctx, args, options.actor);
  const method = ctx.deps.gatehouse[name] as unknown as (a: Args, c: CommandContext) => Promise<ResultOf<K>>;
  let result: ResultOf<K>;
  try {
    result = await method.call(ctx.deps.gatehouse, commandArgs(args), command);
  } catch (e) {
    ctx.deps.metrics.commands.inc({ command: name, outcome: toClientError(e).code });
    throw e;
  }
  ctx.deps.metrics.commands.inc({ command: name, outcome: 'ok' });
  await waitForViews(ctx, (result as MutationResult).position);
  return result;
}

/** The entity a mutation changed, as the views now show it. */
export function written<T>(entity: T | undefined, what: string, id: string): T {
  if (entity === undefined) throw new Error(`${what} ${id} is missing from the views after the write`);
  return entity;
}

/** What a removing mutation answers. */
export const ack = (r: MutationResult) => ({ id: r.id, streamVersion: r.streamVersion, position: r.position });
