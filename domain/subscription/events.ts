// Events of the Subscription aggregate (`sub-<uuid>`): one application × one API.
// Every event names both ends so projections keyed by app×API need no lookup.

export type SubscriptionStatus =
  | 'UNBLOCKED'
  | 'BLOCKED'
  | 'PROD_ONLY_BLOCKED'
  | 'ON_HOLD'
  | 'REJECTED'
  | 'TIER_UPDATE_PENDING';

interface SubscriptionRef {
  subscriptionId: string;
  applicationId: string;
  apiId: string;
}

export type SubscriptionCreated = {
  type: 'SubscriptionCreated';
  data: SubscriptionRef & {
    throttlingPolicy: string; // subscription tier
    status: SubscriptionStatus;
    /** Set when copied to a new API version on publish without re-subscription. */
    copiedFrom: string | null;
  };
};

export type SubscriptionTierChanged = {
  type: 'SubscriptionTierChanged';
  data: SubscriptionRef & { from: string; to: string };
};

export type SubscriptionBlocked = {
  type: 'SubscriptionBlocked';
  data: SubscriptionRef & { status: 'BLOCKED' | 'PROD_ONLY_BLOCKED' };
};

export type SubscriptionUnblocked = {
  type: 'SubscriptionUnblocked';
  data: SubscriptionRef & { status: 'UNBLOCKED' };
};

export type SubscriptionDeleted = {
  type: 'SubscriptionDeleted';
  data: SubscriptionRef;
};

export type SubscriptionEvent =
  | SubscriptionCreated
  | SubscriptionTierChanged
  | SubscriptionBlocked
  | SubscriptionUnblocked
  | SubscriptionDeleted;
