// The log for audit tooling: a filtered query and a live subscription over WebSocket.
import type { RecordedEvent } from '../../../domain/ports.ts';
import { upcast } from '../../../domain/upcasting.ts';
import { queryEvents } from '../../../projections/audit/queries.ts';
import type { AuditIndex } from '../../../projections/audit/projection.ts';
import { badInput } from '../../errors.ts';
import { AUDIT, type GqlContext } from '../context.ts';
import { eventFeed } from '../event-feed.ts';
import { canSeeEvent, isAdmin, requireCaller } from '../guards.ts';
import { optionalPosition } from '../positions.ts';

type Args = Record<string, unknown>;
const str = (v: unknown): string | undefined => (typeof v === 'string' ? v : undefined);

export const MAX_EVENTS_PER_QUERY = 1000;

/** The wire shape of a recorded event. */
export const eventToGraphQL = (e: RecordedEvent) => ({
  position: e.globalPosition.toString(),
  streamId: e.streamId,
  streamVersion: Number(e.streamVersion),
  type: e.type,
  data: e.data,
  metadata: e.metadata,
});

function auditIndexOf(ctx: GqlContext): AuditIndex | undefined {
  try {
    return ctx.deps.runner.view<AuditIndex>(AUDIT);
  } catch {
    return undefined; // the audit projection is not running: the store's filter does the work
  }
}

export const resolvers = {
  Query: {
    async events(_: unknown, args: Args, ctx: GqlContext) {
      const caller = requireCaller(ctx);
      const limit = typeof args.limit === 'number' ? args.limit : 100;
      if (!Number.isInteger(limit) || limit < 1 || limit > MAX_EVENTS_PER_QUERY) {
        throw badInput(`limit must be between 1 and ${MAX_EVENTS_PER_QUERY}`, { argument: 'limit' });
      }
      const actor = isAdmin(caller) ? str(args.actor) : caller.username;
      const types = Array.isArray(args.types) ? (args.types as string[]) : undefined;
      const fromPosition = optionalPosition(args.fromPosition, 'fromPosition');
      const events = await queryEvents(ctx.deps.store, {
        ...(str(args.streamId) !== undefined ? { streamId: str(args.streamId)! } : {}),
        ...(types?.length ? { types } : {}),
        ...(actor !== undefined ? { actor } : {}),
        ...(fromPosition !== undefined ? { fromPosition } : {}),
        limit,
      }, auditIndexOf(ctx));
      return events.map(eventToGraphQL);
    },
    headPosition: async (_: unknown, _args: Args, ctx: GqlContext) => (await ctx.deps.store.headPosition()).toString(),
    viewPosition: (_: unknown, _args: Args, ctx: GqlContext) => ctx.deps.runner.position().toString(),
  },
  Subscription: {
    events: {
      subscribe(_: unknown, args: Args, ctx: GqlContext) {
        const caller = requireCaller(ctx);
        const filter = (args.filter ?? {}) as { streamId?: string; streamPrefix?: string; types?: string[]; actor?: string; fromPosition?: string };
        const from = optionalPosition(filter.fromPosition, 'filter.fromPosition');
        const types = filter.types?.length ? new Set(filter.types) : undefined;
        const accept = (e: RecordedEvent) =>
          canSeeEvent(caller, e)
          && (filter.streamId == null || e.streamId === filter.streamId)
          && (filter.streamPrefix == null || e.streamId.startsWith(filter.streamPrefix))
          && (types === undefined || types.has(e.type))
          && (filter.actor == null || e.metadata.actor === filter.actor);
        const { store, runner } = ctx.deps;
        return mapIterator(eventFeed({
          readAfter: async (after, limit) => (await store.readAll({ after, limit })).map((e) => upcast(e)),
          onEvent: (listener) => runner.onEvent(listener),
        }, accept, from), (e) => ({ events: eventToGraphQL(e) }));
      },
    },
  },
};

function mapIterator<T, U>(source: AsyncIterableIterator<T>, f: (t: T) => U): AsyncIterableIterator<U> {
  return {
    [Symbol.asyncIterator]() {
      return this;
    },
    async next() {
      const r = await source.next();
      return r.done ? { value: undefined, done: true } : { value: f(r.value), done: false };
    },
    async return() {
      await source.return?.();
      return { value: undefined, done: true };
    },
  };
}
