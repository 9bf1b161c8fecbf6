// Reservation streams (`reservation-…`): uniqueness across aggregates without read-then-write.
// A claim appends to the reservation stream with optimistic concurrency; only one writer wins.
// A claim whose holder stream never got created (a crash between the two appends) may be
// reclaimed after a grace period, so a crashed command cannot lock a name forever.
import type { Decider } from '../decider.ts';
import { conflict } from '../errors.ts';
import type { ReservationEvent, ReservationKind } from './events.ts';

export const RECLAIM_GRACE_SECONDS = 30;

export type ReservationState =
  | { status: 'FREE' }
  | { status: 'HELD'; kind: ReservationKind; key: string; holderStreamId: string; claimedAt: string };

export type ClaimReservation = {
  type: 'ClaimReservation';
  data: {
    kind: ReservationKind;
    key: string;
    holderStreamId: string;
    now: string; // ISO-8601
    /** Whether the current holder's stream exists and is not deleted (read by the service). */
    currentHolderAlive: boolean;
  };
};
export type ReleaseReservation = { type: 'ReleaseReservation'; data: { holderStreamId: string } };

export type ReservationCommand = ClaimReservation | ReleaseReservation;

function decide(command: ReservationCommand, state: ReservationState): ReservationEvent[] {
  switch (command.type) {
    case 'ClaimReservation': {
      const c = command.data;
      const claimed = (reclaimedFrom: string | null): ReservationEvent[] => [
        { type: 'ReservationClaimed', data: { kind: c.kind, key: c.key, holderStreamId: c.holderStreamId, claimedAt: c.now, reclaimedFrom } },
      ];
      if (state.status === 'FREE') return claimed(null);
      if (state.holderStreamId === c.holderStreamId) return [];
      const age = (Date.parse(c.now) - Date.parse(state.claimedAt)) / 1000;
      if (c.currentHolderAlive || age < RECLAIM_GRACE_SECONDS) {
        throw conflict(`${c.kind} ${c.key} is already taken`, { kind: c.kind, key: c.key, holderStreamId: state.holderStreamId });
      }
      return claimed(state.holderStreamId);
    }
    case 'ReleaseReservation':
      if (state.status !== 'HELD' || state.holderStreamId !== command.data.holderStreamId) return [];
      return [{ type: 'ReservationReleased', data: { kind: state.kind, key: state.key, holderStreamId: state.holderStreamId } }];
  }
}

function evolve(_state: ReservationState, event: ReservationEvent): ReservationState {
  if (event.type === 'ReservationReleased') return { status: 'FREE' };
  const { kind, key, holderStreamId, claimedAt } = event.data;
  return { status: 'HELD', kind, key, holderStreamId, claimedAt };
}

export const reservationDecider: Decider<ReservationState, ReservationCommand, ReservationEvent> = {
  decide,
  evolve,
  initialState: () => ({ status: 'FREE' }),
};
