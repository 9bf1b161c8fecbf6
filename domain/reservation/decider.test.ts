import { describe, test } from 'node:test';
import { given } from '../testing.ts';
import type { ReservationEvent } from './events.ts';
import { reservationDecider, type ClaimReservation } from './decider.ts';

const t0 = '2024-01-01T00:00:00.000Z';
const claim = (holderStreamId: string, over: Partial<ClaimReservation['data']> = {}): ClaimReservation => ({
  type: 'ClaimReservation',
  data: { kind: 'api-context', key: '/pizza 1.0.0', holderStreamId, now: t0, currentHolderAlive: false, ...over },
});
const claimed = (holderStreamId: string, claimedAt = t0, reclaimedFrom: string | null = null): ReservationEvent => ({
  type: 'ReservationClaimed',
  data: { kind: 'api-context', key: '/pizza 1.0.0', holderStreamId, claimedAt, reclaimedFrom },
});
const released: ReservationEvent = { type: 'ReservationReleased', data: { kind: 'api-context', key: '/pizza 1.0.0', holderStreamId: 'api-a' } };

describe('Reservations', () => {
  test('a free key is claimed', () => given(reservationDecider).when(claim('api-a')).then([claimed('api-a')]));
  test('the same holder claiming again: nothing (retries are harmless)', () => given(reservationDecider, [claimed('api-a')]).when(claim('api-a')).thenNothing());
  test('refused: held by a live holder', () => {
    given(reservationDecider, [claimed('api-a')]).when(claim('api-b', { currentHolderAlive: true, now: '2024-01-02T00:00:00.000Z' })).thenThrows('CONFLICT', /already taken/);
  });
  test('refused: a fresh claim whose holder is not there yet (grace period)', () => {
    given(reservationDecider, [claimed('api-a')]).when(claim('api-b', { now: '2024-01-01T00:00:10.000Z' })).thenThrows('CONFLICT');
  });
  test('a stale claim whose holder never appeared is reclaimed', () => {
    given(reservationDecider, [claimed('api-a')]).when(claim('api-b', { now: '2024-01-01T00:01:00.000Z' }))
      .then([claimed('api-b', '2024-01-01T00:01:00.000Z', 'api-a')]);
  });
  test('released by its holder, then free for another', () => {
    given(reservationDecider, [claimed('api-a')]).when({ type: 'ReleaseReservation', data: { holderStreamId: 'api-a' } }).then([released]);
    given(reservationDecider, [claimed('api-a'), released]).when(claim('api-b')).then([claimed('api-b')]);
  });
  test('release by someone else, or of a free key: nothing', () => {
    given(reservationDecider, [claimed('api-a')]).when({ type: 'ReleaseReservation', data: { holderStreamId: 'api-b' } }).thenNothing();
    given(reservationDecider).when({ type: 'ReleaseReservation', data: { holderStreamId: 'api-a' } }).thenNothing();
  });
});
