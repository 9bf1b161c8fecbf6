// The authorization endpoint's logic (RFC 6749 §4.1.1–4.1.2, RFC 7636), free of HTTP: validates
// the request, opens a sign-in transaction, checks the password like the password grant does
// (lockouts included) and hands out a one-time code. Until client and redirect URI are known
// good, errors are shown to the user; after, they go back to the redirect URI (§4.1.2.1).
import type { AuthorizationRequest, AuthorizationStore } from './authorization-store.ts';
import { AuthorizationStoreFull } from './authorization-store.ts';
import { PORTAL_CLIENT_ID } from './constants.ts';
import type { OAuthErrorCode } from './errors.ts';
import type { ClientDirectory, KeyManagerCommands, RequestContext } from './key-manager.ts';
import { isS256Challenge } from './pkce.ts';

export type AuthorizeResult =
  /** Shown on the page, never sent to an unvalidated redirect URI. */
  | { kind: 'page'; status: number; message: string }
  | { kind: 'redirect'; location: string }
  /** The sign-in form; `binding` (new transactions only) goes to the browser as a cookie. */
  | { kind: 'login'; status: number; transactionId: string; binding: string | null; applicationName: string; scope: string[]; message: string | null };

export interface AuthorizationEndpoint {
  begin(params: Record<string, unknown>): AuthorizeResult;
  complete(form: Record<string, unknown>, binding: string | undefined, ctx: RequestContext): Promise<AuthorizeResult>;
}

export interface AuthorizeDeps {
  issuer(): string;
  clients: ClientDirectory;
  store: AuthorizationStore;
  commands: Pick<KeyManagerCommands, 'verifyPassword'>;
  newBinding(): string;
}

const MAX_STATE = 2048;
const MAX_SCOPE = 2048;

/** A single non-empty string parameter; undefined when absent; null when repeated or not text. */
function param(params: Record<string, unknown>, name: string): string | undefined | null {
  const v = params[name];
  if (v === undefined || v === '') return undefined;
  return typeof v === 'string' ? v : null;
}

/** §4.1.2 / RFC 9207: every response to the client carries `state` and our `iss`. */
function redirectTo(uri: string, issuer: string, state: string | null, values: Record<string, string>): string {
  const url = new URL(uri);
  for (const [k, v] of Object.entries(values)) url.searchParams.append(k, v);
  if (state !== null) url.searchParams.append('state', state);
  url.searchParams.append('iss', issuer);
  return url.href;
}

export function createAuthorizationEndpoint(deps: AuthorizeDeps): AuthorizationEndpoint {
  const page = (status: number, message: string): AuthorizeResult => ({ kind: 'page', status, message });
  const refuse = (r: { redirectUri: string; state: string | null }, error: OAuthErrorCode, description: string): AuthorizeResult =>
    ({ kind: 'redirect', location: redirectTo(r.redirectUri, deps.issuer(), r.state, { error, error_description: description }) });
  const applicationName = (clientId: string) => deps.clients.byConsumerKey(clientId)?.application.name ?? clientId;

  return {
    begin(params) {
      const clientId = param(params, 'client_id');
      if (clientId === null) return page(400, 'client_id is repeated.');
      if (clientId === undefined) return page(400, 'The request names no client (client_id).');
      const client = clientId === PORTAL_CLIENT_ID ? undefined : deps.clients.byConsumerKey(clientId);
      if (!client) return page(400, 'Unknown client.');
      const given = param(params, 'redirect_uri');
      if (given === null) return page(400, 'redirect_uri is repeated.');
      if (!client.callbackUrl) return page(400, 'This client has no callback URL registered, so it cannot use the authorization_code grant.');
      if (given !== undefined && given !== client.callbackUrl) return page(400, 'redirect_uri does not match the callback URL registered for this client.');

      const state = param(params, 'state');
      const back = { redirectUri: client.callbackUrl, state: typeof state === 'string' && state.length <= MAX_STATE ? state : null };
      if (state === null) return refuse(back, 'invalid_request', 'state is repeated');
      if (state !== undefined && state.length > MAX_STATE) return refuse(back, 'invalid_request', 'state is too long');
      if (!client.grantTypes.includes('authorization_code')) return refuse(back, 'unauthorized_client', 'The client is not allowed the authorization_code grant');
      const responseType = param(params, 'response_type');
      if (responseType === undefined || responseType === null) return refuse(back, 'invalid_request', 'response_type is required');
      if (responseType !== 'code') return refuse(back, 'unsupported_response_type', 'Only response_type=code is supported');
      const challenge = param(params, 'code_challenge');
      const method = param(params, 'code_challenge_method');
      if (challenge === undefined || challenge === null) return refuse(back, 'invalid_request', 'code_challenge is required (PKCE)');
      if (method !== 'S256') return refuse(back, 'invalid_request', 'code_challenge_method must be S256 (plain is not supported)');
      if (!isS256Challenge(challenge)) return refuse(back, 'invalid_request', 'code_challenge is not a base64url SHA-256');
      const scope = param(params, 'scope');
      if (scope === null || (scope !== undefined && scope.length > MAX_SCOPE)) return refuse(back, 'invalid_scope', 'scope is repeated or too long');

      const request: AuthorizationRequest = {
        clientId,
        redirectUri: client.callbackUrl,
        redirectUriGiven: given !== undefined,
        scope: [...new Set((scope ?? '').split(' ').filter(Boolean))],
        state: back.state,
        codeChallenge: challenge,
      };
      const binding = deps.newBinding();
      let transactionId: string;
      try {
        transactionId = deps.store.openTransaction(request, binding);
      } catch (e) {
        if (e instanceof AuthorizationStoreFull) return refuse(back, 'temporarily_unavailable', 'Too many sign-ins in flight; try again shortly');
        throw e;
      }
      return { kind: 'login', status: 200, transactionId, binding, applicationName: client.application.name, scope: request.scope, message: null };
    },

    async complete(form, binding, ctx) {
      const id = param(form, 'transaction');
      const request = typeof id === 'string' && binding ? deps.store.transaction(id, binding) : undefined;
      if (!request || typeof id !== 'string') return page(400, 'This sign-in page has expired or was not opened in this browser. Go back to the application and start again.');
      if (form.action === 'cancel') {
        deps.store.closeTransaction(id);
        return refuse(request, 'access_denied', 'The user cancelled the sign-in');
      }
      const login = (status: number, message: string): AuthorizeResult =>
        ({ kind: 'login', status, transactionId: id, binding: null, applicationName: applicationName(request.clientId), scope: request.scope, message });
      const username = param(form, 'username');
      const password = param(form, 'password');
      if (typeof username !== 'string' || typeof password !== 'string') return login(400, 'Enter your user name and password.');
      const outcome = await deps.commands.verifyPassword(username, password, ctx);
      if (!outcome.ok) {
        return login(401, outcome.reason === 'LOCKED'
          ? `Too many failed sign-ins: the account is locked until ${outcome.lockedUntil}.`
          : 'Invalid user name or password.');
      }
      deps.store.closeTransaction(id);
      let code: string;
      try {
        code = deps.store.issueCode({ request, subject: outcome.username });
      } catch (e) {
        if (e instanceof AuthorizationStoreFull) return refuse(request, 'temporarily_unavailable', 'Too many sign-ins in flight; try again shortly');
        throw e;
      }
      return { kind: 'redirect', location: redirectTo(request.redirectUri, deps.issuer(), request.state, { code }) };
    },
  };
}
