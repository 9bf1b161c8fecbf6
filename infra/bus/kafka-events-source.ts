// Follows gatehouse.events the way a distributed gateway or worker follows the log: events
// after a position, in global order, each once. Duplicates (a relay resend) are dropped by
// position; the previous-position header proves nothing was skipped, and a gap stops the
// source with an error rather than serving a map that silently missed an event.
import type { RecordedEvent } from '../../domain/ports.ts';
import { TOPICS, errorMessage, kafkaOf, silentLogger, type BusLogger, type KafkaSource } from './kafka-client.ts';
import { decodeEvent } from './kafka-event-codec.ts';
import { offsetsAtTime, openTopicReader, topicOffsets, type TopicReader } from './kafka-reader.ts';

export interface KafkaEventsSourceOptions {
  kafka: KafkaSource;
  topic?: string;
  logger?: BusLogger;
  /** Deliver events with globalPosition > after (default 0n: all). */
  after?: bigint;
  /**
   * recordedAt (epoch ms) of the event at `after`, when known (a changelog snapshot carries
   * it): the source seeks by time instead of reading the topic from its start.
   */
  afterTimestamp?: number;
  /** Awaited, one event at a time. A throw stops the source (onError). */
  handler(event: RecordedEvent): void | Promise<void>;
  /**
   * The source stopped on its own: handler failure, undecodable message, or a gap. (A consumer
   * that crashes for good — broker trouble — is replaced by a new reader from the next offset.)
   */
  onError?(error: Error): void;
}

export interface KafkaEventsSource {
  /** Position of the last event delivered (or `after`). */
  readonly position: bigint;
  /** Resolves once every message in the topic at start has been read. */
  readonly caughtUp: Promise<void>;
  stop(): Promise<void>;
}

export class EventGapError extends Error {
  readonly after: bigint;
  readonly next: bigint;
  constructor(after: bigint, next: bigint, previous: bigint) {
    super(`gatehouse.events gap: delivered up to ${after}, next message is ${next} sent after ${previous}`);
    this.name = 'EventGapError';
    this.after = after;
    this.next = next;
  }
}

/** Clocks of control-plane nodes may disagree: seek this much before the timestamp. */
const SEEK_MARGIN_MS = 60_000;

export async function startKafkaEventsSource(options: KafkaEventsSourceOptions): Promise<KafkaEventsSource> {
  const logger = options.logger ?? silentLogger;
  const topic = options.topic ?? TOPICS.events;
  const kafka = kafkaOf(options.kafka, { clientId: 'gatehouse-events-source', logger });
  const p0 = (await topicOffsets(kafka, topic)).find((o) => o.partition === 0);
  if (!p0) throw new Error(`topic ${topic} has no partition 0`);

  let position = options.after ?? 0n;
  let startOffset = p0.low;
  if (position > 0n && options.afterTimestamp !== undefined && Number.isFinite(options.afterTimestamp)) {
    const at = (await offsetsAtTime(kafka, topic, options.afterTimestamp - SEEK_MARGIN_MS)).get(0);
    if (at !== undefined && at >= 0n) startOffset = at > p0.low ? at : p0.low;
  }
  // Seeking by time is a guess: if the first message shows we started past `after`, read
  // again from the start of the topic once before calling it a gap.
  let mayFallBack = startOffset > p0.low;
  let ignoreFrom: bigint | null = null; // after a fallback seek: stale messages at ≥ this offset
  const caughtUpAt = p0.high - 1n;
  let markCaughtUp!: () => void;
  const caughtUp = new Promise<void>((r) => (markCaughtUp = r));
  if (startOffset > caughtUpAt) markCaughtUp();

  let failed = false;
  let reader: TopicReader | undefined;
  /** Offset of the next message to look at: where a reopened reader starts. */
  let nextOffset = startOffset;
  let reopenFailures = 0;
  let reopenTimer: NodeJS.Timeout | undefined;
  const fail = (e: Error): void => {
    if (failed) return;
    failed = true;
    clearTimeout(reopenTimer);
    logger.error({ topic, err: e.message, position: position.toString() }, 'events source stopped');
    options.onError?.(e);
    void reader?.stop();
  };
  /**
   * The consumer gave up (kafkajs did not restart it, e.g. after a broker outage): that says
   * nothing about the events, so read on with a new reader from the next offset, after a pause.
   */
  const readerCrashed = (e: Error): void => {
    if (failed) return;
    const old = reader;
    reader = undefined;
    void old?.stop();
    const delayMs = Math.min(10_000, 500 * 2 ** Math.min(reopenFailures++, 5));
    logger.warn({ topic, err: e.message, position: position.toString(), offset: nextOffset.toString(), delayMs }, 'events reader crashed; reopening');
    reopenTimer = setTimeout(() => {
      if (failed) return;
      open(nextOffset).then(
        (r) => {
          if (failed) void r.stop();
          else reader = r;
        },
        (err: unknown) => readerCrashed(err instanceof Error ? err : new Error(errorMessage(err))),
      );
    }, delayMs);
  };

  const open = (offset: bigint): Promise<TopicReader> => openTopicReader({
    kafka, topic, logger, groupPrefix: 'gatehouse-events',
    start: [{ partition: 0, offset: offset.toString() }],
    onError: readerCrashed,
    async onBatch(batch) {
      for (const message of batch.messages) {
        if (failed) return;
        const offset = BigInt(message.offset);
        if (ignoreFrom !== null) {
          if (offset >= ignoreFrom) continue;
          ignoreFrom = null;
        }
        let decoded;
        try {
          decoded = decodeEvent(message);
        } catch (e) {
          fail(e as Error);
          return;
        }
        const { event, previous } = decoded;
        if (event.globalPosition > position) {
          if (previous > position) {
            if (mayFallBack) {
              mayFallBack = false;
              ignoreFrom = startOffset;
              logger.info({ topic, after: position.toString(), firstPrevious: previous.toString() }, 'seek by time landed too late; reading the topic from its start');
              nextOffset = p0.low;
              reader!.seek({ partition: 0, offset: p0.low.toString() });
              return;
            }
            fail(new EventGapError(position, event.globalPosition, previous));
            return;
          }
          try {
            await options.handler(event);
          } catch (e) {
            fail(e instanceof Error ? e : new Error(errorMessage(e)));
            return;
          }
          position = event.globalPosition;
        }
        nextOffset = offset + 1n;
        reopenFailures = 0;
        mayFallBack = false;
        if (offset >= caughtUpAt) markCaughtUp();
      }
    },
  });
  reader = await open(startOffset);

  return {
    get position() {
      return position;
    },
    caughtUp,
    async stop() {
      failed = true;
      clearTimeout(reopenTimer);
      await reader?.stop();
    },
  };
}
