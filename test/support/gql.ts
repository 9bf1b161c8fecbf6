// A minimal GraphQL-over-HTTP client for end-to-end tests: raw status, data and errors.
export interface GqlResponse<T = Record<string, unknown>> {
  status: number;
  data: T | null;
  errors: Array<{ message: string; path?: string[]; extensions?: Record<string, unknown> }> | undefined;
  headers: Headers;
}

export async function gql<T = Record<string, any>>(baseUrl: string, query: string, variables: Record<string, unknown> = {}, token?: string): Promise<GqlResponse<T>> {
  const res = await fetch(`${baseUrl}/graphql`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...(token ? { authorization: `Bearer ${token}` } : {}) },
    body: JSON.stringify({ query, variables }),
  });
  const body = (await res.json()) as { data?: T | null; errors?: GqlResponse['errors'] };
  return { status: res.status, data: body.data ?? null, errors: body.errors, headers: res.headers };
}

/** Data of a response that must have succeeded (the errors are the assertion message otherwise). */
export async function gqlOk<T = Record<string, any>>(baseUrl: string, query: string, variables: Record<string, unknown> = {}, token?: string): Promise<T> {
  const r = await gql<T>(baseUrl, query, variables, token);
  if (r.errors?.length || r.status !== 200 || !r.data) throw new Error(`GraphQL failed (${r.status}): ${JSON.stringify(r.errors)}`);
  return r.data;
}

export const codeOf = (r: GqlResponse<unknown>): unknown => r.errors?.[0]?.extensions?.code;

/** Password grant with the portals' public client: the access token for /graphql. */
export async function login(baseUrl: string, username: string, password: string): Promise<string> {
  const res = await fetch(`${baseUrl}/oauth2/token`, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams({ grant_type: 'password', client_id: 'gatehouse-portal', username, password }),
  });
  const body = (await res.json()) as { access_token?: string; error?: string };
  if (!res.ok || !body.access_token) throw new Error(`login ${username} failed: ${res.status} ${JSON.stringify(body)}`);
  return body.access_token;
}

export async function headPosition(baseUrl: string): Promise<bigint> {
  const d = await gqlOk<{ headPosition: string }>(baseUrl, '{ headPosition }');
  return BigInt(d.headPosition);
}
