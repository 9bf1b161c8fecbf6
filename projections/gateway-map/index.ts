// The gateway map: a pure projection of the log into what the gateway needs per request.
export { gatewayMapProjection, serializeGatewayMap, deserializeGatewayMap, GATEWAY_MAP_PROJECTION } from './projection.ts';
export { applyToGatewayMap } from './apply.ts';
export { findApi, findResource, resourcesOf, verbsMatching, subscriptionOf, policyOf, isRevoked, isDeployed } from './query.ts';
export type { PrefixOut } from './query.ts';
export { compileTemplate, matchesAt, normaliseTemplate } from './uri-template.ts';
export type { CompiledTemplate } from './uri-template.ts';
export * from './view.ts';
