// The traffic manager's state over Kafka (<prefix>traffic-state, compacted): one record per
// consumer group and request partition, `<group>/<topic>:<partition>` → the partition's share of
// the open windows and the offset it covers (projections/traffic/partitions.ts). A new owner of a
// partition reads the topic to its end before counting, so a restart or a rebalance resumes
// from the last save; the traffic manager needs no data directory.
import { Partitioners, type Producer } from 'kafkajs';
import { decodePartitionState, encodePartitionState, type PartitionState } from '../../projections/traffic/partitions.ts';
import type { TrafficStateStore } from '../../projections/traffic/service.ts';
import { TOPICS, errorMessage, kafkaOf, silentLogger, type BusLogger, type KafkaSource } from './kafka-client.ts';
import { openTopicReader, topicOffsets } from './kafka-reader.ts';
import { ensureTopics, topicSpecs, type TopicSpec } from './kafka-topics.ts';

export interface KafkaTrafficStateOptions {
  kafka: KafkaSource;
  /** The consumer group whose offsets the states go with (several groups may share a topic). */
  group: string;
  topic?: string;
  logger?: BusLogger;
  /** Longest a load may take before it fails (default 8 s: under the consumer's session timeout). */
  loadTimeoutMs?: number;
  createTopic?: boolean;
  topicSpec?: Partial<TopicSpec>;
}

export interface KafkaTrafficStateStore extends TrafficStateStore {
  readonly topic: string;
  close(): Promise<void>;
}

export async function createKafkaTrafficStateStore(options: KafkaTrafficStateOptions): Promise<KafkaTrafficStateStore> {
  const logger = options.logger ?? silentLogger;
  const topic = options.topic ?? TOPICS.trafficState;
  const kafka = kafkaOf(options.kafka, { clientId: 'gatehouse-traffic-state', logger });
  if (options.createTopic !== false) await ensureTopics(kafka, [topicSpecs.trafficState({ ...options.topicSpec, topic })]);
  const keyOf = (partition: string) => `${options.group}/${partition}`;
  let producer: Promise<Producer> | null = null;
  let closed = false;

  async function load(partitions: readonly string[]): Promise<ReadonlyMap<string, PartitionState>> {
    const wanted = new Map(partitions.map((p) => [keyOf(p), p]));
    const found = new Map<string, PartitionState>();
    const p0 = (await topicOffsets(kafka, topic)).find((o) => o.partition === 0);
    if (!p0) throw new Error(`topic ${topic} has no partition 0`);
    if (p0.high === p0.low || wanted.size === 0) return found;
    const endAt = p0.high - 1n;
    const timeoutMs = options.loadTimeoutMs ?? 8000;
    let reachedEnd!: () => void;
    let failed!: (e: Error) => void;
    const done = new Promise<void>((resolve, reject) => {
      reachedEnd = resolve;
      failed = reject;
    });
    const timer = setTimeout(() => failed(new Error(`${topic} not read to its end within ${timeoutMs} ms`)), timeoutMs);
    const opening = openTopicReader({
      kafka, topic, logger, groupPrefix: 'gatehouse-traffic-state',
      start: [{ partition: 0, offset: p0.low.toString() }],
      onError: failed,
      async onBatch(batch) {
        for (const m of batch.messages) {
          const partition = wanted.get(m.key?.toString('utf8') ?? '');
          if (partition !== undefined) {
            const state = m.value ? decodePartitionState(m.value.toString('utf8')) : null;
            if (state) found.set(partition, state);
            else {
              found.delete(partition);
              if (m.value) logger.warn({ topic, offset: m.offset, partition }, 'unreadable traffic state skipped');
            }
          }
          if (BigInt(m.offset) >= endAt) reachedEnd();
        }
      },
    });
    try {
      await Promise.race([opening.then(() => done), done]);
    } finally {
      clearTimeout(timer);
      await (await opening.catch(() => undefined))?.stop();
    }
    return found;
  }

  return {
    topic,
    load,
    async save(states) {
      if (closed) throw new Error('traffic state store is closed');
      if (states.size === 0) return;
      producer ??= (async () => {
        const p = kafka.producer({ idempotent: true, maxInFlightRequests: 1, allowAutoTopicCreation: false, createPartitioner: Partitioners.DefaultPartitioner });
        await p.connect();
        return p;
      })();
      const p = await producer.catch((e: unknown) => {
        producer = null; // the next save connects again
        throw e;
      });
      try {
        await p.send({ topic, acks: -1, messages: [...states].map(([partition, s]) => ({ key: keyOf(partition), value: encodePartitionState(s) })) });
      } catch (e) {
        logger.warn({ topic, err: errorMessage(e), partitions: states.size }, 'traffic state not saved');
        throw e;
      }
    },
    async close() {
      closed = true;
      const p = producer;
      producer = null;
      await (await p?.catch(() => null))?.disconnect().catch(() => {});
    },
  };
}
