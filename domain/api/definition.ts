// Validation and normalisation of an API's definition (WSO2 §2): what createApi, updateApi,
// importOpenApi and createNewVersion all go through, so every stored API is well formed.
import { fail, optionalText, requireHttpUrl, requireInt, requireOneOf, requireText, unique } from '../validate.ts';
import type {
  ApiDefinition,
  ApiDocument,
  ApiScope,
  AuthType,
  Cors,
  DocumentSourceType,
  DocumentType,
  DocumentVisibility,
  Endpoints,
  HttpVerb,
  MaxTps,
  Operation,
  SecurityScheme,
  Visibility,
} from './events.ts';

export const HTTP_VERBS: readonly HttpVerb[] = ['GET', 'POST', 'PUT', 'PATCH', 'DELETE', 'HEAD', 'OPTIONS'];
export const AUTH_TYPES: readonly AuthType[] = ['APPLICATION_AND_APPLICATION_USER', 'APPLICATION', 'APPLICATION_USER', 'NONE'];
export const SECURITY_SCHEMES: readonly SecurityScheme[] = ['OAUTH2', 'API_KEY'];
export const VISIBILITIES: readonly Visibility[] = ['PUBLIC', 'PRIVATE', 'RESTRICTED'];
const DOCUMENT_TYPES: readonly DocumentType[] = ['HOWTO', 'SAMPLES', 'PUBLIC_FORUM', 'SUPPORT_FORUM', 'API_MESSAGE_FORMAT', 'SWAGGER_DOC', 'OTHER'];
const DOCUMENT_SOURCES: readonly DocumentSourceType[] = ['INLINE', 'MARKDOWN', 'URL'];
const DOCUMENT_VISIBILITIES: readonly DocumentVisibility[] = ['API_LEVEL', 'PRIVATE', 'OWNER_ONLY'];

/** WSO2's corsConfiguration defaults (§2.1). */
export const DEFAULT_CORS: Cors = {
  enabled: false,
  allowOrigins: ['*'],
  allowCredentials: false,
  allowHeaders: ['authorization', 'Access-Control-Allow-Origin', 'Content-Type', 'SOAPAction', 'apikey', 'Internal-Key'],
  allowMethods: ['GET', 'PUT', 'POST', 'DELETE', 'PATCH', 'OPTIONS'],
};

/** WSO2 creates these when an API is defined without resources. */
const DEFAULT_OPERATION_VERBS: readonly HttpVerb[] = ['GET', 'PUT', 'POST', 'DELETE', 'PATCH'];

export const DEFAULT_DEFINITION: ApiDefinition = {
  description: null,
  endpoints: { production: null, sandbox: null },
  operations: [],
  subscriptionPolicies: ['Unlimited'],
  apiThrottlingPolicy: null,
  securitySchemes: ['OAUTH2'],
  scopes: [],
  backendJwt: false,
  cors: DEFAULT_CORS,
  tags: [],
  visibility: 'PUBLIC',
  visibleRoles: [],
};

/** Tiers that exist when the command is decided (the service reads them from the catalog). */
export interface KnownTiers {
  subscription: readonly string[];
  advanced: readonly string[];
}

export interface OperationInput {
  verb: string;
  target: string;
  authType?: string | null;
  scopes?: readonly string[] | null;
  throttlingPolicy?: string | null;
}

export interface ScopeInput {
  name: string;
  displayName?: string | null;
  description?: string | null;
  roles?: readonly string[] | null;
}

export interface CorsInput {
  enabled?: boolean | null;
  allowOrigins?: readonly string[] | null;
  allowCredentials?: boolean | null;
  allowHeaders?: readonly string[] | null;
  allowMethods?: readonly string[] | null;
}

/** GraphQL-shaped input: omitted (undefined) keeps the base value; null clears a nullable field. */
export interface ApiDefinitionInput {
  description?: string | null;
  endpoints?: { production?: string | null; sandbox?: string | null } | null;
  operations?: readonly OperationInput[] | null;
  subscriptionPolicies?: readonly string[] | null;
  apiThrottlingPolicy?: string | null;
  securitySchemes?: readonly string[] | null;
  scopes?: readonly ScopeInput[] | null;
  backendJwt?: boolean | null;
  cors?: CorsInput | null;
  tags?: readonly string[] | null;
  visibility?: string | null;
  visibleRoles?: readonly string[] | null;
  /** Omitted keeps the base; null (or both key types null) removes the hard limit. */
  maxTps?: { production?: number | null; sandbox?: number | null } | null;
}

export interface DocumentInput {
  /** Id the document will have (the service assigns one to new documents). */
  documentId: string;
  /** true when the client gave no id: a new document. */
  isNew: boolean;
  name: string;
  type: string;
  otherTypeName?: string | null;
  summary?: string | null;
  sourceType: string;
  sourceUrl?: string | null;
  content?: string | null;
  visibility?: string | null;
}

const NAME_FORBIDDEN = /[~!@#;:%^*()+={}|\\<>"',&$[\]/]/;
const CONTEXT = /^\/[A-Za-z0-9_~.-]+(\/[A-Za-z0-9_~.-]+)*$/;
const VERSION = /^[A-Za-z0-9_.-]{1,30}$/;
const SEGMENT = /^(?:[A-Za-z0-9._~!$&'()+,;=:@-]|%[0-9A-Fa-f]{2}|\{[A-Za-z_][A-Za-z0-9_.-]*\})+$/;
const SCOPE_NAME = /^[A-Za-z0-9_:.-]{1,100}$/;

export function validateApiName(name: string): string {
  const n = requireText('name', name, 60);
  if (NAME_FORBIDDEN.test(n)) fail('name', 'must not contain any of ~!@#;:%^*()+={}|\\<>"\',&$[]/');
  return n;
}

/** `/pizzashack` or `/shop/orders`: leading slash, no trailing slash, URL-safe segments. */
export function validateContext(context: string): string {
  const c = (context ?? '').trim();
  if (c.length > 200 || !CONTEXT.test(c) || c.split('/').some((s) => s === '.' || s === '..')) {
    fail('context', `"${context}" is not a valid context (e.g. /pizzashack: leading slash, letters, digits, _ ~ . -)`);
  }
  return c;
}

export function validateVersion(version: string): string {
  const v = (version ?? '').trim();
  if (!VERSION.test(v) || v === '.' || v === '..') fail('version', `"${version}" is not a valid version (letters, digits, _ . -; up to 30)`);
  return v;
}

/** A URI template: `/`, `/orders/{orderId}`, `/files/*` (a `*` only as the last segment). */
export function validateUriTemplate(target: string): string {
  const t = (target ?? '').trim();
  if (t === '/' || t === '/*') return t;
  if (!t.startsWith('/') || t.length > 500) fail('operations.target', `"${target}" must start with /`);
  const segments = t.slice(1).split('/');
  segments.forEach((s, i) => {
    if (s === '*' && i === segments.length - 1) return;
    if (!SEGMENT.test(s)) fail('operations.target', `"${target}" is not a valid URI template`);
  });
  return t;
}

function endpointsOf(input: ApiDefinitionInput['endpoints'], base: Endpoints): Endpoints {
  if (input === undefined || input === null) return base;
  const pick = (key: 'production' | 'sandbox'): string | null => {
    const v = input[key];
    if (v === undefined) return base[key];
    if (v === null || v.trim() === '') return null;
    return requireHttpUrl(`endpoints.${key}`, v.trim());
  };
  return { production: pick('production'), sandbox: pick('sandbox') };
}

/** Highest backend hard limit accepted (requests per second, per key type). */
export const MAX_TPS_LIMIT = 1_000_000;

function maxTpsOf(input: ApiDefinitionInput['maxTps'], base: MaxTps | undefined): MaxTps | undefined {
  if (input === undefined) return base;
  if (input === null) return undefined;
  const pick = (key: keyof MaxTps): number | null => {
    const v = input[key];
    if (v === undefined) return base?.[key] ?? null;
    if (v === null) return null;
    return requireInt(`maxTps.${key}`, v, 1, MAX_TPS_LIMIT);
  };
  const maxTps = { production: pick('production'), sandbox: pick('sandbox') };
  return maxTps.production === null && maxTps.sandbox === null ? undefined : maxTps;
}

function scopesOf(input: readonly ScopeInput[]): ApiScope[] {
  const scopes = input.map((s) => {
    const name = (s.name ?? '').trim();
    if (!SCOPE_NAME.test(name)) fail('scopes.name', `"${s.name}" is not a valid scope name`);
    return {
      name,
      displayName: optionalText('scopes.displayName', s.displayName, 100),
      description: optionalText('scopes.description', s.description, 1000),
      roles: unique((s.roles ?? []).map((r) => requireText('scopes.roles', r, 100))),
    };
  });
  if (unique(scopes.map((s) => s.name)).length !== scopes.length) fail('scopes', 'scope names must be unique');
  return scopes;
}

function operationsOf(input: readonly OperationInput[]): Operation[] {
  const ops = input.length === 0
    ? DEFAULT_OPERATION_VERBS.map((verb) => ({ verb, target: '/*' }))
    : input;
  const operations = ops.map((o) => ({
    verb: requireOneOf('operations.verb', String(o.verb ?? '').toUpperCase(), HTTP_VERBS),
    target: validateUriTemplate(o.target),
    authType: requireOneOf('operations.authType', ('authType' in o && o.authType) || 'APPLICATION_AND_APPLICATION_USER', AUTH_TYPES),
    scopes: unique(('scopes' in o && o.scopes) || []),
    throttlingPolicy: ('throttlingPolicy' in o && o.throttlingPolicy) || null,
  }));
  const keys = operations.map((o) => `${o.verb} ${o.target}`);
  const dup = keys.find((k, i) => keys.indexOf(k) !== i);
  if (dup) fail('operations', `duplicate operation ${dup}`);
  return operations;
}

function corsOf(input: CorsInput, base: Cors): Cors {
  return {
    enabled: input.enabled ?? base.enabled,
    allowOrigins: input.allowOrigins ? unique(input.allowOrigins.map((o) => requireText('cors.allowOrigins', o, 500))) : base.allowOrigins,
    allowCredentials: input.allowCredentials ?? base.allowCredentials,
    allowHeaders: input.allowHeaders ? unique(input.allowHeaders.map((h) => requireText('cors.allowHeaders', h, 200))) : base.allowHeaders,
    allowMethods: input.allowMethods
      ? unique(input.allowMethods.map((m) => requireOneOf('cors.allowMethods', m.toUpperCase(), HTTP_VERBS)))
      : base.allowMethods,
  };
}

/**
 * Applies `input` over `base` and checks the result. Tiers are checked against `known` only
 * where the input names them, so a later policy deletion does not block unrelated edits.
 */
export function applyDefinition(base: ApiDefinition, input: ApiDefinitionInput, known: KnownTiers): ApiDefinition {
  const def: ApiDefinition = {
    description: input.description === undefined ? base.description : optionalText('description', input.description, 10_000),
    endpoints: endpointsOf(input.endpoints, base.endpoints),
    operations: input.operations ? operationsOf(input.operations) : base.operations.length ? base.operations : operationsOf([]),
    subscriptionPolicies: input.subscriptionPolicies ? unique(input.subscriptionPolicies) : base.subscriptionPolicies,
    apiThrottlingPolicy: input.apiThrottlingPolicy === undefined ? base.apiThrottlingPolicy : input.apiThrottlingPolicy || null,
    securitySchemes: input.securitySchemes
      ? unique(input.securitySchemes.map((s) => requireOneOf('securitySchemes', s.toUpperCase(), SECURITY_SCHEMES)))
      : base.securitySchemes,
    scopes: input.scopes ? scopesOf(input.scopes) : base.scopes,
    backendJwt: input.backendJwt ?? base.backendJwt,
    cors: input.cors ? corsOf(input.cors, base.cors) : base.cors,
    tags: input.tags ? unique(input.tags.map((t) => requireText('tags', t, 30))) : base.tags,
    visibility: input.visibility ? requireOneOf('visibility', input.visibility, VISIBILITIES) : base.visibility,
    visibleRoles: input.visibleRoles ? unique(input.visibleRoles.map((r) => requireText('visibleRoles', r, 100))) : base.visibleRoles,
  };
  // Last, and only when set: definitions without a limit keep the shape they always had.
  const maxTps = maxTpsOf(input.maxTps, base.maxTps);
  if (maxTps !== undefined) def.maxTps = maxTps;

  if (def.subscriptionPolicies.length === 0) fail('subscriptionPolicies', 'at least one subscription tier must be offered');
  if (def.securitySchemes.length === 0) fail('securitySchemes', 'at least one security scheme is required');
  if (def.visibility === 'RESTRICTED' && def.visibleRoles.length === 0) fail('visibleRoles', 'RESTRICTED visibility needs at least one role');
  const declared = new Set(def.scopes.map((s) => s.name));
  for (const op of def.operations) {
    const undeclared = op.scopes.find((s) => !declared.has(s));
    if (undeclared) fail('operations.scopes', `scope "${undeclared}" of ${op.verb} ${op.target} is not declared in scopes`);
  }

  const unknownTier = (field: string, tier: string, list: readonly string[]) => {
    if (!list.includes(tier)) fail(field, `unknown tier "${tier}"`);
  };
  if (input.subscriptionPolicies) def.subscriptionPolicies.forEach((t) => unknownTier('subscriptionPolicies', t, known.subscription));
  if (input.apiThrottlingPolicy) unknownTier('apiThrottlingPolicy', input.apiThrottlingPolicy, known.advanced);
  if (input.operations) {
    for (const op of def.operations) if (op.throttlingPolicy) unknownTier('operations.throttlingPolicy', op.throttlingPolicy, known.advanced);
  }
  return def;
}

export function validateDocuments(input: readonly DocumentInput[]): ApiDocument[] {
  const docs = input.map((d) => {
    const type = requireOneOf('documents.type', d.type, DOCUMENT_TYPES);
    const sourceType = d.sourceType === 'FILE'
      ? fail('documents.sourceType', 'FILE documents are not supported; use INLINE, MARKDOWN or URL')
      : requireOneOf('documents.sourceType', d.sourceType, DOCUMENT_SOURCES);
    const doc: ApiDocument = {
      documentId: d.documentId,
      name: requireText('documents.name', d.name, 60),
      type,
      otherTypeName: type === 'OTHER' ? requireText('documents.otherTypeName', d.otherTypeName, 60) : null,
      summary: optionalText('documents.summary', d.summary, 1000),
      sourceType,
      sourceUrl: sourceType === 'URL' ? requireHttpUrl('documents.sourceUrl', d.sourceUrl ?? '') : null,
      content: sourceType === 'URL' ? null : optionalText('documents.content', d.content, 200_000),
      visibility: d.visibility ? requireOneOf('documents.visibility', d.visibility, DOCUMENT_VISIBILITIES) : 'API_LEVEL',
    };
    return doc;
  });
  const names = docs.map((d) => d.name.toLowerCase());
  if (unique(names).length !== names.length) fail('documents.name', 'document names must be unique within an API');
  return docs;
}

/** The GraphQL DocumentInput: without id a new document, with id a replacement. */
export interface DocumentArg {
  id?: string | null;
  name: string;
  type: string;
  otherTypeName?: string | null;
  summary?: string | null;
  sourceType: string;
  sourceUrl?: string | null;
  content?: string | null;
  visibility?: string | null;
}

/** The GraphQL CreateApiInput. */
export interface CreateApiInput extends ApiDefinitionInput {
  name: string;
  context: string;
  version: string;
  isDefaultVersion?: boolean | null;
  documents?: readonly DocumentArg[] | null;
}

/** The GraphQL UpdateApiInput: every field optional; lists replace whole lists. */
export interface UpdateApiInput extends ApiDefinitionInput {
  name?: string | null;
  isDefaultVersion?: boolean | null;
  documents?: readonly DocumentArg[] | null;
}
