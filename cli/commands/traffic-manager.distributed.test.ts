// `gatehouse traffic-manager` as a process of its own on the real broker: facts of two
// gateways reach a 30/min subscription limit, one decision comes out on the throttle topic;
// SIGTERM exits cleanly with the consumer offsets committed.
import { spawn, type ChildProcess } from 'node:child_process';
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import type { Kafka } from 'kafkajs';
import type { ThrottleDecision } from '../../domain/ports.ts';
import { createKafkaRequestStream } from '../../infra/bus/kafka-requests.ts';
import { createKafkaThrottleDecisionStream } from '../../infra/bus/kafka-throttle.ts';
import type { TrafficFact } from '../../projections/traffic/hits.ts';
import { deleteTopics, kafkaBrokers, requestFact, skipWithoutKafka, testKafka, uniqueTopic, waitFor } from '../../test/distributed/support.ts';

const root = new URL('../../', import.meta.url).pathname;

describe('gatehouse traffic-manager (process, real broker)', { skip: skipWithoutKafka }, () => {
  let kafka: Kafka;
  let child: ChildProcess | undefined;
  const requestsTopic = uniqueTopic('requests');
  const throttleTopic = uniqueTopic('throttle');
  const stateTopic = uniqueTopic('traffic-state');
  const group = `${requestsTopic}-tm`;
  before(() => {
    kafka = testKafka();
  });
  after(async () => {
    if (child && child.exitCode === null) child.kill('SIGKILL');
    await deleteTopics(kafka, [requestsTopic, throttleTopic, stateTopic]);
  });

  test('two gateways, one 30/min key: one decision at the 30th fact, none after; clean SIGTERM', async () => {
    const gw1 = await createKafkaRequestStream({ kafka, topic: requestsTopic, lingerMs: 5 });
    const gw2 = await createKafkaRequestStream({ kafka, topic: requestsTopic, lingerMs: 5 });
    const decisions = await createKafkaThrottleDecisionStream({ kafka, topic: throttleTopic });
    const heard: ThrottleDecision[] = [];
    const sub = await decisions.subscribe((d) => void heard.push(d));

    child = spawn(process.execPath, ['--import', 'tsx', 'cli/main.ts', 'traffic-manager', '--port', '0', '--host', '127.0.0.1',
      '--group', group, '--requests-topic', requestsTopic, '--throttle-topic', throttleTopic, '--state-topic', stateTopic], {
      cwd: root, env: { ...process.env, KAFKA_BROKERS: kafkaBrokers!.join(','), GATEHOUSE_LOG_LEVEL: 'info' }, stdio: ['ignore', 'pipe', 'inherit'],
    });
    let url = '';
    let out = '';
    child.stdout!.on('data', (d: Buffer) => {
      out += d.toString();
      const m = /"url":"(http:\/\/[^"]+)"/.exec(out);
      if (m) url = m[1]!;
    });
    await waitFor('the traffic manager to listen', () => url !== '', 60_000);
    assert.equal((await fetch(`${url}/health`)).status, 200);
    await waitFor('partitions assigned (/ready)', async () => (await fetch(`${url}/ready`)).status === 200, 60_000);

    const windowStart = Math.floor(Date.now() / 60_000) * 60_000;
    const key = 'app-1:/pets:1.0.0';
    const fact = (i: number): TrafficFact => ({
      ...requestFact({ requestId: `f-${i}`, gatewayId: i % 2 ? 'gw-1' : 'gw-2', throttleKeys: [key] }),
      throttleHits: [{ key, limit: 30, windowStart, windowEnd: windowStart + 60_000 }],
    });
    for (let i = 0; i < 29; i++) (i % 2 ? gw1 : gw2).publish(fact(i));
    await Promise.all([gw1.flush(), gw2.flush()]);
    await waitFor('29 facts counted', async () => ((await (await fetch(`${url}/ready`)).json()) as { facts: number }).facts === 29, 20_000);
    assert.deepEqual(heard, []);
    gw1.publish(fact(29));
    await gw1.flush();
    await waitFor('the decision', () => heard.length === 1, 20_000);
    assert.deepEqual(heard[0], { throttleKey: key, throttledUntil: windowStart + 60_000 });
    for (let i = 30; i < 40; i++) gw2.publish(fact(i));
    await gw2.flush();
    await waitFor('40 facts counted', async () => ((await (await fetch(`${url}/ready`)).json()) as { facts: number }).facts === 40, 20_000);
    await new Promise((r) => setTimeout(r, 300));
    assert.equal(heard.length, 1, 'no second decision in the same window');
    const metrics = await (await fetch(`${url}/metrics`)).text();
    assert.match(metrics, /gatehouse_throttle_decisions_total 1\b/);

    const exited = new Promise<number | null>((r) => child!.once('exit', (code) => r(code)));
    child.kill('SIGTERM');
    assert.equal(await exited, 0);
    const admin = kafka.admin();
    await admin.connect();
    const [committed] = await admin.fetchOffsets({ groupId: group, topics: [requestsTopic] });
    const ends = await admin.fetchTopicOffsets(requestsTopic);
    await admin.disconnect();
    const total = (xs: { offset: string }[]) => xs.reduce((n, p) => n + Math.max(0, Number(p.offset)), 0);
    assert.equal(total(committed!.partitions), total(ends), 'every handled fact committed');

    await sub.stop();
    await Promise.all([gw1.close(), gw2.close(), decisions.close()]);
  });
});
