// The traffic manager's counters survive restarts and rebalances on the real broker: counted
// facts are saved to the state topic with their offsets, a SIGTERM saves and commits, a kill -9
// loses only what the next instance re-reads from Kafka, a partition moving to another instance
// is restored there; in every case the decision comes exactly at the cluster-wide limit.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { Partitioners, type Kafka, type Producer } from 'kafkajs';
import type { ThrottleDecision } from '../../domain/ports.ts';
import { topicsFor } from '../../infra/bus/kafka-client.ts';
import { createKafkaThrottleDecisionStream } from '../../infra/bus/kafka-throttle.ts';
import { ensureTopics, topicSpecs } from '../../infra/bus/kafka-topics.ts';
import type { TrafficFact } from '../../projections/traffic/hits.ts';
import * as rig from '../../test/distributed/cluster-rig.ts';
import { deleteTopics, kafkaBrokers, requestFact, skipWithoutKafka, testKafka, waitFor } from '../../test/distributed/support.ts';
import { randomUUID } from 'node:crypto';

const LIMIT = 30;
// A window of ten minutes from now: the test never crosses its end.
const windowStart = Date.now() - 1000;
const windowEnd = windowStart + 10 * 60_000;

interface Ready { facts: number; skipped: number; restored: number; decisions: number; partitions: number[] }

describe('gatehouse traffic-manager counters across restarts and rebalances (real broker)', { skip: skipWithoutKafka }, () => {
  let kafka: Kafka;
  let producer: Producer;
  const prefix = `gatehouse.test.tm-${randomUUID().slice(0, 8)}.`;
  const topics = topicsFor(prefix);
  const cfg: rig.ClusterConfig = { brokers: kafkaBrokers ?? [], prefix, issuer: 'http://127.0.0.1:1', adminPassword: 'unused' };
  const heard: ThrottleDecision[] = [];
  let stopDecisions: (() => Promise<void>) | undefined;
  let sent = 0;

  before(async () => {
    kafka = testKafka();
    await ensureTopics(kafka, [topicSpecs.requests({ topic: topics.requests, numPartitions: 2 })]);
    producer = kafka.producer({ createPartitioner: Partitioners.DefaultPartitioner });
    await producer.connect();
    const decisions = await createKafkaThrottleDecisionStream({ kafka, topic: topics.throttle });
    const sub = await decisions.subscribe((d) => void heard.push(d));
    stopDecisions = async () => {
      await sub.stop();
      await decisions.close();
    };
  });
  after(async () => {
    await rig.killAll();
    await stopDecisions?.();
    await producer?.disconnect();
    await deleteTopics(kafka, Object.values(topics));
  });

  const start = (group: string, extra: string[] = []) => rig.spawnRole(cfg, ['cli/main.ts', 'traffic-manager', '--port', '0', '--host', '127.0.0.1', '--group', group, ...extra], {},
    (l) => /"msg":"traffic manager started"/.test(l) ? /"url":"([^"]+)"/.exec(l)?.[1] : undefined);
  const ready = async (p: rig.Proc): Promise<Ready> => (await (await fetch(`${p.url}/ready`)).json()) as Ready;
  const assigned = (p: rig.Proc, n: number) => waitFor(`${n} partition(s) assigned`, async () => (await fetch(`${p.url}/ready`)).status === 200 && (await ready(p)).partitions.length === n, 60_000);

  /** `n` facts of key `key` straight into request partition `partition`. */
  async function send(partition: number, key: string, n: number): Promise<void> {
    const messages = Array.from({ length: n }, () => {
      const fact: TrafficFact = { ...requestFact({ requestId: `f-${sent++}`, throttleKeys: [key] }), throttleHits: [{ key, limit: LIMIT, windowStart, windowEnd }] };
      return { partition, key: 'api', value: JSON.stringify(fact) };
    });
    await producer.send({ topic: topics.requests, acks: -1, messages });
  }

  async function committed(group: string): Promise<number[]> {
    const admin = kafka.admin();
    await admin.connect();
    try {
      const [c] = await admin.fetchOffsets({ groupId: group, topics: [topics.requests] });
      return c!.partitions.sort((a, b) => a.partition - b.partition).map((p) => Number(p.offset));
    } finally {
      await admin.disconnect();
    }
  }
  /** The end offset of each request partition (both tests write into the same topic). */
  async function ends(): Promise<number[]> {
    const admin = kafka.admin();
    await admin.connect();
    try {
      return (await admin.fetchTopicOffsets(topics.requests)).sort((a, b) => a.partition - b.partition).map((p) => Number(p.high));
    } finally {
      await admin.disconnect();
    }
  }
  const decisionsFor = (key: string) => heard.filter((d) => d.throttleKey === key);
  const quietFor = (ms: number) => new Promise((r) => setTimeout(r, ms));

  test('SIGTERM saves and commits; kill -9 between saves re-reads the rest; the decision comes at exactly 30', async () => {
    const group = `${prefix}restart`;
    const key = 'app-r:/pets:1.0.0';
    const never = ['--snapshot-every', '0']; // saves on shutdown only: the kill -9 below is surely between two saves

    const tm1 = await start(group, never);
    await assigned(tm1, 2);
    await send(0, key, 10);
    await waitFor('10 facts counted', async () => (await ready(tm1)).facts === 10);
    assert.equal(await rig.stop(tm1, 'SIGTERM'), 0);
    assert.deepEqual(await committed(group), [10, -1], 'the saved state covers offsets 0..9 of partition 0');

    const tm2 = await start(group, never);
    await assigned(tm2, 2);
    await send(0, key, 10);
    await waitFor('10 more facts counted', async () => (await ready(tm2)).facts === 10);
    const r2 = await ready(tm2);
    assert.equal(r2.restored, 1, 'the window of the first 10 restored');
    assert.equal(r2.skipped, 0, 'the consumer resumed at the committed offset');
    await rig.stop(tm2, 'SIGKILL');
    assert.deepEqual(await committed(group), [10, -1], 'nothing committed after the last save');

    const tm3 = await start(group); // default --snapshot-every 1000
    await assigned(tm3, 2);
    await waitFor('the 10 facts after the saved offset re-read', async () => (await ready(tm3)).facts === 10);
    await send(0, key, 9);
    await waitFor('29 counted', async () => (await ready(tm3)).facts === 19);
    await quietFor(500);
    assert.deepEqual(decisionsFor(key), [], 'no decision at 29: nothing counted twice');
    await send(0, key, 1);
    await waitFor('the decision at 30', () => decisionsFor(key).length === 1);
    assert.deepEqual(decisionsFor(key)[0], { throttleKey: key, throttledUntil: windowEnd });
    await waitFor('the periodic save commits what was counted', async () => (await committed(group))[0] === 30, 10_000);
    assert.equal(await rig.stop(tm3, 'SIGTERM'), 0);
  });

  test('rebalance: a second instance takes one partition; both keys decide at exactly 30', async () => {
    const group = `${prefix}rebalance`;
    const keys = ['app-a:/pets:1.0.0', 'app-b:/shop:1.0.0'];
    const tmA = await start(group, ['--snapshot-every', '200']);
    await assigned(tmA, 2);
    await Promise.all([send(0, keys[0]!, 10), send(1, keys[1]!, 10)]);
    await waitFor('20 facts counted', async () => (await ready(tmA)).facts === 20);
    await send(0, keys[0]!, 5);
    await send(1, keys[1]!, 5); // maybe saved before the rebalance, maybe re-read by the new owner

    const tmB = await start(group, ['--snapshot-every', '200']);
    await Promise.all([assigned(tmA, 1), assigned(tmB, 1)]);
    const owners = [(await ready(tmA)).partitions, (await ready(tmB)).partitions].flat().sort();
    assert.deepEqual(owners, [0, 1], 'one partition each');
    await Promise.all([send(0, keys[0]!, 14), send(1, keys[1]!, 14)]);
    const end = (await ends()).join();
    await waitFor('29 per partition counted and saved (committed)', async () => (await committed(group)).join() === end, 20_000).catch(async (e: Error) => {
      throw new Error(`${e.message}: committed ${await committed(group)} of ${end}; A ${JSON.stringify(await ready(tmA))}; B ${JSON.stringify(await ready(tmB))}`);
    });
    await quietFor(300);
    assert.deepEqual(heard.filter((d) => keys.includes(d.throttleKey)), [], 'no decision at 29');
    await Promise.all([send(0, keys[0]!, 1), send(1, keys[1]!, 1)]);
    await waitFor('both decisions at 30', () => keys.every((k) => decisionsFor(k).length >= 1));
    await quietFor(300);
    for (const k of keys) assert.deepEqual(decisionsFor(k), [{ throttleKey: k, throttledUntil: windowEnd }]);
    assert.equal(await rig.stop(tmA, 'SIGTERM'), 0);
    assert.equal(await rig.stop(tmB, 'SIGTERM'), 0);
  });
});
