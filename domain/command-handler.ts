// The generic command handler: load stream → decide → append with expected version.
// Retries on a version race only when the caller did not pin an expected version.
// Idempotency: a command whose idempotency key already shows in the stream returns the
// state as of that first result and appends nothing.
import { fold, type Decider } from './decider.ts';
import { ConcurrencyError } from './errors.ts';
import {
  STREAM_DOES_NOT_EXIST,
  type Clock,
  type DomainEvent,
  type EventStore,
  type NewEvent,
  type Randomness,
  type RecordedEvent,
} from './ports.ts';
import { currentSchemaVersion, upcast } from './upcasting.ts';

export interface CommandContext {
  actor: string;
  correlationId: string;
  causationId?: string | null;
  idempotencyKey?: string;
  /** Pinned by the client (GraphQL expectedStreamVersion): a mismatch is a CONFLICT, no retry. */
  expectedStreamVersion?: bigint;
}

export interface HandlerDeps {
  store: EventStore;
  clock: Clock;
  random: Randomness;
}

export interface CommandResult<State, Event extends DomainEvent> {
  state: State;
  /** Events appended by this call (empty when deduplicated or when nothing changed). */
  events: RecordedEvent<Event>[];
  streamVersion: bigint;
  /** Global position of the stream's latest event (0n for a stream with none). */
  position: bigint;
  deduplicated: boolean;
}

const MAX_ATTEMPTS = 5;

/** A recorded event seen as the domain event it carries (deciders fold these). */
export const asDomainEvent = <E extends DomainEvent>(e: RecordedEvent<E>): E =>
  ({ type: e.type, data: e.data }) as E;

export function toNewEvents<E extends DomainEvent>(
  events: readonly E[],
  ctx: CommandContext,
  deps: Pick<HandlerDeps, 'clock' | 'random'>,
): NewEvent<E>[] {
  const recordedAt = deps.clock.now().toISOString();
  return events.map((e) => ({
    type: e.type,
    data: e.data,
    metadata: {
      eventId: deps.random.uuid(),
      actor: ctx.actor,
      correlationId: ctx.correlationId,
      causationId: ctx.causationId ?? null,
      recordedAt,
      schemaVersion: currentSchemaVersion(e.type),
      ...(ctx.idempotencyKey ? { idempotencyKey: ctx.idempotencyKey } : {}),
    },
  }));
}

export async function loadAggregate<State, Event extends DomainEvent>(
  store: EventStore,
  decider: Pick<Decider<State, unknown, Event>, 'evolve' | 'initialState'>,
  streamId: string,
): Promise<{ state: State; events: RecordedEvent<Event>[]; streamVersion: bigint; position: bigint }> {
  const read = await store.readStream(streamId);
  const events = read.events.map((e) => upcast(e) as RecordedEvent<Event>);
  return {
    state: fold(decider, events.map(asDomainEvent)),
    events,
    streamVersion: read.currentStreamVersion,
    position: events.at(-1)?.globalPosition ?? 0n,
  };
}

export async function handleCommand<State, Command, Event extends DomainEvent>(
  deps: HandlerDeps,
  decider: Decider<State, Command, Event>,
  streamId: string,
  command: Command,
  ctx: CommandContext,
): Promise<CommandResult<State, Event>> {
  for (let attempt = 1; ; attempt++) {
    const loaded = await loadAggregate(deps.store, decider, streamId);

    if (ctx.idempotencyKey) {
      const lastOfFirst = loaded.events.findLastIndex((e) => e.metadata.idempotencyKey === ctx.idempotencyKey);
      if (lastOfFirst >= 0) {
        const upTo = loaded.events.slice(0, lastOfFirst + 1);
        return {
          state: fold(decider, upTo.map(asDomainEvent)),
          events: [],
          streamVersion: upTo.at(-1)!.streamVersion,
          position: upTo.at(-1)!.globalPosition,
          deduplicated: true,
        };
      }
    }

    if (ctx.expectedStreamVersion !== undefined && ctx.expectedStreamVersion !== loaded.streamVersion) {
      throw new ConcurrencyError(streamId, ctx.expectedStreamVersion.toString(), loaded.streamVersion);
    }

    const decided = decider.decide(command, loaded.state);
    if (decided.length === 0) {
      return { state: loaded.state, events: [], streamVersion: loaded.streamVersion, position: loaded.position, deduplicated: false };
    }

    const expected = loaded.streamVersion === 0n ? STREAM_DOES_NOT_EXIST : loaded.streamVersion;
    const newEvents = toNewEvents(decided, ctx, deps);
    try {
      const result = await deps.store.appendToStream(streamId, newEvents, {
        expectedStreamVersion: expected,
        ...(ctx.idempotencyKey ? { idempotencyKey: `${streamId}:${ctx.idempotencyKey}` } : {}),
      });
      if (result.deduplicated) continue; // a concurrent twin won: reload and answer as it did
      const first = result.nextExpectedStreamVersion - BigInt(newEvents.length) + 1n;
      const recorded = newEvents.map((e, i) => ({
        ...e,
        streamId,
        streamVersion: first + BigInt(i),
        globalPosition: result.globalPositions[i]!,
      })) as RecordedEvent<Event>[];
      return {
        state: decided.reduce(decider.evolve, loaded.state),
        events: recorded,
        streamVersion: result.nextExpectedStreamVersion,
        position: result.lastGlobalPosition,
        deduplicated: false,
      };
    } catch (e) {
      const retryable = e instanceof ConcurrencyError && ctx.expectedStreamVersion === undefined && attempt < MAX_ATTEMPTS;
      if (!retryable) throw e;
    }
  }
}
