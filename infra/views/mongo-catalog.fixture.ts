// Test fixture of the catalog document suites: the catalog story (projections/catalog) goes
// on with deletions of every kind the documents mirror.
import type { EventStore } from '../../domain/ports.ts';
import { apiStream, appStream, blockingStream, policyStream, subStream } from '../../domain/streams.ts';
import { IDS, writer } from '../../projections/catalog/story.fixture.ts';

export { IDS, writeStory } from '../../projections/catalog/story.fixture.ts';

/** sub1 and its application's other subscription go, then the app, Weather, Silver and the deny policy. */
export async function writeDeletions(store: EventStore): Promise<void> {
  const emit = writer(store, 100);
  await emit(subStream(IDS.sub1), 'alice', { type: 'SubscriptionDeleted', data: { subscriptionId: IDS.sub1, applicationId: IDS.aliceApp, apiId: IDS.pizza1 } });
  await emit(subStream(IDS.sub2), 'alice', { type: 'SubscriptionDeleted', data: { subscriptionId: IDS.sub2, applicationId: IDS.aliceApp, apiId: IDS.pizza2 } });
  await emit(appStream(IDS.aliceApp), 'alice', { type: 'ApplicationDeleted', data: { applicationId: IDS.aliceApp, name: 'DefaultApplication', owner: 'alice' } });
  await emit(apiStream(IDS.weather), 'bob', { type: 'ApiDeleted', data: { apiId: IDS.weather, name: 'Weather', context: '/weather', version: 'v1' } });
  await emit(policyStream('SUBSCRIPTION', 'Silver'), 'admin', { type: 'ThrottlingPolicyDeleted', data: { level: 'SUBSCRIPTION', name: 'Silver' } });
  await emit(blockingStream(IDS.ipBlock), 'admin', { type: 'BlockingConditionRemoved', data: { conditionId: IDS.ipBlock } });
}
