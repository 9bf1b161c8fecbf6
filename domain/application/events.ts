// Events of the Application aggregate (`app-<uuid>`). Never a secret: client secrets appear
// only as the hex SHA-256 of the secret; API keys only by jti.

export type KeyType = 'PRODUCTION' | 'SANDBOX';

export type ApplicationCreated = {
  type: 'ApplicationCreated';
  data: {
    applicationId: string;
    name: string;
    owner: string;
    throttlingPolicy: string; // application-level tier ("Per Token Quota")
    description: string | null;
    attributes: Record<string, string>;
    status: 'APPROVED'; // no approval workflow: created applications are approved at once
    tokenType: 'JWT';
  };
};

export type ApplicationUpdated = {
  type: 'ApplicationUpdated';
  data: {
    applicationId: string;
    name: string;
    throttlingPolicy: string;
    description: string | null;
    attributes: Record<string, string>;
  };
};

export type ApplicationDeleted = {
  type: 'ApplicationDeleted';
  data: { applicationId: string; name: string; owner: string };
};

export type ApplicationKeysGenerated = {
  type: 'ApplicationKeysGenerated';
  data: {
    applicationId: string;
    keyType: KeyType;
    consumerKey: string;
    secretHash: string; // hex SHA-256 of the consumer secret
    grantTypes: string[];
    tokenValiditySeconds: number | null; // access-token lifetime for this client; null = server default
    /** Redirect URI of the authorization_code grant (WSO2 `callbackUrl`); absent when none was given. */
    callbackUrl?: string;
  };
};

/**
 * Settings of existing keys changed (WSO2 `PUT /applications/{id}/oauth-keys/{keyMappingId}`):
 * only the fields that changed are present; `callbackUrl: null` removes the callback URL and
 * `tokenValiditySeconds: null` returns to the server default. Consumer key and secret stay.
 */
export type ApplicationKeysUpdated = {
  type: 'ApplicationKeysUpdated';
  data: {
    applicationId: string;
    keyType: KeyType;
    grantTypes?: string[];
    tokenValiditySeconds?: number | null;
    callbackUrl?: string | null;
  };
};

export type ApplicationSecretRegenerated = {
  type: 'ApplicationSecretRegenerated';
  data: { applicationId: string; keyType: KeyType; consumerKey: string; secretHash: string };
};

export type ApiKeyIssued = {
  type: 'ApiKeyIssued';
  data: {
    applicationId: string;
    jti: string;
    keyType: KeyType;
    exp: number | null; // epoch seconds; null = no expiry (validityPeriod -1)
    permittedIPs: string[]; // IPs or CIDRs
    permittedReferers: string[]; // patterns, * wildcards
  };
};

export type ApiKeyRevoked = {
  type: 'ApiKeyRevoked';
  data: { applicationId: string; jti: string; exp: number | null };
};

export type ApplicationEvent =
  | ApplicationCreated
  | ApplicationUpdated
  | ApplicationDeleted
  | ApplicationKeysGenerated
  | ApplicationKeysUpdated
  | ApplicationSecretRegenerated
  | ApiKeyIssued
  | ApiKeyRevoked;
