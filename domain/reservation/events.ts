// Events of reservation streams (`reservation-…`): a unique key (API context+version,
// application name per owner, application×API) held by one aggregate stream.

/**
 * api-context: context+version → API stream; context-owner: context → versions index of one
 * API name; application-name: owner+name → application; subscription: app×API → subscription.
 */
export type ReservationKind = 'api-context' | 'context-owner' | 'application-name' | 'subscription';

export type ReservationClaimed = {
  type: 'ReservationClaimed';
  data: {
    kind: ReservationKind;
    key: string; // e.g. "/pizzashack 1.0.0"
    holderStreamId: string;
    claimedAt: string; // ISO-8601; a stale claim whose holder never appeared may be reclaimed
    /** Set on a reclaim: the holder that never got created. */
    reclaimedFrom: string | null;
  };
};

export type ReservationReleased = {
  type: 'ReservationReleased';
  data: { kind: ReservationKind; key: string; holderStreamId: string };
};

export type ReservationEvent = ReservationClaimed | ReservationReleased;
