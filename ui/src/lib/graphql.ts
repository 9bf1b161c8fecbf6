// The one way the portals talk to the management API: POST /graphql with the session's
// bearer token, and live subscriptions over graphql-transport-ws. Errors become GqlError with
// the server's extensions.code and a sentence a person can read.
import { createClient, type Client } from 'graphql-ws';
import { accessToken, currentSession, onSessionChange, refresh } from './auth.ts';

export type Variables = Record<string, unknown>;

export interface GqlErrorDetail {
  message: string;
  code: string;
  extensions: Record<string, unknown>;
  path?: readonly (string | number)[];
}

const CODE_TITLES: Record<string, string> = {
  UNAUTHENTICATED: 'Please sign in',
  FORBIDDEN: 'Not allowed',
  NOT_FOUND: 'Not found',
  BAD_USER_INPUT: 'Check the input',
  CONFLICT: 'Conflict',
  INVALID_TRANSITION: 'Not possible now',
  INTERNAL: 'Server error',
  NETWORK: 'Cannot reach the server',
  GRAPHQL_VALIDATION_FAILED: 'Invalid request',
};

export class GqlError extends Error {
  constructor(readonly code: string, message: string, readonly details: GqlErrorDetail[]) {
    super(message);
    this.name = 'GqlError';
  }
  get title(): string {
    return CODE_TITLES[this.code] ?? 'Request failed';
  }
}

const extra = (ext: Record<string, unknown>): string => {
  const parts: string[] = [];
  if (ext.currentVersion !== undefined) parts.push(`current version ${String(ext.currentVersion)}`);
  if (typeof ext.field === 'string') parts.push(`field ${ext.field}`);
  if (typeof ext.argument === 'string') parts.push(`argument ${ext.argument}`);
  return parts.length ? ` (${parts.join(', ')})` : '';
};

function toGqlError(errors: Array<{ message?: string; extensions?: Record<string, unknown>; path?: (string | number)[] }>): GqlError {
  const details: GqlErrorDetail[] = errors.map((e) => {
    const extensions = e.extensions ?? {};
    return {
      message: e.message ?? 'Unknown error',
      code: typeof extensions.code === 'string' ? extensions.code : 'INTERNAL',
      extensions,
      ...(e.path ? { path: e.path } : {}),
    };
  });
  const first = details[0] ?? { message: 'Unknown error', code: 'INTERNAL', extensions: {} };
  const message = details.map((d) => d.message + extra(d.extensions)).join(' · ');
  return new GqlError(first.code, message, details);
}

/** A person-readable sentence for any error a page may catch. */
export function describeError(e: unknown): { title: string; message: string } {
  if (e instanceof GqlError) return { title: e.title, message: e.message };
  if (e instanceof Error) return { title: 'Something went wrong', message: e.message };
  return { title: 'Something went wrong', message: String(e) };
}

interface Envelope<T> {
  data?: T | null;
  errors?: Array<{ message?: string; extensions?: Record<string, unknown>; path?: (string | number)[] }>;
}

async function post<T>(query: string, variables: Variables | undefined, token: string | null): Promise<{ status: number; body: Envelope<T> }> {
  const headers: Record<string, string> = { 'content-type': 'application/json', accept: 'application/json' };
  if (token) headers.authorization = `Bearer ${token}`;
  let response: Response;
  try {
    response = await fetch('/graphql', { method: 'POST', headers, body: JSON.stringify({ query, variables }) });
  } catch {
    throw new GqlError('NETWORK', 'The control plane did not answer. Check that Gatehouse is running.', []);
  }
  let body: Envelope<T>;
  try {
    body = (await response.json()) as Envelope<T>;
  } catch {
    throw new GqlError('INTERNAL', `The server answered HTTP ${response.status} without a GraphQL body.`, []);
  }
  return { status: response.status, body };
}

/** Runs a query or mutation; resolves with `data`, rejects with a GqlError. */
export async function gql<T>(query: string, variables?: Variables): Promise<T> {
  let token = await accessToken();
  let { body } = await post<T>(query, variables, token);
  const unauthenticated = body.errors?.some((e) => e.extensions?.code === 'UNAUTHENTICATED');
  if (unauthenticated && token && currentSession()?.refreshToken) {
    await refresh();
    token = currentSession()?.accessToken ?? null;
    if (token) ({ body } = await post<T>(query, variables, token));
  }
  if (body.errors?.length) throw toGqlError(body.errors);
  if (body.data == null) throw new GqlError('INTERNAL', 'The server returned no data.', []);
  return body.data;
}

// ---------------------------------------------------------------- subscriptions

let wsClient: Client | null = null;

function socketUrl(): string {
  const proto = location.protocol === 'https:' ? 'wss:' : 'ws:';
  return `${proto}//${location.host}/graphql`;
}

function client(): Client {
  wsClient ??= createClient({
    url: socketUrl(),
    lazy: true,
    lazyCloseTimeout: 1_000,
    retryAttempts: 5,
    connectionParams: async () => {
      const token = await accessToken();
      return token ? { authorization: `Bearer ${token}` } : {};
    },
  });
  return wsClient;
}

// A new session (or none) needs a new connection: the server authenticates on connection_init.
onSessionChange(() => {
  const old = wsClient;
  wsClient = null;
  void old?.dispose();
});

/** Subscribes; returns the unsubscribe function. Errors are delivered as GqlError. */
export function subscribe<T>(query: string, variables: Variables | undefined, sink: { next(data: T): void; error(e: GqlError): void }): () => void {
  return client().subscribe<T>(
    { query, variables },
    {
      next(result) {
        if (result.errors?.length) sink.error(toGqlError(result.errors as Envelope<T>['errors'] & object));
        else if (result.data) sink.next(result.data as T);
      },
      error(e) {
        if (Array.isArray(e)) sink.error(toGqlError(e as Envelope<T>['errors'] & object));
        else if (e instanceof Error) sink.error(new GqlError('NETWORK', e.message, []));
        else sink.error(new GqlError('NETWORK', 'The live connection closed.', []));
      },
      complete() {},
    },
  );
}
