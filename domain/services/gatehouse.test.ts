// The whole story through the facade against the real SQLite event store, then the failure
// paths: each refused with its typed error and with nothing appended.
import assert from 'node:assert/strict';
import { before, describe, test } from 'node:test';
import { jwtVerify } from 'jose';
import { isDomainError, type DomainErrorCode } from '../errors.ts';
import type { RecordedEvent } from '../ports.ts';
import type { CreateApiInput } from '../api/definition.ts';
import { sha256Hex } from './crypto.ts';
import type { CommandContext } from './gatehouse.ts';
import { lookupFromStore } from './lookup-from-store.ts';
import { createTestRig, type TestRig } from '../../test/support/facade-rig.ts';

let n = 0;
const as = (actor: string, extra: Partial<CommandContext> = {}): CommandContext => ({ actor, correlationId: `c-${++n}`, ...extra });

const pizza = (over: Partial<CreateApiInput> = {}): CreateApiInput => ({
  name: 'PizzaShack',
  context: '/pizzashack',
  version: '1.0.0',
  endpoints: { production: 'https://backend.example/pizza', sandbox: 'https://sandbox.example/pizza' },
  operations: [{ verb: 'GET', target: '/menu' }, { verb: 'POST', target: '/order', scopes: ['order'] }],
  scopes: [{ name: 'order', roles: ['subscriber'] }],
  subscriptionPolicies: ['Gold', 'Unlimited'],
  ...over,
});

async function refused(rig: TestRig, call: Promise<unknown>, code: DomainErrorCode, message?: RegExp) {
  const head = await rig.store.headPosition();
  await assert.rejects(call, (e: unknown) => {
    assert.ok(isDomainError(e), String(e));
    assert.equal(e.code, code, e.message);
    if (message) assert.match(e.message, message);
    return true;
  });
  assert.equal(await rig.store.headPosition(), head, 'a refused command appends nothing');
}

const allEvents = (rig: TestRig): Promise<RecordedEvent[]> => rig.store.readAll({});

describe('Gatehouse story', () => {
  let rig: TestRig;
  const ids: Record<string, string> = {};

  before(async () => {
    rig = await createTestRig();
  });

  test('bootstrap seeds the WSO2 defaults, the admin and a signing key, once', async () => {
    const first = await rig.gatehouse.bootstrap({ adminPassword: 'admin-password' });
    assert.equal(first.policiesSeeded, 13);
    assert.equal(first.adminCreated, true);
    assert.equal(first.generatedAdminPassword, null);
    assert.ok(rig.keyStore.keys.has(first.signingKeyKid));
    const head = await rig.store.headPosition();
    const again = await rig.gatehouse.bootstrap({ adminPassword: 'something-else' });
    assert.deepEqual([again.policiesSeeded, again.adminCreated, again.signingKeyKid], [0, false, first.signingKeyKid]);
    assert.equal(await rig.store.headPosition(), head, 'a second bootstrap appends nothing');
    assert.equal((await rig.gatehouse.verifyPassword({ username: 'admin', password: 'admin-password' }, as('km'))).ok, true);
  });

  test('sign-up creates the user and a DefaultApplication; roles are granted by the admin', async () => {
    const carol = await rig.gatehouse.signUp({ username: 'Carol', password: 'carol-password' }, as('anonymous'));
    assert.equal(carol.username, 'carol');
    await rig.gatehouse.grantRole({ username: 'carol', role: 'creator' }, as('admin'));
    await rig.gatehouse.grantRole({ username: 'carol', role: 'publisher' }, as('admin'));
    const bob = await rig.gatehouse.signUp({ username: 'bob', password: 'bob-password' }, as('anonymous'));
    ids.bobDefaultApp = bob.applicationId;
    const created = (await allEvents(rig)).find((e) => e.type === 'ApplicationCreated' && (e.data as { owner: string }).owner === 'bob')!;
    assert.deepEqual([(created.data as { name: string }).name, (created.data as { throttlingPolicy: string }).throttlingPolicy], ['DefaultApplication', 'Unlimited']);
    assert.deepEqual(await lookupFromStore(rig.store).rolesOf('carol'), ['subscriber', 'creator', 'publisher']);
  });

  test('create → publish', async () => {
    const api = await rig.gatehouse.createApi({ input: pizza() }, as('carol'));
    ids.v1 = api.id;
    assert.equal(api.streamVersion, 1n);
    const published = await rig.gatehouse.changeLifecycle({ apiId: api.id, action: 'PUBLISH' }, as('carol'));
    assert.equal(published.streamVersion, 2n);
    assert.ok(published.position > api.position);
  });

  test('application → subscribe → keys (the secret is returned once and only its hash is logged)', async () => {
    const app = await rig.gatehouse.createApplication({ input: { name: 'Mobile', throttlingPolicy: '10PerMin' } }, as('bob'));
    ids.app = app.id;
    const sub = await rig.gatehouse.subscribe({ applicationId: app.id, apiId: ids.v1!, throttlingPolicy: 'Gold' }, as('bob'));
    ids.sub = sub.id;
    const keys = await rig.gatehouse.generateKeys({ applicationId: app.id, keyType: 'PRODUCTION' }, as('bob'));
    assert.equal(keys.consumerSecret.length >= 43, true, '256-bit secret');
    const log = JSON.stringify(await allEvents(rig), (_k, v) => (typeof v === 'bigint' ? v.toString() : v));
    assert.equal(log.includes(keys.consumerSecret), false, 'no secret in the log');
    assert.equal(log.includes(sha256Hex(keys.consumerSecret)), true, 'its hash is');
    assert.equal(log.includes('scrypt$'), false, 'no password hash in the log');
    assert.equal(log.includes('bob-password'), false);
    assert.deepEqual(await lookupFromStore(rig.store).applicationByConsumerKey(keys.consumerKey), { applicationId: app.id, owner: 'bob', keyType: 'PRODUCTION' });
  });

  test('updateKeys changes the settings of existing keys (owner or admin): same consumer key, nothing appended when nothing changes', async () => {
    const before = await rig.gatehouse.updateKeys({ applicationId: ids.app!, keyType: 'PRODUCTION' }, as('bob'));
    const head = await rig.store.headPosition();
    const updated = await rig.gatehouse.updateKeys(
      { applicationId: ids.app!, keyType: 'PRODUCTION', grantTypes: ['client_credentials', 'authorization_code'], callbackUrl: 'https://mobile.example/cb' },
      as('bob'),
    );
    assert.equal(updated.consumerKey, before.consumerKey);
    assert.deepEqual([updated.grantTypes, updated.callbackUrl, updated.tokenValiditySeconds], [['client_credentials', 'authorization_code'], 'https://mobile.example/cb', null]);
    assert.equal(updated.streamVersion, before.streamVersion + 1n);
    const last = (await rig.store.readStream(`app-${ids.app}`)).events.at(-1)!;
    assert.deepEqual([last.type, last.data], ['ApplicationKeysUpdated', { applicationId: ids.app, keyType: 'PRODUCTION', grantTypes: ['client_credentials', 'authorization_code'], callbackUrl: 'https://mobile.example/cb' }]);
    assert.ok(last.globalPosition > head);
    const byAdmin = await rig.gatehouse.updateKeys({ applicationId: ids.app!, keyType: 'PRODUCTION', tokenValiditySeconds: 600 }, as('admin'));
    assert.equal(byAdmin.tokenValiditySeconds, 600);
    const headNow = await rig.store.headPosition();
    const same = await rig.gatehouse.updateKeys({ applicationId: ids.app!, keyType: 'PRODUCTION', tokenValiditySeconds: 600, callbackUrl: 'https://mobile.example/cb' }, as('bob'));
    assert.equal(await rig.store.headPosition(), headNow, 'a no-op update appends nothing');
    assert.equal(same.streamVersion, byAdmin.streamVersion);
  });

  test('new version (copy, default) → publish with deprecateOldVersions: old DEPRECATED, subscribers moved', async () => {
    const v2 = await rig.gatehouse.createNewVersion({ apiId: ids.v1!, version: '2.0.0', defaultVersion: true }, as('carol'));
    ids.v2 = v2.id;
    const created = (await rig.store.readStream(`api-${v2.id}`)).events[0]!;
    assert.deepEqual((created.data as { copiedFrom: unknown }).copiedFrom, { apiId: ids.v1, version: '1.0.0' });
    assert.deepEqual((created.data as { operations: unknown[] }).operations.length, 2);
    const published = await rig.gatehouse.changeLifecycle({ apiId: v2.id, action: 'PUBLISH', deprecateOldVersions: true, requireResubscription: false }, as('carol'));

    const v1Events = (await rig.store.readStream(`api-${ids.v1}`)).events;
    const deprecated = v1Events.at(-1)!;
    assert.equal(deprecated.type, 'ApiLifecycleChanged');
    assert.deepEqual(deprecated.data, { apiId: ids.v1, action: 'DEPRECATE', from: 'PUBLISHED', to: 'DEPRECATED', checklist: null, causedBy: { apiId: v2.id, version: '2.0.0' } });
    const lookup = lookupFromStore(rig.store);
    const moved = await lookup.subscriptionsOfApi(v2.id);
    assert.deepEqual(moved.map((s) => [s.applicationId, s.throttlingPolicy, s.status]), [[ids.app, 'Gold', 'UNBLOCKED']]);
    assert.equal((await lookup.subscriptionsOfApi(ids.v1!)).length, 1, 'existing subscribers of the deprecated version keep working');
    assert.ok(published.position >= deprecated.globalPosition);

    const versions = (await rig.store.readStream('api-versions-pizzashack')).events.map((e) => e.type);
    assert.deepEqual(versions, ['ApiVersionRegistered', 'ApiVersionRegistered', 'DefaultApiVersionChanged']);
  });

  test('a DEPRECATED API refuses new subscriptions', async () => {
    await refused(rig, rig.gatehouse.subscribe({ applicationId: ids.bobDefaultApp!, apiId: ids.v1!, throttlingPolicy: 'Gold' }, as('bob')), 'CONFLICT', /DEPRECATED/);
  });

  test('retrying a publish with its idempotency key appends nothing', async () => {
    const api = await rig.gatehouse.createApi({ input: pizza({ name: 'Other', context: '/other' }) }, as('carol', { idempotencyKey: 'k-create' }));
    const again = await rig.gatehouse.createApi({ input: pizza({ name: 'Other', context: '/other' }) }, as('carol', { idempotencyKey: 'k-create' }));
    assert.equal(again.id, api.id);
    const head = await rig.store.headPosition();
    const p1 = await rig.gatehouse.changeLifecycle({ apiId: api.id, action: 'PUBLISH' }, as('carol', { idempotencyKey: 'k-pub' }));
    const p2 = await rig.gatehouse.changeLifecycle({ apiId: api.id, action: 'PUBLISH' }, as('carol', { idempotencyKey: 'k-pub' }));
    assert.equal(p2.streamVersion, p1.streamVersion);
    assert.equal(await rig.store.headPosition(), head + 1n);
  });

  test('API keys: a signed JWT naming the subscribed APIs; revocation by jti', async () => {
    const key = await rig.gatehouse.generateApiKey({ applicationId: ids.app!, keyType: 'PRODUCTION', validitySeconds: 3600, permittedIPs: ['10.0.0.0/8'] }, as('bob'));
    const { payload } = await jwtVerify(key.apiKey, rig.signer.publicKey, { currentDate: rig.clock.now() });
    assert.equal(payload.jti, key.jti);
    assert.equal(payload.permittedIP, '10.0.0.0/8');
    assert.deepEqual((payload.subscribedAPIs as { version: string }[]).map((a) => a.version).sort(), ['1.0.0', '2.0.0']);
    await rig.gatehouse.revokeApiKey({ applicationId: ids.app!, apiKey: key.apiKey }, as('bob'));
    const last = (await rig.store.readStream(`app-${ids.app}`)).events.at(-1)!;
    assert.deepEqual([last.type, (last.data as { jti: string }).jti], ['ApiKeyRevoked', key.jti]);
  });

  test('passwords: five failures lock the account; a locked account is refused even with the right password', async () => {
    for (let i = 0; i < 4; i++) assert.deepEqual(await rig.gatehouse.verifyPassword({ username: 'bob', password: 'wrong' }, as('km')), { ok: false, reason: 'INVALID_CREDENTIALS', lockedUntil: null });
    const fifth = await rig.gatehouse.verifyPassword({ username: 'bob', password: 'wrong' }, as('km'));
    assert.equal(fifth.ok === false && fifth.lockedUntil, '2024-06-01T12:05:00.000Z');
    assert.equal((await rig.gatehouse.verifyPassword({ username: 'bob', password: 'bob-password' }, as('km'))).ok, false);
    rig.clock.advance(301);
    const ok = await rig.gatehouse.verifyPassword({ username: 'BOB', password: 'bob-password' }, as('km'));
    assert.deepEqual(ok, { ok: true, username: 'bob', roles: ['subscriber'] });
    assert.equal((await rig.gatehouse.verifyPassword({ username: 'nobody', password: 'x' }, as('km'))).ok, false);
  });

  test('refresh tokens rotate; reusing an old one revokes the family', async () => {
    const first = await rig.gatehouse.issueRefreshToken({ clientId: 'portal', subject: 'bob', scope: 'default', expiresInSeconds: 3600 }, as('km'));
    const second = await rig.gatehouse.rotateRefreshToken({ refreshToken: first.refreshToken, clientId: 'portal', expiresInSeconds: 3600 }, as('km'));
    assert.equal(second.subject, 'bob');
    await assert.rejects(rig.gatehouse.rotateRefreshToken({ refreshToken: first.refreshToken, clientId: 'portal', expiresInSeconds: 3600 }, as('km')), /reuse/);
    await assert.rejects(rig.gatehouse.rotateRefreshToken({ refreshToken: second.refreshToken, clientId: 'portal', expiresInSeconds: 3600 }, as('km')), /revoked/);
    const log = JSON.stringify(await allEvents(rig), (_k, v) => (typeof v === 'bigint' ? v.toString() : v));
    assert.equal(log.includes(first.refreshToken), false);
  });

  test('a family revoked by id (reused authorization code): its token no longer rotates; a second revoke appends nothing', async () => {
    const issued = await rig.gatehouse.issueRefreshToken({ clientId: 'ck', subject: 'bob', scope: 'default', expiresInSeconds: 3600 }, as('km'));
    const revoked = await rig.gatehouse.revokeRefreshFamily({ familyId: issued.familyId }, as('km'));
    assert.equal(revoked.revoked, true);
    await assert.rejects(rig.gatehouse.rotateRefreshToken({ refreshToken: issued.refreshToken, clientId: 'ck', expiresInSeconds: 3600 }, as('km')), /revoked/);
    assert.deepEqual(await rig.gatehouse.revokeRefreshFamily({ familyId: issued.familyId }, as('km')), { revoked: false, position: 0n });
    assert.deepEqual(await rig.gatehouse.revokeRefreshFamily({ familyId: 'not-a-family' }, as('km')), { revoked: false, position: 0n });
  });

  describe('failure paths: typed error, nothing appended', () => {
    test('invalid context', () => refused(rig, rig.gatehouse.createApi({ input: pizza({ name: 'X', context: 'no-slash' }) }, as('carol')), 'BAD_USER_INPUT', /context/));
    test('unknown tier on an API', () => refused(rig, rig.gatehouse.createApi({ input: pizza({ name: 'Y', context: '/y', subscriptionPolicies: ['Platinum'] }) }, as('carol')), 'BAD_USER_INPUT', /Platinum/));
    test('tier the API does not offer', () => refused(rig, rig.gatehouse.subscribe({ applicationId: ids.bobDefaultApp!, apiId: ids.v2!, throttlingPolicy: 'Bronze' }, as('bob')), 'BAD_USER_INPUT', /Bronze/));
    test('illegal transition', () => refused(rig, rig.gatehouse.changeLifecycle({ apiId: ids.v2!, action: 'RETIRE' }, as('carol')), 'INVALID_TRANSITION'));
    test('duplicate context+version', () => refused(rig, rig.gatehouse.createApi({ input: pizza() }, as('carol')), 'CONFLICT', /already/));
    test('a context that belongs to another API name', () => refused(rig, rig.gatehouse.createApi({ input: pizza({ name: 'Impostor', version: '9' }) }, as('carol')), 'CONFLICT'));
    test('wrong expected version', async () => {
      await refused(rig, rig.gatehouse.changeLifecycle({ apiId: ids.v2!, action: 'BLOCK' }, as('carol', { expectedStreamVersion: 1n })), 'CONFLICT', /expected 1/);
    });
    test('deleting an API with subscriptions', () => refused(rig, rig.gatehouse.deleteApi({ id: ids.v1! }, as('carol')), 'CONFLICT', /subscription/));
    test('a subscriber creating an API', () => refused(rig, rig.gatehouse.createApi({ input: pizza({ name: 'Z', context: '/z' }) }, as('bob')), 'FORBIDDEN'));
    test('someone else\'s application', () => refused(rig, rig.gatehouse.generateKeys({ applicationId: ids.app!, keyType: 'SANDBOX' }, as('carol')), 'FORBIDDEN'));
    test('updating the keys of someone else\'s application', () =>
      refused(rig, rig.gatehouse.updateKeys({ applicationId: ids.app!, keyType: 'PRODUCTION', tokenValiditySeconds: 900 }, as('carol')), 'FORBIDDEN', /updateKeys/));
    test('updating keys that do not exist', () =>
      refused(rig, rig.gatehouse.updateKeys({ applicationId: ids.bobDefaultApp!, keyType: 'SANDBOX', tokenValiditySeconds: 900 }, as('bob')), 'NOT_FOUND', /SANDBOX keys/));
    test('updating keys to authorization_code without a callback URL', () =>
      refused(rig, rig.gatehouse.updateKeys({ applicationId: ids.app!, keyType: 'PRODUCTION', callbackUrl: null }, as('bob')), 'BAD_USER_INPUT', /callbackUrl/));
    test('an unknown actor', () => refused(rig, rig.gatehouse.createApplication({ input: { name: 'A' } }, as('ghost')), 'UNAUTHENTICATED'));
    test('a duplicate application name for the same owner', () => refused(rig, rig.gatehouse.createApplication({ input: { name: 'mobile' } }, as('bob')), 'CONFLICT'));
    test('subscribing twice', () => refused(rig, rig.gatehouse.subscribe({ applicationId: ids.app!, apiId: ids.v2!, throttlingPolicy: 'Gold' }, as('bob')), 'CONFLICT'));
    test('a taken user name', () => refused(rig, rig.gatehouse.signUp({ username: 'bob', password: 'another-password' }, as('anonymous')), 'CONFLICT'));
    test('revoking the last admin', () => refused(rig, rig.gatehouse.revokeRole({ username: 'admin', role: 'admin' }, as('admin')), 'CONFLICT', /last admin/));
    test('repeating generateKeys under its idempotency key (the secret is shown once)', async () => {
      await rig.gatehouse.generateKeys({ applicationId: ids.app!, keyType: 'SANDBOX' }, as('bob', { idempotencyKey: 'keys-1' }));
      await refused(rig, rig.gatehouse.generateKeys({ applicationId: ids.app!, keyType: 'SANDBOX' }, as('bob', { idempotencyKey: 'keys-1' })), 'CONFLICT', /shown once/);
    });
    test('an invalid OpenAPI document', () => refused(rig, rig.gatehouse.importOpenApi({ definition: 'openapi: 3.0.0\ninfo: {}\npaths: 7' }, as('carol')), 'BAD_USER_INPUT'));
  });
});
