// What every flow of the facade shares: running a decider against a stream, contexts for the
// secondary steps of a flow, deterministic ids under an idempotency key, reservations,
// authorisation, and the result (main stream version + highest log position written).
import { apiDecider } from '../api/decider.ts';
import { apiVersionsDecider } from '../api/versions.ts';
import { applicationDecider } from '../application/decider.ts';
import { handleCommand, loadAggregate, type CommandContext, type CommandResult } from '../command-handler.ts';
import type { Decider } from '../decider.ts';
import type { Role } from '../identity/events.ts';
import type { DomainEvent, RecordedEvent } from '../ports.ts';
import { reservationDecider } from '../reservation/decider.ts';
import type { ReservationKind } from '../reservation/events.ts';
import { aggregateOf } from '../streams.ts';
import { subscriptionDecider } from '../subscription/decider.ts';
import { authorize, type Action } from './authorization.ts';
import { derivedUuid } from './crypto.ts';
import type { ServiceDeps } from './ports.ts';

export type { CommandContext };

/** What every mutation returns: the main aggregate's id and version, and the log position. */
export interface MutationResult {
  id: string;
  streamVersion: bigint;
  /** Highest global position the call wrote (or the main stream's last one when it wrote nothing). */
  position: bigint;
}

export interface Kit {
  deps: ServiceDeps;
  newId(ctx: CommandContext, label: string): string;
  step(ctx: CommandContext, label: string): CommandContext;
  run<S, C, E extends DomainEvent>(decider: Decider<S, C, E>, streamId: string, command: C, ctx: CommandContext): Promise<CommandResult<S, E>>;
  load<S, E extends DomainEvent>(decider: Pick<Decider<S, unknown, E>, 'evolve' | 'initialState'>, streamId: string): Promise<{ state: S; streamVersion: bigint; position: bigint; events: RecordedEvent<E>[] }>;
  /** The event a previous call with this idempotency key recorded on the stream, if any. */
  recordedWith(streamId: string, ctx: CommandContext): Promise<RecordedEvent | undefined>;
  authorize(ctx: CommandContext, action: Action, owner?: string): Promise<Role[]>;
  claim(ctx: CommandContext, label: string, reservation: { streamId: string; kind: ReservationKind; key: string }, holderStreamId: string): Promise<CommandResult<unknown, DomainEvent>>;
  release(ctx: CommandContext, label: string, reservationStreamId: string, holderStreamId: string): Promise<CommandResult<unknown, DomainEvent>>;
  /** Collects the positions of a flow's steps. */
  positions(): { add(r: { position: bigint }): void; readonly max: bigint };
}

export function createKit(deps: ServiceDeps): Kit {
  const handlerDeps = { store: deps.store, clock: deps.clock, random: deps.random };
  const load: Kit['load'] = (decider, streamId) => loadAggregate(deps.store, decider, streamId);

  /** A stream holds a reservation while its aggregate lives. */
  async function holderAlive(streamId: string): Promise<boolean> {
    switch (aggregateOf(streamId)) {
      case 'api': return (await load(apiDecider, streamId)).state.status === 'ACTIVE';
      case 'application': return (await load(applicationDecider, streamId)).state.status === 'ACTIVE';
      case 'subscription': return (await load(subscriptionDecider, streamId)).state.status === 'ACTIVE';
      case 'api-versions': return (await load(apiVersionsDecider, streamId)).state.versions.length > 0;
      default: return true;
    }
  }

  const kit: Kit = {
    deps,
    newId: (ctx, label) => (ctx.idempotencyKey ? derivedUuid(ctx.actor, ctx.idempotencyKey, label) : deps.random.uuid()),
    step: (ctx, label) => ({
      actor: ctx.actor,
      correlationId: ctx.correlationId,
      causationId: ctx.causationId ?? null,
      ...(ctx.idempotencyKey ? { idempotencyKey: `${ctx.idempotencyKey}/${label}` } : {}),
    }),
    run: (decider, streamId, command, ctx) => handleCommand(handlerDeps, decider, streamId, command, ctx),
    load,
    async recordedWith(streamId, ctx) {
      if (!ctx.idempotencyKey) return undefined;
      const { events } = await deps.store.readStream(streamId);
      return events.find((e) => e.metadata.idempotencyKey === ctx.idempotencyKey);
    },
    async authorize(ctx, action, owner) {
      const roles = await deps.lookup.rolesOf(ctx.actor);
      authorize(ctx.actor, roles, action, owner);
      return roles!;
    },
    async claim(ctx, label, reservation, holderStreamId) {
      const current = (await load(reservationDecider, reservation.streamId)).state;
      const alive = current.status === 'HELD' && current.holderStreamId !== holderStreamId ? await holderAlive(current.holderStreamId) : false;
      return kit.run(reservationDecider, reservation.streamId, {
        type: 'ClaimReservation',
        data: { kind: reservation.kind, key: reservation.key, holderStreamId, now: deps.clock.now().toISOString(), currentHolderAlive: alive },
      }, kit.step(ctx, label));
    },
    release: (ctx, label, reservationStreamId, holderStreamId) =>
      kit.run(reservationDecider, reservationStreamId, { type: 'ReleaseReservation', data: { holderStreamId } }, kit.step(ctx, label)),
    positions() {
      let max = 0n;
      return {
        add(r) { if (r.position > max) max = r.position; },
        get max() { return max; },
      };
    },
  };
  return kit;
}
