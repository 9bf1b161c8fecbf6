// API → OpenAPI 3.0 with WSO2's vendor extensions, shaped so that importing the result
// (domain/api/openapi.ts) gives the same definition back: the round trip of `gatehouse api`.
import type { AuthType, HttpVerb } from '../../domain/api/events.ts';
import type { ApiRecord } from '../../projections/catalog/view.ts';

type Json = Record<string, unknown>;

/** WSO2's display names for x-auth-type. */
const AUTH_TYPE_LABEL: Record<AuthType, string> = {
  APPLICATION_AND_APPLICATION_USER: 'Application & Application User',
  APPLICATION: 'Application',
  APPLICATION_USER: 'Application User',
  NONE: 'None',
};

const OAUTH_SCHEME = 'default';
const API_KEY_SCHEME = 'api_key';

const pathParams = (target: string): string[] => [...target.matchAll(/\{([^}]+)\}/g)].map((m) => m[1]!);

const statusOf = (verb: HttpVerb): string => (verb === 'POST' ? '201' : verb === 'DELETE' ? '204' : '200');

export function apiToOpenApi(api: ApiRecord): Json {
  const oauth = api.securitySchemes.includes('OAUTH2');
  const apiKey = api.securitySchemes.includes('API_KEY');
  const paths: Record<string, Json> = {};
  for (const op of api.operations) {
    const security: Json[] = [];
    if (op.authType !== 'NONE') {
      if (oauth || !apiKey) security.push({ [OAUTH_SCHEME]: [...op.scopes] });
      if (apiKey) security.push({ [API_KEY_SCHEME]: [] });
    }
    const params = pathParams(op.target);
    (paths[op.target] ??= {})[op.verb.toLowerCase()] = {
      ...(params.length ? { parameters: params.map((name) => ({ name, in: 'path', required: true, schema: { type: 'string' } })) } : {}),
      responses: { [statusOf(op.verb)]: { description: 'OK' } },
      security,
      'x-auth-type': AUTH_TYPE_LABEL[op.authType],
      'x-throttling-tier': op.throttlingPolicy ?? 'Unlimited',
    };
  }

  const scopes = Object.fromEntries(api.scopes.map((s) => [s.name, s.description ?? '']));
  const bindings = Object.fromEntries(api.scopes.map((s) => [s.name, s.roles.join(',')]));
  const securitySchemes: Json = {
    [OAUTH_SCHEME]: {
      type: 'oauth2',
      // WSO2 writes the bindings inside the flow; the scheme-level copy is what generic readers find.
      flows: { implicit: { authorizationUrl: 'https://test.com', scopes, 'x-scopes-bindings': bindings } },
      'x-scopes-bindings': bindings,
    },
    ...(apiKey ? { [API_KEY_SCHEME]: { type: 'apiKey', name: 'apikey', in: 'header' } } : {}),
  };

  const endpoint = (url: string | null) => (url ? { urls: [url], type: 'http' } : undefined);
  return {
    openapi: '3.0.3',
    info: { title: api.name, version: api.version, ...(api.description ? { description: api.description } : {}) },
    ...(api.tags.length ? { tags: api.tags.map((name) => ({ name })) } : {}),
    paths,
    components: { securitySchemes },
    'x-wso2-auth-header': 'Authorization',
    ...(apiKey ? { 'x-wso2-api-key-header': 'apikey' } : {}),
    ...(api.apiThrottlingPolicy ? { 'x-wso2-throttling-tier': api.apiThrottlingPolicy } : {}),
    'x-wso2-cors': {
      corsConfigurationEnabled: api.cors.enabled,
      accessControlAllowOrigins: api.cors.allowOrigins,
      accessControlAllowCredentials: api.cors.allowCredentials,
      accessControlAllowHeaders: api.cors.allowHeaders,
      accessControlAllowMethods: api.cors.allowMethods,
    },
    ...(endpoint(api.endpoints.production) ? { 'x-wso2-production-endpoints': endpoint(api.endpoints.production) } : {}),
    ...(endpoint(api.endpoints.sandbox) ? { 'x-wso2-sandbox-endpoints': endpoint(api.endpoints.sandbox) } : {}),
    'x-wso2-basePath': `${api.context}/${api.version}`,
    'x-wso2-transports': ['http', 'https'],
    'x-wso2-application-security': { 'security-types': api.securitySchemes.map((s) => s.toLowerCase()), optional: false },
    'x-wso2-response-cache': { enabled: false, cacheTimeoutInSeconds: 300 },
    'x-gatehouse': {
      provider: api.provider,
      lifecycleStatus: api.lifecycleStatus,
      subscriptionPolicies: api.subscriptionPolicies,
      backendJwt: api.backendJwt,
      visibility: api.visibility,
      isDefaultVersion: api.isDefaultVersion,
      ...(api.maxTps ? { maxTps: api.maxTps } : {}),
    },
  };
}
