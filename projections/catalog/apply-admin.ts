// Admin-side events into the catalog: throttling policies, deny policies (blocking
// conditions), users and the public signing keys.
import type { BlockingEvent } from '../../domain/blocking/events.ts';
import type { SigningKeyEvent, UserEvent } from '../../domain/identity/events.ts';
import type { PolicyEvent, ThrottlingPolicyFields } from '../../domain/policy/events.ts';
import type { RecordedEvent } from '../../domain/ports.ts';
import { normalizeUsername } from '../../domain/identity/user.ts';
import { policyStream } from '../../domain/streams.ts';
import { policyKey, type CatalogView, type SigningKeyRecord, type UserRecord } from './view.ts';

const copyPolicy = (f: ThrottlingPolicyFields): ThrottlingPolicyFields => ({
  level: f.level,
  name: f.name,
  displayName: f.displayName ?? null,
  description: f.description,
  limitType: f.limitType ?? 'REQUEST_COUNT',
  requestCount: f.requestCount,
  dataAmount: f.dataAmount ?? null,
  dataUnit: f.dataUnit ?? null,
  unitTime: f.unitTime,
  timeUnit: f.timeUnit,
  burstLimit: f.burstLimit ?? null,
  burstTimeUnit: f.burstTimeUnit ?? null,
  stopOnQuotaReach: f.stopOnQuotaReach,
  billingPlan: f.billingPlan ?? null,
  permissions: f.permissions ? { type: f.permissions.type, roles: [...f.permissions.roles] } : null,
  customAttributes: (f.customAttributes ?? []).map((a) => ({ ...a })),
  conditionalGroups: (f.conditionalGroups ?? []).map((g) => ({ ...g, conditions: g.conditions.map((c) => ({ ...c })) })),
  graphQLMaxDepth: f.graphQLMaxDepth ?? null,
  graphQLMaxComplexity: f.graphQLMaxComplexity ?? null,
});

export function applyPolicyEvent(view: CatalogView, e: PolicyEvent, event: RecordedEvent): void {
  const key = policyKey(e.data.level, e.data.name);
  const versioned = { streamVersion: event.streamVersion, position: event.globalPosition };
  switch (e.type) {
    case 'ThrottlingPolicyCreated':
      view.policies.set(key, {
        id: policyStream(e.data.level, e.data.name),
        ...copyPolicy(e.data),
        seeded: e.data.seeded,
        isDeployed: true,
        ...versioned,
      });
      return;
    case 'ThrottlingPolicyUpdated': {
      const p = view.policies.get(key);
      if (p) view.policies.set(key, { ...p, ...copyPolicy(e.data), ...versioned });
      return;
    }
    case 'ThrottlingPolicyDeleted':
      view.policies.delete(key);
      return;
  }
}

export function applyBlockingEvent(view: CatalogView, e: BlockingEvent, event: RecordedEvent): void {
  const id = e.data.conditionId;
  const versioned = { streamVersion: event.streamVersion, position: event.globalPosition };
  const current = view.blockingConditions.get(id);
  switch (e.type) {
    case 'BlockingConditionAdded':
      view.blockingConditions.set(id, {
        id,
        type: e.data.type,
        value: e.data.value,
        enabled: e.data.enabled,
        invert: e.data.invert,
        createdBy: event.metadata.actor,
        createdAt: event.metadata.recordedAt,
        ...versioned,
      });
      return;
    case 'BlockingConditionEnabled':
    case 'BlockingConditionDisabled':
      if (current) view.blockingConditions.set(id, { ...current, enabled: e.type === 'BlockingConditionEnabled', ...versioned });
      return;
    case 'BlockingConditionRemoved':
      view.blockingConditions.delete(id);
      return;
  }
}

/** Users are keyed by their normalised (case-insensitive) name, as their streams are. */
export function applyUserEvent(view: CatalogView, e: UserEvent, event: RecordedEvent): void {
  const versioned = { streamVersion: event.streamVersion, position: event.globalPosition };
  const key = normalizeUsername(e.data.username);
  if (e.type === 'UserRegistered') {
    view.users.set(key, {
      username: e.data.username,
      roles: [...e.data.roles].sort(),
      lockedUntil: null,
      consecutiveFailures: 0,
      createdAt: event.metadata.recordedAt,
      ...versioned,
    });
    return;
  }
  const user = view.users.get(key);
  if (!user) return;
  let patch: Partial<UserRecord>;
  switch (e.type) {
    case 'UserRoleGranted':
      patch = { roles: [...new Set([...user.roles, e.data.role])].sort() };
      break;
    case 'UserRoleRevoked':
      patch = { roles: user.roles.filter((r) => r !== e.data.role) };
      break;
    case 'UserLoginFailed':
      patch = { consecutiveFailures: e.data.consecutiveFailures };
      break;
    case 'UserLockedOut':
      patch = { lockedUntil: e.data.lockedUntil };
      break;
    case 'UserLoginFailuresReset':
      patch = { consecutiveFailures: 0, lockedUntil: null };
      break;
    case 'UserPasswordChanged':
      patch = {};
      break;
  }
  view.users.set(key, { ...user, ...patch, ...versioned });
}

export function applySigningKeyEvent(view: CatalogView, e: SigningKeyEvent, event: RecordedEvent): void {
  const added = (status: SigningKeyRecord['status']): SigningKeyRecord => ({
    kid: e.data.kid,
    alg: e.data.alg,
    status,
    publicJwk: structuredClone(e.data.publicJwk),
    createdAt: event.metadata.recordedAt,
    streamVersion: event.streamVersion,
    position: event.globalPosition,
  });
  const setStatus = (kid: string | null, status: SigningKeyRecord['status']) => {
    const k = kid ? view.signingKeys.get(kid) : undefined;
    if (k && k.status !== status) view.signingKeys.set(k.kid, { ...k, status, streamVersion: event.streamVersion, position: event.globalPosition });
  };
  if (e.type === 'SigningKeyAdded') {
    const hasCurrent = [...view.signingKeys.values()].some((k) => k.status === 'CURRENT');
    view.signingKeys.set(e.data.kid, added(hasCurrent ? 'PREVIOUS' : 'CURRENT'));
    return;
  }
  // Rotation: the new key signs, the one it replaces still verifies, the retired one leaves.
  setStatus(e.data.previousKid, 'PREVIOUS');
  setStatus(e.data.retiredKid, 'RETIRED');
  view.signingKeys.set(e.data.kid, added('CURRENT'));
}
