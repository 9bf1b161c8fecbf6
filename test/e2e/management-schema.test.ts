// Every field of every entity the SDL promises resolves: after a small story, each list query
// is asked for all its scalar fields (two levels deep) and must answer without an error, so a
// non-null field without data or resolver cannot hide in a corner of the schema.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { buildSchema, getNamedType, isLeafType, isNonNullType, isObjectType, type GraphQLField, type GraphQLObjectType } from 'graphql';
import { SCHEMA_PATH } from '../../api/graphql/index.ts';
import { startInProcess } from '../support/server.ts';
import { gql, gqlOk, login } from '../support/gql.ts';

type Running = Awaited<ReturnType<typeof startInProcess>>;

const schema = buildSchema(readFileSync(SCHEMA_PATH, 'utf8'));

/** A selection of every field that needs no required argument, `depth` object levels deep. */
function selection(type: GraphQLObjectType, depth: number): string {
  const parts: string[] = [];
  for (const field of Object.values(type.getFields()) as GraphQLField<unknown, unknown>[]) {
    if (field.args.some((a) => isNonNullType(a.type) && a.defaultValue === undefined)) continue;
    const named = getNamedType(field.type);
    if (isLeafType(named)) parts.push(field.name);
    else if (isObjectType(named) && depth > 0) parts.push(`${field.name} { ${selection(named, depth - 1)} }`);
  }
  return parts.join(' ') || '__typename';
}

describe('every promised field resolves', () => {
  let server: Running;
  let admin: string;
  const ids: Record<string, string> = {};

  before(async () => {
    server = await startInProcess();
    const base = server.baseUrl;
    admin = await login(base, 'admin', server.adminPassword);
    const api = await gqlOk(base, `mutation { createApi(input: { name: "Full", context: "/full", version: "1.0.0", description: "d", tags: ["t"],
      endpoints: { production: "http://127.0.0.1:9/", sandbox: "http://127.0.0.1:9/s" },
      operations: [{ verb: GET, target: "/a/{id}", scopes: ["s:read"] }], scopes: [{ name: "s:read", roles: ["subscriber"] }],
      documents: [{ name: "Guide", type: HOWTO, sourceType: MARKDOWN, content: "# hi" }], cors: { enabled: true } }) { id } }`, {}, admin);
    ids.api = api.createApi.id;
    await gqlOk(base, `mutation { changeLifecycle(apiId: "${ids.api}", action: PUBLISH) { id } }`, {}, admin);
    const app = await gqlOk(base, 'mutation { createApplication(input: { name: "A", description: "x" }) { id } }', {}, admin);
    ids.app = app.createApplication.id;
    const sub = await gqlOk(base, `mutation { subscribe(applicationId: "${ids.app}", apiId: "${ids.api}", throttlingPolicy: "Unlimited") { id } }`, {}, admin);
    ids.sub = sub.subscribe.id;
    await gqlOk(base, `mutation { generateKeys(applicationId: "${ids.app}", keyType: SANDBOX) { consumerKey } }`, {}, admin);
    await gqlOk(base, `mutation { generateApiKey(applicationId: "${ids.app}", keyType: PRODUCTION, validitySeconds: 600, permittedIPs: ["10.0.0.0/8"]) { jti } }`, {}, admin);
    await gqlOk(base, 'mutation { addBlockingCondition(type: IP, value: "192.0.2.1") { id } }', {}, admin);
    await gqlOk(base, 'mutation { createThrottlingPolicy(input: { level: ADVANCED, name: "Cond", requestCount: 10, unitTime: 1, timeUnit: MIN, conditionalGroups: [{ conditions: [{ type: HEADER, name: "x-tier", value: "gold" }], requestCount: 100, unitTime: 1, timeUnit: MIN }] }) { name } }', {}, admin);
  });
  after(() => server.stop());

  const queries: Array<[string, string]> = [
    ['apis', 'apis(first: 10)'],
    ['api', 'api(id: $api)'],
    ['apiAt', 'apiAt(id: $api, position: "999999")'],
    ['applications', 'applications'],
    ['application', 'application(id: $app)'],
    ['subscriptions', 'subscriptions'],
    ['throttlingPolicies', 'throttlingPolicies'],
    ['blockingConditions', 'blockingConditions'],
    ['users', 'users'],
    ['signingKeys', 'signingKeys'],
    ['events', 'events(limit: 50)'],
    ['me', 'me'],
  ];
  for (const [field, call] of queries) {
    test(`${field}: all fields resolve`, async () => {
      const type = getNamedType(schema.getQueryType()!.getFields()[field]!.type) as GraphQLObjectType;
      const vars = [call.includes('$api') ? '$api: ID!' : '', call.includes('$app') ? '$app: ID!' : ''].filter(Boolean);
      const declared = vars.length ? `(${vars.join(', ')})` : '';
      const values = { ...(call.includes('$api') ? { api: ids.api } : {}), ...(call.includes('$app') ? { app: ids.app } : {}) };
      const r = await gql(server.baseUrl, `query${declared} { x: ${call} { ${selection(type, 2)} } }`, values, admin);
      assert.equal(r.errors, undefined, JSON.stringify(r.errors));
      assert.ok(r.data?.x, `${field} returned data`);
    });
  }
});
