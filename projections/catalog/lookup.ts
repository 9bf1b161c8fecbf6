// The domain's CatalogLookup (domain/services/ports.ts) answered from the catalog view: the
// fast counterpart of folding the log. `waitFor` lets the command facade read its own writes.
import type { Role } from '../../domain/identity/events.ts';
import { normalizeUsername } from '../../domain/identity/user.ts';
import type { PolicyLevel } from '../../domain/policy/events.ts';
import type { CatalogLookup, SubscriptionRef } from '../../domain/services/ports.ts';
import type { ProjectionRunner } from '../runner.ts';
import { listSubscriptions } from './queries.ts';
import type { CatalogView, SubscriptionRecord } from './view.ts';

export interface CatalogLookupOptions {
  /** Name the catalog projection runs under (default `catalog`). */
  projection?: string;
  /** Bound of waitFor (default 5 s); past it waitFor rejects with ViewTimeoutError. */
  waitTimeoutMs?: number;
}

const ref = (s: SubscriptionRecord): SubscriptionRef => ({
  subscriptionId: s.id,
  applicationId: s.applicationId,
  apiId: s.apiId,
  throttlingPolicy: s.throttlingPolicy,
  status: s.status,
});

/** How many live APIs, subscriptions and applications name the policy. */
export function policyUsage(view: CatalogView, level: PolicyLevel, name: string): number {
  let n = 0;
  switch (level) {
    case 'SUBSCRIPTION':
      for (const api of view.apis.values()) if (api.subscriptionPolicies.includes(name)) n++;
      for (const sub of view.subscriptions.values()) if (sub.throttlingPolicy === name) n++;
      return n;
    case 'APPLICATION':
      for (const app of view.applications.values()) if (app.throttlingPolicy === name) n++;
      return n;
    case 'ADVANCED':
      for (const api of view.apis.values()) {
        if (api.apiThrottlingPolicy === name || api.operations.some((o) => o.throttlingPolicy === name)) n++;
      }
      return n;
  }
}

export function catalogLookup(runner: Pick<ProjectionRunner, 'view' | 'waitForPosition'>, options: CatalogLookupOptions = {}): CatalogLookup {
  const name = options.projection ?? 'catalog';
  const timeout = options.waitTimeoutMs ?? 5_000;
  const view = () => runner.view<CatalogView>(name);
  return {
    async rolesOf(username) {
      const user = view().users.get(normalizeUsername(username));
      return user ? [...user.roles] : undefined;
    },
    async usersWithRole(role: Role) {
      return [...view().users.values()].filter((u) => u.roles.includes(role)).map((u) => u.username).sort();
    },
    async subscriptionsOfApi(apiId) {
      return listSubscriptions(view(), { apiId }).map(ref);
    },
    async subscriptionsOfApplication(applicationId) {
      return listSubscriptions(view(), { applicationId }).map(ref);
    },
    async applicationByConsumerKey(consumerKey) {
      const v = view();
      const client = v.clients.get(consumerKey);
      const app = client && v.applications.get(client.applicationId);
      return client && app ? { applicationId: app.id, owner: app.owner, keyType: client.keyType } : undefined;
    },
    async policyUsage(level, policyName) {
      return policyUsage(view(), level, policyName);
    },
    waitFor(position) {
      return runner.waitForPosition(position, timeout, name);
    },
  };
}
