// Reads a topic from chosen offsets with a throwaway consumer group: every reader sees every
// partition (no load sharing), positions are its own business (the group is deleted on stop).
// The building block of the relay's resume, the events source, the changelog and decisions.
import { randomUUID } from 'node:crypto';
import type { Batch, Consumer, Kafka } from 'kafkajs';
import { errorMessage, type BusLogger } from './kafka-client.ts';

export interface PartitionStart {
  partition: number;
  /** Offset to read from (inclusive), as kafkajs wants it: a decimal string. */
  offset: string;
}

export interface PartitionOffsets {
  partition: number;
  /** First offset still in the log. */
  low: bigint;
  /** High watermark: the offset the next message will get. */
  high: bigint;
}

export async function topicOffsets(kafka: Kafka, topic: string): Promise<PartitionOffsets[]> {
  const admin = kafka.admin();
  await admin.connect();
  try {
    const offsets = await admin.fetchTopicOffsets(topic);
    return offsets
      .map((o) => ({ partition: o.partition, low: BigInt(o.low), high: BigInt(o.high) }))
      .sort((a, b) => a.partition - b.partition);
  } finally {
    await admin.disconnect();
  }
}

/** Per partition, the first offset whose timestamp is ≥ `timestamp` (the high watermark when none). */
export async function offsetsAtTime(kafka: Kafka, topic: string, timestamp: number): Promise<Map<number, bigint>> {
  const admin = kafka.admin();
  await admin.connect();
  try {
    const found = await admin.fetchTopicOffsetsByTimestamp(topic, timestamp);
    return new Map(found.map((o) => [o.partition, BigInt(o.offset)]));
  } finally {
    await admin.disconnect();
  }
}

export interface TopicReaderOptions {
  kafka: Kafka;
  topic: string;
  /** Prefix of the throwaway group id (a UUID is appended). */
  groupPrefix: string;
  start: PartitionStart[];
  /** Awaited; batches of one partition arrive in offset order. A throw stops the reader (onError). */
  onBatch(batch: Batch): Promise<void>;
  onError?(error: Error): void;
  logger: BusLogger;
  /** Longest a fetch waits for new messages (default 100 ms: latency over chattiness). */
  maxWaitMs?: number;
  /** Most bytes one fetch returns per partition (default 8 MiB; kafkajs' own is 1 MiB). */
  maxBytesPerPartition?: number;
}

export interface TopicReader {
  readonly groupId: string;
  /** Moves a partition's read position (e.g. after finding the data starts earlier). */
  seek(start: PartitionStart): void;
  stop(): Promise<void>;
}

export async function openTopicReader(o: TopicReaderOptions): Promise<TopicReader> {
  const groupId = `${o.groupPrefix}-${randomUUID()}`;
  const consumer: Consumer = o.kafka.consumer({
    groupId,
    allowAutoTopicCreation: false,
    maxWaitTimeInMs: o.maxWaitMs ?? 100,
    maxBytesPerPartition: o.maxBytesPerPartition ?? 8 * 1024 * 1024,
    maxBytes: Math.max(o.maxBytesPerPartition ?? 0, 32 * 1024 * 1024),
    // After a broker restart a crashed-and-restarted consumer rejoins as a new member; the old
    // one holds the group until its session times out: keep that short.
    sessionTimeout: 10_000,
    heartbeatInterval: 1000,
    retry: { retries: 10 },
  });
  let stopped = false;
  // Start offsets are (re)applied on every group join: kafkajs restarts a crashed consumer
  // (e.g. a broker that went away) with a fresh group generation, which forgets earlier seeks.
  // Once a partition delivered a batch its auto-committed offset takes over.
  const pending = new Map(o.start.map((s) => [s.partition, s.offset]));
  const applyPending = (): void => {
    for (const [partition, offset] of pending) {
      try {
        consumer.seek({ topic: o.topic, partition, offset });
      } catch {
        // not running yet: the next GROUP_JOIN applies it
      }
    }
  };
  consumer.on(consumer.events.GROUP_JOIN, applyPending);
  consumer.on(consumer.events.CRASH, ({ payload }) => {
    if (stopped) return;
    const error = payload.error instanceof Error ? payload.error : new Error(String(payload.error));
    o.logger.warn({ topic: o.topic, groupId, err: errorMessage(error), restart: payload.restart }, 'kafka reader crashed');
    if (!payload.restart) o.onError?.(error);
  });
  await consumer.connect();
  // fromBeginning only matters if kafkajs ever rejoins without a committed offset: rereading
  // is harmless to readers that dedupe, skipping would not be.
  await consumer.subscribe({ topics: [o.topic], fromBeginning: true });
  await consumer.run({
    autoCommit: true,
    eachBatchAutoResolve: true,
    eachBatch: async ({ batch, isRunning, isStale }) => {
      if (!isRunning() || isStale()) return;
      await o.onBatch(batch);
      pending.delete(batch.partition);
    },
  });
  applyPending();
  return {
    groupId,
    seek(s) {
      pending.set(s.partition, s.offset);
      applyPending();
    },
    async stop() {
      if (stopped) return;
      stopped = true;
      await consumer.disconnect().catch(() => {});
      const admin = o.kafka.admin();
      try {
        await admin.connect();
        await admin.deleteGroups([groupId]);
      } catch {
        // an empty group without members expires on its own (offsets.retention.minutes)
      } finally {
        await admin.disconnect().catch(() => {});
      }
    },
  };
}
