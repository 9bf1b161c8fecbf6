// Every GraphQL operation the portals send, in one place (names match api/graphql/schema.graphql).

export const ME = /* GraphQL */ `query Me { me { username roles } }`;

export const CONFIG = /* GraphQL */ `query Config { config { gatewayUrl issuer tokenEndpoint version } }`;

const API_SUMMARY = `id name context version description provider lifecycleStatus isDefaultVersion tags updatedAt streamVersion position`;

export const API_FIELDS = `${API_SUMMARY}
  endpoints { production sandbox }
  operations { verb target authType scopes throttlingPolicy }
  scopes { name displayName description roles }
  subscriptionPolicies apiThrottlingPolicy securitySchemes backendJwt visibility visibleRoles createdAt
  cors { enabled allowOrigins allowCredentials allowHeaders allowMethods }
  maxTps { production sandbox }
  documents { id name type otherTypeName summary sourceType sourceUrl content visibility }
  lifecycleHistory { from to action actor at position }
  versions { id version lifecycleStatus isDefaultVersion }`;

export const APIS = /* GraphQL */ `query Apis($search: String, $status: LifecycleStatus, $first: Int) {
  apis(search: $search, status: $status, first: $first) { totalCount nodes { ${API_SUMMARY} } }
}`;

export const API = /* GraphQL */ `query Api($id: ID!, $atLeastPosition: String) { api(id: $id, atLeastPosition: $atLeastPosition) { ${API_FIELDS} } }`;

export const API_AT = /* GraphQL */ `query ApiAt($id: ID!, $position: String!) { apiAt(id: $id, position: $position) { ${API_FIELDS} } }`;

export const CREATE_API = /* GraphQL */ `mutation CreateApi($input: CreateApiInput!, $idempotencyKey: String) {
  createApi(input: $input, idempotencyKey: $idempotencyKey) { id position }
}`;

export const IMPORT_OPENAPI = /* GraphQL */ `mutation ImportOpenApi($definition: String!, $name: String, $context: String, $version: String, $endpoints: EndpointsInput, $publish: Boolean, $idempotencyKey: String) {
  importOpenApi(definition: $definition, name: $name, context: $context, version: $version, endpoints: $endpoints, publish: $publish, idempotencyKey: $idempotencyKey) { id position }
}`;

export const UPDATE_API = /* GraphQL */ `mutation UpdateApi($id: ID!, $input: UpdateApiInput!, $expectedStreamVersion: Int) {
  updateApi(id: $id, input: $input, expectedStreamVersion: $expectedStreamVersion) { ${API_FIELDS} }
}`;

export const CHANGE_LIFECYCLE = /* GraphQL */ `mutation ChangeLifecycle($apiId: ID!, $action: LifecycleAction!, $deprecateOldVersions: Boolean, $requireResubscription: Boolean, $expectedStreamVersion: Int) {
  changeLifecycle(apiId: $apiId, action: $action, deprecateOldVersions: $deprecateOldVersions, requireResubscription: $requireResubscription, expectedStreamVersion: $expectedStreamVersion) { ${API_FIELDS} }
}`;

export const CREATE_NEW_VERSION = /* GraphQL */ `mutation CreateNewVersion($apiId: ID!, $version: String!, $defaultVersion: Boolean) {
  createNewVersion(apiId: $apiId, version: $version, defaultVersion: $defaultVersion) { id position }
}`;

export const DELETE_API = /* GraphQL */ `mutation DeleteApi($id: ID!) { deleteApi(id: $id) { id position } }`;

const SUBSCRIPTION_FIELDS = `id applicationId apiId throttlingPolicy status createdAt streamVersion position
  api { id name version context lifecycleStatus } application { id name owner }`;

export const API_SUBSCRIPTIONS = /* GraphQL */ `query ApiSubscriptions($apiId: ID, $applicationId: ID, $atLeastPosition: String) {
  subscriptions(apiId: $apiId, applicationId: $applicationId, atLeastPosition: $atLeastPosition) { ${SUBSCRIPTION_FIELDS} }
}`;

export const BLOCK_SUBSCRIPTION = /* GraphQL */ `mutation Block($id: ID!, $productionOnly: Boolean) { blockSubscription(id: $id, productionOnly: $productionOnly) { id status position } }`;
export const UNBLOCK_SUBSCRIPTION = /* GraphQL */ `mutation Unblock($id: ID!) { unblockSubscription(id: $id) { id status position } }`;
export const SUBSCRIBE = /* GraphQL */ `mutation Subscribe($applicationId: ID!, $apiId: ID!, $throttlingPolicy: String!) {
  subscribe(applicationId: $applicationId, apiId: $apiId, throttlingPolicy: $throttlingPolicy) { ${SUBSCRIPTION_FIELDS} }
}`;
export const UNSUBSCRIBE = /* GraphQL */ `mutation Unsubscribe($id: ID!) { unsubscribe(id: $id) { id position } }`;
export const CHANGE_SUBSCRIPTION_TIER = /* GraphQL */ `mutation ChangeTier($id: ID!, $throttlingPolicy: String!) { changeSubscriptionTier(id: $id, throttlingPolicy: $throttlingPolicy) { id throttlingPolicy status position } }`;

const APP_FIELDS = `id name owner throttlingPolicy description status subscriptionCount createdAt streamVersion position
  keys { keyType consumerKey grantTypes tokenValiditySeconds secretIssuedAt }
  apiKeys { jti keyType issuedAt expiresAt permittedIPs permittedReferers revoked }`;

export const APPLICATIONS = /* GraphQL */ `query Applications($atLeastPosition: String) { applications(atLeastPosition: $atLeastPosition) { ${APP_FIELDS} } }`;
export const APPLICATION = /* GraphQL */ `query Application($id: ID!, $atLeastPosition: String) {
  application(id: $id, atLeastPosition: $atLeastPosition) { ${APP_FIELDS} subscriptions { ${SUBSCRIPTION_FIELDS} } }
}`;
export const CREATE_APPLICATION = /* GraphQL */ `mutation CreateApplication($input: CreateApplicationInput!) { createApplication(input: $input) { id position } }`;
export const UPDATE_APPLICATION = /* GraphQL */ `mutation UpdateApplication($id: ID!, $input: UpdateApplicationInput!) { updateApplication(id: $id, input: $input) { id position } }`;
export const DELETE_APPLICATION = /* GraphQL */ `mutation DeleteApplication($id: ID!) { deleteApplication(id: $id) { id position } }`;
export const GENERATE_KEYS = /* GraphQL */ `mutation GenerateKeys($applicationId: ID!, $keyType: KeyType!, $grantTypes: [String!]) {
  generateKeys(applicationId: $applicationId, keyType: $keyType, grantTypes: $grantTypes) { keyType consumerKey consumerSecret grantTypes position }
}`;
export const REGENERATE_SECRET = /* GraphQL */ `mutation RegenerateSecret($applicationId: ID!, $keyType: KeyType!) {
  regenerateSecret(applicationId: $applicationId, keyType: $keyType) { keyType consumerKey consumerSecret grantTypes position }
}`;
export const GENERATE_API_KEY = /* GraphQL */ `mutation GenerateApiKey($applicationId: ID!, $keyType: KeyType!, $validitySeconds: Int, $permittedIPs: [String!], $permittedReferers: [String!]) {
  generateApiKey(applicationId: $applicationId, keyType: $keyType, validitySeconds: $validitySeconds, permittedIPs: $permittedIPs, permittedReferers: $permittedReferers) { apiKey jti keyType expiresAt position }
}`;
export const REVOKE_API_KEY = /* GraphQL */ `mutation RevokeApiKey($applicationId: ID!, $jti: String) { revokeApiKey(applicationId: $applicationId, jti: $jti) { id position } }`;

const POLICY_FIELDS = `id level name displayName description limitType requestCount dataAmount dataUnit unitTime timeUnit burstLimit burstTimeUnit stopOnQuotaReach streamVersion`;
export const POLICIES = /* GraphQL */ `query Policies($level: PolicyLevel, $atLeastPosition: String) { throttlingPolicies(level: $level, atLeastPosition: $atLeastPosition) { ${POLICY_FIELDS} } }`;
export const CREATE_POLICY = /* GraphQL */ `mutation CreatePolicy($input: ThrottlingPolicyInput!) { createThrottlingPolicy(input: $input) { ${POLICY_FIELDS} position } }`;
export const UPDATE_POLICY = /* GraphQL */ `mutation UpdatePolicy($input: ThrottlingPolicyInput!, $expectedStreamVersion: Int) { updateThrottlingPolicy(input: $input, expectedStreamVersion: $expectedStreamVersion) { ${POLICY_FIELDS} position } }`;
export const DELETE_POLICY = /* GraphQL */ `mutation DeletePolicy($level: PolicyLevel!, $name: String!) { deleteThrottlingPolicy(level: $level, name: $name) { id position } }`;

const BLOCKING_FIELDS = `id type value enabled invert createdBy createdAt streamVersion position`;
export const BLOCKING_CONDITIONS = /* GraphQL */ `query Blocking($atLeastPosition: String) { blockingConditions(atLeastPosition: $atLeastPosition) { ${BLOCKING_FIELDS} } }`;
export const ADD_BLOCKING = /* GraphQL */ `mutation AddBlocking($type: BlockingType!, $value: String!, $invert: Boolean) { addBlockingCondition(type: $type, value: $value, invert: $invert) { ${BLOCKING_FIELDS} } }`;
export const SET_BLOCKING_ENABLED = /* GraphQL */ `mutation SetBlocking($id: ID!, $enabled: Boolean!) { setBlockingConditionEnabled(id: $id, enabled: $enabled) { ${BLOCKING_FIELDS} } }`;
export const REMOVE_BLOCKING = /* GraphQL */ `mutation RemoveBlocking($id: ID!) { removeBlockingCondition(id: $id) { id position } }`;

const USER_FIELDS = `username roles locked lockedUntil createdAt streamVersion position`;
export const USERS = /* GraphQL */ `query Users($atLeastPosition: String) { users(atLeastPosition: $atLeastPosition) { ${USER_FIELDS} } }`;
export const GRANT_ROLE = /* GraphQL */ `mutation GrantRole($username: String!, $role: String!) { grantRole(username: $username, role: $role) { ${USER_FIELDS} } }`;
export const REVOKE_ROLE = /* GraphQL */ `mutation RevokeRole($username: String!, $role: String!) { revokeRole(username: $username, role: $role) { ${USER_FIELDS} } }`;
export const SIGN_UP = /* GraphQL */ `mutation SignUp($username: String!, $password: String!) { signUp(username: $username, password: $password) { username roles } }`;

const KEY_FIELDS = `kid alg status createdAt publicJwk position`;
export const SIGNING_KEYS = /* GraphQL */ `query SigningKeys($atLeastPosition: String) { signingKeys(atLeastPosition: $atLeastPosition) { ${KEY_FIELDS} } }`;
export const ROTATE_SIGNING_KEY = /* GraphQL */ `mutation Rotate { rotateSigningKey { ${KEY_FIELDS} } }`;

const EVENT_FIELDS = `position streamId streamVersion type data metadata { eventId actor correlationId recordedAt schemaVersion idempotencyKey }`;
export const EVENTS = /* GraphQL */ `query Events($streamId: String, $types: [String!], $actor: String, $fromPosition: String, $limit: Int) {
  events(streamId: $streamId, types: $types, actor: $actor, fromPosition: $fromPosition, limit: $limit) { ${EVENT_FIELDS} }
}`;
export const EVENTS_LIVE = /* GraphQL */ `subscription LiveEvents($filter: EventFilter) { events(filter: $filter) { ${EVENT_FIELDS} } }`;
export const HEAD_POSITION = /* GraphQL */ `query Head { headPosition viewPosition }`;
