// The backend hard limit (WSO2 maxTps) end to end: set through GraphQL on the embedded app,
// enforced by its gateway in front of a real echo backend process. Production 5 per second:
// a burst of 8 within one wall-clock second gets 5 × 200 then 503 / 900801 with Retry-After,
// a sandbox key on the same API (no sandbox limit) is unaffected, the next second serves
// again, and removing the limit with updateApi lifts it.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { setTimeout as sleep } from 'node:timers/promises';
import { startBackend, type RunningBackend } from '../support/backend.ts';
import { startInProcess } from '../support/server.ts';
import { codeOf, gql, gqlOk, headPosition, login } from '../support/gql.ts';

type Running = Awaited<ReturnType<typeof startInProcess>>;
let server: Running;
let backend: RunningBackend;
let admin: string;
let apiId: string;
const auth: Record<'PRODUCTION' | 'SANDBOX', Record<string, string>> = { PRODUCTION: {}, SANDBOX: {} };

const API_FIELDS = 'id streamVersion maxTps { production sandbox }';

async function clientCredentialsToken(consumerKey: string, consumerSecret: string): Promise<string> {
  const res = await fetch(`${server.baseUrl}/oauth2/token`, {
    method: 'POST',
    headers: { authorization: `Basic ${Buffer.from(`${consumerKey}:${consumerSecret}`).toString('base64')}`, 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams({ grant_type: 'client_credentials' }),
  });
  const body = (await res.json()) as { access_token?: string };
  assert.equal(res.status, 200, JSON.stringify(body));
  return body.access_token!;
}

before(async () => {
  [server, backend] = await Promise.all([startInProcess({ gateway: true }), startBackend()]);
  const base = server.baseUrl;
  admin = await login(base, 'admin', server.adminPassword);
  const created = await gqlOk(base, `mutation($i: CreateApiInput!) { createApi(input: $i) { ${API_FIELDS} } }`, {
    i: {
      name: 'Fragile', context: '/fragile', version: '1.0.0',
      endpoints: { production: `${backend.url}/prod`, sandbox: `${backend.url}/sandbox` },
      operations: [{ verb: 'GET', target: '/items' }],
      maxTps: { production: 5 },
    },
  }, admin);
  apiId = created.createApi.id as string;
  assert.deepEqual(created.createApi.maxTps, { production: 5, sandbox: null }, 'createApi answers with the limit it recorded');
  await gqlOk(base, `mutation { changeLifecycle(apiId: "${apiId}", action: PUBLISH) { lifecycleStatus } }`, {}, admin);
  await gqlOk(base, 'mutation { signUp(username: "erin", password: "erin-pw-1234") { username } }');
  const erin = await login(base, 'erin', 'erin-pw-1234');
  const appId = (await gqlOk(base, '{ applications { id } }', {}, erin)).applications[0].id as string;
  await gqlOk(base, `mutation { subscribe(applicationId: "${appId}", apiId: "${apiId}", throttlingPolicy: "Unlimited") { id } }`, {}, erin);
  for (const keyType of ['PRODUCTION', 'SANDBOX'] as const) {
    const keys = (await gqlOk(base, `mutation { generateKeys(applicationId: "${appId}", keyType: ${keyType}, grantTypes: ["client_credentials"]) { consumerKey consumerSecret } }`, {}, erin)).generateKeys;
    auth[keyType] = { authorization: `Bearer ${await clientCredentialsToken(keys.consumerKey, keys.consumerSecret)}` };
  }
});
after(() => Promise.all([server?.stop(), backend?.close()]));

interface Answer {
  status: number;
  retryAfter: string | null;
  code: string | null;
  /** The backend answered (its echo header), i.e. the request crossed the gateway. */
  reachedBackend: boolean;
}

async function call(headers: Record<string, string>): Promise<Answer> {
  const res = await fetch(`${server.gatewayUrl}/fragile/1.0.0/items`, { headers });
  const text = await res.text();
  const code = res.status === 200 ? null : String((JSON.parse(text) as { code: string }).code);
  return { status: res.status, retryAfter: res.headers.get('retry-after'), code, reachedBackend: res.headers.get('x-backend') === 'echo' };
}

/** Sleeps to just past the start of the next wall-clock second (the gateway's 1 s windows). */
async function nextSecond(): Promise<void> {
  await sleep(1000 - (Date.now() % 1000) + 5);
}

/**
 * Sends the requests one after another, starting at the beginning of a wall-clock second.
 * The gateway stamps each request between our send and its answer (same clock), so when the
 * first send and the last answer fall in one second, every request was counted in that
 * second's window. A run that spilled over (a stall on a loaded machine) is tried again.
 */
async function withinOneSecond(requests: Record<string, string>[]): Promise<Answer[]> {
  for (let attempt = 0; attempt < 5; attempt++) {
    await nextSecond();
    const start = Date.now();
    const answers: Answer[] = [];
    for (const headers of requests) answers.push(await call(headers));
    if (Math.floor(start / 1000) === Math.floor(Date.now() / 1000)) return answers;
  }
  throw new Error('five bursts in a row did not fit in one wall-clock second');
}

const repeat = <T>(n: number, x: T): T[] => Array.from({ length: n }, () => x);

describe('backend hard limit (maxTps) through GraphQL, the embedded gateway and a real backend', () => {
  test('the API reads back with maxTps; invalid limits are BAD_USER_INPUT and append nothing', async () => {
    const read = await gqlOk(server.baseUrl, `{ api(id: "${apiId}") { ${API_FIELDS} } }`, {}, admin);
    assert.deepEqual(read.api.maxTps, { production: 5, sandbox: null });
    const head = await headPosition(server.baseUrl);
    for (const maxTps of [{ production: 0 }, { sandbox: -3 }, { production: 1_000_001 }]) {
      const r = await gql(server.baseUrl, `mutation($i: UpdateApiInput!) { updateApi(id: "${apiId}", input: $i) { id } }`, { i: { maxTps } }, admin);
      assert.equal(codeOf(r), 'BAD_USER_INPUT', JSON.stringify(r.errors));
      assert.match(r.errors![0]!.message, /maxTps\.(production|sandbox)/);
    }
    const r = await gql(server.baseUrl, `mutation($i: UpdateApiInput!) { updateApi(id: "${apiId}", input: $i) { id } }`, { i: { maxTps: { production: 2.5 } } }, admin);
    assert.equal(codeOf(r), 'BAD_USER_INPUT', 'GraphQL Int refuses a fraction');
    assert.equal(await headPosition(server.baseUrl), head, 'no refused update reached the log');
  });

  test('production 5/s: a burst of 8 in one second gets 5 × 200, then 503/900801 with Retry-After; a sandbox key is unaffected; the next second serves again', async () => {
    const answers = await withinOneSecond([...repeat(8, auth.PRODUCTION), ...repeat(8, auth.SANDBOX)]);
    const production = answers.slice(0, 8);
    const sandbox = answers.slice(8);
    assert.deepEqual(production.map((a) => a.status), [...repeat(5, 200), ...repeat(3, 503)]);
    for (const a of production.slice(0, 5)) assert.equal(a.reachedBackend, true);
    for (const a of production.slice(5)) {
      assert.deepEqual(a, { status: 503, retryAfter: '1', code: '900801', reachedBackend: false });
    }
    assert.deepEqual(sandbox.map((a) => a.status), repeat(8, 200), 'no sandbox limit: the exhausted production window does not touch sandbox keys');
    for (const a of sandbox) assert.equal(a.reachedBackend, true);

    await nextSecond();
    const again = await call(auth.PRODUCTION);
    assert.equal(again.status, 200, 'a new second is a new window');
  });

  test('updateApi with maxTps null lifts the limit at once', async () => {
    const updated = await gqlOk(server.baseUrl, `mutation($i: UpdateApiInput!) { updateApi(id: "${apiId}", input: $i) { ${API_FIELDS} } }`, { i: { maxTps: null } }, admin);
    assert.equal(updated.updateApi.maxTps, null);
    const answers = await withinOneSecond(repeat(8, auth.PRODUCTION));
    assert.deepEqual(answers.map((a) => a.status), repeat(8, 200));
  });
});
