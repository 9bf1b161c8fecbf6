// The portal session: OAuth2 password grant through the public client `gatehouse-portal`,
// refreshed before expiry (refresh tokens rotate, so one refresh is in flight at a time),
// revoked on logout. Tokens live in sessionStorage so a reload keeps the session and closing
// the tab ends it.

export const PORTAL_CLIENT_ID = 'gatehouse-portal';
const STORAGE_KEY = 'gatehouse.session';
/** Refresh this long before the access token expires. */
const REFRESH_MARGIN_MS = 60_000;

export interface Session {
  username: string;
  accessToken: string;
  refreshToken: string | null;
  /** Epoch ms. */
  expiresAt: number;
}

interface TokenResponse {
  access_token: string;
  refresh_token?: string;
  expires_in?: number;
}

/** An RFC 6749 error from the key manager, with its human description. */
export class OAuthError extends Error {
  constructor(readonly error: string, description: string | undefined, readonly status: number) {
    super(description || readableOAuthError(error));
    this.name = 'OAuthError';
  }
}

function readableOAuthError(error: string): string {
  switch (error) {
    case 'invalid_grant': return 'Wrong username or password.';
    case 'invalid_client': return 'The client credentials were refused.';
    case 'unauthorized_client': return 'This client may not use that grant.';
    case 'invalid_request': return 'The request was incomplete.';
    case 'temporarily_unavailable': return 'The key manager is busy; try again shortly.';
    default: return `The key manager refused the request (${error}).`;
  }
}

type Listener = (s: Session | null) => void;
const listeners = new Set<Listener>();
let session: Session | null = load();
let refreshing: Promise<Session | null> | null = null;
let timer: ReturnType<typeof setTimeout> | undefined;

function load(): Session | null {
  try {
    const raw = sessionStorage.getItem(STORAGE_KEY);
    return raw ? (JSON.parse(raw) as Session) : null;
  } catch {
    return null;
  }
}

function set(next: Session | null): void {
  session = next;
  if (next) sessionStorage.setItem(STORAGE_KEY, JSON.stringify(next));
  else sessionStorage.removeItem(STORAGE_KEY);
  schedule();
  for (const l of listeners) l(next);
}

function schedule(): void {
  clearTimeout(timer);
  if (!session?.refreshToken) return;
  const delay = Math.max(1_000, session.expiresAt - Date.now() - REFRESH_MARGIN_MS);
  timer = setTimeout(() => void refresh(), Math.min(delay, 2_147_000_000));
}

export const currentSession = (): Session | null => session;

export function onSessionChange(l: Listener): () => void {
  listeners.add(l);
  return () => listeners.delete(l);
}

/** POSTs a form to a key-manager endpoint; throws OAuthError on an RFC 6749 error body. */
export async function tokenRequest(path: string, form: Record<string, string>, basic?: { id: string; secret: string }): Promise<Record<string, unknown>> {
  const headers: Record<string, string> = { 'content-type': 'application/x-www-form-urlencoded', accept: 'application/json' };
  if (basic) headers.authorization = `Basic ${btoa(`${encodeURIComponent(basic.id)}:${encodeURIComponent(basic.secret)}`)}`;
  let response: Response;
  try {
    response = await fetch(path, { method: 'POST', headers, body: new URLSearchParams(form) });
  } catch {
    throw new OAuthError('temporarily_unavailable', 'Cannot reach the key manager.', 0);
  }
  const text = await response.text();
  let body: Record<string, unknown> = {};
  try {
    body = text ? (JSON.parse(text) as Record<string, unknown>) : {};
  } catch {
    body = {};
  }
  if (!response.ok) {
    throw new OAuthError(String(body.error ?? 'server_error'), typeof body.error_description === 'string' ? body.error_description : undefined, response.status);
  }
  return body;
}

function fromTokens(username: string, t: TokenResponse, previousRefresh: string | null): Session {
  return {
    username,
    accessToken: t.access_token,
    refreshToken: t.refresh_token ?? previousRefresh,
    expiresAt: Date.now() + (t.expires_in ?? 3600) * 1000,
  };
}

export async function login(username: string, password: string): Promise<Session> {
  const t = (await tokenRequest('/oauth2/token', {
    grant_type: 'password',
    client_id: PORTAL_CLIENT_ID,
    username,
    password,
  })) as unknown as TokenResponse;
  const s = fromTokens(username, t, null);
  set(s);
  return s;
}

/** Rotates the refresh token; on failure the session ends (the user signs in again). */
export function refresh(): Promise<Session | null> {
  if (refreshing) return refreshing;
  const s = session;
  if (!s?.refreshToken) return Promise.resolve(s);
  refreshing = (async () => {
    try {
      const t = (await tokenRequest('/oauth2/token', {
        grant_type: 'refresh_token',
        client_id: PORTAL_CLIENT_ID,
        refresh_token: s.refreshToken!,
      })) as unknown as TokenResponse;
      const next = fromTokens(s.username, t, s.refreshToken);
      set(next);
      return next;
    } catch (e) {
      if (e instanceof OAuthError && e.status !== 0) set(null);
      return session;
    } finally {
      refreshing = null;
    }
  })();
  return refreshing;
}

/** A valid access token, refreshed first when it is about to expire; null when signed out. */
export async function accessToken(): Promise<string | null> {
  if (!session) return null;
  if (session.expiresAt - Date.now() < REFRESH_MARGIN_MS / 2) await refresh();
  return session?.accessToken ?? null;
}

/** Revokes the refresh token (its whole family) and the access token, then forgets both. */
export async function logout(): Promise<void> {
  const s = session;
  set(null);
  if (!s) return;
  const revoke = (token: string, hint: string) =>
    tokenRequest('/oauth2/revoke', { token, token_type_hint: hint, client_id: PORTAL_CLIENT_ID }).catch(() => undefined);
  await Promise.all([
    s.refreshToken ? revoke(s.refreshToken, 'refresh_token') : Promise.resolve(),
    revoke(s.accessToken, 'access_token'),
  ]);
}

schedule();
