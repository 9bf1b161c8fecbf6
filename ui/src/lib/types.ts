// The shapes the portals read from the management API (a subset of api/graphql/schema.graphql).

export type HttpVerb = 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE' | 'HEAD' | 'OPTIONS';
export type AuthType = 'APPLICATION_AND_APPLICATION_USER' | 'APPLICATION' | 'APPLICATION_USER' | 'NONE';
export type LifecycleAction = 'PUBLISH' | 'DEPLOY_AS_PROTOTYPE' | 'DEMOTE_TO_CREATED' | 'BLOCK' | 'REPUBLISH' | 'DEPRECATE' | 'RETIRE';
export type KeyType = 'PRODUCTION' | 'SANDBOX';
export type PolicyLevel = 'SUBSCRIPTION' | 'APPLICATION' | 'ADVANCED';
export type BlockingType = 'API' | 'APPLICATION' | 'IP' | 'IP_RANGE' | 'USER';
export type TimeUnit = 'SEC' | 'MIN' | 'HOUR' | 'DAY' | 'WEEK' | 'MONTH' | 'YEAR';

export const HTTP_VERBS: HttpVerb[] = ['GET', 'POST', 'PUT', 'PATCH', 'DELETE', 'HEAD', 'OPTIONS'];
export const AUTH_TYPES: AuthType[] = ['APPLICATION_AND_APPLICATION_USER', 'APPLICATION', 'APPLICATION_USER', 'NONE'];
export const ROLES = ['admin', 'publisher', 'creator', 'subscriber'] as const;

export interface Operation {
  verb: HttpVerb;
  target: string;
  authType: AuthType;
  scopes: string[];
  throttlingPolicy: string | null;
}

export interface Scope {
  name: string;
  displayName?: string | null;
  description?: string | null;
  roles: string[];
}

export interface Cors {
  enabled: boolean;
  allowOrigins: string[];
  allowCredentials: boolean;
  allowHeaders: string[];
  allowMethods: string[];
}

export interface ApiDocument {
  id: string;
  name: string;
  type: string;
  otherTypeName?: string | null;
  summary: string | null;
  sourceType: string;
  sourceUrl: string | null;
  content: string | null;
  visibility: string;
}

export interface LifecycleChange {
  from: string | null;
  to: string;
  action: string;
  actor: string;
  at: string;
  position: string;
}

export interface ApiSummary {
  id: string;
  name: string;
  context: string;
  version: string;
  description: string | null;
  provider: string;
  lifecycleStatus: string;
  isDefaultVersion: boolean;
  tags: string[];
  updatedAt: string | null;
  streamVersion: number;
  position: string;
}

export interface Api extends ApiSummary {
  endpoints: { production: string | null; sandbox: string | null };
  operations: Operation[];
  scopes: Scope[];
  subscriptionPolicies: string[];
  apiThrottlingPolicy: string | null;
  securitySchemes: string[];
  cors: Cors;
  backendJwt: boolean;
  visibility: string;
  visibleRoles: string[];
  /** Backend hard limit (requests per second per key type); null = none. */
  maxTps: { production: number | null; sandbox: number | null } | null;
  documents: ApiDocument[];
  lifecycleHistory: LifecycleChange[];
  versions: Array<{ id: string; version: string; lifecycleStatus: string; isDefaultVersion: boolean }>;
  createdAt: string | null;
}

export interface ApplicationKeyInfo {
  keyType: KeyType;
  consumerKey: string;
  grantTypes: string[];
  tokenValiditySeconds: number | null;
  secretIssuedAt: string | null;
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

export interface ApiSubscription {
  id: string;
  applicationId: string;
  apiId: string;
  throttlingPolicy: string;
  status: string;
  createdAt: string | null;
  streamVersion: number;
  position: string;
  api?: { id: string; name: string; version: string; context: string; lifecycleStatus: string } | null;
  application?: { id: string; name: string; owner: string } | null;
}

export interface Application {
  id: string;
  name: string;
  owner: string;
  throttlingPolicy: string;
  description: string | null;
  status: string;
  keys: ApplicationKeyInfo[];
  apiKeys: ApiKeyInfo[];
  subscriptions: ApiSubscription[];
  subscriptionCount: number;
  createdAt: string | null;
  streamVersion: number;
  position: string;
}

export interface ApplicationKeys {
  keyType: KeyType;
  consumerKey: string;
  consumerSecret: string;
  grantTypes: string[];
}

export interface ThrottlingPolicy {
  id: string;
  level: PolicyLevel;
  name: string;
  displayName: string | null;
  description: string | null;
  limitType: string;
  requestCount: number | null;
  dataAmount: number | null;
  dataUnit: string | null;
  unitTime: number;
  timeUnit: TimeUnit;
  burstLimit: number | null;
  burstTimeUnit: TimeUnit | null;
  stopOnQuotaReach: boolean;
  streamVersion: number;
}

export interface BlockingCondition {
  id: string;
  type: BlockingType;
  value: string;
  enabled: boolean;
  invert: boolean;
  createdBy: string | null;
  createdAt: string | null;
  streamVersion: number;
}

export interface User {
  username: string;
  roles: string[];
  locked: boolean;
  lockedUntil: string | null;
  createdAt: string | null;
  streamVersion: number;
}

export interface SigningKey {
  kid: string;
  alg: string;
  status: string;
  createdAt: string | null;
  publicJwk: unknown;
}

export interface DomainEvent {
  position: string;
  streamId: string;
  streamVersion: number;
  type: string;
  data: Record<string, unknown>;
  metadata: { eventId: string; actor: string; correlationId: string; recordedAt: string; schemaVersion: number; idempotencyKey: string | null };
}
