import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { openMemoryEventStore } from '../../infra/eventstore/memory.ts';
import { rebuildView, foldLog } from '../runner-replay.ts';
import { catalogProjection } from './projection.ts';
import { apiAt } from './api-at.ts';
import {
  apiVersions,
  findClientByConsumerKey,
  getApi,
  getApplication,
  getUser,
  isTokenRevoked,
  listApplications,
  listBlockingConditions,
  listPolicies,
  listSigningKeys,
  listSubscriptions,
  listUsers,
  scopeRoles,
} from './queries.ts';
import { IDS, definition, writeStory, writer } from './story.fixture.ts';
import { appStream } from '../../domain/streams.ts';

async function storyCatalog() {
  const store = openMemoryEventStore();
  await writeStory(store);
  const { view, position } = await rebuildView(store, catalogProjection);
  return { store, view, position };
}

describe('catalog projection', () => {
  test('APIs carry lifecycle history, documents, the single default version, stream version and position', async () => {
    const { store, view } = await storyCatalog();
    const v1 = getApi(view, IDS.pizza1)!;
    const v2 = getApi(view, IDS.pizza2)!;
    assert.equal(v1.lifecycleStatus, 'DEPRECATED');
    assert.deepEqual(
      v1.lifecycleHistory.map((h) => [h.from, h.to, h.action, h.actor]),
      [['CREATED', 'PUBLISHED', 'PUBLISH', 'bob'], ['PUBLISHED', 'DEPRECATED', 'DEPRECATE', 'bob']],
    );
    assert.equal(v1.isDefaultVersion, false);
    assert.equal(v2.isDefaultVersion, true);
    assert.deepEqual(v1.documents.map((d) => [d.id, d.name, d.sourceType]), [['doc-1', 'Getting started', 'MARKDOWN']]);
    assert.equal(v1.streamVersion, 4n, 'created, document, publish, deprecate');
    const lastOfV2 = (await store.readStream('api-versions-pizzashack')).events.at(-1)!;
    assert.equal(v2.position, lastOfV2.globalPosition, 'the default-version move is the latest change of v2');
    assert.deepEqual(apiVersions(view, IDS.pizza2).map((v) => [v.version, v.lifecycleStatus, v.isDefaultVersion]), [
      ['1.0.0', 'DEPRECATED', false],
      ['2.0.0', 'PUBLISHED', true],
    ]);
    const weather = getApi(view, IDS.weather)!;
    assert.equal(weather.description, 'Forecasts and alerts');
    assert.deepEqual(weather.tags, ['climate', 'alerts']);
    assert.deepEqual(scopeRoles(view, 'order:write'), ['subscriber'], 'weather dropped its scope on update');
  });

  test('applications show key info and API keys but never a secret hash; the key manager gets it separately', async () => {
    const { view } = await storyCatalog();
    const app = getApplication(view, IDS.aliceApp)!;
    assert.deepEqual(app.keys.map((k) => [k.keyType, k.consumerKey, k.grantTypes, k.tokenValiditySeconds]), [
      ['PRODUCTION', IDS.aliceKey, ['client_credentials'], 600],
    ]);
    assert.equal(app.keys[0]!.secretIssuedAt > app.keys[0]!.createdAt, true, 'secret regenerated after creation');
    assert.deepEqual(app.apiKeys.map((k) => [k.jti, k.revoked, k.expiresAt]), [[IDS.apiKeyJti, true, '2027-01-15T08:00:00.000Z']]);
    for (const listed of [...listApplications(view), app]) {
      assert.doesNotMatch(JSON.stringify(listed, (_k, v) => (typeof v === 'bigint' ? String(v) : v)), /secretHash|f00d|beef/);
    }
    const client = findClientByConsumerKey(view, IDS.aliceKey)!;
    assert.equal(client.secretHash, 'beef'.repeat(16), 'the regenerated secret replaces the first');
    assert.deepEqual(client.application, { id: IDS.aliceApp, name: 'DefaultApplication', owner: 'alice', tier: 'Unlimited' });
    assert.equal(findClientByConsumerKey(view, 'nope'), undefined);
    assert.deepEqual(listApplications(view, { owner: 'bob' }).map((a) => a.name), ['Bots']);
    assert.deepEqual(listApplications(view).map((a) => a.name), ['Bots', 'DefaultApplication']);
    assert.equal(isTokenRevoked(view, IDS.apiKeyJti), true);
    assert.equal(isTokenRevoked(view, 'jti-access-9'), true);
    assert.equal(isTokenRevoked(view, 'jti-other'), false);
  });

  test('subscriptions, policies, deny policies, users and signing keys', async () => {
    const { view } = await storyCatalog();
    assert.deepEqual(listSubscriptions(view, { applicationId: IDS.aliceApp }).map((s) => [s.apiId, s.throttlingPolicy, s.status, s.copiedFrom]), [
      [IDS.pizza1, 'Gold', 'PROD_ONLY_BLOCKED', null],
      [IDS.pizza2, 'Unlimited', 'UNBLOCKED', IDS.sub1],
    ]);
    assert.deepEqual(listSubscriptions(view, { apiId: IDS.pizza2, applicationId: IDS.aliceApp }).map((s) => s.id), [IDS.sub2]);
    assert.deepEqual(listSubscriptions(view, { apiId: IDS.weather }), []);
    assert.deepEqual(listPolicies(view, 'SUBSCRIPTION').map((p) => [p.name, p.requestCount]), [['Gold', 5000], ['Silver', 2000], ['Unlimited', null]]);
    assert.deepEqual(listPolicies(view).map((p) => p.level), ['SUBSCRIPTION', 'SUBSCRIPTION', 'SUBSCRIPTION', 'APPLICATION', 'ADVANCED']);
    assert.equal(listPolicies(view, 'ADVANCED')[0]!.id, 'policy-advanced-10KPerMin');
    assert.deepEqual(listBlockingConditions(view).map((b) => [b.type, b.value, b.enabled, b.createdBy]), [['IP', '10.0.0.7', false, 'admin']]);
    assert.deepEqual(listUsers(view).map((u) => [u.username, u.roles, u.locked]), [
      ['admin', ['admin'], false],
      ['alice', ['subscriber'], false],
      ['bob', ['creator', 'subscriber'], true],
    ]);
    assert.equal(getUser(view, 'bob', { now: new Date('2026-03-01T13:00:00Z') })!.locked, false, 'the lockout has expired by then');
    assert.doesNotMatch(JSON.stringify(listUsers(view), (_k, v) => (typeof v === 'bigint' ? String(v) : v)), /password|consecutiveFailures/i);
    assert.deepEqual(listSigningKeys(view).map((k) => [k.kid, k.status]), [['k2', 'CURRENT'], ['k1', 'PREVIOUS']]);
  });

  test('deleting an application removes it and its OAuth clients', async () => {
    const { store, view } = await storyCatalog();
    const emit = writer(store, 100);
    await emit(appStream(IDS.aliceApp), 'alice', { type: 'ApplicationDeleted', data: { applicationId: IDS.aliceApp, name: 'DefaultApplication', owner: 'alice' } });
    const { view: after } = await foldLog(store, catalogProjection, view, { after: view.position });
    assert.equal(getApplication(after, IDS.aliceApp), undefined);
    assert.equal(findClientByConsumerKey(after, IDS.aliceKey), undefined);
    assert.deepEqual(listApplications(after, { owner: 'alice' }), []);
  });

  test('updated keys: the application and the key manager\'s client show the new settings; callbackUrl null removes it; a snapshot keeps them', async () => {
    const { store, view } = await storyCatalog();
    const emit = writer(store, 100);
    const update = (data: { grantTypes?: string[]; tokenValiditySeconds?: number | null; callbackUrl?: string | null }) =>
      emit(appStream(IDS.aliceApp), 'alice', { type: 'ApplicationKeysUpdated', data: { applicationId: IDS.aliceApp, keyType: 'PRODUCTION', ...data } });
    const before = findClientByConsumerKey(view, IDS.aliceKey)!;
    await update({ grantTypes: ['client_credentials', 'authorization_code'], callbackUrl: 'https://alice.example/cb' });
    const { view: updated } = await foldLog(store, catalogProjection, view, { after: view.position });
    const client = findClientByConsumerKey(updated, IDS.aliceKey)!;
    assert.deepEqual([client.grantTypes, client.callbackUrl, client.tokenValiditySeconds, client.secretHash], [['client_credentials', 'authorization_code'], 'https://alice.example/cb', 600, before.secretHash]);
    const app = getApplication(updated, IDS.aliceApp)!;
    assert.deepEqual(app.keys.map((k) => [k.consumerKey, k.grantTypes, k.tokenValiditySeconds, k.callbackUrl]), [[IDS.aliceKey, ['client_credentials', 'authorization_code'], 600, 'https://alice.example/cb']]);
    assert.equal(app.position, updated.position);
    const restored = catalogProjection.deserialize(catalogProjection.serialize(updated));
    assert.equal(catalogProjection.serialize(restored), catalogProjection.serialize(updated));
    await update({ grantTypes: ['client_credentials'], callbackUrl: null, tokenValiditySeconds: null });
    const { view: cleared } = await foldLog(store, catalogProjection, restored, { after: restored.position });
    const after = findClientByConsumerKey(cleared, IDS.aliceKey)!;
    assert.deepEqual([after.grantTypes, after.callbackUrl, after.tokenValiditySeconds], [['client_credentials'], null, null]);
    assert.equal('callbackUrl' in getApplication(cleared, IDS.aliceApp)!.keys[0]!, false, 'as if never registered');
    assert.equal(catalogProjection.serialize(cleared), catalogProjection.serialize((await rebuildView(store, catalogProjection)).view), 'replay gives the same view');
  });

  test('maxTps: null for APIs without it, set and removed by updates, kept by a snapshot', async () => {
    const { store, view } = await storyCatalog();
    assert.equal(getApi(view, IDS.weather)!.maxTps, null);
    const emit = writer(store, 100);
    const update = (maxTps?: { production: number | null; sandbox: number | null }) =>
      emit(`api-${IDS.weather}`, 'bob', { type: 'ApiUpdated', data: { apiId: IDS.weather, ...definition(maxTps ? { maxTps } : {}) } });
    await update({ production: 5, sandbox: null });
    const { view: limited } = await foldLog(store, catalogProjection, view, { after: view.position });
    assert.deepEqual(getApi(limited, IDS.weather)!.maxTps, { production: 5, sandbox: null });
    const restored = catalogProjection.deserialize(catalogProjection.serialize(limited));
    assert.deepEqual(getApi(restored, IDS.weather)!.maxTps, { production: 5, sandbox: null });
    await update();
    const { view: cleared } = await foldLog(store, catalogProjection, limited, { after: limited.position });
    assert.equal(getApi(cleared, IDS.weather)!.maxTps, null);
  });

  test('a restored snapshot serializes to the same bytes and keeps folding like the live view', async () => {
    const store = openMemoryEventStore();
    await writeStory(store);
    const half = (await store.headPosition()) / 2n;
    const { view: partial } = await rebuildView(store, catalogProjection, { to: half });
    const restored = catalogProjection.deserialize(catalogProjection.serialize(partial));
    assert.equal(catalogProjection.serialize(restored), catalogProjection.serialize(partial));
    const { view: resumed } = await foldLog(store, catalogProjection, restored, { after: half });
    const { view: live } = await rebuildView(store, catalogProjection);
    assert.equal(catalogProjection.serialize(resumed), catalogProjection.serialize(live));
    assert.deepEqual(apiVersions(resumed, IDS.pizza1), apiVersions(live, IDS.pizza1), 'indexes are rebuilt on load');
  });

  test('apiAt folds the API up to a position in the same shape as getApi', async () => {
    const { store, view } = await storyCatalog();
    const own = (await store.readStream(`api-${IDS.pizza1}`)).events;
    const published = own.find((e) => e.type === 'ApiLifecycleChanged')!.globalPosition;
    const before = await apiAt(store, IDS.pizza1, published - 1n);
    const at = await apiAt(store, IDS.pizza1, published);
    assert.equal(before?.lifecycleStatus, 'CREATED');
    assert.equal(before?.isDefaultVersion, true);
    assert.equal(at?.lifecycleStatus, 'PUBLISHED');
    assert.equal(at?.streamVersion, 3n);
    assert.equal(await apiAt(store, IDS.pizza1, own[0]!.globalPosition - 1n), undefined, 'did not exist yet');
    const now = await apiAt(store, IDS.pizza1, await store.headPosition());
    assert.deepEqual(Object.keys(now!).sort(), Object.keys(getApi(view, IDS.pizza1)!).sort());
    assert.deepEqual(now, getApi(view, IDS.pizza1));
  });
});

test('an ApiCreated written at schemaVersion 1 (one endpoint) reaches the catalog upcast to v2', async () => {
  const store = openMemoryEventStore();
  const { endpoints: _e, ...rest } = definition();
  await store.appendToStream(`api-${IDS.weather}`, [
    {
      type: 'ApiCreated',
      data: { apiId: IDS.weather, name: 'Old', context: '/old', version: '1', provider: 'admin', lifecycleStatus: 'CREATED', copiedFrom: null, ...rest, endpoint: 'http://legacy:8080/' },
      metadata: { eventId: 'v1-event', actor: 'admin', correlationId: 'c', causationId: null, recordedAt: '2025-01-01T00:00:00.000Z', schemaVersion: 1 },
    },
  ]);
  const { view } = await rebuildView(store, catalogProjection);
  assert.deepEqual(getApi(view, IDS.weather)?.endpoints, { production: 'http://legacy:8080/', sandbox: null });
});
