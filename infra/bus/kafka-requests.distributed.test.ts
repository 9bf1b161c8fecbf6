// Request facts and throttle decisions over the real broker (infra/dev/up).
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import type { Kafka } from 'kafkajs';
import type { RequestFact, ThrottleDecision } from '../../domain/ports.ts';
import { createKafkaRequestStream } from './kafka-requests.ts';
import { createKafkaThrottleDecisionStream } from './kafka-throttle.ts';
import { deleteTopics, requestFact, skipWithoutKafka, testKafka, uniqueTopic, waitFor } from '../../test/distributed/support.ts';

describe('kafka request stream (real broker)', { skip: skipWithoutKafka }, () => {
  let kafka: Kafka;
  const topics: string[] = [];
  before(() => {
    kafka = testKafka();
  });
  after(async () => {
    await deleteTopics(kafka, topics);
  });

  test('publish returns at once; facts go out in batches; a group shares partitions, each fact once, in order per API', async () => {
    const topic = uniqueTopic('requests');
    topics.push(topic);
    const stream = await createKafkaRequestStream({ kafka, topic, consumerGroup: `${topic}-g`, fromBeginning: true, topicSpec: { numPartitions: 4 } });
    const got: { member: string; fact: RequestFact }[] = [];
    const subA = await stream.subscribe((facts) => void facts.forEach((fact) => got.push({ member: 'A', fact })));
    const subB = await stream.subscribe((facts) => void facts.forEach((fact) => got.push({ member: 'B', fact })));

    const n = 3000;
    const t0 = performance.now();
    for (let i = 0; i < n; i++) stream.publish(requestFact({ apiId: `api-${i % 6}`, requestId: `r-${i}` }));
    const publishMs = performance.now() - t0;
    assert.ok(stream.buffered > 0, 'nothing is sent synchronously');
    assert.ok(await stream.flush(10_000));
    assert.equal(stream.published, n);
    assert.equal(stream.dropped, 0);
    assert.ok(stream.produceRequests <= n / 100, `batched: ${stream.produceRequests} produce requests for ${n} facts`);
    assert.ok(publishMs < 1000, `publishing ${n} facts took ${publishMs.toFixed(1)} ms`);

    await waitFor('every fact consumed', () => got.length >= n, 30_000);
    await new Promise((r) => setTimeout(r, 300));
    assert.equal(got.length, n, 'each fact exactly once across the group');
    assert.equal(new Set(got.map((g) => g.fact.requestId)).size, n);
    for (let api = 0; api < 6; api++) {
      const seq = got.filter((g) => g.fact.apiId === `api-${api}`);
      assert.equal(new Set(seq.map((g) => g.member)).size, 1, `api-${api} stays in one partition, one member`);
      const ids = seq.map((g) => Number(g.fact.requestId.slice(2)));
      assert.deepEqual(ids, [...ids].sort((a, b) => a - b), `api-${api} in publish order`);
    }
    await subA.stop();
    await subB.stop();
    await stream.close();
    const metrics = await stream.registry.getMetricsAsJSON();
    assert.equal(metrics.find((m) => m.name === 'gatehouse_request_facts_published_total')?.values[0]?.value, n);
  });

  test('unread(): a partition is unread until its facts are handed over, then caught up; empty partitions never are', async () => {
    const topic = uniqueTopic('requests');
    topics.push(topic);
    const stream = await createKafkaRequestStream({ kafka, topic, consumerGroup: `${topic}-g`, fromBeginning: true, topicSpec: { numPartitions: 3 } });
    for (let i = 0; i < 50; i++) stream.publish(requestFact({ apiId: 'api-only', requestId: `r-${i}` }));
    assert.ok(await stream.flush(10_000));
    let release!: () => void;
    const gate = new Promise<void>((r) => (release = r));
    let handed = 0;
    const sub = await stream.subscribePositioned(async (batch) => {
      await gate; // the first batch is held: its facts are fetched but not handed over
      handed += batch.facts.length;
    });
    try {
      let unread: ReadonlySet<string> | null = null;
      await waitFor('the partition assigned and its end known', async () => (unread = await sub.unread()) !== null && unread.size === 1, 30_000);
      const [busy] = [...unread!];
      assert.match(busy!, new RegExp(`^${topic}:[0-2]$`), 'only the partition of api-only holds facts');
      release();
      await waitFor('every fact handed over', () => handed === 50, 30_000);
      assert.deepEqual([...(await sub.unread())!], [], 'caught up: nothing unread anywhere');
      stream.publish(requestFact({ apiId: 'api-only', requestId: 'r-late' }));
      assert.ok(await stream.flush(10_000));
      await waitFor('the new fact handed over', () => handed === 51, 30_000);
      assert.deepEqual([...(await sub.unread())!], []);
    } finally {
      release();
      await sub.stop();
      await stream.close();
    }
  });

  test('a full buffer drops (counted, also as a metric) instead of blocking; closing drops what is left', async () => {
    // Nothing listens on port 1: every send fails, the buffer fills.
    const stream = await createKafkaRequestStream({ kafka: ['127.0.0.1:1'], topic: uniqueTopic('nowhere'), createTopic: false, capacity: 100, flushTimeoutMs: 200 });
    const t0 = performance.now();
    for (let i = 0; i < 250; i++) stream.publish(requestFact());
    assert.ok(performance.now() - t0 < 200, 'publish never waits for the broker');
    assert.equal(stream.buffered, 100);
    assert.equal(stream.dropped, 150);
    await stream.close();
    assert.equal(stream.dropped, 250);
    stream.publish(requestFact());
    assert.equal(stream.dropped, 251);
    const metrics = await stream.registry.getMetricsAsJSON();
    assert.equal(metrics.find((m) => m.name === 'gatehouse_request_facts_dropped_total')?.values[0]?.value, 251);
  });
});

describe('kafka throttle decisions (real broker)', { skip: skipWithoutKafka }, () => {
  let kafka: Kafka;
  const topics: string[] = [];
  before(() => {
    kafka = testKafka();
  });
  after(async () => {
    await deleteTopics(kafka, topics);
  });

  test('every subscriber hears every decision; a late subscriber learns those still in force, not expired ones', async () => {
    const topic = uniqueTopic('throttle');
    topics.push(topic);
    const tm = await createKafkaThrottleDecisionStream({ kafka, topic });
    const gw1: ThrottleDecision[] = [];
    const gw2: ThrottleDecision[] = [];
    const s1 = await tm.subscribe((d) => void gw1.push(d));
    const s2 = await tm.subscribe((d) => void gw2.push(d));
    const now = Date.now();
    await tm.publish({ throttleKey: 'app-1:/pets:1.0.0', throttledUntil: now + 60_000 });
    await tm.publish({ throttleKey: 'app-2:/pets:1.0.0', throttledUntil: now + 1500 });
    await tm.publish({ throttleKey: 'app-3:/pets:1.0.0', throttledUntil: 0 });
    await waitFor('both gateways heard all three', () => gw1.length === 3 && gw2.length === 3);
    assert.deepEqual(gw1.map((d) => d.throttleKey), ['app-1:/pets:1.0.0', 'app-2:/pets:1.0.0', 'app-3:/pets:1.0.0']);
    assert.deepEqual(gw2, gw1);

    await waitFor('the short decision to expire', () => Date.now() > now + 1600, 5000);
    const late: ThrottleDecision[] = [];
    const s3 = await tm.subscribe((d) => void late.push(d));
    await waitFor('the late subscriber replayed', () => late.length >= 2);
    await new Promise((r) => setTimeout(r, 300));
    assert.deepEqual(late.map((d) => d.throttleKey), ['app-1:/pets:1.0.0', 'app-3:/pets:1.0.0']);
    await Promise.all([s1.stop(), s2.stop(), s3.stop()]);
    await tm.close();
    await assert.rejects(tm.publish({ throttleKey: 'k', throttledUntil: 1 }), /closed/);
  });
});
