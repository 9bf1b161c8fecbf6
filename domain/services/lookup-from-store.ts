// The reference CatalogLookup: answers every question by folding the log with the deciders'
// own evolve functions. Always current, O(log) per question: for tests and small stores.
import { apiDecider, type ApiState } from '../api/decider.ts';
import { applicationDecider, type ApplicationState } from '../application/decider.ts';
import { asDomainEvent, loadAggregate } from '../command-handler.ts';
import type { Decider } from '../decider.ts';
import { userDecider, type UserState } from '../identity/user.ts';
import type { DomainEvent, EventStore, RecordedEvent } from '../ports.ts';
import { aggregateOf, userStream, type AggregateKind } from '../streams.ts';
import { subscriptionDecider, type SubscriptionState } from '../subscription/decider.ts';
import { upcast } from '../upcasting.ts';
import type { CatalogLookup, SubscriptionRef } from './ports.ts';
import { normalizeUsername } from '../identity/user.ts';

const PAGE = 1000;

async function* eventsOf(store: EventStore, prefix: string): AsyncGenerator<RecordedEvent> {
  let after = 0n;
  for (;;) {
    const page = await store.readAll({ after, limit: PAGE, filter: { streamPrefixes: [prefix] } });
    for (const e of page) yield upcast(e);
    if (page.length < PAGE) return;
    after = page.at(-1)!.globalPosition;
  }
}

/** Folds every stream of one aggregate kind into its state. */
async function foldAll<S, E extends DomainEvent>(
  store: EventStore,
  prefix: string,
  kind: AggregateKind,
  decider: Pick<Decider<S, unknown, E>, 'evolve' | 'initialState'>,
): Promise<S[]> {
  const states = new Map<string, S>();
  for await (const e of eventsOf(store, prefix)) {
    if (aggregateOf(e.streamId) !== kind) continue;
    states.set(e.streamId, decider.evolve(states.get(e.streamId) ?? decider.initialState(), asDomainEvent(e) as E));
  }
  return [...states.values()];
}

const liveApis = async (store: EventStore) =>
  (await foldAll(store, 'api-', 'api', apiDecider)).flatMap((s: ApiState) => (s.status === 'ACTIVE' ? [s.api] : []));
const liveApps = async (store: EventStore) =>
  (await foldAll(store, 'app-', 'application', applicationDecider)).flatMap((s: ApplicationState) => (s.status === 'ACTIVE' ? [s.app] : []));
const liveSubs = async (store: EventStore): Promise<SubscriptionRef[]> =>
  (await foldAll(store, 'sub-', 'subscription', subscriptionDecider)).flatMap((s: SubscriptionState) =>
    s.status === 'ACTIVE'
      ? [{ subscriptionId: s.sub.subscriptionId, applicationId: s.sub.applicationId, apiId: s.sub.apiId, throttlingPolicy: s.sub.throttlingPolicy, status: s.sub.status }]
      : []);

export function lookupFromStore(store: EventStore): CatalogLookup {
  return {
    async rolesOf(username) {
      const { state } = await loadAggregate(store, userDecider, userStream(normalizeUsername(username)));
      return state.status === 'ACTIVE' ? state.user.roles : undefined;
    },
    async usersWithRole(role) {
      const users = await foldAll(store, 'user-', 'user', userDecider);
      return users.flatMap((s: UserState) => (s.status === 'ACTIVE' && s.user.roles.includes(role) ? [s.user.username] : []));
    },
    async subscriptionsOfApi(apiId) {
      return (await liveSubs(store)).filter((s) => s.apiId === apiId);
    },
    async subscriptionsOfApplication(applicationId) {
      return (await liveSubs(store)).filter((s) => s.applicationId === applicationId);
    },
    async applicationByConsumerKey(consumerKey) {
      for (const app of await liveApps(store)) {
        for (const [keyType, keys] of Object.entries(app.keys)) {
          if (keys?.consumerKey === consumerKey) return { applicationId: app.applicationId, owner: app.owner, keyType: keyType as 'PRODUCTION' | 'SANDBOX' };
        }
      }
      return undefined;
    },
    async policyUsage(level, name) {
      switch (level) {
        case 'SUBSCRIPTION':
          return (await liveApis(store)).filter((a) => a.definition.subscriptionPolicies.includes(name)).length +
            (await liveSubs(store)).filter((s) => s.throttlingPolicy === name).length;
        case 'APPLICATION':
          return (await liveApps(store)).filter((a) => a.throttlingPolicy === name).length;
        case 'ADVANCED':
          return (await liveApis(store)).filter((a) =>
            a.definition.apiThrottlingPolicy === name || a.definition.operations.some((o) => o.throttlingPolicy === name)).length;
      }
    },
  };
}
