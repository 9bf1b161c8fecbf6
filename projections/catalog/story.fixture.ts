// Test fixture: a realistic slice of history written as the domain writes it (typed against
// the GatehouseEvent union), for the catalog, audit and CLI tests.
import type { ApiDefinition } from '../../domain/api/events.ts';
import type { GatehouseEvent } from '../../domain/events.ts';
import type { EventStore } from '../../domain/ports.ts';
import {
  SIGNING_KEYS_STREAM,
  apiStream,
  apiVersionsStream,
  appStream,
  blockingStream,
  policyStream,
  subStream,
  tokenStream,
  userStream,
} from '../../domain/streams.ts';
import type { ThrottlingPolicyFields } from '../../domain/policy/events.ts';

export const IDS = {
  pizza1: '11111111-1111-4111-8111-111111111111',
  pizza2: '22222222-2222-4222-8222-222222222222',
  weather: '33333333-3333-4333-8333-333333333333',
  aliceApp: 'aaaaaaaa-aaaa-4aaa-8aaa-aaaaaaaaaaaa',
  bobApp: 'bbbbbbbb-bbbb-4bbb-8bbb-bbbbbbbbbbbb',
  sub1: 'c1c1c1c1-c1c1-4c1c-8c1c-c1c1c1c1c1c1',
  sub2: 'c2c2c2c2-c2c2-4c2c-8c2c-c2c2c2c2c2c2',
  ipBlock: 'd1d1d1d1-d1d1-4d1d-8d1d-d1d1d1d1d1d1',
  aliceKey: 'alice-prod-consumer-key',
  apiKeyJti: 'jti-apikey-1',
} as const;

export const definition = (over: Partial<ApiDefinition> = {}): ApiDefinition => ({
  description: 'Order pizza',
  endpoints: { production: 'http://127.0.0.1:9000/pizza', sandbox: null },
  operations: [
    { verb: 'GET', target: '/menu', authType: 'NONE', scopes: [], throttlingPolicy: null },
    { verb: 'POST', target: '/order', authType: 'APPLICATION_AND_APPLICATION_USER', scopes: ['order:write'], throttlingPolicy: null },
  ],
  subscriptionPolicies: ['Gold', 'Unlimited'],
  apiThrottlingPolicy: null,
  securitySchemes: ['OAUTH2'],
  scopes: [{ name: 'order:write', displayName: null, description: null, roles: ['subscriber'] }],
  backendJwt: false,
  cors: { enabled: false, allowOrigins: ['*'], allowCredentials: false, allowHeaders: ['authorization'], allowMethods: ['GET', 'POST'] },
  tags: ['food', 'Pizza'],
  visibility: 'PUBLIC',
  visibleRoles: [],
  ...over,
});

export const policy = (level: ThrottlingPolicyFields['level'], name: string, requestCount: number | null): ThrottlingPolicyFields => ({
  level,
  name,
  displayName: null,
  description: null,
  limitType: 'REQUEST_COUNT',
  requestCount,
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
});

let n = 0; // event ids stay unique across writers of one process

/** Appends events one minute apart from 2026-03-01T10:00Z (or `startMinute` later), each as `actor`. */
export function writer(store: EventStore, startMinute = 0) {
  let minute = startMinute;
  return async function emit(streamId: string, actor: string, ...events: GatehouseEvent[]) {
    const recordedAt = new Date(Date.UTC(2026, 2, 1, 10, minute++)).toISOString();
    return store.appendToStream(
      streamId,
      events.map((e) => ({
        type: e.type,
        data: e.data,
        metadata: { eventId: `evt-${++n}`, actor, correlationId: `corr-${n}`, causationId: null, recordedAt, schemaVersion: e.type === 'ApiCreated' ? 2 : 1 },
      })),
    );
  };
}

/** The story: seeded tiers, users, two versions of PizzaShack, keys, subscriptions, revocations. */
export async function writeStory(store: EventStore): Promise<void> {
  const emit = writer(store);
  for (const [level, name, count] of [
    ['SUBSCRIPTION', 'Unlimited', null],
    ['SUBSCRIPTION', 'Gold', 5000],
    ['SUBSCRIPTION', 'Silver', 2000],
    ['APPLICATION', 'Unlimited', null],
    ['ADVANCED', '10KPerMin', 10000],
  ] as const) {
    await emit(policyStream(level, name), 'system', { type: 'ThrottlingPolicyCreated', data: { ...policy(level, name, count), seeded: true } });
  }
  await emit(SIGNING_KEYS_STREAM, 'system', { type: 'SigningKeyAdded', data: { kid: 'k1', alg: 'ES256', publicJwk: { kty: 'EC', crv: 'P-256', x: 'x1', y: 'y1' } } });
  await emit(userStream('admin'), 'system', { type: 'UserRegistered', data: { username: 'admin', roles: ['admin'], via: 'BOOTSTRAP' } });
  await emit(userStream('alice'), 'alice', { type: 'UserRegistered', data: { username: 'alice', roles: ['subscriber'], via: 'SIGN_UP' } });
  await emit(userStream('bob'), 'bob', { type: 'UserRegistered', data: { username: 'bob', roles: ['subscriber'], via: 'SIGN_UP' } });
  await emit(userStream('bob'), 'admin', { type: 'UserRoleGranted', data: { username: 'bob', role: 'creator' } });

  await emit(apiStream(IDS.pizza1), 'admin', {
    type: 'ApiCreated',
    data: { apiId: IDS.pizza1, name: 'PizzaShack', context: '/pizzashack', version: '1.0.0', provider: 'admin', lifecycleStatus: 'CREATED', copiedFrom: null, ...definition() },
  });
  await emit(apiVersionsStream('PizzaShack'), 'admin',
    { type: 'ApiVersionRegistered', data: { name: 'PizzaShack', apiId: IDS.pizza1, context: '/pizzashack', version: '1.0.0' } },
    { type: 'DefaultApiVersionChanged', data: { name: 'PizzaShack', context: '/pizzashack', apiId: IDS.pizza1, version: '1.0.0', previousApiId: null } },
  );
  await emit(apiStream(IDS.pizza1), 'admin', {
    type: 'ApiDocumentAdded',
    data: { apiId: IDS.pizza1, documentId: 'doc-1', name: 'Getting started', type: 'HOWTO', otherTypeName: null, summary: null, sourceType: 'MARKDOWN', sourceUrl: null, content: '# Hi', visibility: 'API_LEVEL' },
  });
  await emit(apiStream(IDS.pizza1), 'bob', {
    type: 'ApiLifecycleChanged',
    data: { apiId: IDS.pizza1, action: 'PUBLISH', from: 'CREATED', to: 'PUBLISHED', checklist: { deprecateOldVersions: false, requireResubscription: false }, causedBy: null },
  });

  await emit(appStream(IDS.aliceApp), 'alice', {
    type: 'ApplicationCreated',
    data: { applicationId: IDS.aliceApp, name: 'DefaultApplication', owner: 'alice', throttlingPolicy: 'Unlimited', description: null, attributes: {}, status: 'APPROVED', tokenType: 'JWT' },
  });
  await emit(appStream(IDS.bobApp), 'bob', {
    type: 'ApplicationCreated',
    data: { applicationId: IDS.bobApp, name: 'Bots', owner: 'bob', throttlingPolicy: 'Unlimited', description: 'crawler', attributes: { team: 'x' }, status: 'APPROVED', tokenType: 'JWT' },
  });
  await emit(appStream(IDS.aliceApp), 'alice', {
    type: 'ApplicationKeysGenerated',
    data: { applicationId: IDS.aliceApp, keyType: 'PRODUCTION', consumerKey: IDS.aliceKey, secretHash: 'f00d'.repeat(16), grantTypes: ['client_credentials'], tokenValiditySeconds: 600 },
  });
  await emit(subStream(IDS.sub1), 'alice', {
    type: 'SubscriptionCreated',
    data: { subscriptionId: IDS.sub1, applicationId: IDS.aliceApp, apiId: IDS.pizza1, throttlingPolicy: 'Gold', status: 'UNBLOCKED', copiedFrom: null },
  });

  // New version, published with "deprecate old versions", becomes the default; alice is carried over.
  await emit(apiStream(IDS.pizza2), 'admin', {
    type: 'ApiCreated',
    data: {
      apiId: IDS.pizza2, name: 'PizzaShack', context: '/pizzashack', version: '2.0.0', provider: 'admin', lifecycleStatus: 'CREATED',
      copiedFrom: { apiId: IDS.pizza1, version: '1.0.0' }, ...definition({ description: 'Order pizza, faster' }),
    },
  });
  await emit(apiVersionsStream('PizzaShack'), 'admin', { type: 'ApiVersionRegistered', data: { name: 'PizzaShack', apiId: IDS.pizza2, context: '/pizzashack', version: '2.0.0' } });
  await emit(apiStream(IDS.pizza2), 'bob', {
    type: 'ApiLifecycleChanged',
    data: { apiId: IDS.pizza2, action: 'PUBLISH', from: 'CREATED', to: 'PUBLISHED', checklist: { deprecateOldVersions: true, requireResubscription: false }, causedBy: null },
  });
  await emit(apiStream(IDS.pizza1), 'bob', {
    type: 'ApiLifecycleChanged',
    data: { apiId: IDS.pizza1, action: 'DEPRECATE', from: 'PUBLISHED', to: 'DEPRECATED', checklist: null, causedBy: { apiId: IDS.pizza2, version: '2.0.0' } },
  });
  await emit(apiVersionsStream('PizzaShack'), 'admin', {
    type: 'DefaultApiVersionChanged',
    data: { name: 'PizzaShack', context: '/pizzashack', apiId: IDS.pizza2, version: '2.0.0', previousApiId: IDS.pizza1 },
  });
  await emit(subStream(IDS.sub2), 'bob', {
    type: 'SubscriptionCreated',
    data: { subscriptionId: IDS.sub2, applicationId: IDS.aliceApp, apiId: IDS.pizza2, throttlingPolicy: 'Gold', status: 'UNBLOCKED', copiedFrom: IDS.sub1 },
  });
  await emit(subStream(IDS.sub1), 'admin', { type: 'SubscriptionBlocked', data: { subscriptionId: IDS.sub1, applicationId: IDS.aliceApp, apiId: IDS.pizza1, status: 'PROD_ONLY_BLOCKED' } });
  await emit(subStream(IDS.sub2), 'alice', { type: 'SubscriptionTierChanged', data: { subscriptionId: IDS.sub2, applicationId: IDS.aliceApp, apiId: IDS.pizza2, from: 'Gold', to: 'Unlimited' } });

  await emit(apiStream(IDS.weather), 'bob', {
    type: 'ApiCreated',
    data: {
      apiId: IDS.weather, name: 'Weather', context: '/weather', version: 'v1', provider: 'bob', lifecycleStatus: 'CREATED', copiedFrom: null,
      ...definition({ description: 'Forecasts by city', tags: ['climate'], subscriptionPolicies: ['Unlimited'], scopes: [{ name: 'order:write', displayName: null, description: null, roles: ['creator'] }] }),
    },
  });
  await emit(apiStream(IDS.weather), 'bob', { type: 'ApiUpdated', data: { apiId: IDS.weather, ...definition({ description: 'Forecasts and alerts', tags: ['climate', 'alerts'], subscriptionPolicies: ['Unlimited'], scopes: [] }) } });

  await emit(blockingStream(IDS.ipBlock), 'admin', { type: 'BlockingConditionAdded', data: { conditionId: IDS.ipBlock, type: 'IP', value: '10.0.0.7', enabled: true, invert: false } });
  await emit(blockingStream(IDS.ipBlock), 'admin', { type: 'BlockingConditionDisabled', data: { conditionId: IDS.ipBlock } });
  await emit(userStream('bob'), 'system', { type: 'UserLoginFailed', data: { username: 'bob', consecutiveFailures: 5 } });
  await emit(userStream('bob'), 'system', { type: 'UserLockedOut', data: { username: 'bob', lockedUntil: '2026-03-01T12:00:00.000Z' } });
  await emit(SIGNING_KEYS_STREAM, 'admin', {
    type: 'SigningKeyRotated',
    data: { kid: 'k2', alg: 'ES256', publicJwk: { kty: 'EC', crv: 'P-256', x: 'x2', y: 'y2' }, previousKid: 'k1', retiredKid: null },
  });
  await emit(appStream(IDS.aliceApp), 'alice', {
    type: 'ApiKeyIssued',
    data: { applicationId: IDS.aliceApp, jti: IDS.apiKeyJti, keyType: 'PRODUCTION', exp: 1_800_000_000, permittedIPs: ['10.0.0.0/8'], permittedReferers: [] },
  });
  await emit(appStream(IDS.aliceApp), 'alice', { type: 'ApiKeyRevoked', data: { applicationId: IDS.aliceApp, jti: IDS.apiKeyJti, exp: 1_800_000_000 } });
  await emit(tokenStream('jti-access-9'), 'alice', { type: 'TokenRevoked', data: { jti: 'jti-access-9', exp: 1_800_000_100, tokenType: 'access_token' } });
  await emit(appStream(IDS.aliceApp), 'alice', {
    type: 'ApplicationSecretRegenerated',
    data: { applicationId: IDS.aliceApp, keyType: 'PRODUCTION', consumerKey: IDS.aliceKey, secretHash: 'beef'.repeat(16) },
  });
}
