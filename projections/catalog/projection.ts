// The catalog projection: dispatches each event to the fold of its area and (de)serializes the
// view as JSON with every collection sorted by key, so a restored view and a replayed one
// serialize to the same bytes.
import type { GatehouseEvent } from '../../domain/events.ts';
import type { RecordedEvent } from '../../domain/ports.ts';
import type { Projection } from '../projection.ts';
import { applyApiEvent, applyApiVersionsEvent } from './apply-apis.ts';
import { applyApplicationEvent, applySubscriptionEvent, applyTokenEvent } from './apply-applications.ts';
import { applyBlockingEvent, applyPolicyEvent, applySigningKeyEvent, applyUserEvent } from './apply-admin.ts';
import { rebuildIndex } from './indexing.ts';
import {
  copyApiRecord,
  createCatalogView,
  type ApiRecord,
  type ApplicationRecord,
  type BlockingConditionRecord,
  type CatalogView,
  type ClientRecord,
  type PolicyRecord,
  type SigningKeyRecord,
  type SubscriptionRecord,
  type UserRecord,
  type Versioned,
} from './view.ts';

export function applyToCatalog(view: CatalogView, event: RecordedEvent): CatalogView {
  const e = { type: event.type, data: event.data } as GatehouseEvent;
  switch (e.type) {
    case 'ApiCreated':
    case 'ApiUpdated':
    case 'ApiLifecycleChanged':
    case 'ApiDeleted':
    case 'ApiDocumentAdded':
    case 'ApiDocumentUpdated':
    case 'ApiDocumentRemoved':
      applyApiEvent(view, e, event);
      break;
    case 'ApiVersionRegistered':
    case 'ApiVersionDeregistered':
    case 'DefaultApiVersionChanged':
      applyApiVersionsEvent(view, e, event);
      break;
    case 'ApplicationCreated':
    case 'ApplicationUpdated':
    case 'ApplicationDeleted':
    case 'ApplicationKeysGenerated':
    case 'ApplicationKeysUpdated':
    case 'ApplicationSecretRegenerated':
    case 'ApiKeyIssued':
    case 'ApiKeyRevoked':
      applyApplicationEvent(view, e, event);
      break;
    case 'SubscriptionCreated':
    case 'SubscriptionTierChanged':
    case 'SubscriptionBlocked':
    case 'SubscriptionUnblocked':
    case 'SubscriptionDeleted':
      applySubscriptionEvent(view, e, event);
      break;
    case 'ThrottlingPolicyCreated':
    case 'ThrottlingPolicyUpdated':
    case 'ThrottlingPolicyDeleted':
      applyPolicyEvent(view, e, event);
      break;
    case 'BlockingConditionAdded':
    case 'BlockingConditionEnabled':
    case 'BlockingConditionDisabled':
    case 'BlockingConditionRemoved':
      applyBlockingEvent(view, e, event);
      break;
    case 'UserRegistered':
    case 'UserRoleGranted':
    case 'UserRoleRevoked':
    case 'UserPasswordChanged':
    case 'UserLoginFailed':
    case 'UserLockedOut':
    case 'UserLoginFailuresReset':
      applyUserEvent(view, e, event);
      break;
    case 'SigningKeyAdded':
    case 'SigningKeyRotated':
      applySigningKeyEvent(view, e, event);
      break;
    case 'TokenRevoked':
      applyTokenEvent(view, e, event);
      break;
    default:
      break; // refresh families and reservations are not catalog content
  }
  view.position = event.globalPosition;
  return view;
}

// ---- serialization: bigints as decimal strings, collections as arrays sorted by key ----

type Wire<T> = { [K in keyof T]: T[K] extends bigint ? string : T[K] };

const byKey = <T>(entries: Iterable<[string, T]>): Array<[string, T]> =>
  [...entries].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));

const toWire = <T extends Versioned>(r: T): Wire<T> =>
  ({ ...r, streamVersion: String(r.streamVersion), position: String(r.position) }) as Wire<T>;

const fromWire = <T extends Versioned>(r: Wire<T>): T =>
  ({ ...r, streamVersion: BigInt(r.streamVersion as string), position: BigInt(r.position as string) }) as unknown as T;

const apiToWire = (a: ApiRecord) => ({
  ...toWire(a),
  lifecycleHistory: a.lifecycleHistory.map((h) => ({ ...h, position: String(h.position) })),
});

const apiFromWire = (w: ReturnType<typeof apiToWire>): ApiRecord =>
  copyApiRecord({
    ...fromWire<ApiRecord>(w as unknown as Wire<ApiRecord>),
    lifecycleHistory: w.lifecycleHistory.map((h) => ({ ...h, position: BigInt(h.position) })),
  });

interface WireCatalog {
  format: 1;
  position: string;
  apis: Array<ReturnType<typeof apiToWire>>;
  defaultVersions: Array<[string, string]>;
  applications: Array<Wire<ApplicationRecord>>;
  clients: ClientRecord[];
  subscriptions: Array<Wire<SubscriptionRecord>>;
  policies: Array<[string, Wire<PolicyRecord>]>;
  blockingConditions: Array<Wire<BlockingConditionRecord>>;
  users: Array<[string, Wire<UserRecord>]>;
  signingKeys: Array<Wire<SigningKeyRecord>>;
  revokedTokens: Array<[string, number | null]>;
}

export function serializeCatalog(view: CatalogView): string {
  const wire: WireCatalog = {
    format: 1,
    position: String(view.position),
    apis: byKey(view.apis).map(([, a]) => apiToWire(a)),
    defaultVersions: byKey(view.defaultVersions),
    applications: byKey(view.applications).map(([, a]) => toWire(a)),
    clients: byKey(view.clients).map(([, c]) => c),
    subscriptions: byKey(view.subscriptions).map(([, s]) => toWire(s)),
    policies: byKey(view.policies).map(([k, p]) => [k, toWire(p)]),
    blockingConditions: byKey(view.blockingConditions).map(([, b]) => toWire(b)),
    users: byKey(view.users).map(([k, u]) => [k, toWire(u)]),
    signingKeys: byKey(view.signingKeys).map(([, k]) => toWire(k)),
    revokedTokens: byKey(view.revokedTokens),
  };
  return JSON.stringify(wire);
}

export function deserializeCatalog(data: string | Buffer): CatalogView {
  const w = JSON.parse(data.toString()) as WireCatalog;
  if (w.format !== 1) throw new Error(`unknown catalog snapshot format ${String(w.format)}`);
  const view = createCatalogView();
  view.position = BigInt(w.position);
  for (const a of w.apis) view.apis.set(a.id, apiFromWire(a));
  view.defaultVersions = new Map(w.defaultVersions);
  for (const a of w.applications) view.applications.set(a.id, fromWire(a));
  for (const c of w.clients) view.clients.set(c.consumerKey, c);
  for (const s of w.subscriptions) view.subscriptions.set(s.id, fromWire(s));
  for (const [k, p] of w.policies) view.policies.set(k, fromWire(p));
  for (const b of w.blockingConditions) view.blockingConditions.set(b.id, fromWire(b));
  for (const [k, u] of w.users) view.users.set(k, fromWire(u));
  for (const k of w.signingKeys) view.signingKeys.set(k.kid, fromWire(k));
  view.revokedTokens = new Map(w.revokedTokens);
  rebuildIndex(view);
  return view;
}

export const catalogProjection: Projection<CatalogView> = {
  name: 'catalog',
  // 2: ApiRecord.maxTps.
  version: 2,
  initialView: createCatalogView,
  apply: applyToCatalog,
  serialize: serializeCatalog,
  deserialize: deserializeCatalog,
};
