// The Subscription aggregate (`sub-<uuid>`): one application subscribed to one API at a tier,
// with WSO2's statuses (§3.5). Uniqueness of application × API is a reservation stream.
import type { Decider } from '../decider.ts';
import { conflict, invalidInput, invalidTransition, notFound } from '../errors.ts';
import type { LifecycleStatus } from '../api/events.ts';
import { SUBSCRIBABLE_STATES } from '../api/lifecycle.ts';
import type { SubscriptionEvent, SubscriptionStatus } from './events.ts';

export interface SubscriptionSnapshot {
  subscriptionId: string;
  applicationId: string;
  apiId: string;
  throttlingPolicy: string;
  status: SubscriptionStatus;
}

export type SubscriptionState =
  | { status: 'NONE' }
  | { status: 'ACTIVE'; sub: SubscriptionSnapshot }
  | { status: 'DELETED'; sub: SubscriptionSnapshot };

/** What the decider needs to know about the API (read by the service from the API stream). */
export interface ApiFacts {
  lifecycleStatus: LifecycleStatus;
  subscriptionPolicies: readonly string[];
}

export type Subscribe = {
  type: 'Subscribe';
  data: {
    subscriptionId: string;
    applicationId: string;
    apiId: string;
    throttlingPolicy: string;
    api: ApiFacts;
    /**
     * Copy of a subscription to a new API version (publish without re-subscription): keeps
     * the subscriber's tier and status as WSO2 does, even if the new version offers other tiers.
     */
    copyOf?: { subscriptionId: string; status: SubscriptionStatus } | null;
  };
};

export type ChangeSubscriptionTier = {
  type: 'ChangeSubscriptionTier';
  data: { subscriptionId: string; throttlingPolicy: string; api: ApiFacts };
};

export type BlockSubscription = { type: 'BlockSubscription'; data: { subscriptionId: string; productionOnly: boolean } };
export type UnblockSubscription = { type: 'UnblockSubscription'; data: { subscriptionId: string } };
export type Unsubscribe = { type: 'Unsubscribe'; data: { subscriptionId: string } };

export type SubscriptionCommand = Subscribe | ChangeSubscriptionTier | BlockSubscription | UnblockSubscription | Unsubscribe;

const BLOCKABLE: readonly SubscriptionStatus[] = ['UNBLOCKED', 'BLOCKED', 'PROD_ONLY_BLOCKED', 'TIER_UPDATE_PENDING'];

const active = (state: SubscriptionState, id: string): SubscriptionSnapshot => {
  if (state.status !== 'ACTIVE') throw notFound('Subscription', id);
  return state.sub;
};

function offered(tier: string, api: ApiFacts): void {
  if (!api.subscriptionPolicies.includes(tier)) {
    throw invalidInput(`throttlingPolicy: the API does not offer tier "${tier}" (offered: ${api.subscriptionPolicies.join(', ')})`, {
      field: 'throttlingPolicy',
    });
  }
}

const ref = (s: SubscriptionSnapshot) => ({ subscriptionId: s.subscriptionId, applicationId: s.applicationId, apiId: s.apiId });

function decide(command: SubscriptionCommand, state: SubscriptionState): SubscriptionEvent[] {
  switch (command.type) {
    case 'Subscribe': {
      const c = command.data;
      if (state.status !== 'NONE') throw conflict(`Subscription ${c.subscriptionId} already exists`, { subscriptionId: c.subscriptionId });
      if (!SUBSCRIBABLE_STATES.includes(c.api.lifecycleStatus)) {
        throw conflict(`the API is ${c.api.lifecycleStatus}: only PUBLISHED or PROTOTYPED APIs accept new subscriptions`, {
          apiId: c.apiId,
          lifecycleStatus: c.api.lifecycleStatus,
        });
      }
      if (!c.copyOf) offered(c.throttlingPolicy, c.api);
      return [{
        type: 'SubscriptionCreated',
        data: {
          subscriptionId: c.subscriptionId,
          applicationId: c.applicationId,
          apiId: c.apiId,
          throttlingPolicy: c.throttlingPolicy,
          status: c.copyOf?.status ?? 'UNBLOCKED',
          copiedFrom: c.copyOf?.subscriptionId ?? null,
        },
      }];
    }
    case 'ChangeSubscriptionTier': {
      const c = command.data;
      const sub = active(state, c.subscriptionId);
      if (sub.status === 'ON_HOLD' || sub.status === 'REJECTED') {
        throw invalidTransition(`a ${sub.status} subscription cannot change tier`, { status: sub.status });
      }
      if (sub.throttlingPolicy === c.throttlingPolicy) return [];
      offered(c.throttlingPolicy, c.api);
      return [{ type: 'SubscriptionTierChanged', data: { ...ref(sub), from: sub.throttlingPolicy, to: c.throttlingPolicy } }];
    }
    case 'BlockSubscription': {
      const sub = active(state, command.data.subscriptionId);
      const status = command.data.productionOnly ? 'PROD_ONLY_BLOCKED' : 'BLOCKED';
      if (!BLOCKABLE.includes(sub.status)) throw invalidTransition(`a ${sub.status} subscription cannot be blocked`, { status: sub.status });
      return sub.status === status ? [] : [{ type: 'SubscriptionBlocked', data: { ...ref(sub), status } }];
    }
    case 'UnblockSubscription': {
      const sub = active(state, command.data.subscriptionId);
      if (sub.status === 'UNBLOCKED') return [];
      if (sub.status !== 'BLOCKED' && sub.status !== 'PROD_ONLY_BLOCKED') {
        throw invalidTransition(`a ${sub.status} subscription cannot be unblocked`, { status: sub.status });
      }
      return [{ type: 'SubscriptionUnblocked', data: { ...ref(sub), status: 'UNBLOCKED' } }];
    }
    case 'Unsubscribe': {
      const sub = active(state, command.data.subscriptionId);
      return [{ type: 'SubscriptionDeleted', data: ref(sub) }];
    }
  }
}

function evolve(state: SubscriptionState, event: SubscriptionEvent): SubscriptionState {
  if (event.type === 'SubscriptionCreated') {
    const { subscriptionId, applicationId, apiId, throttlingPolicy, status } = event.data;
    return { status: 'ACTIVE', sub: { subscriptionId, applicationId, apiId, throttlingPolicy, status } };
  }
  if (state.status !== 'ACTIVE') return state;
  switch (event.type) {
    case 'SubscriptionTierChanged':
      return { status: 'ACTIVE', sub: { ...state.sub, throttlingPolicy: event.data.to } };
    case 'SubscriptionBlocked':
    case 'SubscriptionUnblocked':
      return { status: 'ACTIVE', sub: { ...state.sub, status: event.data.status } };
    case 'SubscriptionDeleted':
      return { status: 'DELETED', sub: state.sub };
  }
}

export const subscriptionDecider: Decider<SubscriptionState, SubscriptionCommand, SubscriptionEvent> = {
  decide,
  evolve,
  initialState: () => ({ status: 'NONE' }),
};
