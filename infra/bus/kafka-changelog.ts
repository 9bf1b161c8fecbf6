// A compacted changelog (gatehouse.gateway-map): the latest value per entity key, so a new
// reader loads current state instead of replaying history. Each publish is a batch of
// entries (null = tombstone) followed by a marker record carrying the log position (and its
// recordedAt) the batch brings the state to; a reader's snapshot ends on a marker.
import { Partitioners, type KafkaMessage, type Message, type Producer } from 'kafkajs';
import { TOPICS, kafkaOf, silentLogger, type BusLogger, type KafkaSource } from './kafka-client.ts';
import { headerString } from './kafka-event-codec.ts';
import { openTopicReader, topicOffsets, type TopicReader } from './kafka-reader.ts';
import { ensureTopics, topicSpecs, type TopicSpec } from './kafka-topics.ts';

export interface ChangelogEntry {
  key: string;
  /** null deletes the key (a tombstone, removed by compaction after delete.retention.ms). */
  value: string | Buffer | null;
  /** Log position this value reflects. */
  position: bigint;
}

/** The key of the batch markers; entity keys must not start with NUL. */
export const MARKER_KEY = '\u0000position';
const POSITION_HEADER = 'gatehouse-position';
/** One send (one record batch) stays well below the topic's max.message.bytes. */
const SEND_CHUNK_MESSAGES = 2000;
const SEND_CHUNK_BYTES = 1024 * 1024;

interface MarkerValue {
  position: string;
  recordedAt: string | null;
}

export interface ChangelogWriterOptions {
  kafka: KafkaSource;
  topic?: string;
  logger?: BusLogger;
  createTopic?: boolean;
  topicSpec?: Partial<TopicSpec>;
}

export interface ChangelogWriter {
  /**
   * Sends the entries in order, then a marker at `position` (default: the highest entry
   * position). Resolves when the broker has acknowledged all of them.
   */
  publishChangelog(entries: readonly ChangelogEntry[], marker?: { position?: bigint; recordedAt?: string | null }): Promise<void>;
  close(): Promise<void>;
}

export async function createChangelogWriter(options: ChangelogWriterOptions): Promise<ChangelogWriter> {
  const logger = options.logger ?? silentLogger;
  const topic = options.topic ?? TOPICS.gatewayMap;
  const kafka = kafkaOf(options.kafka, { clientId: 'gatehouse-changelog-writer', logger });
  if (options.createTopic !== false) await ensureTopics(kafka, [topicSpecs.gatewayMap({ ...options.topicSpec, topic })]);
  const producer: Producer = kafka.producer({
    idempotent: true,
    maxInFlightRequests: 1,
    allowAutoTopicCreation: false,
    createPartitioner: Partitioners.DefaultPartitioner,
  });
  await producer.connect();
  let chain = Promise.resolve();
  return {
    publishChangelog(entries, marker = {}) {
      const run = async () => {
        let top = marker.position ?? 0n;
        for (const e of entries) {
          if (e.key.startsWith('\u0000')) throw new Error(`changelog key ${JSON.stringify(e.key)} is reserved`);
          if (e.position > top) top = e.position;
        }
        let chunk: Message[] = [];
        let bytes = 0;
        const send = async (): Promise<void> => {
          if (chunk.length > 0) await producer.send({ topic, acks: -1, messages: chunk });
          chunk = [];
          bytes = 0;
        };
        for (const e of entries) {
          const size = e.key.length + (e.value?.length ?? 0);
          if (chunk.length >= SEND_CHUNK_MESSAGES || (chunk.length > 0 && bytes + size > SEND_CHUNK_BYTES)) await send();
          chunk.push({ partition: 0, key: e.key, value: e.value, headers: { [POSITION_HEADER]: e.position.toString() } });
          bytes += size;
        }
        await send();
        const value: MarkerValue = { position: top.toString(), recordedAt: marker.recordedAt ?? null };
        await producer.send({
          topic, acks: -1,
          messages: [{ partition: 0, key: MARKER_KEY, value: JSON.stringify(value), headers: { [POSITION_HEADER]: top.toString() } }],
        });
      };
      // Publishes are serialised: a marker must never overtake the entries of another batch.
      const next = chain.then(run);
      chain = next.catch(() => {});
      return next;
    },
    async close() {
      await chain;
      await producer.disconnect();
    },
  };
}

export interface ChangelogValue {
  value: Buffer;
  position: bigint;
}

export interface ChangelogSnapshot {
  /** Latest value per key (tombstoned keys absent). */
  entries: Map<string, ChangelogValue>;
  /** Position of the marker the snapshot ends on (0n for an empty changelog). */
  position: bigint;
  /** recordedAt of the event at `position`, when the writer gave it. */
  recordedAt: string | null;
  /** false when the reader gave up waiting for the marker of a batch cut short (writer crashed). */
  complete: boolean;
  /** Records read (compaction keeps this near the number of keys). */
  records: number;
}

export type ChangelogUpdate =
  | { kind: 'entry'; key: string; value: Buffer | null; position: bigint }
  | { kind: 'marker'; position: bigint; recordedAt: string | null };

export interface ChangelogReaderOptions {
  kafka: KafkaSource;
  topic?: string;
  logger?: BusLogger;
  /** After the snapshot: every later record, in order. Without it the reader stops at the snapshot. */
  follow?(update: ChangelogUpdate): void;
  /** How long to wait for the marker of a batch that is still being written (default 30 s). */
  markerTimeoutMs?: number;
}

export interface ChangelogReader {
  readonly snapshot: ChangelogSnapshot;
  stop(): Promise<void>;
}

function decode(message: KafkaMessage): ChangelogUpdate {
  const key = message.key?.toString('utf8') ?? '';
  if (key === MARKER_KEY) {
    const m = JSON.parse(message.value?.toString('utf8') ?? '{}') as MarkerValue;
    return { kind: 'marker', position: BigInt(m.position), recordedAt: m.recordedAt };
  }
  return { kind: 'entry', key, value: message.value, position: BigInt(headerString(message.headers, POSITION_HEADER) ?? '0') };
}

/** Loads the latest value per key up to a marker at or after the end of the topic at call time. */
export async function readChangelog(options: ChangelogReaderOptions): Promise<ChangelogReader> {
  const logger = options.logger ?? silentLogger;
  const topic = options.topic ?? TOPICS.gatewayMap;
  const kafka = kafkaOf(options.kafka, { clientId: 'gatehouse-changelog-reader', logger });
  const p0 = (await topicOffsets(kafka, topic)).find((o) => o.partition === 0);
  if (!p0) throw new Error(`topic ${topic} has no partition 0`);
  const snapshot: ChangelogSnapshot = { entries: new Map(), position: 0n, recordedAt: null, complete: true, records: 0 };
  const endAt = p0.high - 1n;
  let lastWasMarker = true;
  let loaded = false;
  let resolveLoaded!: () => void;
  const loadedPromise = new Promise<void>((r) => (resolveLoaded = r));
  const finish = (complete: boolean): void => {
    if (loaded) return;
    loaded = true;
    snapshot.complete = complete;
    resolveLoaded();
  };
  if (p0.high === p0.low) finish(true);

  // At the end of the topic mid-batch: the writer is still sending (or crashed); wait a while.
  const timeoutMs = options.markerTimeoutMs ?? 30_000;
  let timer: NodeJS.Timeout | undefined;
  const waitForMarker = (): void => {
    timer ??= setTimeout(() => {
      if (loaded) return;
      logger.warn({ topic, position: snapshot.position.toString() }, 'changelog batch without its marker: using the state as read');
      finish(false);
    }, timeoutMs);
  };

  let reader: TopicReader | undefined;
  if (!loaded || options.follow) {
    reader = await openTopicReader({
      kafka, topic, logger, groupPrefix: 'gatehouse-changelog',
      start: [{ partition: 0, offset: p0.low.toString() }],
      maxBytesPerPartition: 32 * 1024 * 1024, // a cold start reads the whole (compacted) topic
      async onBatch(batch) {
        for (const message of batch.messages) {
          const update = decode(message);
          if (loaded) {
            options.follow?.(update);
            continue;
          }
          snapshot.records++;
          if (update.kind === 'marker') {
            snapshot.position = update.position;
            snapshot.recordedAt = update.recordedAt;
            lastWasMarker = true;
          } else {
            if (update.value === null) snapshot.entries.delete(update.key);
            else snapshot.entries.set(update.key, { value: update.value, position: update.position });
            lastWasMarker = false;
          }
          if (BigInt(message.offset) >= endAt) {
            if (lastWasMarker) finish(true);
            else waitForMarker();
          }
        }
      },
    });
  }
  await loadedPromise;
  clearTimeout(timer);
  if (!options.follow && reader) {
    await reader.stop();
    reader = undefined;
  }
  return {
    snapshot,
    async stop() {
      await reader?.stop();
    },
  };
}
