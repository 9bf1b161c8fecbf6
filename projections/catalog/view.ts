// The catalog: what the management API reads (APIs, applications, subscriptions, policies,
// deny policies, users, signing keys). Records are replaced, never mutated, when an event
// changes them, so a record a query returned stays a consistent snapshot. Secrets never reach
// a record: consumer-secret hashes live in `clients`, read only by the key manager lookup.
import type {
  ApiDocument,
  ApiScope,
  Cors,
  Endpoints,
  LifecycleStatus,
  MaxTps,
  Operation,
  SecurityScheme,
  Visibility,
} from '../../domain/api/events.ts';
import type { KeyType } from '../../domain/application/events.ts';
import type { BlockingType } from '../../domain/blocking/events.ts';
import type { Role, SigningAlg } from '../../domain/identity/events.ts';
import type { ThrottlingPolicyFields } from '../../domain/policy/events.ts';
import type { SubscriptionStatus } from '../../domain/subscription/events.ts';
import { SortedKeys } from './sorted-keys.ts';

/** Stream version and global position of the latest event that changed a record. */
export interface Versioned {
  streamVersion: bigint;
  position: bigint;
}

export interface LifecycleChange {
  from: LifecycleStatus | null;
  to: LifecycleStatus;
  action: string;
  actor: string;
  at: string;
  position: bigint;
}

export type DocumentRecord = Omit<ApiDocument, 'documentId'> & { id: string };

export interface ApiRecord extends Versioned {
  id: string;
  name: string;
  context: string;
  version: string;
  description: string | null;
  provider: string;
  lifecycleStatus: LifecycleStatus;
  isDefaultVersion: boolean;
  endpoints: Endpoints;
  operations: Operation[];
  scopes: ApiScope[];
  subscriptionPolicies: string[];
  apiThrottlingPolicy: string | null;
  securitySchemes: SecurityScheme[];
  cors: Cors;
  backendJwt: boolean;
  tags: string[];
  visibility: Visibility;
  visibleRoles: string[];
  /** Backend hard limit per key type; null = none. */
  maxTps: MaxTps | null;
  documents: DocumentRecord[];
  lifecycleHistory: LifecycleChange[];
  copiedFrom: { apiId: string; version: string } | null;
  createdAt: string;
  updatedAt: string;
}

/**
 * A shallow copy with the fields in the one order every API record has (the order snapshots
 * are written in), so records built by any event or loaded from a snapshot share one shape.
 */
export function copyApiRecord(a: ApiRecord): ApiRecord {
  return {
    id: a.id,
    name: a.name,
    context: a.context,
    version: a.version,
    provider: a.provider,
    lifecycleStatus: a.lifecycleStatus,
    isDefaultVersion: a.isDefaultVersion,
    description: a.description,
    endpoints: a.endpoints,
    operations: a.operations,
    subscriptionPolicies: a.subscriptionPolicies,
    apiThrottlingPolicy: a.apiThrottlingPolicy,
    securitySchemes: a.securitySchemes,
    scopes: a.scopes,
    backendJwt: a.backendJwt,
    cors: a.cors,
    tags: a.tags,
    visibility: a.visibility,
    visibleRoles: a.visibleRoles,
    maxTps: a.maxTps,
    documents: a.documents,
    lifecycleHistory: a.lifecycleHistory,
    copiedFrom: a.copiedFrom,
    createdAt: a.createdAt,
    updatedAt: a.updatedAt,
    streamVersion: a.streamVersion,
    position: a.position,
  };
}

export interface ApplicationKeyInfo {
  keyType: KeyType;
  consumerKey: string;
  grantTypes: string[];
  tokenValiditySeconds: number | null;
  /** Redirect URI of the authorization_code grant; null when none was registered. */
  callbackUrl?: string | null;
  secretIssuedAt: string;
  createdAt: string;
}

export interface ApiKeyInfo {
  jti: string;
  keyType: KeyType;
  issuedAt: string;
  expiresAt: string | null;
  permittedIPs: string[];
  permittedReferers: string[];
  revoked: boolean;
}

export interface ApplicationRecord extends Versioned {
  id: string;
  name: string;
  owner: string;
  throttlingPolicy: string;
  description: string | null;
  status: string;
  tokenType: string;
  attributes: Record<string, string>;
  /** One per key type, PRODUCTION first. No secret. */
  keys: ApplicationKeyInfo[];
  apiKeys: ApiKeyInfo[];
  createdAt: string;
}

/** An application's OAuth client as the key manager needs it (INTERNAL: carries the secret hash). */
export interface ClientRecord {
  consumerKey: string;
  secretHash: string;
  keyType: KeyType;
  grantTypes: string[];
  tokenValiditySeconds: number | null;
  callbackUrl?: string | null;
  applicationId: string;
}

export interface SubscriptionRecord extends Versioned {
  id: string;
  applicationId: string;
  apiId: string;
  throttlingPolicy: string;
  requestedThrottlingPolicy: string | null;
  status: SubscriptionStatus;
  copiedFrom: string | null;
  createdAt: string;
}

export interface PolicyRecord extends ThrottlingPolicyFields, Versioned {
  /** The policy's stream id, e.g. `policy-subscription-Gold`. */
  id: string;
  seeded: boolean;
  isDeployed: boolean;
}

export interface BlockingConditionRecord extends Versioned {
  id: string;
  type: BlockingType;
  value: string;
  enabled: boolean;
  invert: boolean;
  createdBy: string;
  createdAt: string;
}

export interface UserRecord extends Versioned {
  username: string;
  roles: Role[];
  /** Until when the password grant is locked (ISO-8601); compare with the clock to know if it still is. */
  lockedUntil: string | null;
  consecutiveFailures: number;
  createdAt: string;
}

export type SigningKeyStatus = 'CURRENT' | 'PREVIOUS' | 'RETIRED';

export interface SigningKeyRecord extends Versioned {
  kid: string;
  alg: SigningAlg;
  status: SigningKeyStatus;
  publicJwk: Record<string, unknown>;
  createdAt: string;
}

/** Lookups derived from the records: rebuilt on load, never serialized. */
export interface CatalogIndex {
  /** Sort keys of every API (`name\0version\0id`, name lower-cased), ascending. */
  apiOrder: SortedKeys;
  /** Lower-cased text per API for search. */
  apiText: Map<string, ApiSearchText>;
  /** Lower-cased name → ids of its versions (a short list: a Set per name cost ~400 bytes per API). */
  apisByName: Map<string, string[]>;
  apiByContextVersion: Map<string, string>;
  /** Scope name → API id → roles the API binds it to. */
  scopeRoles: Map<string, Map<string, string[]>>;
  appsByOwner: Map<string, Set<string>>;
  subsByApi: Map<string, Set<string>>;
  subsByApp: Map<string, Set<string>>;
  subByAppApi: Map<string, string>;
}

export interface ApiSearchText {
  name: string;
  context: string;
  version: string;
  description: string;
  provider: string;
  status: string;
  tags: string[];
}

export interface CatalogView {
  /** Last position applied. */
  position: bigint;
  apis: Map<string, ApiRecord>;
  /** API name (lower-cased) → id of its default version. Kept apart: it may arrive before the API. */
  defaultVersions: Map<string, string>;
  applications: Map<string, ApplicationRecord>;
  /** consumerKey → client. INTERNAL (secret hashes). */
  clients: Map<string, ClientRecord>;
  subscriptions: Map<string, SubscriptionRecord>;
  /** `LEVEL:name` → policy. */
  policies: Map<string, PolicyRecord>;
  blockingConditions: Map<string, BlockingConditionRecord>;
  users: Map<string, UserRecord>;
  signingKeys: Map<string, SigningKeyRecord>;
  /** Revoked token ids → exp (epoch s, null = never expires); forgotten a day after exp. */
  revokedTokens: Map<string, number | null>;
  index: CatalogIndex;
}

export const policyKey = (level: string, name: string): string => `${level}:${name}`;
export const appApiKey = (applicationId: string, apiId: string): string => `${applicationId} ${apiId}`;
export const contextVersionKey = (context: string, version: string): string => `${context} ${version}`;

export function emptyIndex(): CatalogIndex {
  return {
    apiOrder: new SortedKeys(),
    apiText: new Map(),
    apisByName: new Map(),
    apiByContextVersion: new Map(),
    scopeRoles: new Map(),
    appsByOwner: new Map(),
    subsByApi: new Map(),
    subsByApp: new Map(),
    subByAppApi: new Map(),
  };
}

export function createCatalogView(): CatalogView {
  return {
    position: 0n,
    apis: new Map(),
    defaultVersions: new Map(),
    applications: new Map(),
    clients: new Map(),
    subscriptions: new Map(),
    policies: new Map(),
    blockingConditions: new Map(),
    users: new Map(),
    signingKeys: new Map(),
    revokedTokens: new Map(),
    index: emptyIndex(),
  };
}
