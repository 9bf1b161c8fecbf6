// Throttle decisions over Kafka (gatehouse.throttle): the traffic manager publishes
// `{throttleKey, throttledUntil}`; every gateway reads every decision (no load sharing). A
// gateway that starts reads back far enough to learn the decisions still in force.
import { Partitioners, type Producer } from 'kafkajs';
import type { ThrottleDecision, ThrottleDecisionStream } from '../../domain/ports.ts';
import { TOPICS, errorMessage, kafkaOf, silentLogger, type BusLogger, type KafkaSource } from './kafka-client.ts';
import { offsetsAtTime, openTopicReader, topicOffsets, type TopicReader } from './kafka-reader.ts';
import { ensureTopics, topicSpecs, type TopicSpec } from './kafka-topics.ts';

export interface KafkaThrottleDecisionStreamOptions {
  kafka: KafkaSource;
  topic?: string;
  logger?: BusLogger;
  /** A new subscriber reads decisions published this long ago (default 24 h: day windows). */
  replayMs?: number;
  /** Epoch ms now (tests pin it); decides which replayed decisions already expired. */
  now?(): number;
  createTopic?: boolean;
  topicSpec?: Partial<TopicSpec>;
}

export function decodeDecision(value: Buffer | null): ThrottleDecision | null {
  if (!value) return null;
  try {
    const d = JSON.parse(value.toString('utf8')) as Partial<ThrottleDecision>;
    if (typeof d.throttleKey !== 'string' || typeof d.throttledUntil !== 'number') return null;
    return { throttleKey: d.throttleKey, throttledUntil: d.throttledUntil };
  } catch {
    return null;
  }
}

export async function createKafkaThrottleDecisionStream(options: KafkaThrottleDecisionStreamOptions): Promise<ThrottleDecisionStream> {
  const logger = options.logger ?? silentLogger;
  const topic = options.topic ?? TOPICS.throttle;
  const kafka = kafkaOf(options.kafka, { clientId: 'gatehouse-throttle', logger });
  const now = options.now ?? Date.now;
  const replayMs = options.replayMs ?? 24 * 3_600_000;
  if (options.createTopic !== false) await ensureTopics(kafka, [topicSpecs.throttle({ ...options.topicSpec, topic })]);

  let producer: Promise<Producer> | null = null;
  let closed = false;
  const connect = async (): Promise<Producer> => {
    const p = kafka.producer({ allowAutoTopicCreation: false, createPartitioner: Partitioners.DefaultPartitioner, retry: { retries: 3 } });
    await p.connect();
    return p;
  };
  const readers = new Set<TopicReader>();

  return {
    async publish(decision) {
      if (closed) throw new Error('throttle decision stream is closed');
      producer ??= connect();
      const p = await producer.catch((e: unknown) => {
        producer = null; // the next publish tries again
        throw e;
      });
      await p.send({
        topic, acks: 1,
        messages: [{ key: decision.throttleKey, value: JSON.stringify(decision), timestamp: String(now()) }],
      });
    },
    async subscribe(handler) {
      const from = await offsetsAtTime(kafka, topic, now() - replayMs);
      const partitions = await topicOffsets(kafka, topic);
      const reader = await openTopicReader({
        kafka, topic, logger, groupPrefix: 'gatehouse-throttle',
        start: partitions.map((p) => ({ partition: p.partition, offset: (from.get(p.partition) ?? p.high).toString() })),
        async onBatch(batch) {
          for (const m of batch.messages) {
            const d = decodeDecision(m.value);
            if (!d) {
              logger.warn({ topic, offset: m.offset }, 'undecodable throttle decision skipped');
              continue;
            }
            if (d.throttledUntil !== 0 && d.throttledUntil <= now()) continue; // already over
            try {
              handler(d);
            } catch (e) {
              logger.error({ topic, err: errorMessage(e) }, 'throttle decision subscriber failed');
            }
          }
        },
      });
      readers.add(reader);
      return {
        async stop() {
          if (readers.delete(reader)) await reader.stop();
        },
      };
    },
    async close() {
      closed = true;
      await Promise.all([...readers].map((r) => r.stop()));
      readers.clear();
      const p = producer;
      producer = null;
      await p?.then((x) => x.disconnect()).catch(() => {});
    },
  };
}
