// Names the key manager and its consumers (the gateway, the portals) agree on.

/** `aud` of access tokens and API keys meant for the gateway (:8280). The gateway checks it. */
export const GATEWAY_AUDIENCE = 'gatehouse-gateway';

/** `aud` of tokens people use against the management API (/graphql). */
export const MANAGEMENT_AUDIENCE = 'gatehouse-management';

/** The portals' public OAuth client (no secret): password and refresh_token grants for people. */
export const PORTAL_CLIENT_ID = 'gatehouse-portal';

/** Scope the portal client's tokens carry (management API access). */
export const MANAGEMENT_SCOPE = 'gatehouse:manage';

/** WSO2's default application scope on client_credentials tokens. */
export const DEFAULT_APPLICATION_SCOPE = 'default';

/** Default validities in seconds (WSO2 defaults: 3600 access, 86400 refresh). */
export const DEFAULT_ACCESS_TOKEN_TTL_S = 3600;
export const DEFAULT_USER_TOKEN_TTL_S = 3600;
export const DEFAULT_REFRESH_TOKEN_TTL_S = 86400;

/** Leeway for clock skew when checking exp/nbf/iat. */
export const CLOCK_TOLERANCE_S = 30;

export const TOKEN_PATH = '/oauth2/token';
export const REVOKE_PATH = '/oauth2/revoke';
export const INTROSPECT_PATH = '/oauth2/introspect';
export const JWKS_PATH = '/oauth2/jwks';
export const AUTHORIZE_PATH = '/oauth2/authorize';

/** Authorization codes live 60 s (RFC 6749 §4.1.2 recommends at most 10 minutes). */
export const AUTHORIZATION_CODE_TTL_S = 60;

/** A sign-in page (its login transaction) stays valid this long. */
export const LOGIN_TRANSACTION_TTL_S = 600;
