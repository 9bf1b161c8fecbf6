// The relay and the events source against the real broker (infra/dev/up): order, positions,
// resume after a SIGKILL without skipping, duplicates dropped, gaps detected.
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { Partitioners, type Kafka } from 'kafkajs';
import type { RecordedEvent } from '../../domain/ports.ts';
import { openMemoryEventStore } from '../eventstore/memory.ts';
import { openSqliteEventStore } from '../eventstore/sqlite.ts';
import { encodeEvent } from './kafka-event-codec.ts';
import { EventGapError, startKafkaEventsSource } from './kafka-events-source.ts';
import { lastRelayedPosition, RelayResumeError, startKafkaRelay } from './kafka-relay.ts';
import { ensureTopics, topicSpecs } from './kafka-topics.ts';
import { appendMany, deleteTopics, kafkaBrokers, newEvent, skipWithoutKafka, testKafka, uniqueTopic, waitFor } from '../../test/distributed/support.ts';

const root = new URL('../../', import.meta.url).pathname;

/** Everything in the topic, deduplicated by the events source. */
async function readAll(kafka: Kafka, topic: string, after = 0n, afterTimestamp?: number): Promise<RecordedEvent[]> {
  const got: RecordedEvent[] = [];
  let failed!: (e: Error) => void;
  const failure = new Promise<never>((_, reject) => (failed = reject));
  const source = await startKafkaEventsSource({ kafka, topic, after, afterTimestamp, handler: (e) => void got.push(e), onError: (e) => failed(e) });
  try {
    await Promise.race([source.caughtUp, failure]);
  } finally {
    await source.stop();
  }
  return got;
}

describe('kafka relay (real broker)', { skip: skipWithoutKafka }, () => {
  let kafka: Kafka;
  const topics: string[] = [];
  const dirs: string[] = [];
  before(() => {
    kafka = testKafka();
  });
  after(async () => {
    await deleteTopics(kafka, topics);
    for (const d of dirs) rmSync(d, { recursive: true, force: true });
  });

  test('publishes every event in global order with its position, and a reader sees exactly the log', async () => {
    const topic = uniqueTopic('events');
    topics.push(topic);
    const store = openMemoryEventStore();
    const head = await appendMany(store, 120);
    const relay = await startKafkaRelay({ store, kafka, topic, maxBatch: 50 });
    assert.equal(relay.resumedFrom, 0n);
    await relay.caughtUp;
    assert.equal(relay.position, head);
    await store.appendToStream('live-1', [newEvent('LiveHappened', { n: 1 })]);
    await relay.waitForPosition(head + 1n, 10_000);
    await relay.stop();

    const got = await readAll(kafka, topic);
    const expected = await store.readAll();
    assert.deepEqual(got.map((e) => e.globalPosition), expected.map((e) => e.globalPosition));
    assert.deepEqual(got.at(-1), expected.at(-1));
    assert.equal(typeof got[0]!.streamVersion, 'bigint');
    assert.equal(await lastRelayedPosition(kafka, topic), head + 1n);
    await store.close();
  });

  test('a relay killed mid-stream resumes from the topic: no event skipped, duplicates dropped by readers', async () => {
    const topic = uniqueTopic('events-crash');
    topics.push(topic);
    const dir = mkdtempSync(join(tmpdir(), 'gatehouse-relay-'));
    dirs.push(dir);
    const path = join(dir, 'log.db');
    const store = openSqliteEventStore({ path });
    const total = 3000;
    const env = { ...process.env, KAFKA_BROKERS: kafkaBrokers!.join(','), STORE_PATH: path, TOPIC: topic, MAX_BATCH: '20' };
    const startChild = () => {
      const child = spawn(process.execPath, ['--import', 'tsx', 'test/distributed/relay-child.ts'], { cwd: root, env, stdio: ['ignore', 'pipe', 'inherit'] });
      const state = { position: 0n, resumedFrom: -1n };
      let buf = '';
      child.stdout!.on('data', (d: Buffer) => {
        buf += d.toString();
        let i;
        while ((i = buf.indexOf('\n')) >= 0) {
          const line = JSON.parse(buf.slice(0, i)) as { position?: string; resumedFrom?: string };
          buf = buf.slice(i + 1);
          if (line.position) state.position = BigInt(line.position);
          if (line.resumedFrom) state.resumedFrom = BigInt(line.resumedFrom);
        }
      });
      return { child, state };
    };
    const exited = (c: ChildProcess) => new Promise((r) => c.once('exit', r));

    const first = startChild();
    const appending = appendMany(store, total); // runs while the relay works
    await waitFor('the relay to get going', () => first.state.position > 200n, 60_000);
    first.child.kill('SIGKILL');
    await exited(first.child);
    const killedAt = first.state.position;
    await appending;
    assert.ok(killedAt < BigInt(total), `the kill came mid-stream (relay was at ${killedAt})`);

    const second = startChild();
    await waitFor('the restarted relay to catch up', () => second.state.position === BigInt(total), 60_000);
    assert.ok(second.state.resumedFrom >= killedAt, `resumed from ${second.state.resumedFrom}, the topic had at least ${killedAt}`);
    second.child.kill('SIGTERM');
    await exited(second.child);

    const got = await readAll(kafka, topic);
    assert.equal(got.length, total);
    got.forEach((e, i) => assert.equal(e.globalPosition, BigInt(i + 1)));
    await store.close();
  });

  test('a relay refuses a topic that holds another log (it would skip this log\'s first events)', async () => {
    const topic = uniqueTopic('events-other-log');
    topics.push(topic);
    const first = openMemoryEventStore();
    await appendMany(first, 5);
    const r1 = await startKafkaRelay({ store: first, kafka, topic });
    await r1.caughtUp;
    await r1.stop();
    const other = openMemoryEventStore(); // same positions, other events (a fresh data dir)
    await appendMany(other, 8);
    await assert.rejects(startKafkaRelay({ store: other, kafka, topic }), (e: unknown) => e instanceof RelayResumeError && /another log/.test(e.message));
    const shorter = openMemoryEventStore();
    await appendMany(shorter, 2);
    await assert.rejects(startKafkaRelay({ store: shorter, kafka, topic }), RelayResumeError);
    const again = await startKafkaRelay({ store: first, kafka, topic }); // the right log resumes
    assert.equal(again.resumedFrom, 5n);
    await again.stop();
    await Promise.all([first.close(), other.close(), shorter.close()]);
  });

  test('readers drop duplicates, seek by time, and stop on a gap instead of skipping', async () => {
    const topic = uniqueTopic('events-dup');
    topics.push(topic);
    await ensureTopics(kafka, [topicSpecs.events({ topic })]);
    const store = openMemoryEventStore();
    const t0 = Date.parse('2026-01-01T00:00:00Z');
    for (let i = 0; i < 6; i++) await store.appendToStream('s', [newEvent('E', { i }, new Date(t0 + i * 3_600_000))]);
    const events = await store.readAll();
    const producer = kafka.producer({ idempotent: true, maxInFlightRequests: 1, createPartitioner: Partitioners.DefaultPartitioner });
    await producer.connect();
    // 1 2 3 | 2 3 (a resend) | 4 5 6, then 8 sent after 7 which never arrived.
    const msgs = [0, 1, 2, 1, 2, 3, 4, 5].map((i) => ({ ...encodeEvent(events[i]!, i === 0 ? 0n : events[i - 1]!.globalPosition), partition: 0 }));
    await producer.send({ topic, messages: msgs });
    assert.deepEqual((await readAll(kafka, topic)).map((e) => Number(e.globalPosition)), [1, 2, 3, 4, 5, 6]);
    // After 4, seeking by the recordedAt of event 4 (hours apart: the time index must be used).
    assert.deepEqual((await readAll(kafka, topic, 4n, t0 + 3 * 3_600_000)).map((e) => Number(e.globalPosition)), [5, 6]);
    // A too-late timestamp hint: the reader notices it started past `after` and rereads.
    assert.deepEqual((await readAll(kafka, topic, 1n, t0 + 5 * 3_600_000)).map((e) => Number(e.globalPosition)), [2, 3, 4, 5, 6]);

    await store.appendToStream('s', [newEvent('E', { i: 7 })]);
    await store.appendToStream('s', [newEvent('E', { i: 8 })]);
    const [, e8] = (await store.readAll({ after: 6n }));
    await producer.send({ topic, messages: [{ ...encodeEvent(e8!, 7n), partition: 0 }] });
    await producer.disconnect();
    await assert.rejects(readAll(kafka, topic), (e: unknown) => e instanceof EventGapError && e.after === 6n && e.next === 8n);
    await store.close();
  });
});
