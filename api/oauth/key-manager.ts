// The key manager's logic, free of HTTP: grants (client_credentials, password, refresh_token,
// authorization_code with PKCE S256 and its authorization endpoint), revocation (RFC 7009) and introspection (RFC 7662). What it needs from the rest of the system
// comes in through small ports, wired in cli/runtime.ts to the catalog views and the facade.
import { hash, timingSafeEqual } from 'node:crypto';
import type { Clock, Randomness } from '../../domain/ports.ts';
import {
  DEFAULT_ACCESS_TOKEN_TTL_S,
  DEFAULT_APPLICATION_SCOPE,
  DEFAULT_REFRESH_TOKEN_TTL_S,
  DEFAULT_USER_TOKEN_TTL_S,
  GATEWAY_AUDIENCE,
  MANAGEMENT_AUDIENCE,
  MANAGEMENT_SCOPE,
  PORTAL_CLIENT_ID,
} from './constants.ts';
import { createAuthorizationEndpoint, type AuthorizationEndpoint } from './authorize.ts';
import { createAuthorizationStore, type AuthorizationStore, type CodeIssue } from './authorization-store.ts';
import type { PresentedClient } from './client-auth.ts';
import { invalidClient, invalidGrant, invalidRequest, invalidScope, unauthorizedClient, unsupportedGrantType } from './errors.ts';
import type { KeyRing } from './keyring.ts';
import { verifierMatches } from './pkce.ts';
import { signToken, verifyToken } from './tokens.ts';

export type KeyType = 'PRODUCTION' | 'SANDBOX';

/** An application's OAuth client (one per application × key type), as the catalog knows it. */
export interface OAuthClientRecord {
  consumerKey: string;
  secretHash: string; // hex SHA-256
  keyType: KeyType;
  grantTypes: string[];
  tokenValiditySeconds: number | null;
  /** The redirect URI of the authorization_code grant (exact match); absent or null: none. */
  callbackUrl?: string | null;
  application: { id: string; name: string; owner: string; tier: string };
}

export interface ClientDirectory {
  byConsumerKey(consumerKey: string): OAuthClientRecord | undefined;
}

export type LoginOutcome =
  | { ok: true; username: string; roles: string[] }
  | { ok: false; reason: 'INVALID_CREDENTIALS' }
  | { ok: false; reason: 'LOCKED'; lockedUntil: string };

/** An access token issued with a refresh token of a family. */
export interface IssuedAccessToken {
  jti: string;
  exp: number; // epoch seconds
}

export interface RefreshFamilyState {
  familyId: string;
  clientId: string;
  subject: string;
  scope: string;
  currentHash: string;
  exp: number;
  revoked: boolean;
  /** Access tokens issued with the family's refresh tokens (revoked when the family dies). */
  accessTokens: IssuedAccessToken[];
}

/** Everything that changes state goes through the command facade (events in the log). */
export interface KeyManagerCommands {
  /** Checks a password; records failures and lockouts as events (brute-force protection). */
  verifyPassword(username: string, password: string, ctx: RequestContext): Promise<LoginOutcome>;
  revokeToken(jti: string, exp: number | null, tokenType: 'access_token' | 'refresh_token', ctx: RequestContext): Promise<void>;
  /**
   * Starts a refresh-token family; the token is `<familyId>.<random>`, only its hash is kept,
   * with the jti of the access token issued alongside.
   */
  issueRefreshToken(f: { clientId: string; subject: string; scope: string; expiresInSeconds: number; accessToken: IssuedAccessToken }, ctx: RequestContext): Promise<string>;
  /** Rotates (recording the new access token); a reused token revokes its family. Refusals are OAuthErrors (invalid_grant). */
  rotateRefreshToken(f: { refreshToken: string; clientId: string; expiresInSeconds: number; accessToken: IssuedAccessToken }, ctx: RequestContext): Promise<{ refreshToken: string; subject: string; scope: string }>;
  revokeRefreshToken(refreshToken: string, ctx: RequestContext): Promise<void>;
  /** Kills a family by id (a reused authorization code); nothing when it is dead already. */
  revokeRefreshFamily(familyId: string, ctx: RequestContext): Promise<void>;
}

export interface KeyManagerDeps {
  issuer(): string;
  ring: KeyRing;
  clock: Clock;
  random: Randomness;
  clients: ClientDirectory;
  isRevoked(jti: string): boolean;
  /** Current roles of a user, or undefined when the user does not exist (any more). */
  userRoles(username: string): string[] | undefined;
  /** Roles a scope is bound to by the APIs that declare it; undefined when no API declares it. */
  scopeRoles(scope: string): string[] | undefined;
  refreshFamily(familyId: string): Promise<RefreshFamilyState | undefined>;
  commands: KeyManagerCommands;
  /** Sign-in transactions and authorization codes; in memory by default (see authorization-store.ts). */
  authorizations?: AuthorizationStore;
}

export interface RequestContext {
  correlationId: string;
  clientIp?: string;
}

export interface TokenResponse {
  access_token: string;
  token_type: 'Bearer';
  expires_in: number;
  scope: string;
  refresh_token?: string;
}

export type IntrospectionResponse = { active: false } | ({ active: true } & Record<string, unknown>);

/** One-shot digest (no Hash object per call: the token endpoint authenticates every request). */
export const sha256Hex = (s: string): string => hash('sha256', s, 'hex');

function sameHash(a: string, b: string): boolean {
  const x = Buffer.from(a, 'hex');
  const y = Buffer.from(b, 'hex');
  return x.length === y.length && x.length > 0 && timingSafeEqual(x, y);
}

type Client =
  | { kind: 'portal' }
  | { kind: 'application'; record: OAuthClientRecord };

const splitScope = (scope: unknown): string[] =>
  typeof scope === 'string' ? [...new Set(scope.split(' ').filter(Boolean))] : [];

export interface KeyManager {
  token(client: PresentedClient, body: Record<string, unknown>, ctx: RequestContext): Promise<TokenResponse>;
  revoke(client: PresentedClient, body: Record<string, unknown>, ctx: RequestContext): Promise<void>;
  introspect(client: PresentedClient, body: Record<string, unknown>): Promise<IntrospectionResponse>;
  /** GET/POST /oauth2/authorize. */
  authorization: AuthorizationEndpoint;
  /** Verifies a management access token (Bearer on /graphql): the username, or undefined. */
  authenticateUser(token: string): Promise<{ username: string; claims: Record<string, unknown> } | undefined>;
}

const GRANTS = ['client_credentials', 'password', 'refresh_token', 'authorization_code'];

export function createKeyManager(deps: KeyManagerDeps): KeyManager {
  const nowS = () => Math.floor(deps.clock.now().getTime() / 1000);
  const authorizations = deps.authorizations ?? createAuthorizationStore({ clock: deps.clock, random: deps.random });

  /** Authenticates the calling client; public clients (the portal) only where allowed. */
  function authenticate(presented: PresentedClient, allowPublic: boolean): Client {
    if (presented.clientId === PORTAL_CLIENT_ID) {
      if (!allowPublic || presented.clientSecret !== null) throw invalidClient();
      return { kind: 'portal' };
    }
    const record = deps.clients.byConsumerKey(presented.clientId);
    if (!record || presented.clientSecret === null || !sameHash(sha256Hex(presented.clientSecret), record.secretHash)) {
      throw invalidClient();
    }
    return { kind: 'application', record };
  }

  const clientId = (c: Client) => (c.kind === 'portal' ? PORTAL_CLIENT_ID : c.record.consumerKey);

  function ensureGrant(c: Client, grant: string): void {
    if (c.kind === 'portal') {
      if (grant !== 'password' && grant !== 'refresh_token') throw unauthorizedClient(`${PORTAL_CLIENT_ID} may not use ${grant}`);
      return;
    }
    if (!c.record.grantTypes.includes(grant)) throw unauthorizedClient(`The client is not allowed the ${grant} grant`);
  }

  /** Requested scopes the subject may hold (WSO2: scope → roles); unknown ones are dropped. */
  function grantScopes(requested: string[], roles: string[]): string[] {
    const granted = requested.filter((s) => {
      const bound = deps.scopeRoles(s);
      return bound !== undefined && (bound.length === 0 || bound.some((r) => roles.includes(r)));
    });
    return granted.length ? granted : [DEFAULT_APPLICATION_SCOPE];
  }

  async function accessToken(c: Client, subject: string, scope: string, roles: string[], aut: 'APPLICATION' | 'APPLICATION_USER'): Promise<{ token: string; ttl: number; issued: IssuedAccessToken }> {
    const jti = deps.random.uuid();
    if (c.kind === 'portal') {
      const ttl = DEFAULT_USER_TOKEN_TTL_S;
      const issued = await signToken(deps.ring, {
        issuer: deps.issuer(), subject, audience: MANAGEMENT_AUDIENCE, ttlSeconds: ttl, jti, now: deps.clock.now(),
        typ: 'at+jwt',
        claims: { azp: PORTAL_CLIENT_ID, client_id: PORTAL_CLIENT_ID, scope, roles, aut: 'APPLICATION_USER' },
      });
      return { token: issued.token, ttl, issued: { jti, exp: issued.exp! } };
    }
    const r = c.record;
    const ttl = r.tokenValiditySeconds ?? DEFAULT_ACCESS_TOKEN_TTL_S;
    const issued = await signToken(deps.ring, {
      issuer: deps.issuer(), subject, audience: GATEWAY_AUDIENCE, ttlSeconds: ttl, jti, now: deps.clock.now(),
      typ: 'at+jwt',
      claims: {
        azp: r.consumerKey,
        client_id: r.consumerKey,
        consumerKey: r.consumerKey,
        scope,
        keytype: r.keyType,
        aut,
        application: { id: r.application.id, uuid: r.application.id, name: r.application.name, owner: r.application.owner, tier: r.application.tier },
      },
    });
    return { token: issued.token, ttl, issued: { jti, exp: issued.exp! } };
  }

  const familyOf = (refreshToken: string): string | undefined => {
    const dot = refreshToken.indexOf('.');
    const id = dot > 0 ? refreshToken.slice(0, dot) : '';
    return /^[A-Za-z0-9_-]{8,64}$/.test(id) ? id : undefined;
  };

  async function clientCredentials(c: Client, body: Record<string, unknown>): Promise<TokenResponse> {
    if (c.kind !== 'application') throw unauthorizedClient('client_credentials needs a confidential client');
    const owner = c.record.application.owner;
    const scope = grantScopes(splitScope(body.scope), deps.userRoles(owner) ?? []).join(' ');
    const at = await accessToken(c, owner, scope, [], 'APPLICATION');
    return { access_token: at.token, token_type: 'Bearer', expires_in: at.ttl, scope };
  }

  /**
   * Tokens for a signed-in user (password and authorization_code grants alike): the requested
   * scopes the user's roles allow, and a refresh token starting a family unless `withRefresh`
   * is false.
   */
  async function userTokens(c: Client, user: { username: string; roles: string[] }, requested: string[], withRefresh: boolean, ctx: RequestContext): Promise<{ response: TokenResponse; issued: CodeIssue }> {
    const scope = c.kind === 'portal'
      ? [MANAGEMENT_SCOPE, ...requested.filter((s) => s === 'openid')].join(' ')
      : grantScopes(requested, user.roles).join(' ');
    const at = await accessToken(c, user.username, scope, user.roles, 'APPLICATION_USER');
    const response: TokenResponse = { access_token: at.token, token_type: 'Bearer', expires_in: at.ttl, scope };
    if (!withRefresh) return { response, issued: { accessToken: at.issued, familyId: null } };
    const refreshToken = await deps.commands.issueRefreshToken(
      { clientId: clientId(c), subject: user.username, scope, expiresInSeconds: DEFAULT_REFRESH_TOKEN_TTL_S, accessToken: at.issued }, ctx);
    return { response: { ...response, refresh_token: refreshToken }, issued: { accessToken: at.issued, familyId: familyOf(refreshToken) ?? null } };
  }

  async function password(c: Client, body: Record<string, unknown>, ctx: RequestContext): Promise<TokenResponse> {
    const username = body.username;
    const pw = body.password;
    if (typeof username !== 'string' || username === '' || typeof pw !== 'string') {
      throw invalidRequest('username and password are required');
    }
    const outcome = await deps.commands.verifyPassword(username, pw, ctx);
    if (!outcome.ok) {
      throw invalidGrant(outcome.reason === 'LOCKED'
        ? `Too many failed logins: the account is locked until ${outcome.lockedUntil}`
        : 'Invalid resource owner credentials');
    }
    return (await userTokens(c, outcome, splitScope(body.scope), true, ctx)).response;
  }

  /**
   * RFC 6749 §4.1.3 with RFC 7636 §4.6. A code is spent by its first presentation, whatever the
   * outcome; a second one revokes what the first issued (§4.1.2) and is refused.
   */
  async function authorizationCode(c: Client, body: Record<string, unknown>, ctx: RequestContext): Promise<TokenResponse> {
    const code = body.code;
    const verifier = body.code_verifier;
    if (typeof code !== 'string' || code === '') throw invalidRequest('code is required');
    if (typeof verifier !== 'string' || verifier === '') throw invalidRequest('code_verifier is required (PKCE)');
    const r = authorizations.redeemCode(code);
    if (r.status === 'reused') {
      if (r.issued) await revokeIssued(r.issued, ctx);
      throw invalidGrant('The authorization code was already used: the tokens issued with it are revoked');
    }
    if (r.status !== 'ok') throw invalidGrant(r.status === 'expired' ? 'The authorization code has expired' : 'Invalid authorization code');
    const { request, subject } = r.grant;
    if (request.clientId !== clientId(c)) throw invalidGrant('The authorization code was issued to another client');
    const redirectUri = body.redirect_uri;
    if ((request.redirectUriGiven || redirectUri !== undefined) && redirectUri !== request.redirectUri) {
      throw invalidGrant('redirect_uri does not match the authorization request');
    }
    if (!verifierMatches(verifier, request.codeChallenge)) throw invalidGrant('code_verifier does not match the code_challenge');
    const roles = deps.userRoles(subject);
    if (roles === undefined) throw invalidGrant('The resource owner no longer exists');
    const withRefresh = c.kind === 'portal' || c.record.grantTypes.includes('refresh_token');
    const { response, issued } = await userTokens(c, { username: subject, roles }, request.scope, withRefresh, ctx);
    if (!authorizations.recordIssue(code, issued)) {
      // Presented again while these were being issued: they die before anyone sees them.
      await revokeIssued(issued, ctx);
      throw invalidGrant('The authorization code was already used: the tokens issued with it are revoked');
    }
    return response;
  }

  async function revokeIssued(issued: CodeIssue, ctx: RequestContext): Promise<void> {
    const t = issued.accessToken;
    if (t.exp > nowS() && !deps.isRevoked(t.jti)) await deps.commands.revokeToken(t.jti, t.exp, 'access_token', ctx);
    if (issued.familyId) {
      await deps.commands.revokeRefreshFamily(issued.familyId, ctx);
      await revokeAccessTokensOfDeadFamily(issued.familyId, ctx);
    }
  }

  async function refresh(c: Client, body: Record<string, unknown>, ctx: RequestContext): Promise<TokenResponse> {
    const presented = body.refresh_token;
    if (typeof presented !== 'string' || presented === '') throw invalidRequest('refresh_token is required');
    const familyId = familyOf(presented);
    const family = familyId ? await deps.refreshFamily(familyId) : undefined;
    if (!family || family.clientId !== clientId(c)) throw invalidGrant('Invalid refresh token');
    const requested = splitScope(body.scope);
    const familyScopes = splitScope(family.scope);
    if (requested.some((s) => !familyScopes.includes(s))) throw invalidScope('Requested scope exceeds the original grant');
    const roles = deps.userRoles(family.subject);
    if (roles === undefined) throw invalidGrant('The resource owner no longer exists');
    // Signed first so the rotation records its jti; handed out only if the rotation succeeds.
    const scope = requested.length ? requested.join(' ') : family.scope;
    const at = await accessToken(c, family.subject, scope, roles, 'APPLICATION_USER');
    let rotated: { refreshToken: string };
    try {
      rotated = await deps.commands.rotateRefreshToken({ refreshToken: presented, clientId: clientId(c), expiresInSeconds: DEFAULT_REFRESH_TOKEN_TTL_S, accessToken: at.issued }, ctx);
    } catch (e) {
      // Reuse of a rotated-away token has just revoked the family: its access tokens die with it.
      await revokeAccessTokensOfDeadFamily(family.familyId, ctx);
      throw e;
    }
    return { access_token: at.token, token_type: 'Bearer', expires_in: at.ttl, scope, refresh_token: rotated.refreshToken };
  }

  /**
   * When the family is revoked (reuse detected, or the refresh token revoked), the access tokens
   * issued from it are revoked too (RFC 7009 §2.1, OAuth 2.0 Security BCP §4.14): the ones not
   * expired yet. Revoking twice appends nothing, so a repeat is harmless.
   */
  async function revokeAccessTokensOfDeadFamily(familyId: string, ctx: RequestContext): Promise<void> {
    const family = await deps.refreshFamily(familyId);
    if (!family?.revoked) return;
    const now = nowS();
    for (const t of family.accessTokens) {
      if (t.exp > now && !deps.isRevoked(t.jti)) await deps.commands.revokeToken(t.jti, t.exp, 'access_token', ctx);
    }
  }

  const verifyOpts = () => ({
    issuer: deps.issuer(),
    audiences: [GATEWAY_AUDIENCE, MANAGEMENT_AUDIENCE],
    now: deps.clock.now(),
    isRevoked: deps.isRevoked,
  });

  return {
    async token(presented, body, ctx) {
      const grant = body.grant_type;
      if (typeof grant !== 'string' || grant === '') throw invalidRequest('grant_type is required');
      if (!GRANTS.includes(grant)) {
        throw unsupportedGrantType(`Unsupported grant_type ${grant}`);
      }
      const c = authenticate(presented, true);
      ensureGrant(c, grant);
      if (grant === 'client_credentials') return clientCredentials(c, body);
      if (grant === 'password') return password(c, body, ctx);
      if (grant === 'authorization_code') return authorizationCode(c, body, ctx);
      return refresh(c, body, ctx);
    },

    authorization: createAuthorizationEndpoint({
      issuer: deps.issuer,
      clients: deps.clients,
      store: authorizations,
      commands: deps.commands,
      newBinding: () => deps.random.token(32),
    }),

    async revoke(presented, body, ctx) {
      const c = authenticate(presented, true);
      const token = body.token;
      if (typeof token !== 'string' || token === '') throw invalidRequest('token is required');
      const familyId = familyOf(token);
      if (familyId && token.split('.').length === 2) {
        const family = await deps.refreshFamily(familyId);
        if (family && !family.revoked && family.clientId === clientId(c)) {
          await deps.commands.revokeRefreshToken(token, ctx);
          await revokeAccessTokensOfDeadFamily(familyId, ctx);
        }
        return;
      }
      const v = await verifyToken(deps.ring, token, verifyOpts());
      if (!v.active) return; // invalid, expired or already revoked: nothing to do (RFC 7009 §2.2)
      if (v.claims.azp !== clientId(c)) return; // not this client's token: refuse silently
      await deps.commands.revokeToken(v.claims.jti!, typeof v.claims.exp === 'number' ? v.claims.exp : null, 'access_token', ctx);
    },

    async introspect(presented, body) {
      authenticate(presented, false);
      const token = body.token;
      if (typeof token !== 'string' || token === '') throw invalidRequest('token is required');
      const familyId = familyOf(token);
      if (familyId && token.split('.').length === 2) {
        const family = await deps.refreshFamily(familyId);
        if (!family || family.revoked || !sameHash(sha256Hex(token), family.currentHash) || family.exp < nowS()) return { active: false };
        return { active: true, token_type: 'refresh_token', client_id: family.clientId, sub: family.subject, username: family.subject, scope: family.scope, exp: family.exp, iss: deps.issuer() };
      }
      const v = await verifyToken(deps.ring, token, verifyOpts());
      if (!v.active) return { active: false };
      const c = v.claims;
      return {
        active: true,
        token_type: 'Bearer',
        scope: c.scope,
        client_id: c.azp,
        username: c.sub,
        sub: c.sub,
        aud: c.aud,
        iss: c.iss,
        exp: c.exp,
        iat: c.iat,
        nbf: c.nbf,
        jti: c.jti,
        ...(c.keytype ? { keytype: c.keytype } : {}),
        ...(c.application ? { application: c.application } : {}),
      };
    },

    async authenticateUser(token) {
      const v = await verifyToken(deps.ring, token, { ...verifyOpts(), audiences: [MANAGEMENT_AUDIENCE] });
      if (!v.active || typeof v.claims.sub !== 'string') return undefined;
      return { username: v.claims.sub, claims: v.claims };
    },
  };
}
