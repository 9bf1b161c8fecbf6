// The Application aggregate (`app-<uuid>`): an owner's consumer of APIs, its OAuth keys per key
// type (only the SHA-256 of a secret is ever recorded) and its API keys (by jti).
import type { Decider } from '../decider.ts';
import { conflict, notFound } from '../errors.ts';
import { normalizeIpSpec } from '../ip.ts';
import { fail, optionalText, requireHttpUrl, requireOneOf, requireText, unique } from '../validate.ts';
import type { ApplicationEvent, KeyType } from './events.ts';

export const KEY_TYPES: readonly KeyType[] = ['PRODUCTION', 'SANDBOX'];
export const GRANT_TYPES = [
  'client_credentials',
  'password',
  'refresh_token',
  'authorization_code',
  'urn:ietf:params:oauth:grant-type:jwt-bearer',
  'urn:ietf:params:oauth:grant-type:token-exchange',
] as const;
export const DEFAULT_GRANT_TYPES: readonly string[] = ['client_credentials', 'password', 'refresh_token'];
export const DEFAULT_APPLICATION_NAME = 'DefaultApplication';

export interface ApplicationKeys {
  consumerKey: string;
  secretHash: string;
  grantTypes: string[];
  tokenValiditySeconds: number | null;
  callbackUrl?: string;
}

export interface ApplicationSnapshot {
  applicationId: string;
  name: string;
  owner: string;
  throttlingPolicy: string;
  description: string | null;
  attributes: Record<string, string>;
  keys: Partial<Record<KeyType, ApplicationKeys>>;
  apiKeys: Record<string, { keyType: KeyType; exp: number | null; revoked: boolean }>;
}

export type ApplicationState =
  | { status: 'NONE' }
  | { status: 'ACTIVE'; app: ApplicationSnapshot }
  | { status: 'DELETED'; app: ApplicationSnapshot };

export type CreateApplication = {
  type: 'CreateApplication';
  data: {
    applicationId: string;
    name: string;
    owner: string;
    throttlingPolicy?: string | null; // default Unlimited
    description?: string | null;
    attributes?: Record<string, unknown> | null;
    knownTiers: readonly string[]; // application-level policies
  };
};

export type UpdateApplication = {
  type: 'UpdateApplication';
  data: {
    applicationId: string;
    name?: string | null;
    throttlingPolicy?: string | null;
    description?: string | null;
    attributes?: Record<string, unknown> | null;
    knownTiers: readonly string[];
  };
};

export type DeleteApplication = { type: 'DeleteApplication'; data: { applicationId: string } };

export type GenerateKeys = {
  type: 'GenerateKeys';
  data: {
    applicationId: string;
    keyType: string;
    consumerKey: string;
    secretHash: string;
    grantTypes?: readonly string[] | null;
    tokenValiditySeconds?: number | null;
    /** Required with the authorization_code grant: the only redirect URI its requests may name. */
    callbackUrl?: string | null;
  };
};

/** Changes settings of existing keys; a field left undefined stays as it is. */
export type UpdateKeys = {
  type: 'UpdateKeys';
  data: {
    applicationId: string;
    keyType: string;
    /** null or undefined: unchanged; otherwise the complete new list (not empty). */
    grantTypes?: readonly string[] | null;
    /** null: the server default. */
    tokenValiditySeconds?: number | null;
    /** null (or blank): no callback URL (refused while authorization_code remains). */
    callbackUrl?: string | null;
  };
};

export type RegenerateSecret = {
  type: 'RegenerateSecret';
  data: { applicationId: string; keyType: string; secretHash: string };
};

export type IssueApiKey = {
  type: 'IssueApiKey';
  data: {
    applicationId: string;
    jti: string;
    keyType: string;
    exp: number | null;
    permittedIPs?: readonly string[] | null;
    permittedReferers?: readonly string[] | null;
  };
};

export type RevokeApiKey = { type: 'RevokeApiKey'; data: { applicationId: string; jti: string } };

export type ApplicationCommand =
  | CreateApplication
  | UpdateApplication
  | DeleteApplication
  | GenerateKeys
  | UpdateKeys
  | RegenerateSecret
  | IssueApiKey
  | RevokeApiKey;

const APP_NAME = /^[A-Za-z0-9 ._-]+$/;
const SHA256_HEX = /^[0-9a-f]{64}$/;

export function validateApplicationName(name: string): string {
  const n = requireText('name', name, 70);
  if (!APP_NAME.test(n)) fail('name', 'may contain letters, digits, spaces and . _ - only');
  return n;
}

function tierOf(tier: string | null | undefined, known: readonly string[], fallback: string): string {
  const t = tier ?? fallback;
  if (!known.includes(t)) fail('throttlingPolicy', `unknown tier "${t}"`);
  return t;
}

function attributesOf(input: Record<string, unknown> | null | undefined): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(input ?? {})) {
    if (typeof v !== 'string' && typeof v !== 'number' && typeof v !== 'boolean') fail('attributes', `${k} must be a string`);
    out[requireText('attributes', k, 100)] = String(v);
  }
  if (Object.keys(out).length > 50) fail('attributes', 'at most 50 attributes');
  return out;
}

function validateIpOrCidr(value: string): string {
  return normalizeIpSpec(value, { cidr: true, range: false }) ?? fail('permittedIPs', `"${value}" is not an IP address or CIDR`);
}

/** RFC 6749 §3.1.2: an absolute URI without a fragment, compared byte for byte at /oauth2/authorize. */
function callbackUrlOf(url: string | null | undefined, grantTypes: readonly string[]): { callbackUrl?: string } {
  const value = url?.trim() ? requireHttpUrl('callbackUrl', url) : null;
  if (value === null) {
    if (grantTypes.includes('authorization_code')) fail('callbackUrl', 'is required with the authorization_code grant');
    return {};
  }
  if (value.includes('#')) fail('callbackUrl', 'must not contain a fragment');
  return { callbackUrl: value };
}

function grantTypesOf(grantTypes: readonly string[]): string[] {
  if (grantTypes.length === 0) fail('grantTypes', 'must name at least one grant type');
  return unique(grantTypes.map((g) => requireOneOf('grantTypes', g, GRANT_TYPES)));
}

function tokenValidityOf(seconds: number | null | undefined): number | null {
  const validity = seconds ?? null;
  if (validity !== null && (!Number.isInteger(validity) || validity < 60 || validity > 31_536_000)) {
    fail('tokenValiditySeconds', 'must be between 60 and 31536000');
  }
  return validity;
}

/** Same grant types, in any order (both lists are duplicate-free). */
const sameSet = (a: readonly string[], b: readonly string[]): boolean => a.length === b.length && a.every((x) => b.includes(x));

const keyTypeOf = (keyType: string): KeyType => requireOneOf('keyType', keyType, KEY_TYPES);

const hashOf = (hash: string): string => {
  if (!SHA256_HEX.test(hash)) fail('secretHash', 'must be a hex SHA-256');
  return hash;
};

const active = (state: ApplicationState, id: string): ApplicationSnapshot => {
  if (state.status !== 'ACTIVE') throw notFound('Application', id);
  return state.app;
};

function decide(command: ApplicationCommand, state: ApplicationState): ApplicationEvent[] {
  switch (command.type) {
    case 'CreateApplication': {
      const c = command.data;
      if (state.status !== 'NONE') throw conflict(`Application ${c.applicationId} already exists`, { applicationId: c.applicationId });
      return [{
        type: 'ApplicationCreated',
        data: {
          applicationId: c.applicationId,
          name: validateApplicationName(c.name),
          owner: c.owner,
          throttlingPolicy: tierOf(c.throttlingPolicy, c.knownTiers, 'Unlimited'),
          description: optionalText('description', c.description, 1000),
          attributes: attributesOf(c.attributes),
          status: 'APPROVED',
          tokenType: 'JWT',
        },
      }];
    }
    case 'UpdateApplication': {
      const c = command.data;
      const app = active(state, c.applicationId);
      const next = {
        applicationId: c.applicationId,
        name: c.name ? validateApplicationName(c.name) : app.name,
        throttlingPolicy: c.throttlingPolicy ? tierOf(c.throttlingPolicy, c.knownTiers, app.throttlingPolicy) : app.throttlingPolicy,
        description: c.description === undefined ? app.description : optionalText('description', c.description, 1000),
        attributes: c.attributes === undefined || c.attributes === null ? app.attributes : attributesOf(c.attributes),
      };
      const same = next.name === app.name && next.throttlingPolicy === app.throttlingPolicy && next.description === app.description &&
        JSON.stringify(next.attributes) === JSON.stringify(app.attributes);
      return same ? [] : [{ type: 'ApplicationUpdated', data: next }];
    }
    case 'DeleteApplication': {
      const app = active(state, command.data.applicationId);
      return [{ type: 'ApplicationDeleted', data: { applicationId: app.applicationId, name: app.name, owner: app.owner } }];
    }
    case 'GenerateKeys': {
      const c = command.data;
      const app = active(state, c.applicationId);
      const keyType = keyTypeOf(c.keyType);
      if (app.keys[keyType]) throw conflict(`${keyType} keys already exist for this application; regenerate the secret instead`, { keyType });
      const grantTypes = grantTypesOf(c.grantTypes?.length ? c.grantTypes : DEFAULT_GRANT_TYPES);
      const validity = tokenValidityOf(c.tokenValiditySeconds);
      return [{
        type: 'ApplicationKeysGenerated',
        data: {
          applicationId: c.applicationId, keyType, consumerKey: requireText('consumerKey', c.consumerKey, 200), secretHash: hashOf(c.secretHash), grantTypes, tokenValiditySeconds: validity,
          ...callbackUrlOf(c.callbackUrl, grantTypes),
        },
      }];
    }
    case 'UpdateKeys': {
      const c = command.data;
      const app = active(state, c.applicationId);
      const keyType = keyTypeOf(c.keyType);
      const keys = app.keys[keyType];
      if (!keys) throw notFound(`${keyType} keys of application`, c.applicationId);
      const grantTypes = c.grantTypes === undefined || c.grantTypes === null ? keys.grantTypes : grantTypesOf(c.grantTypes);
      const validity = c.tokenValiditySeconds === undefined ? keys.tokenValiditySeconds : tokenValidityOf(c.tokenValiditySeconds);
      // The rule of generateKeys holds for the resulting keys: authorization_code needs a callback URL.
      const callbackUrl = callbackUrlOf(c.callbackUrl === undefined ? keys.callbackUrl : c.callbackUrl, grantTypes).callbackUrl ?? null;
      const changed = {
        ...(sameSet(grantTypes, keys.grantTypes) ? {} : { grantTypes }),
        ...(validity === keys.tokenValiditySeconds ? {} : { tokenValiditySeconds: validity }),
        ...(callbackUrl === (keys.callbackUrl ?? null) ? {} : { callbackUrl }),
      };
      if (Object.keys(changed).length === 0) return [];
      return [{ type: 'ApplicationKeysUpdated', data: { applicationId: c.applicationId, keyType, ...changed } }];
    }
    case 'RegenerateSecret': {
      const c = command.data;
      const app = active(state, c.applicationId);
      const keyType = keyTypeOf(c.keyType);
      const keys = app.keys[keyType];
      if (!keys) throw notFound(`${keyType} keys of application`, c.applicationId);
      return [{ type: 'ApplicationSecretRegenerated', data: { applicationId: c.applicationId, keyType, consumerKey: keys.consumerKey, secretHash: hashOf(c.secretHash) } }];
    }
    case 'IssueApiKey': {
      const c = command.data;
      active(state, c.applicationId);
      if (c.exp !== null && (!Number.isInteger(c.exp) || c.exp <= 0)) fail('exp', 'must be epoch seconds');
      return [{
        type: 'ApiKeyIssued',
        data: {
          applicationId: c.applicationId,
          jti: requireText('jti', c.jti, 200),
          keyType: keyTypeOf(c.keyType),
          exp: c.exp,
          permittedIPs: unique((c.permittedIPs ?? []).map(validateIpOrCidr)),
          permittedReferers: unique((c.permittedReferers ?? []).map((r) => requireText('permittedReferers', r, 500))),
        },
      }];
    }
    case 'RevokeApiKey': {
      const c = command.data;
      const app = active(state, c.applicationId);
      const key = app.apiKeys[c.jti];
      if (!key) throw notFound('API key', c.jti);
      return key.revoked ? [] : [{ type: 'ApiKeyRevoked', data: { applicationId: c.applicationId, jti: c.jti, exp: key.exp } }];
    }
  }
}

function evolve(state: ApplicationState, event: ApplicationEvent): ApplicationState {
  if (event.type === 'ApplicationCreated') {
    const d = event.data;
    return {
      status: 'ACTIVE',
      app: { applicationId: d.applicationId, name: d.name, owner: d.owner, throttlingPolicy: d.throttlingPolicy, description: d.description, attributes: d.attributes, keys: {}, apiKeys: {} },
    };
  }
  if (state.status !== 'ACTIVE') return state;
  const app = state.app;
  switch (event.type) {
    case 'ApplicationUpdated': {
      const { applicationId: _id, ...fields } = event.data;
      return { status: 'ACTIVE', app: { ...app, ...fields } };
    }
    case 'ApplicationDeleted':
      return { status: 'DELETED', app };
    case 'ApplicationKeysGenerated': {
      const { applicationId: _id, keyType, ...keys } = event.data;
      return { status: 'ACTIVE', app: { ...app, keys: { ...app.keys, [keyType]: keys } } };
    }
    case 'ApplicationKeysUpdated': {
      const { keyType, grantTypes, tokenValiditySeconds, callbackUrl } = event.data;
      const { callbackUrl: previousUrl, ...keys } = app.keys[keyType]!;
      const next: ApplicationKeys = {
        ...keys,
        ...(grantTypes === undefined ? {} : { grantTypes }),
        ...(tokenValiditySeconds === undefined ? {} : { tokenValiditySeconds }),
      };
      const url = callbackUrl === undefined ? previousUrl : callbackUrl ?? undefined;
      if (url !== undefined) next.callbackUrl = url;
      return { status: 'ACTIVE', app: { ...app, keys: { ...app.keys, [keyType]: next } } };
    }
    case 'ApplicationSecretRegenerated': {
      const { keyType, secretHash } = event.data;
      const keys = app.keys[keyType]!;
      return { status: 'ACTIVE', app: { ...app, keys: { ...app.keys, [keyType]: { ...keys, secretHash } } } };
    }
    case 'ApiKeyIssued': {
      const { jti, keyType, exp } = event.data;
      return { status: 'ACTIVE', app: { ...app, apiKeys: { ...app.apiKeys, [jti]: { keyType, exp, revoked: false } } } };
    }
    case 'ApiKeyRevoked': {
      const key = app.apiKeys[event.data.jti]!;
      return { status: 'ACTIVE', app: { ...app, apiKeys: { ...app.apiKeys, [event.data.jti]: { ...key, revoked: true } } } };
    }
  }
}

export const applicationDecider: Decider<ApplicationState, ApplicationCommand, ApplicationEvent> = {
  decide,
  evolve,
  initialState: () => ({ status: 'NONE' }),
};
