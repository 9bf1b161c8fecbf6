// Management-plane figures, measured against the server started as users start it (a child
// `gatehouse start`), load generated from this process (autocannon):
//   token_endpoint_per_s          client_credentials tokens per second (target ≥ 2000)
//   health_per_s                  the baseline: the cheapest route of the same server
//   token_vs_health_ratio         what issuing a signed JWT costs relative to that baseline
//   graphql_apis_first50_p99_ms   p99 latency of apis(first: 50) with 10k APIs in the view (1 connection)
//   graphql_apis_first50_anon_p99_ms   the same as an anonymous portal visitor (visibility filter)
// The same query repeated hits the control plane's page cache (keyed by view position) after
// the first request: these are the latencies a portal landing page sees.
// BENCH_QUICK=1: shorter runs (< 60 s in all). The 10k APIs are appended straight to the log as
// the events the domain writes (ApiCreated + ApiLifecycleChanged): the figure is about reading.
import { randomUUID } from 'node:crypto';
import { join } from 'node:path';
import autocannon from 'autocannon';
import type { ApiDefinition } from '../domain/api/events.ts';
import type { GatehouseEvent } from '../domain/events.ts';
import { currentSchemaVersion } from '../domain/upcasting.ts';
import { apiStream } from '../domain/streams.ts';
import { openSqliteEventStore } from '../infra/eventstore/sqlite.ts';
import { startServer } from '../test/support/server.ts';
import { gqlOk, login } from '../test/support/gql.ts';

const QUICK = process.env.BENCH_QUICK === '1';
const API_COUNT = 10_000;
const TOKEN_SECONDS = QUICK ? 4 : 15;
const GRAPHQL_SECONDS = QUICK ? 4 : 15;

const definition = (i: number): ApiDefinition => ({
  description: `Bench API ${i}`,
  endpoints: { production: `http://127.0.0.1:9/${i}`, sandbox: null },
  operations: [{ verb: 'GET', target: '/items', authType: 'APPLICATION_AND_APPLICATION_USER', scopes: [], throttlingPolicy: null }],
  subscriptionPolicies: ['Unlimited'],
  apiThrottlingPolicy: null,
  securitySchemes: ['OAUTH2'],
  scopes: [],
  backendJwt: false,
  cors: { enabled: false, allowOrigins: ['*'], allowCredentials: false, allowHeaders: [], allowMethods: [] },
  tags: ['bench'],
  visibility: 'PUBLIC',
  visibleRoles: [],
});

async function seedApis(dataDir: string, count: number): Promise<bigint> {
  const store = openSqliteEventStore({ path: join(dataDir, 'events.db') });
  let last = 0n;
  try {
    for (let i = 0; i < count; i++) {
      const apiId = randomUUID();
      const events: GatehouseEvent[] = [
        { type: 'ApiCreated', data: { apiId, name: `bench-${String(i).padStart(5, '0')}`, context: `/bench${i}`, version: '1.0.0', provider: 'admin', lifecycleStatus: 'CREATED', copiedFrom: null, ...definition(i) } },
        { type: 'ApiLifecycleChanged', data: { apiId, action: 'PUBLISH', from: 'CREATED', to: 'PUBLISHED', checklist: { deprecateOldVersions: false, requireResubscription: false }, causedBy: null } },
      ];
      const r = await store.appendToStream(apiStream(apiId), events.map((e) => ({
        type: e.type,
        data: e.data,
        metadata: { eventId: randomUUID(), actor: 'admin', correlationId: 'bench', causationId: null, recordedAt: new Date().toISOString(), schemaVersion: currentSchemaVersion(e.type) },
      })));
      last = r.lastGlobalPosition;
    }
  } finally {
    await store.close();
  }
  return last;
}

function run(opts: autocannon.Options): Promise<autocannon.Result> {
  return new Promise((resolve, reject) => {
    autocannon(opts, (err, result) => (err ? reject(err) : resolve(result)));
  });
}

async function main(): Promise<void> {
  const server = await startServer({ env: { GATEHOUSE_LOG_LEVEL: 'warn' } });
  try {
    const base = server.baseUrl;
    const admin = await login(base, 'admin', server.adminPassword);
    const apps = await gqlOk(base, '{ applications { id } }', {}, admin);
    const keys = await gqlOk(base, 'mutation($a: ID!) { generateKeys(applicationId: $a, keyType: PRODUCTION, grantTypes: ["client_credentials"]) { consumerKey consumerSecret } }', { a: apps.applications[0].id }, admin);
    const basic = `Basic ${Buffer.from(`${keys.generateKeys.consumerKey}:${keys.generateKeys.consumerSecret}`).toString('base64')}`;

    const health = await run({ url: `${base}/health`, connections: 16, duration: TOKEN_SECONDS });
    const tokens = await run({
      url: `${base}/oauth2/token`,
      method: 'POST',
      connections: 16,
      duration: TOKEN_SECONDS,
      headers: { authorization: basic, 'content-type': 'application/x-www-form-urlencoded' },
      body: 'grant_type=client_credentials',
    });
    if (tokens.non2xx > 0 || tokens.errors > 0) throw new Error(`token endpoint failures: ${tokens.non2xx} non-2xx, ${tokens.errors} errors`);

    const head = await seedApis(server.dataDir, API_COUNT);
    const seen = await gqlOk(base, `{ apis(first: 1, atLeastPosition: "${head}") { totalCount } }`, {}, admin).catch(async () => {
      await new Promise((r) => setTimeout(r, 10_000)); // a slow machine: give the views a little longer
      return gqlOk(base, `{ apis(first: 1, atLeastPosition: "${head}") { totalCount } }`, {}, admin);
    });
    if (seen.apis.totalCount < API_COUNT) throw new Error(`only ${seen.apis.totalCount} APIs in the view`);

    const query = JSON.stringify({ query: '{ apis(first: 50) { totalCount pageInfo { hasNextPage endCursor } nodes { id name context version lifecycleStatus streamVersion position } } }' });
    const asAdmin = await run({ url: `${base}/graphql`, method: 'POST', connections: 1, duration: GRAPHQL_SECONDS, headers: { 'content-type': 'application/json', authorization: `Bearer ${admin}` }, body: query });
    const asAnon = await run({ url: `${base}/graphql`, method: 'POST', connections: 1, duration: GRAPHQL_SECONDS, headers: { 'content-type': 'application/json' }, body: query });
    if (asAdmin.non2xx || asAnon.non2xx) throw new Error('GraphQL failures during the run');

    const figures: Array<[string, number]> = [
      ['token_endpoint_per_s', Math.round(tokens.requests.average)],
      ['health_per_s', Math.round(health.requests.average)],
      ['token_vs_health_ratio', Number((tokens.requests.average / health.requests.average).toFixed(3))],
      ['graphql_apis_first50_p99_ms', asAdmin.latency.p99],
      ['graphql_apis_first50_anon_p99_ms', asAnon.latency.p99],
    ];
    for (const [name, value] of figures) process.stdout.write(`${name}=${value}\n`);
  } finally {
    await server.stop();
  }
}

main().catch((e: unknown) => {
  console.error(`bench:management failed: ${e instanceof Error ? e.message : String(e)}`);
  process.exit(1);
});
