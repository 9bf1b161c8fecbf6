// Events of the API aggregate (`api-<uuid>`) and of the API-name index (`api-versions-<name>`).
// Payloads carry everything the gateway map and the catalog need, so no projection has to
// look anything up. ApiCreated is at schemaVersion 2 (see upcasters.ts for v1 → v2).

export type HttpVerb = 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE' | 'HEAD' | 'OPTIONS';
export type AuthType = 'APPLICATION_AND_APPLICATION_USER' | 'APPLICATION' | 'APPLICATION_USER' | 'NONE';
export type SecurityScheme = 'OAUTH2' | 'API_KEY';
export type LifecycleStatus = 'CREATED' | 'PROTOTYPED' | 'PUBLISHED' | 'BLOCKED' | 'DEPRECATED' | 'RETIRED';
export type LifecycleAction =
  | 'PUBLISH'
  | 'DEPLOY_AS_PROTOTYPE'
  | 'DEMOTE_TO_CREATED'
  | 'BLOCK'
  | 'REPUBLISH'
  | 'DEPRECATE'
  | 'RETIRE';
export type Visibility = 'PUBLIC' | 'PRIVATE' | 'RESTRICTED';

export interface Endpoints {
  production: string | null; // absolute http(s) URL
  sandbox: string | null;
}

export interface Operation {
  verb: HttpVerb;
  target: string; // URI template, e.g. /orders/{orderId}
  authType: AuthType;
  scopes: string[];
  throttlingPolicy: string | null; // resource-level advanced policy (ignored when apiThrottlingPolicy is set)
}

export interface ApiScope {
  name: string;
  displayName: string | null;
  description: string | null;
  roles: string[];
}

export interface Cors {
  enabled: boolean;
  allowOrigins: string[];
  allowCredentials: boolean;
  allowHeaders: string[];
  allowMethods: string[];
}

/**
 * Backend hard limit (WSO2 `maxTps`, reference §4.1): requests per second the backend takes,
 * per key type, counted on each gateway node; null = no limit for that key type.
 */
export interface MaxTps {
  production: number | null;
  sandbox: number | null;
}

/** What an update may change: everything but id, name, context, version and provider (WSO2). */
export interface ApiDefinition {
  description: string | null;
  endpoints: Endpoints;
  operations: Operation[];
  subscriptionPolicies: string[]; // subscription tiers offered
  apiThrottlingPolicy: string | null; // API-level advanced policy
  securitySchemes: SecurityScheme[];
  scopes: ApiScope[];
  backendJwt: boolean;
  cors: Cors;
  tags: string[];
  visibility: Visibility;
  visibleRoles: string[]; // when visibility = RESTRICTED
  /**
   * Present only when a key type has a limit: absent = no backend hard limit, as in every
   * event recorded before maxTps existed (so those replay unchanged, no upcaster needed).
   */
  maxTps?: MaxTps;
}

export type DocumentType = 'HOWTO' | 'SAMPLES' | 'PUBLIC_FORUM' | 'SUPPORT_FORUM' | 'API_MESSAGE_FORMAT' | 'SWAGGER_DOC' | 'OTHER';
export type DocumentSourceType = 'INLINE' | 'MARKDOWN' | 'URL';
export type DocumentVisibility = 'API_LEVEL' | 'PRIVATE' | 'OWNER_ONLY';

export interface ApiDocument {
  documentId: string;
  name: string;
  type: DocumentType;
  otherTypeName: string | null; // when type = OTHER
  summary: string | null;
  sourceType: DocumentSourceType;
  sourceUrl: string | null; // when sourceType = URL
  content: string | null; // when INLINE / MARKDOWN
  visibility: DocumentVisibility;
}

export type ApiCreated = {
  type: 'ApiCreated';
  data: ApiDefinition & {
    apiId: string;
    name: string;
    context: string; // leading slash, no trailing slash, e.g. /pizzashack
    version: string;
    provider: string;
    lifecycleStatus: 'CREATED';
    /** Set when the API was created by createNewVersion: the API it copies. */
    copiedFrom: { apiId: string; version: string } | null;
  };
};

export type ApiUpdated = {
  type: 'ApiUpdated';
  data: ApiDefinition & { apiId: string }; // the whole definition after the update
};

export type ApiLifecycleChanged = {
  type: 'ApiLifecycleChanged';
  data: {
    apiId: string;
    action: LifecycleAction;
    from: LifecycleStatus;
    to: LifecycleStatus;
    /** Check items sent with PUBLISH from CREATED/PROTOTYPED (WSO2 §1.2); null otherwise. */
    checklist: { deprecateOldVersions: boolean; requireResubscription: boolean } | null;
    /** Set when this change is a consequence of another API's publish (deprecateOldVersions). */
    causedBy: { apiId: string; version: string } | null;
  };
};

export type ApiDeleted = {
  type: 'ApiDeleted';
  data: { apiId: string; name: string; context: string; version: string };
};

export type ApiDocumentAdded = { type: 'ApiDocumentAdded'; data: ApiDocument & { apiId: string } };
export type ApiDocumentUpdated = { type: 'ApiDocumentUpdated'; data: ApiDocument & { apiId: string } };
export type ApiDocumentRemoved = { type: 'ApiDocumentRemoved'; data: { apiId: string; documentId: string } };

export type ApiEvent =
  | ApiCreated
  | ApiUpdated
  | ApiLifecycleChanged
  | ApiDeleted
  | ApiDocumentAdded
  | ApiDocumentUpdated
  | ApiDocumentRemoved;

// ---- `api-versions-<name>`: the versions of one API name and its single default version ----

export type ApiVersionRegistered = {
  type: 'ApiVersionRegistered';
  data: { name: string; apiId: string; context: string; version: string };
};

export type ApiVersionDeregistered = {
  type: 'ApiVersionDeregistered';
  data: { name: string; apiId: string; version: string };
};

/**
 * The default version of an API name moved (only one per name, WSO2 §1.3). Projections set
 * isDefaultVersion=false on previousApiId and true on apiId (null: no default any more).
 */
export type DefaultApiVersionChanged = {
  type: 'DefaultApiVersionChanged';
  data: {
    name: string;
    context: string;
    apiId: string | null;
    version: string | null;
    previousApiId: string | null;
  };
};

export type ApiVersionsEvent = ApiVersionRegistered | ApiVersionDeregistered | DefaultApiVersionChanged;
