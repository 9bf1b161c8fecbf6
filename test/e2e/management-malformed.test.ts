// Malformed GraphQL never yields a 5xx and never changes state: every request below is refused
// with a 4xx (or a 200 carrying BAD_USER_INPUT), and the log's head position does not move.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { startInProcess } from '../support/server.ts';
import { headPosition, login } from '../support/gql.ts';

type Running = Awaited<ReturnType<typeof startInProcess>>;

interface Raw { status: number; body: { data?: unknown; errors?: Array<{ message: string; extensions?: { code?: string } }> } | string }

async function post(base: string, body: string, headers: Record<string, string> = {}): Promise<Raw> {
  const res = await fetch(`${base}/graphql`, { method: 'POST', headers: { 'content-type': 'application/json', ...headers }, body });
  const text = await res.text();
  try {
    return { status: res.status, body: JSON.parse(text) };
  } catch {
    return { status: res.status, body: text };
  }
}

const nested = (depth: number): string => {
  let q = 'id';
  for (let i = 0; i < depth; i++) q = i % 2 === 0 ? `application { subscriptions { ${q} } }` : `subscriptions { application { ${q} } }`;
  return `{ applications { ${q} } }`;
};

describe('malformed GraphQL', () => {
  let server: Running;
  let token: string;
  let head: bigint;

  before(async () => {
    server = await startInProcess();
    token = await login(server.baseUrl, 'admin', server.adminPassword);
    head = await headPosition(server.baseUrl);
  });
  after(() => server.stop());

  const auth = () => ({ authorization: `Bearer ${token}` });
  const cases: Array<[string, () => Promise<Raw>]> = [
    ['syntax error', () => post(server.baseUrl, JSON.stringify({ query: 'mutation { createApi(input: { name: ' }), auth())],
    ['unknown field', () => post(server.baseUrl, JSON.stringify({ query: '{ nope }' }), auth())],
    ['wrong literal type', () => post(server.baseUrl, JSON.stringify({ query: 'mutation { createApi(input: { name: 42, context: "/x", version: "1", endpoints: {}, operations: [] }) { id } }' }), auth())],
    ['wrong variable type', () => post(server.baseUrl, JSON.stringify({ query: 'mutation($i: CreateApiInput!) { createApi(input: $i) { id } }', variables: { i: { name: ['x'] } } }), auth())],
    ['bad enum value', () => post(server.baseUrl, JSON.stringify({ query: 'mutation { changeLifecycle(apiId: "x", action: EXPLODE) { id } }' }), auth())],
    ['variables not an object', () => post(server.baseUrl, JSON.stringify({ query: '{ headPosition }', variables: 'x' }), auth())],
    ['query not a string', () => post(server.baseUrl, JSON.stringify({ query: 42 }), auth())],
    ['invalid JSON', () => post(server.baseUrl, '{"query": "{ headPosition }"', auth())],
    ['batched array', () => post(server.baseUrl, JSON.stringify([{ query: '{ headPosition }' }, { query: '{ headPosition }' }]), auth())],
    ['deep nesting', () => post(server.baseUrl, JSON.stringify({ query: nested(40) }), auth())],
    ['too many fields (aliases)', () => post(server.baseUrl, JSON.stringify({ query: `{ ${Array.from({ length: 5000 }, (_, i) => `a${i}: headPosition`).join(' ')} }` }), auth())],
    ['fragment cycle', () => post(server.baseUrl, JSON.stringify({ query: 'query { me { ...A } } fragment A on User { ...B } fragment B on User { ...A }' }), auth())],
    ['huge body', () => post(server.baseUrl, JSON.stringify({ query: `{ headPosition } # ${'x'.repeat(3 * 1024 * 1024)}` }), auth())],
    ['text/plain body', () => post(server.baseUrl, '{ headPosition }', { ...auth(), 'content-type': 'text/plain' })],
    ['idempotency key too long', () => post(server.baseUrl, JSON.stringify({ query: `mutation { createApplication(input: { name: "X" }, idempotencyKey: "${'k'.repeat(500)}") { id } }` }), auth())],
    ['negative expected version', () => post(server.baseUrl, JSON.stringify({ query: 'mutation { createApplication(input: { name: "X" }, expectedStreamVersion: -3) { id } }' }), auth())],
    ['bad position', () => post(server.baseUrl, JSON.stringify({ query: '{ apiAt(id: "x", position: "12abc") { id } }' }), auth())],
    ['mutation over GET', async () => {
      const res = await fetch(`${server.baseUrl}/graphql?query=${encodeURIComponent('mutation { createApplication(input: { name: "ViaGet" }) { id } }')}`, { headers: auth() });
      return { status: res.status, body: await res.text() };
    }],
  ];

  for (const [name, send] of cases) {
    test(`${name}: refused with a 4xx or a catalogued error, no 5xx, nothing appended`, async () => {
      const r = await send();
      assert.ok(r.status < 500, `status ${r.status}: ${JSON.stringify(r.body).slice(0, 300)}`);
      if (r.status === 200) {
        const body = r.body as Exclude<Raw['body'], string>;
        assert.ok(body.errors?.length, 'a 200 carries errors');
        assert.equal(body.errors![0]!.extensions?.code, 'BAD_USER_INPUT', JSON.stringify(body.errors));
      }
      const text = typeof r.body === 'string' ? r.body : JSON.stringify(r.body);
      assert.doesNotMatch(text, /at \w+ \(|node_modules|\.ts:\d+/, 'no stack trace leaks');
      assert.equal(await headPosition(server.baseUrl), head);
    });
  }

  test('a catalogued error body names its code for graphql-js errors too', async () => {
    const r = await post(server.baseUrl, JSON.stringify({ query: '{ nope }' }), auth());
    assert.equal(r.status, 400);
    assert.equal((r.body as { errors: Array<{ extensions: { code: string } }> }).errors[0]!.extensions.code, 'BAD_USER_INPUT');
  });
});
