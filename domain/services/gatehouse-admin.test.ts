// The facade's remaining flows: OpenAPI import, delete + re-create (reservations released),
// stale-reservation reclaim, application rename/delete, policies, deny policies, signing keys.
import assert from 'node:assert/strict';
import { before, describe, test } from 'node:test';
import { isDomainError } from '../errors.ts';
import { toNewEvents } from '../command-handler.ts';
import { STREAM_DOES_NOT_EXIST } from '../ports.ts';
import { apiContextReservation } from '../streams.ts';
import type { CommandContext } from './gatehouse.ts';
import { lookupFromStore } from './lookup-from-store.ts';
import { createTestRig, type TestRig } from '../../test/support/facade-rig.ts';

let n = 0;
const as = (actor: string, extra: Partial<CommandContext> = {}): CommandContext => ({ actor, correlationId: `a-${++n}`, ...extra });
const code = (c: string) => (e: unknown) => isDomainError(e) && e.code === c;

const OPENAPI_YAML = `
openapi: 3.0.3
info: { title: Weather, version: v1 }
x-wso2-basePath: /weather/v1
x-wso2-production-endpoints:
  urls: [ "https://weather.example/api" ]
paths:
  /forecast/{city}:
    get:
      x-auth-type: Application
      x-throttling-tier: 10KPerMin
      parameters:
        - { name: city, in: path, required: true, schema: { type: string } }
      responses: { "200": { description: ok } }
`;

describe('Gatehouse admin and lifecycle flows', () => {
  let rig: TestRig;
  before(async () => {
    rig = await createTestRig();
    await rig.gatehouse.bootstrap({});
  });

  test('bootstrap without a password generates one and reports it once', async () => {
    const fresh = await createTestRig();
    const r = await fresh.gatehouse.bootstrap({});
    assert.ok(r.generatedAdminPassword && r.generatedAdminPassword.length >= 20);
    assert.equal((await fresh.gatehouse.verifyPassword({ username: 'admin', password: r.generatedAdminPassword }, as('km'))).ok, true);
    assert.equal((await fresh.gatehouse.bootstrap({})).generatedAdminPassword, null);
  });

  test('importOpenApi with publish: converted, created and published', async () => {
    const r = await rig.gatehouse.importOpenApi({ definition: OPENAPI_YAML, publish: true }, as('admin'));
    const events = (await rig.store.readStream(`api-${r.id}`)).events;
    assert.deepEqual(events.map((e) => e.type), ['ApiCreated', 'ApiLifecycleChanged']);
    const d = events[0]!.data as { context: string; version: string; endpoints: unknown; operations: unknown[] };
    assert.deepEqual([d.context, d.version], ['/weather', 'v1']);
    assert.deepEqual(d.endpoints, { production: 'https://weather.example/api', sandbox: null });
    assert.deepEqual(d.operations, [{ verb: 'GET', target: '/forecast/{city}', authType: 'APPLICATION', scopes: [], throttlingPolicy: '10KPerMin' }]);
    assert.equal(events[0]!.metadata.schemaVersion, 2, 'ApiCreated is written at its current schema version');
  });

  test('deleting an API releases its context+version: the same pair can be created again', async () => {
    const input = { name: 'Temp', context: '/temp', version: '1', endpoints: { production: 'https://t.example' }, operations: [] };
    const first = await rig.gatehouse.createApi({ input }, as('admin'));
    await rig.gatehouse.deleteApi({ id: first.id }, as('admin'));
    const second = await rig.gatehouse.createApi({ input }, as('admin'));
    assert.notEqual(second.id, first.id);
    await assert.rejects(rig.gatehouse.updateApi({ id: first.id, input: { description: 'x' } }, as('admin')), code('NOT_FOUND'));
  });

  test('two concurrent creates of one context+version: exactly one wins', async () => {
    const input = { name: 'Race', context: '/race', version: '1', endpoints: { production: 'https://r.example' }, operations: [] };
    const results = await Promise.allSettled([rig.gatehouse.createApi({ input }, as('admin')), rig.gatehouse.createApi({ input }, as('admin'))]);
    assert.deepEqual(results.map((r) => r.status).sort(), ['fulfilled', 'rejected']);
    const lost = results.find((r) => r.status === 'rejected') as PromiseRejectedResult;
    assert.ok(code('CONFLICT')(lost.reason), String(lost.reason));
    const created = (await rig.store.readAll({ filter: { types: ['ApiCreated'] } })).filter((e) => (e.data as { context: string }).context === '/race');
    assert.equal(created.length, 1);
  });

  test('a stale reservation whose API never got created is reclaimed after the grace period', async () => {
    const reservation = apiContextReservation('/orphan', '1');
    const claimed = toNewEvents([{ type: 'ReservationClaimed', data: { kind: 'api-context', key: '/orphan 1', holderStreamId: 'api-00000000-0000-4000-8000-000000000000', claimedAt: rig.clock.now().toISOString(), reclaimedFrom: null } }], as('crashed'), { clock: rig.clock, random: { uuid: () => crypto.randomUUID(), token: () => 'x' } });
    await rig.store.appendToStream(reservation, claimed, { expectedStreamVersion: STREAM_DOES_NOT_EXIST });
    const input = { name: 'Orphan', context: '/orphan', version: '1', endpoints: { production: 'https://o.example' }, operations: [] };
    await assert.rejects(rig.gatehouse.createApi({ input }, as('admin')), code('CONFLICT'));
    rig.clock.advance(60);
    const api = await rig.gatehouse.createApi({ input }, as('admin'));
    const last = (await rig.store.readStream(reservation)).events.at(-1)!;
    assert.deepEqual((last.data as { holderStreamId: string; reclaimedFrom: string }).holderStreamId, `api-${api.id}`);
  });

  test('updateApi changes the definition and moves the default version', async () => {
    const input = { name: 'Maps', context: '/maps', version: '1', endpoints: { production: 'https://m.example' }, operations: [], isDefaultVersion: true };
    const v1 = await rig.gatehouse.createApi({ input }, as('admin'));
    const v2 = await rig.gatehouse.createNewVersion({ apiId: v1.id, version: '2' }, as('admin'));
    const updated = await rig.gatehouse.updateApi({ id: v2.id, input: { description: 'v2', isDefaultVersion: true, documents: [{ name: 'Guide', type: 'HOWTO', sourceType: 'MARKDOWN', content: '# Maps' }] } }, as('admin'));
    assert.equal(updated.streamVersion, 3n, 'ApiCreated, ApiUpdated, ApiDocumentAdded');
    const moved = (await rig.store.readStream('api-versions-maps')).events.at(-1)!;
    assert.deepEqual(moved.data, { name: 'Maps', context: '/maps', apiId: v2.id, version: '2', previousApiId: v1.id });
  });

  test('applications: rename frees the old name; delete removes its subscriptions', async () => {
    await rig.gatehouse.signUp({ username: 'dana', password: 'dana-password' }, as('anonymous'));
    const api = await rig.gatehouse.createApi({ input: { name: 'Shop', context: '/shop', version: '1', endpoints: { production: 'https://s.example' }, operations: [] } }, as('admin'));
    await rig.gatehouse.changeLifecycle({ apiId: api.id, action: 'PUBLISH' }, as('admin'));
    const app = await rig.gatehouse.createApplication({ input: { name: 'First' } }, as('dana'));
    const head = await rig.store.headPosition();
    await assert.rejects(rig.gatehouse.updateApplication({ id: app.id, input: { name: 'Second', throttlingPolicy: 'NoSuchTier' } }, as('dana')), code('BAD_USER_INPUT'));
    assert.equal(await rig.store.headPosition(), head, 'a refused rename takes no reservation');
    await rig.gatehouse.updateApplication({ id: app.id, input: { name: 'Second' } }, as('dana'));
    const other = await rig.gatehouse.createApplication({ input: { name: 'First' } }, as('dana'));
    await assert.rejects(rig.gatehouse.createApplication({ input: { name: 'Second' } }, as('dana')), code('CONFLICT'));
    const sub = await rig.gatehouse.subscribe({ applicationId: app.id, apiId: api.id, throttlingPolicy: 'Unlimited' }, as('dana'));
    await rig.gatehouse.deleteApplication({ id: app.id }, as('dana'));
    assert.deepEqual(await lookupFromStore(rig.store).subscriptionsOfApi(api.id), []);
    assert.equal((await rig.store.readStream(`sub-${sub.id}`)).events.at(-1)!.type, 'SubscriptionDeleted');
    // The application×API reservation was released: another application may subscribe, and the API can go.
    await rig.gatehouse.subscribe({ applicationId: other.id, apiId: api.id, throttlingPolicy: 'Unlimited' }, as('dana'));
  });

  test('subscriptions: block, production-only block, unblock by a publisher; tier change and unsubscribe by the owner', async () => {
    await rig.gatehouse.signUp({ username: 'erin', password: 'erin-password' }, as('anonymous'));
    const api = await rig.gatehouse.createApi({ input: { name: 'Bank', context: '/bank', version: '1', endpoints: { production: 'https://b.example' }, operations: [], subscriptionPolicies: ['Gold', 'Silver'] } }, as('admin'));
    await rig.gatehouse.changeLifecycle({ apiId: api.id, action: 'DEPLOY_AS_PROTOTYPE' }, as('admin'));
    const app = await rig.gatehouse.createApplication({ input: { name: 'Bankapp' } }, as('erin'));
    const sub = await rig.gatehouse.subscribe({ applicationId: app.id, apiId: api.id, throttlingPolicy: 'Gold' }, as('erin'));
    await assert.rejects(rig.gatehouse.blockSubscription({ id: sub.id }, as('erin')), code('FORBIDDEN'));
    await rig.gatehouse.blockSubscription({ id: sub.id, productionOnly: true }, as('admin'));
    await rig.gatehouse.blockSubscription({ id: sub.id }, as('admin'));
    await rig.gatehouse.unblockSubscription({ id: sub.id }, as('admin'));
    await rig.gatehouse.changeSubscriptionTier({ id: sub.id, throttlingPolicy: 'Silver' }, as('erin'));
    await rig.gatehouse.unsubscribe({ id: sub.id }, as('erin'));
    const types = (await rig.store.readStream(`sub-${sub.id}`)).events.map((e) => `${e.type}:${(e.data as { status?: string }).status ?? ''}`);
    assert.deepEqual(types, ['SubscriptionCreated:UNBLOCKED', 'SubscriptionBlocked:PROD_ONLY_BLOCKED', 'SubscriptionBlocked:BLOCKED', 'SubscriptionUnblocked:UNBLOCKED', 'SubscriptionTierChanged:', 'SubscriptionDeleted:']);
  });

  test('throttling policies: create, update, refuse deleting one in use, delete one unused', async () => {
    await rig.gatehouse.createThrottlingPolicy({ input: { level: 'SUBSCRIPTION', name: 'Platinum', requestCount: 100000, burstLimit: 100 } }, as('admin'));
    await rig.gatehouse.updateThrottlingPolicy({ input: { level: 'SUBSCRIPTION', name: 'Platinum', stopOnQuotaReach: false } }, as('admin'));
    await rig.gatehouse.createApi({ input: { name: 'Premium', context: '/premium', version: '1', endpoints: { production: 'https://p.example' }, operations: [], subscriptionPolicies: ['Platinum'] } }, as('admin'));
    await assert.rejects(rig.gatehouse.deleteThrottlingPolicy({ level: 'SUBSCRIPTION', name: 'Platinum' }, as('admin')), code('CONFLICT'));
    await rig.gatehouse.createThrottlingPolicy({ input: { level: 'APPLICATION', name: '5PerMin', requestCount: 5 } }, as('admin'));
    const deleted = await rig.gatehouse.deleteThrottlingPolicy({ level: 'APPLICATION', name: '5PerMin' }, as('admin'));
    assert.equal(deleted.streamVersion, 2n);
    await assert.rejects(rig.gatehouse.createThrottlingPolicy({ input: { level: 'SUBSCRIPTION', name: 'X', requestCount: 1 } }, as('dana')), code('FORBIDDEN'));
    await assert.rejects(rig.gatehouse.createThrottlingPolicy({ input: { level: 'GLOBAL', name: 'X', requestCount: 1 } }, as('admin')), code('BAD_USER_INPUT'));
  });

  test('deny policies: add, disable, remove', async () => {
    const c = await rig.gatehouse.addBlockingCondition({ type: 'IP_RANGE', value: '10.0.0.0/24' }, as('admin'));
    await rig.gatehouse.setBlockingConditionEnabled({ id: c.id, enabled: false }, as('admin'));
    await rig.gatehouse.removeBlockingCondition({ id: c.id }, as('admin'));
    assert.deepEqual((await rig.store.readStream(`blocking-${c.id}`)).events.map((e) => e.type), ['BlockingConditionAdded', 'BlockingConditionDisabled', 'BlockingConditionRemoved']);
    await assert.rejects(rig.gatehouse.addBlockingCondition({ type: 'IP', value: '999.0.0.1' }, as('admin')), code('BAD_USER_INPUT'));
  });

  test('signing keys rotate: the private half goes to the key store, only the public JWK to the log', async () => {
    const rotated = await rig.gatehouse.rotateSigningKey({}, as('admin', { idempotencyKey: 'rot-1' }));
    const again = await rig.gatehouse.rotateSigningKey({}, as('admin', { idempotencyKey: 'rot-1' }));
    assert.equal(again.kid, rotated.kid, 'a retry returns the first rotation');
    assert.ok(rig.keyStore.keys.get(rotated.kid)?.d, 'private key stored');
    const event = (await rig.store.readStream('keys-signing')).events.at(-1)!;
    assert.equal(event.type, 'SigningKeyRotated');
    assert.equal('d' in (event.data as { publicJwk: object }).publicJwk, false);
    assert.equal((await rig.store.readStream('keys-signing')).events.length, 2);
  });

  test('token revocation is recorded once per jti', async () => {
    await rig.gatehouse.revokeToken({ jti: 'jti-1', exp: 1_900_000_000 }, as('km'));
    const head = await rig.store.headPosition();
    await rig.gatehouse.revokeToken({ jti: 'jti-1', exp: 1_900_000_000 }, as('km'));
    assert.equal(await rig.store.headPosition(), head);
    assert.deepEqual((await rig.store.readStream('token-jti-1')).events[0]!.data, { jti: 'jti-1', exp: 1_900_000_000, tokenType: 'access_token' });
  });

  test('changing a password lifts a lockout and replaces the hash', async () => {
    for (let i = 0; i < 5; i++) await rig.gatehouse.verifyPassword({ username: 'dana', password: 'nope' }, as('km'));
    assert.deepEqual((await rig.gatehouse.verifyPassword({ username: 'dana', password: 'dana-password' }, as('km'))).ok, false);
    await rig.gatehouse.changePassword({ username: 'dana', newPassword: 'new-dana-password' }, as('admin'));
    assert.equal((await rig.gatehouse.verifyPassword({ username: 'dana', password: 'new-dana-password' }, as('km'))).ok, true);
    await assert.rejects(rig.gatehouse.changePassword({ username: 'dana', newPassword: 'x'.repeat(10) }, as('erin')), code('FORBIDDEN'));
  });
});
