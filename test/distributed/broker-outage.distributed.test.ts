// Fault test on a broker of the test's own: stop Kafka for 10 s while the control plane keeps
// appending and a gateway keeps publishing request facts. Facts are buffered up to the bound
// (the rest counted as dropped, publish never waits), the follower keeps what it has, and
// after the restart everything buffered arrives and the follower catches up with no gap.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import type { RecordedEvent, RequestFact } from '../../domain/ports.ts';
import { createKafka, type BusLogger } from '../../infra/bus/kafka-client.ts';
import { startKafkaEventsSource } from '../../infra/bus/kafka-events-source.ts';
import { startKafkaRelay } from '../../infra/bus/kafka-relay.ts';
import { createKafkaRequestStream } from '../../infra/bus/kafka-requests.ts';
import { openMemoryEventStore } from '../../infra/eventstore/memory.ts';
import { privateBroker, type PrivateBroker } from './private-broker.ts';
import { appendMany, newEvent, requestFact, skipWithoutKafka, waitFor } from './support.ts';

describe('broker outage (private broker stopped for 10 s)', { skip: skipWithoutKafka }, () => {
  let broker: PrivateBroker;
  before(async () => {
    broker = await privateBroker();
    await broker.start();
  });
  after(async () => {
    await broker?.destroy();
  });

  test('facts are buffered or counted as dropped, the follower keeps its state, and everything resumes', async () => {
    const kafka = createKafka(broker.brokers, { clientId: 'outage-test' });
    const store = openMemoryEventStore();
    // Warnings of the relay and the follower, shown if the catch-up below does not happen.
    const warnings: string[] = [];
    const note = (who: string) => (obj: object, msg: string) => void warnings.push(`${who}: ${msg} ${JSON.stringify(obj)}`);
    const logger = (who: string): BusLogger => ({ debug() {}, info() {}, warn: note(who), error: note(who) });
    const relay = await startKafkaRelay({ store, kafka, logger: logger('relay') });
    const followed: RecordedEvent[] = [];
    const errors: Error[] = [];
    const follower = await startKafkaEventsSource({ kafka, logger: logger('follower'), handler: (e) => void followed.push(e), onError: (e) => errors.push(e) });
    const stream = await createKafkaRequestStream({ kafka: broker.brokers, capacity: 500, fromBeginning: true, consumerGroup: 'outage' });
    const consumed: RequestFact[] = [];
    const sub = await stream.subscribe((facts) => void consumed.push(...facts));
    try {

      await appendMany(store, 10);
      for (let i = 0; i < 100; i++) stream.publish(requestFact({ requestId: `before-${i}` }));
      await waitFor('follower at 10 and 100 facts consumed', () => followed.length === 10 && consumed.length === 100, 30_000);

      await broker.stop();
      const outageStart = Date.now();
      let slowestPublishMs = 0;
      for (let i = 0; i < 800; i++) {
        const t = performance.now();
        // "Never waits" is structural: publish hands back nothing to await, broker or not.
        const returned: unknown = stream.publish(requestFact({ requestId: `during-${i}` }));
        assert.equal(returned, undefined, 'publish returns synchronously, no promise to wait for');
        slowestPublishMs = Math.max(slowestPublishMs, performance.now() - t);
        if (i % 100 === 0) {
          await store.appendToStream('during', [newEvent('DuringOutage', { i })]);
          await new Promise((r) => setTimeout(r, 1000));
        }
      }
      assert.equal(stream.buffered, 500, 'the buffer holds its bound');
      assert.equal(stream.dropped, 300, 'the rest is counted as dropped');
      console.log(`# slowest publish during the outage: ${slowestPublishMs.toFixed(2)} ms`);
      assert.equal(followed.length, 10, 'the follower keeps what it had');
      await waitFor('10 s of outage', () => Date.now() - outageStart >= 10_000, 15_000);

      const t0 = Date.now();
      await broker.start();
      const t1 = Date.now();
      await waitFor('buffered facts delivered', () => consumed.length === 600, 60_000);
      const t2 = Date.now();
      assert.deepEqual(consumed.filter((f) => f.requestId.startsWith('during-')).map((f) => f.requestId), Array.from({ length: 500 }, (_, i) => `during-${i}`));
      await waitFor('follower caught up with the 8 events appended during the outage', () => followed.length === 18, 60_000)
        .catch((e: Error) => assert.fail(`${e.message} (at ${followed.length}, errors ${errors.map((x) => x.message).join('; ')})\n${warnings.slice(-20).join('\n')}`));
      assert.deepEqual(followed.map((e) => Number(e.globalPosition)), Array.from({ length: 18 }, (_, i) => i + 1));
      assert.deepEqual(errors, []);
      console.log(`# broker restart ${t1 - t0} ms, facts delivered +${t2 - t1} ms, follower caught up +${Date.now() - t2} ms`);
    } finally {
      await sub.stop().catch(() => {});
      await stream.close().catch(() => {});
      await follower.stop().catch(() => {});
      await relay.stop().catch(() => {});
      await store.close();
    }
  });
});
