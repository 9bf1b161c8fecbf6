// Read functions over the catalog view, shaped for the GraphQL resolvers. They return the
// view's records (immutable snapshots: the projection replaces records, never edits them);
// callers must not mutate them. No secret is reachable from here except through
// findClientByConsumerKey, which exists for the key manager only.
import type { LifecycleStatus } from '../../domain/api/events.ts';
import type { KeyType } from '../../domain/application/events.ts';
import { invalidInput } from '../../domain/errors.ts';
import { normalizeUsername } from '../../domain/identity/user.ts';
import type { PolicyLevel } from '../../domain/policy/events.ts';
import { idOfSortKey } from './indexing.ts';
import { matchesSearch, parseSearch } from './search.ts';
import {
  appApiKey,
  contextVersionKey,
  policyKey,
  type ApiRecord,
  type ApplicationRecord,
  type BlockingConditionRecord,
  type CatalogView,
  type PolicyRecord,
  type SigningKeyRecord,
  type SubscriptionRecord,
  type UserRecord,
} from './view.ts';

// ---------------------------------------------------------------- APIs

export interface ListApisOptions {
  search?: string | null;
  status?: LifecycleStatus | null;
  /** Page size; default 25, at most MAX_PAGE_SIZE. */
  first?: number | null;
  /** Opaque cursor from a previous page (exclusive). */
  after?: string | null;
  /** Extra predicate, e.g. what the caller may see (applied before paging). */
  filter?: (api: ApiRecord) => boolean;
}

export interface ApiEdge {
  cursor: string;
  node: ApiRecord;
}

export interface ApiPage {
  edges: ApiEdge[];
  nodes: ApiRecord[];
  pageInfo: { hasNextPage: boolean; endCursor: string | null };
  totalCount: number;
}

export const DEFAULT_PAGE_SIZE = 25;
export const MAX_PAGE_SIZE = 500;

const encodeCursor = (sortKey: string): string => Buffer.from(sortKey, 'utf8').toString('base64url');

function decodeCursor(cursor: string): string {
  const key = Buffer.from(cursor, 'base64url').toString('utf8');
  if (key.split('\u0000').length !== 3) throw invalidInput('after is not a cursor this server issued', { after: cursor });
  return key;
}

/** APIs in name/version order, filtered, one page after the cursor. Never sorts: walks the index. */
export function listApis(view: CatalogView, options: ListApisOptions = {}): ApiPage {
  const first = options.first ?? DEFAULT_PAGE_SIZE;
  if (!Number.isInteger(first) || first < 0) throw invalidInput('first must be a non-negative integer', { first });
  const size = Math.min(first, MAX_PAGE_SIZE);
  const terms = parseSearch(options.search);
  const status = options.status ?? null;
  const filter = options.filter;
  const { apiOrder, apiText } = view.index;
  const unfiltered = terms.length === 0 && status === null && filter === undefined;
  const matches = (id: string): boolean => {
    const text = apiText.get(id)!;
    if (status !== null && text.status !== status) return false;
    if (terms.length && !matchesSearch(text, terms)) return false;
    return filter === undefined || filter(view.apis.get(id)!);
  };

  const edges: ApiEdge[] = [];
  let hasNextPage = false;
  apiOrder.each(
    (key) => {
      const id = idOfSortKey(key);
      if (!unfiltered && !matches(id)) return true;
      if (edges.length === size) {
        hasNextPage = true;
        return false;
      }
      edges.push({ cursor: encodeCursor(key), node: view.apis.get(id)! });
      return true;
    },
    options.after ? decodeCursor(options.after) : undefined,
    true,
  );
  let totalCount = apiOrder.size;
  if (!unfiltered) {
    totalCount = 0;
    apiOrder.each((key) => {
      if (matches(idOfSortKey(key))) totalCount++;
    });
  }
  return {
    edges,
    nodes: edges.map((e) => e.node),
    pageInfo: { hasNextPage, endCursor: edges.at(-1)?.cursor ?? null },
    totalCount,
  };
}

export const getApi = (view: CatalogView, id: string): ApiRecord | undefined => view.apis.get(id);

export const findApiByContextVersion = (view: CatalogView, context: string, version: string): ApiRecord | undefined => {
  const id = view.index.apiByContextVersion.get(contextVersionKey(context, version));
  return id === undefined ? undefined : view.apis.get(id);
};

export interface ApiVersionRef {
  id: string;
  version: string;
  lifecycleStatus: LifecycleStatus;
  isDefaultVersion: boolean;
}

/** Every version of the API's name (itself included), in version order. */
export function apiVersions(view: CatalogView, apiId: string): ApiVersionRef[] {
  const api = view.apis.get(apiId);
  if (!api) return [];
  return [...(view.index.apisByName.get(api.name.toLowerCase()) ?? [])]
    .map((id) => view.apis.get(id)!)
    .sort((a, b) => (a.version < b.version ? -1 : a.version > b.version ? 1 : a.id < b.id ? -1 : 1))
    .map((a) => ({ id: a.id, version: a.version, lifecycleStatus: a.lifecycleStatus, isDefaultVersion: a.isDefaultVersion }));
}

/** Roles a scope is bound to across the APIs declaring it; undefined when none declares it. */
export function scopeRoles(view: CatalogView, scope: string): string[] | undefined {
  const byApi = view.index.scopeRoles.get(scope);
  if (!byApi) return undefined;
  return [...new Set([...byApi.values()].flat())].sort();
}

// ---------------------------------------------------------------- applications

const byNameThenId = <T extends { name: string; id: string }>(a: T, b: T): number => {
  const x = a.name.toLowerCase();
  const y = b.name.toLowerCase();
  return x < y ? -1 : x > y ? 1 : a.id < b.id ? -1 : a.id > b.id ? 1 : 0;
};

/** Applications by name; only `owner`'s when given. */
export function listApplications(view: CatalogView, options: { owner?: string | null } = {}): ApplicationRecord[] {
  const ids = options.owner != null ? [...(view.index.appsByOwner.get(options.owner) ?? [])] : [...view.applications.keys()];
  return ids.map((id) => view.applications.get(id)!).sort(byNameThenId);
}

export const getApplication = (view: CatalogView, id: string): ApplicationRecord | undefined => view.applications.get(id);

export const findApplicationByName = (view: CatalogView, owner: string, name: string): ApplicationRecord | undefined =>
  listApplications(view, { owner }).find((a) => a.name.toLowerCase() === name.toLowerCase());

export const applicationSubscriptionCount = (view: CatalogView, applicationId: string): number =>
  view.index.subsByApp.get(applicationId)?.size ?? 0;

/** What the key manager needs to authenticate a client. INTERNAL: carries the secret hash. */
export interface OAuthClient {
  consumerKey: string;
  secretHash: string;
  keyType: KeyType;
  grantTypes: string[];
  tokenValiditySeconds: number | null;
  /** The one redirect URI its authorization requests may name (null: no authorization_code). */
  callbackUrl: string | null;
  application: { id: string; name: string; owner: string; tier: string };
}

/** For the key manager only: never expose the result through GraphQL. */
export function findClientByConsumerKey(view: CatalogView, consumerKey: string): OAuthClient | undefined {
  const c = view.clients.get(consumerKey);
  const app = c && view.applications.get(c.applicationId);
  if (!c || !app) return undefined;
  return {
    consumerKey: c.consumerKey,
    secretHash: c.secretHash,
    keyType: c.keyType,
    grantTypes: [...c.grantTypes],
    tokenValiditySeconds: c.tokenValiditySeconds,
    callbackUrl: c.callbackUrl ?? null,
    application: { id: app.id, name: app.name, owner: app.owner, tier: app.throttlingPolicy },
  };
}

export const isTokenRevoked = (view: CatalogView, jti: string): boolean => view.revokedTokens.has(jti);

// ---------------------------------------------------------------- subscriptions

const byCreation = <T extends { createdAt: string; id: string }>(a: T, b: T): number =>
  a.createdAt < b.createdAt ? -1 : a.createdAt > b.createdAt ? 1 : a.id < b.id ? -1 : a.id > b.id ? 1 : 0;

/** Subscriptions of an API and/or an application (all without either), oldest first. */
export function listSubscriptions(view: CatalogView, options: { apiId?: string | null; applicationId?: string | null } = {}): SubscriptionRecord[] {
  const { apiId, applicationId } = options;
  let ids: Iterable<string>;
  if (apiId != null && applicationId != null) {
    const id = view.index.subByAppApi.get(appApiKey(applicationId, apiId));
    ids = id ? [id] : [];
  } else if (apiId != null) ids = view.index.subsByApi.get(apiId) ?? [];
  else if (applicationId != null) ids = view.index.subsByApp.get(applicationId) ?? [];
  else ids = view.subscriptions.keys();
  return [...ids].map((id) => view.subscriptions.get(id)!).sort(byCreation);
}

export const getSubscription = (view: CatalogView, id: string): SubscriptionRecord | undefined => view.subscriptions.get(id);

export function findSubscription(view: CatalogView, applicationId: string, apiId: string): SubscriptionRecord | undefined {
  const id = view.index.subByAppApi.get(appApiKey(applicationId, apiId));
  return id === undefined ? undefined : view.subscriptions.get(id);
}

// ---------------------------------------------------------------- policies, deny policies

const LEVEL_ORDER: Record<PolicyLevel, number> = { SUBSCRIPTION: 0, APPLICATION: 1, ADVANCED: 2 };

/** Throttling policies of one level (all without), by level then name. */
export function listPolicies(view: CatalogView, level?: PolicyLevel | null): PolicyRecord[] {
  return [...view.policies.values()]
    .filter((p) => level == null || p.level === level)
    .sort((a, b) => LEVEL_ORDER[a.level] - LEVEL_ORDER[b.level] || (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
}

export const getPolicy = (view: CatalogView, level: PolicyLevel, name: string): PolicyRecord | undefined =>
  view.policies.get(policyKey(level, name));

export const listBlockingConditions = (view: CatalogView): BlockingConditionRecord[] =>
  [...view.blockingConditions.values()].sort(byCreation);

export const getBlockingCondition = (view: CatalogView, id: string): BlockingConditionRecord | undefined =>
  view.blockingConditions.get(id);

// ---------------------------------------------------------------- users, signing keys

export interface UserSummary extends Omit<UserRecord, 'consecutiveFailures'> {
  /** lockedUntil is after `now` (without `now`: a lockout was recorded and not cleared). */
  locked: boolean;
}

const summarize = (u: UserRecord, now?: Date): UserSummary => {
  const { consecutiveFailures: _failures, ...rest } = u;
  const locked = u.lockedUntil !== null && (now === undefined || u.lockedUntil > now.toISOString());
  return { ...rest, locked };
};

export const listUsers = (view: CatalogView, options: { now?: Date } = {}): UserSummary[] =>
  [...view.users.values()].sort((a, b) => (a.username < b.username ? -1 : a.username > b.username ? 1 : 0)).map((u) => summarize(u, options.now));

/** The user, whatever the case of `username` (names are case-insensitive). */
export function getUser(view: CatalogView, username: string, options: { now?: Date } = {}): UserSummary | undefined {
  const u = view.users.get(normalizeUsername(username));
  return u && summarize(u, options.now);
}

const KEY_STATUS_ORDER: Record<SigningKeyRecord['status'], number> = { CURRENT: 0, PREVIOUS: 1, RETIRED: 2 };

/** Public signing keys: CURRENT, then PREVIOUS (newest first); RETIRED only when asked. */
export function listSigningKeys(view: CatalogView, options: { includeRetired?: boolean } = {}): SigningKeyRecord[] {
  return [...view.signingKeys.values()]
    .filter((k) => options.includeRetired || k.status !== 'RETIRED')
    .sort((a, b) => KEY_STATUS_ORDER[a.status] - KEY_STATUS_ORDER[b.status] || (a.createdAt > b.createdAt ? -1 : a.createdAt < b.createdAt ? 1 : 0));
}
