import { test } from 'node:test';
import assert from 'node:assert/strict';
import { openMemoryEventStore } from '../../infra/eventstore/memory.ts';
import { createProjectionRunner } from '../runner.ts';
import { ViewTimeoutError } from '../runner-errors.ts';
import { catalogLookup } from './lookup.ts';
import { catalogProjection } from './projection.ts';
import { IDS, writeStory } from './story.fixture.ts';
import { lookupFromStore } from '../../domain/services/lookup-from-store.ts';
import type { CatalogLookup } from '../../domain/services/ports.ts';

test('catalogLookup answers the domain questions from the live catalog and waits for positions', async () => {
  const store = openMemoryEventStore();
  await writeStory(store);
  const runner = createProjectionRunner({ store, projections: [catalogProjection] });
  await runner.start();
  const lookup = catalogLookup(runner, { waitTimeoutMs: 50 });

  assert.deepEqual(await lookup.rolesOf('bob'), ['creator', 'subscriber']);
  assert.deepEqual(await lookup.rolesOf('BOB'), ['creator', 'subscriber'], 'user names are case-insensitive');
  assert.equal(await lookup.rolesOf('nobody'), undefined);
  assert.deepEqual(await lookup.usersWithRole('admin'), ['admin']);
  assert.deepEqual(await lookup.usersWithRole('subscriber'), ['alice', 'bob']);
  assert.deepEqual(await lookup.subscriptionsOfApi(IDS.pizza1), [
    { subscriptionId: IDS.sub1, applicationId: IDS.aliceApp, apiId: IDS.pizza1, throttlingPolicy: 'Gold', status: 'PROD_ONLY_BLOCKED' },
  ]);
  assert.deepEqual((await lookup.subscriptionsOfApplication(IDS.aliceApp)).map((s) => s.subscriptionId), [IDS.sub1, IDS.sub2]);
  assert.deepEqual(await lookup.applicationByConsumerKey(IDS.aliceKey), { applicationId: IDS.aliceApp, owner: 'alice', keyType: 'PRODUCTION' });
  assert.equal(await lookup.applicationByConsumerKey('unknown'), undefined);
  // Gold: offered by both PizzaShack versions + alice's v1 subscription (v2's moved to Unlimited).
  assert.equal(await lookup.policyUsage('SUBSCRIPTION', 'Gold'), 3);
  assert.equal(await lookup.policyUsage('SUBSCRIPTION', 'Silver'), 0);
  assert.equal(await lookup.policyUsage('APPLICATION', 'Unlimited'), 2);
  assert.equal(await lookup.policyUsage('ADVANCED', '10KPerMin'), 0);

  const head = await store.headPosition();
  await lookup.waitFor!(head);
  await assert.rejects(lookup.waitFor!(head + 1n), ViewTimeoutError);
  await runner.close();
  await store.close();
});

test('catalogLookup gives the answers of the reference lookup that folds the log', async () => {
  const store = openMemoryEventStore();
  await writeStory(store);
  const runner = createProjectionRunner({ store, projections: [catalogProjection] });
  await runner.start();
  const fast = catalogLookup(runner);
  const reference = lookupFromStore(store);
  const ask = (l: CatalogLookup) =>
    Promise.all([
      ...['admin', 'alice', 'bob', 'Bob', 'nobody'].map((u) => l.rolesOf(u).then((r) => r && [...r].sort())),
      ...(['admin', 'publisher', 'creator', 'subscriber'] as const).map((r) => l.usersWithRole(r).then((u) => [...u].sort())),
      ...[IDS.pizza1, IDS.pizza2, IDS.weather].map((id) => l.subscriptionsOfApi(id).then((s) => s.sort((a, b) => a.subscriptionId.localeCompare(b.subscriptionId)))),
      ...[IDS.aliceApp, IDS.bobApp].map((id) => l.subscriptionsOfApplication(id).then((s) => s.sort((a, b) => a.subscriptionId.localeCompare(b.subscriptionId)))),
      l.applicationByConsumerKey(IDS.aliceKey),
      l.applicationByConsumerKey('nope'),
      ...([['SUBSCRIPTION', 'Gold'], ['SUBSCRIPTION', 'Unlimited'], ['APPLICATION', 'Unlimited'], ['ADVANCED', '10KPerMin']] as const).map(([lv, n]) => l.policyUsage(lv, n)),
    ]);
  assert.deepEqual(await ask(fast), await ask(reference));
  await runner.close();
  await store.close();
});
