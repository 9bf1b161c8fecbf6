// OpenAPI 3.0/3.1 (and Swagger 2.0) → CreateApiInput: a pure conversion of an already parsed
// and validated document, honouring WSO2's vendor extensions (reference §2.2):
// x-wso2-basePath, x-wso2-production-endpoints / x-wso2-sandbox-endpoints, x-auth-type,
// x-throttling-tier / x-wso2-throttling-tier, x-wso2-cors, scopes from security requirements
// (roles from x-scopes-bindings or x-wso2-security.apim.x-wso2-scopes).
import { fail } from '../validate.ts';
import type { ApiDefinitionInput, CorsInput, CreateApiInput, OperationInput, ScopeInput } from './definition.ts';
import { HTTP_VERBS } from './definition.ts';
import type { AuthType, SecurityScheme } from './events.ts';

type Json = Record<string, unknown>;

const isObject = (x: unknown): x is Json => typeof x === 'object' && x !== null && !Array.isArray(x);
const str = (x: unknown): string | undefined => (typeof x === 'string' && x.trim() !== '' ? x.trim() : undefined);
const obj = (x: unknown): Json => (isObject(x) ? x : {});
/** The backend hard limit from `x-gatehouse.maxTps` (Gatehouse's own export); values are validated with the definition. */
function maxTpsOf(value: unknown): { maxTps: { production: number | null; sandbox: number | null } } | undefined {
  if (!isObject(value)) return undefined;
  const limit = (x: unknown) => (x === undefined || x === null ? null : (x as number));
  return { maxTps: { production: limit(value.production), sandbox: limit(value.sandbox) } };
}

const strings = (x: unknown): string[] =>
  Array.isArray(x) ? x.flatMap((v) => (typeof v === 'string' ? [v] : [])) : typeof x === 'string' ? x.split(',').map((s) => s.trim()).filter(Boolean) : [];

export interface OpenApiOverrides {
  name?: string | null;
  context?: string | null;
  version?: string | null;
  endpoints?: { production?: string | null; sandbox?: string | null } | null;
}

const AUTH_TYPE_NAMES: Record<string, AuthType> = {
  'application & application user': 'APPLICATION_AND_APPLICATION_USER',
  'application and application user': 'APPLICATION_AND_APPLICATION_USER',
  any: 'APPLICATION_AND_APPLICATION_USER',
  application: 'APPLICATION',
  'application user': 'APPLICATION_USER',
  application_user: 'APPLICATION_USER',
  application_and_application_user: 'APPLICATION_AND_APPLICATION_USER',
  none: 'NONE',
};

function authTypeOf(value: unknown): AuthType | undefined {
  const v = str(value);
  if (!v) return undefined;
  return AUTH_TYPE_NAMES[v.toLowerCase()] ?? fail('x-auth-type', `"${v}" is not one of Application & Application User, Application, Application User, None`);
}

/** x-wso2-*-endpoints: a URL, a list of URLs, or { urls: [...] }: the first URL is used. */
function endpointOf(value: unknown): string | undefined {
  if (typeof value === 'string') return str(value);
  if (Array.isArray(value)) return str(value[0]);
  if (isObject(value)) return str(strings(value.urls)[0]);
  return undefined;
}

const isHttpUrl = (u: string | undefined): u is string => !!u && /^https?:\/\//i.test(u);

function serverUrl(doc: Json): string | undefined {
  if (str(doc.swagger)) {
    const host = str(doc.host);
    if (!host) return undefined;
    const scheme = strings(doc.schemes).find((s) => s === 'https') ?? strings(doc.schemes)[0] ?? 'https';
    return `${scheme}://${host}${str(doc.basePath) ?? ''}`;
  }
  const first = Array.isArray(doc.servers) ? obj(doc.servers[0]) : {};
  const url = str(first.url);
  return isHttpUrl(url) ? url : undefined;
}

const slug = (s: string) => s.toLowerCase().replace(/[^a-z0-9]+/g, '-').replace(/^-+|-+$/g, '') || 'api';

function contextOf(doc: Json, name: string, version: string): string {
  const basePath = str(doc['x-wso2-basePath']);
  if (basePath) {
    const trimmed = basePath.replace(/\/+$/, '');
    return trimmed.endsWith(`/${version}`) ? trimmed.slice(0, -version.length - 1) || '/' : trimmed;
  }
  return `/${slug(name)}`;
}

/** Security scheme definitions by name: OAS 3 components.securitySchemes or Swagger securityDefinitions. */
const schemesOf = (doc: Json): Json => obj(str(doc.swagger) ? doc.securityDefinitions : obj(doc.components).securitySchemes);

function declaredScopes(doc: Json, schemes: Json): ScopeInput[] {
  const bindings = obj(doc['x-scopes-bindings']);
  const out = new Map<string, ScopeInput>();
  for (const scheme of Object.values(schemes).filter(isObject)) {
    const bags = [obj(scheme.scopes), ...Object.values(obj(scheme.flows)).map((f) => obj(obj(f).scopes))];
    for (const bag of bags) {
      for (const [name, description] of Object.entries(bag)) {
        out.set(name, { name, description: str(description) ?? null, roles: strings(obj(scheme['x-scopes-bindings'])[name] ?? bindings[name]) });
      }
    }
  }
  const wso2 = obj(obj(doc['x-wso2-security']).apim)['x-wso2-scopes'];
  for (const s of Array.isArray(wso2) ? wso2.filter(isObject) : []) {
    const name = str(s.key) ?? str(s.name);
    if (name) out.set(name, { name, displayName: str(s.name) ?? null, description: str(s.description) ?? null, roles: strings(s.roles) });
  }
  return [...out.values()];
}

/** Scopes and scheme kinds an operation's security requirements name. */
function securityOf(requirements: unknown, schemes: Json): { scopes: string[]; kinds: SecurityScheme[]; none: boolean } {
  if (!Array.isArray(requirements)) return { scopes: [], kinds: [], none: false };
  const scopes = new Set<string>();
  const kinds = new Set<SecurityScheme>();
  for (const req of requirements.filter(isObject)) {
    for (const [schemeName, list] of Object.entries(req)) {
      const type = str(obj(schemes[schemeName]).type);
      if (type === 'apiKey') kinds.add('API_KEY');
      if (type === 'oauth2' || type === 'openIdConnect') kinds.add('OAUTH2');
      strings(list).forEach((s) => scopes.add(s));
    }
  }
  const none = requirements.length === 0 || requirements.every((r) => isObject(r) && Object.keys(r).length === 0);
  return { scopes: [...scopes], kinds: [...kinds], none };
}

function corsOf(value: unknown): CorsInput | undefined {
  if (!isObject(value)) return undefined;
  return {
    enabled: typeof value.corsConfigurationEnabled === 'boolean' ? value.corsConfigurationEnabled : true,
    allowOrigins: strings(value.accessControlAllowOrigins).length ? strings(value.accessControlAllowOrigins) : null,
    allowCredentials: typeof value.accessControlAllowCredentials === 'boolean' ? value.accessControlAllowCredentials : null,
    allowHeaders: strings(value.accessControlAllowHeaders).length ? strings(value.accessControlAllowHeaders) : null,
    allowMethods: strings(value.accessControlAllowMethods).length ? strings(value.accessControlAllowMethods) : null,
  };
}

export function openApiToCreateApi(document: unknown, overrides: OpenApiOverrides = {}): CreateApiInput {
  const doc = obj(document);
  if (!str(doc.openapi) && !str(doc.swagger)) fail('definition', 'is neither an OpenAPI 3 nor a Swagger 2.0 document');
  const info = obj(doc.info);
  const name = str(overrides.name) ?? str(info.title) ?? fail('name', 'the document has no info.title; give a name');
  const version = str(overrides.version) ?? str(info.version) ?? fail('version', 'the document has no info.version; give a version');
  const schemes = schemesOf(doc);
  const rootSecurity = doc.security;

  const operations: OperationInput[] = [];
  const used = new Set<string>();
  const kinds = new Set<SecurityScheme>();
  for (const [path, item] of Object.entries(obj(doc.paths))) {
    const pathItem = obj(item);
    for (const verb of HTTP_VERBS) {
      const op = pathItem[verb.toLowerCase()];
      if (!isObject(op)) continue;
      const security = securityOf(op.security ?? rootSecurity, schemes);
      const xScope = str(op['x-scope']);
      const scopes = xScope ? [...new Set([...security.scopes, xScope])] : security.scopes;
      scopes.forEach((s) => used.add(s));
      security.kinds.forEach((k) => kinds.add(k));
      operations.push({
        verb,
        target: path,
        authType: authTypeOf(op['x-auth-type'] ?? pathItem['x-auth-type']) ?? (security.none ? 'NONE' : 'APPLICATION_AND_APPLICATION_USER'),
        scopes,
        throttlingPolicy: str(op['x-throttling-tier']) ?? str(op['x-wso2-throttling-tier']) ?? null,
      });
    }
  }
  if (operations.length === 0) fail('definition', 'the document defines no operations (paths)');

  const declared = declaredScopes(doc, schemes);
  const scopes = [...declared, ...[...used].filter((s) => !declared.some((d) => d.name === s)).map((name) => ({ name, roles: [] }))];
  const definition: ApiDefinitionInput = {
    description: str(info.description) ?? null,
    endpoints: overrides.endpoints ?? {
      production: endpointOf(doc['x-wso2-production-endpoints']) ?? serverUrl(doc) ?? null,
      sandbox: endpointOf(doc['x-wso2-sandbox-endpoints']) ?? null,
    },
    operations,
    scopes,
    securitySchemes: kinds.size ? [...kinds] : ['OAUTH2'],
    apiThrottlingPolicy: str(doc['x-wso2-throttling-tier']) ?? str(doc['x-throttling-tier']) ?? null,
    ...(corsOf(doc['x-wso2-cors']) ? { cors: corsOf(doc['x-wso2-cors']) } : {}),
    ...(maxTpsOf(obj(doc['x-gatehouse']).maxTps) ?? {}),
  };
  return { name, version, context: str(overrides.context) ?? contextOf(doc, name, version), ...definition };
}
