// Domain events for tests and benchmarks of the gateway map and the gateway, with the
// defaults a publisher would get. Typed against the domain's event unions, so a change of a
// payload breaks these builders at compile time rather than the tests at run time.
import type { ApiCreated, Operation } from '../../domain/api/events.ts';
import type { ApplicationCreated, ApiKeyIssued, KeyType } from '../../domain/application/events.ts';
import type { BlockingConditionAdded } from '../../domain/blocking/events.ts';
import type { GatehouseEvent } from '../../domain/events.ts';
import type { SigningKeyAdded } from '../../domain/identity/events.ts';
import type { ThrottlingPolicyFields } from '../../domain/policy/events.ts';
import type { EventMetadata, NewEvent, RecordedEvent } from '../../domain/ports.ts';
import type { SubscriptionStatus } from '../../domain/subscription/events.ts';

export const operation = (verb: Operation['verb'], target: string, extra: Partial<Operation> = {}): Operation => ({
  verb,
  target,
  authType: 'APPLICATION_AND_APPLICATION_USER',
  scopes: [],
  throttlingPolicy: null,
  ...extra,
});

export function apiCreated(d: Partial<ApiCreated['data']> & { apiId: string; context: string; version?: string }): GatehouseEvent {
  return {
    type: 'ApiCreated',
    data: {
      name: d.context.replace(/^\//, '').replace(/\//g, '-') || 'api',
      version: '1.0.0',
      provider: 'admin',
      description: null,
      endpoints: { production: 'http://127.0.0.1:9/backend', sandbox: null },
      operations: [operation('GET', '/*'), operation('POST', '/*')],
      subscriptionPolicies: ['Unlimited'],
      apiThrottlingPolicy: null,
      securitySchemes: ['OAUTH2', 'API_KEY'],
      scopes: [],
      backendJwt: false,
      cors: { enabled: false, allowOrigins: [], allowCredentials: false, allowHeaders: [], allowMethods: [] },
      tags: [],
      visibility: 'PUBLIC',
      visibleRoles: [],
      lifecycleStatus: 'CREATED',
      copiedFrom: null,
      ...d,
    },
  };
}

export const apiPublished = (apiId: string, from: 'CREATED' | 'PROTOTYPED' = 'CREATED'): GatehouseEvent => ({
  type: 'ApiLifecycleChanged',
  data: { apiId, action: 'PUBLISH', from, to: 'PUBLISHED', checklist: null, causedBy: null },
});

export const apiLifecycle = (apiId: string, to: 'BLOCKED' | 'PUBLISHED' | 'RETIRED' | 'DEPRECATED' | 'PROTOTYPED' | 'CREATED', from: string = 'PUBLISHED'): GatehouseEvent => ({
  type: 'ApiLifecycleChanged',
  data: {
    apiId,
    action: to === 'BLOCKED' ? 'BLOCK' : to === 'RETIRED' ? 'RETIRE' : to === 'DEPRECATED' ? 'DEPRECATE' : to === 'PROTOTYPED' ? 'DEPLOY_AS_PROTOTYPE' : to === 'CREATED' ? 'DEMOTE_TO_CREATED' : 'REPUBLISH',
    from: from as 'PUBLISHED',
    to,
    checklist: null,
    causedBy: null,
  },
});

export const defaultVersion = (name: string, context: string, apiId: string | null, version: string | null, previousApiId: string | null = null): GatehouseEvent => ({
  type: 'DefaultApiVersionChanged',
  data: { name, context, apiId, version, previousApiId },
});

export function applicationCreated(d: Partial<ApplicationCreated['data']> & { applicationId: string }): GatehouseEvent {
  return {
    type: 'ApplicationCreated',
    data: { name: `app-${d.applicationId}`, owner: 'alice', throttlingPolicy: 'Unlimited', description: null, attributes: {}, status: 'APPROVED', tokenType: 'JWT', ...d },
  };
}

export const keysGenerated = (applicationId: string, consumerKey: string, keyType: KeyType = 'PRODUCTION'): GatehouseEvent => ({
  type: 'ApplicationKeysGenerated',
  data: { applicationId, keyType, consumerKey, secretHash: '0'.repeat(64), grantTypes: ['client_credentials'], tokenValiditySeconds: null },
});

export const subscriptionCreated = (subscriptionId: string, applicationId: string, apiId: string, throttlingPolicy = 'Unlimited', status: SubscriptionStatus = 'UNBLOCKED'): GatehouseEvent => ({
  type: 'SubscriptionCreated',
  data: { subscriptionId, applicationId, apiId, throttlingPolicy, status, copiedFrom: null },
});

export const subscriptionBlocked = (subscriptionId: string, applicationId: string, apiId: string, productionOnly = false): GatehouseEvent => ({
  type: 'SubscriptionBlocked',
  data: { subscriptionId, applicationId, apiId, status: productionOnly ? 'PROD_ONLY_BLOCKED' : 'BLOCKED' },
});

export const subscriptionUnblocked = (subscriptionId: string, applicationId: string, apiId: string): GatehouseEvent => ({
  type: 'SubscriptionUnblocked',
  data: { subscriptionId, applicationId, apiId, status: 'UNBLOCKED' },
});

export function policy(fields: Partial<ThrottlingPolicyFields> & Pick<ThrottlingPolicyFields, 'level' | 'name'>): ThrottlingPolicyFields {
  return {
    displayName: fields.name,
    description: null,
    limitType: 'REQUEST_COUNT',
    requestCount: null,
    dataAmount: null,
    dataUnit: null,
    unitTime: 1,
    timeUnit: 'MIN',
    burstLimit: null,
    burstTimeUnit: null,
    stopOnQuotaReach: true,
    billingPlan: null,
    permissions: null,
    customAttributes: [],
    conditionalGroups: [],
    graphQLMaxDepth: null,
    graphQLMaxComplexity: null,
    ...fields,
  };
}

export const policyCreated = (fields: Partial<ThrottlingPolicyFields> & Pick<ThrottlingPolicyFields, 'level' | 'name'>): GatehouseEvent => ({
  type: 'ThrottlingPolicyCreated',
  data: { ...policy(fields), seeded: false },
});

export const policyUpdated = (fields: Partial<ThrottlingPolicyFields> & Pick<ThrottlingPolicyFields, 'level' | 'name'>): GatehouseEvent => ({
  type: 'ThrottlingPolicyUpdated',
  data: policy(fields),
});

export const blockingAdded = (d: Partial<BlockingConditionAdded['data']> & Pick<BlockingConditionAdded['data'], 'conditionId' | 'type' | 'value'>): GatehouseEvent => ({
  type: 'BlockingConditionAdded',
  data: { enabled: true, invert: false, ...d },
});

export const signingKeyAdded = (kid: string, publicJwk: Record<string, unknown>, alg: SigningKeyAdded['data']['alg'] = 'ES256'): GatehouseEvent => ({
  type: 'SigningKeyAdded',
  data: { kid, alg, publicJwk },
});

export const tokenRevoked = (jti: string, exp: number | null): GatehouseEvent => ({
  type: 'TokenRevoked',
  data: { jti, exp, tokenType: 'access_token' },
});

export const apiKeyIssued = (d: Partial<ApiKeyIssued['data']> & { applicationId: string; jti: string }): GatehouseEvent => ({
  type: 'ApiKeyIssued',
  data: { keyType: 'PRODUCTION', exp: null, permittedIPs: [], permittedReferers: [], ...d },
});

/** The stream an event belongs to, as the domain names them (close enough for map tests). */
export function streamOf(e: GatehouseEvent): string {
  const d = e.data as Record<string, unknown>;
  if (e.type === 'DefaultApiVersionChanged') return `api-versions-${String(d.name)}`;
  if ('apiId' in d && e.type.startsWith('Api')) return `api-${String(d.apiId)}`;
  if ('subscriptionId' in d) return `sub-${String(d.subscriptionId)}`;
  if ('applicationId' in d) return `app-${String(d.applicationId)}`;
  if ('conditionId' in d) return `blocking-${String(d.conditionId)}`;
  if (e.type.startsWith('ThrottlingPolicy')) return `policy-${String(d.level).toLowerCase()}-${String(d.name)}`;
  if (e.type.startsWith('SigningKey')) return 'keys-signing';
  if (e.type === 'TokenRevoked') return `token-${String(d.jti)}`;
  return 'misc';
}

let eventCounter = 0;

/** ApiCreated is at schemaVersion 2 (endpoints); every other type at 1. */
const schemaVersionOf = (type: string): number => (type === 'ApiCreated' ? 2 : 1);

function metadata(type: string, recordedAt = '2026-01-01T00:00:00.000Z'): EventMetadata {
  eventCounter += 1;
  return { eventId: `fixture-${eventCounter}`, actor: 'test', correlationId: 'test', causationId: null, recordedAt, schemaVersion: schemaVersionOf(type) };
}

/** Events as the store would return them, at consecutive positions from `from`. */
export function recorded(events: GatehouseEvent[], from = 1n, recordedAt?: string): RecordedEvent[] {
  return events.map((e, i) => ({
    type: e.type,
    data: e.data,
    metadata: metadata(e.type, recordedAt),
    streamId: streamOf(e),
    streamVersion: 1n,
    globalPosition: from + BigInt(i),
  }));
}

/** The event ready for EventStore.appendToStream. */
export function toNew(e: GatehouseEvent, recordedAt?: string): NewEvent {
  return { type: e.type, data: e.data, metadata: metadata(e.type, recordedAt) };
}
