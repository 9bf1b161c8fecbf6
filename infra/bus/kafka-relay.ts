// The control plane's relay: every event of the log, in global order, to gatehouse.events
// (one partition, idempotent producer). On start it reads the last message already in the
// topic and resumes after its position, so a crash never skips an event; a retried or
// repeated send only duplicates, which readers drop by position (kafka-events-source.ts).
import { Partitioners, type Kafka, type KafkaMessage, type Message, type Producer } from 'kafkajs';
import type { EventStore, Subscription } from '../../domain/ports.ts';
import { TOPICS, errorMessage, kafkaOf, silentLogger, sleep, type BusLogger, type KafkaSource } from './kafka-client.ts';
import { encodeEvent, positionOf } from './kafka-event-codec.ts';
import { openTopicReader, topicOffsets } from './kafka-reader.ts';
import { ensureTopics, topicSpecs, type TopicSpec } from './kafka-topics.ts';

export interface KafkaRelayOptions {
  store: EventStore;
  kafka: KafkaSource;
  topic?: string;
  logger?: BusLogger;
  /** Events per produce request (default 500). */
  maxBatch?: number;
  /** Events queued for the broker before the store subscription waits (default 5 000). */
  maxBuffered?: number;
  /** How long stop() keeps sending what is queued (default 10 s). */
  flushTimeoutMs?: number;
  /** Create the topic when missing (default true), with these overrides of its spec. */
  createTopic?: boolean;
  topicSpec?: Partial<TopicSpec>;
}

export interface KafkaRelay {
  /** Where the relay resumed: the last position found in the topic at start (0n when empty). */
  readonly resumedFrom: bigint;
  /** Position of the last event the broker acknowledged. */
  readonly position: bigint;
  /** Resolves once everything in the log at start is acknowledged by the broker. */
  readonly caughtUp: Promise<void>;
  /** Resolves once the broker acknowledged `position`; rejects after `timeoutMs` when given. */
  waitForPosition(position: bigint, timeoutMs?: number): Promise<void>;
  /** Stops following the log, sends what is queued (bounded by flushTimeoutMs), disconnects. */
  stop(): Promise<void>;
}

export class RelayResumeError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'RelayResumeError';
  }
}

/** Position of the last event in the topic (0n when it holds none). Reads partition 0's last message. */
export async function lastRelayedPosition(kafka: Kafka, topic: string, logger: BusLogger = silentLogger): Promise<bigint> {
  return (await lastRelayed(kafka, topic, logger)).position;
}

/** The last message's position and, when it is an event, its eventId. */
async function lastRelayed(kafka: Kafka, topic: string, logger: BusLogger): Promise<{ position: bigint; eventId: string | null }> {
  const p0 = (await topicOffsets(kafka, topic)).find((o) => o.partition === 0);
  if (!p0 || p0.high === 0n) return { position: 0n, eventId: null };
  if (p0.high === p0.low) {
    throw new RelayResumeError(`${topic} is empty after retention deleted its messages: the last relayed position is unknown`);
  }
  const last = p0.high - 1n;
  let found: bigint | undefined;
  let eventId: string | null = null;
  let done!: () => void;
  const finished = new Promise<void>((r) => (done = r));
  const reader = await openTopicReader({
    kafka, topic, logger, groupPrefix: 'gatehouse-relay-resume',
    start: [{ partition: 0, offset: last.toString() }],
    async onBatch(batch) {
      for (const m of batch.messages) {
        const p = positionOf(m);
        if (p !== undefined && (found === undefined || p > found)) {
          found = p;
          eventId = eventIdOf(m);
        }
        if (BigInt(m.offset) >= last) done();
      }
    },
  });
  const timeout = setTimeout(done, 30_000);
  await finished;
  clearTimeout(timeout);
  await reader.stop();
  if (found === undefined) throw new RelayResumeError(`could not read the last message of ${topic} (offset ${last})`);
  return { position: found, eventId };
}

function eventIdOf(m: KafkaMessage): string | null {
  try {
    return (JSON.parse(m.value?.toString('utf8') ?? 'null') as { metadata?: { eventId?: string } } | null)?.metadata?.eventId ?? null;
  } catch {
    return null;
  }
}

/**
 * The topic must be a copy of this log: its last event must be the store's event at that
 * position. Resuming after a position of another log (a fresh data dir, another cluster on the
 * same broker) would silently skip this log's first events.
 */
async function checkSameLog(store: EventStore, topic: string, last: { position: bigint; eventId: string | null }): Promise<void> {
  if (last.position === 0n) return;
  const [mine] = await store.readAll({ after: last.position - 1n, limit: 1 });
  if (!mine || mine.globalPosition !== last.position || (last.eventId !== null && mine.metadata.eventId !== last.eventId)) {
    throw new RelayResumeError(
      `${topic} ends with position ${last.position}${last.eventId ? ` (event ${last.eventId})` : ''}, which is not this log's event at that position: ` +
      'the topic belongs to another log (use another topic prefix, GATEHOUSE_KAFKA_TOPIC_PREFIX, or delete the topic)',
    );
  }
}

interface Queued {
  position: bigint;
  message: Message;
}

export async function startKafkaRelay(options: KafkaRelayOptions): Promise<KafkaRelay> {
  const logger = options.logger ?? silentLogger;
  const topic = options.topic ?? TOPICS.events;
  const kafka = kafkaOf(options.kafka, { clientId: 'gatehouse-relay', logger });
  const maxBatch = options.maxBatch ?? 500;
  const maxBuffered = options.maxBuffered ?? 5000;
  if (options.createTopic !== false) await ensureTopics(kafka, [topicSpecs.events({ ...options.topicSpec, topic })]);

  const last = await lastRelayed(kafka, topic, logger);
  await checkSameLog(options.store, topic, last);
  const resumedFrom = last.position;
  logger.info({ topic, resumedFrom: resumedFrom.toString() }, 'relay resuming after the last relayed position');

  let producer: Producer | null = null;
  const newProducer = (): Producer =>
    kafka.producer({
      idempotent: true,
      maxInFlightRequests: 1, // with idempotence: order is kept even across retries
      allowAutoTopicCreation: false,
      createPartitioner: Partitioners.DefaultPartitioner,
      retry: { retries: 5 },
    });

  const queue: Queued[] = [];
  let queuedUpTo = resumedFrom;
  let position = resumedFrom;
  let sending = false;
  let aborted = false;
  let stopping = false;
  let failures = 0;
  let roomWaiters: (() => void)[] = [];
  let positionWaiters: { position: bigint; resolve(): void }[] = [];

  function acknowledged(upTo: bigint): void {
    position = upTo;
    positionWaiters = positionWaiters.filter((w) => (w.position <= upTo ? (w.resolve(), false) : true));
    if (queue.length < maxBuffered) {
      const ws = roomWaiters;
      roomWaiters = [];
      for (const w of ws) w();
    }
  }

  async function pump(): Promise<void> {
    if (sending) return;
    sending = true;
    try {
      while (queue.length > 0 && !aborted) {
        const batch = queue.slice(0, maxBatch);
        try {
          if (!producer) {
            producer = newProducer();
            await producer.connect();
          }
          await producer.send({ topic, acks: -1, messages: batch.map((q) => ({ ...q.message, partition: 0 })) });
          queue.splice(0, batch.length);
          failures = 0;
          acknowledged(batch[batch.length - 1]!.position);
        } catch (e) {
          failures++;
          logger.warn({ topic, err: errorMessage(e), failures, queued: queue.length }, 'relay send failed; retrying');
          // A producer that gave up may hold stale sequence numbers: start a fresh one. The
          // resend can duplicate what partly got through; readers drop duplicates by position.
          const old = producer;
          producer = null;
          await old?.disconnect().catch(() => {});
          await sleep(Math.min(5000, 200 * 2 ** Math.min(failures, 5)));
        }
      }
    } finally {
      sending = false;
    }
  }

  const subscription: Subscription = options.store.subscribe(
    async (event) => {
      queue.push({ position: event.globalPosition, message: encodeEvent(event, queuedUpTo) });
      queuedUpTo = event.globalPosition;
      void pump();
      if (queue.length >= maxBuffered && !stopping) await new Promise<void>((r) => roomWaiters.push(r));
    },
    { after: resumedFrom },
  );

  /** Without a timeout it waits as long as it takes (no timer keeps the process alive). */
  function waitForPosition(target: bigint, timeoutMs?: number): Promise<void> {
    if (position >= target) return Promise.resolve();
    return new Promise((resolve, reject) => {
      const timer = timeoutMs === undefined ? undefined : setTimeout(() => {
        positionWaiters = positionWaiters.filter((x) => x !== w);
        reject(new Error(`relay did not reach position ${target} in ${timeoutMs} ms (at ${position})`));
      }, timeoutMs);
      const w = { position: target, resolve: () => { clearTimeout(timer); resolve(); } };
      positionWaiters.push(w);
    });
  }

  const caughtUp = subscription.caughtUp.then(() => waitForPosition(queuedUpTo));
  caughtUp.catch(() => {});

  return {
    resumedFrom,
    get position() {
      return position;
    },
    caughtUp,
    waitForPosition,
    async stop() {
      stopping = true;
      for (const w of roomWaiters) w(); // a handler waiting for room must return for the subscription to stop
      roomWaiters = [];
      await subscription.stop();
      const flushed = waitForPosition(queuedUpTo, options.flushTimeoutMs ?? 10_000).then(
        () => true,
        () => false,
      );
      if (!(await flushed)) logger.warn({ topic, unsent: queue.length }, 'relay stopped with unsent events (resent on next start)');
      aborted = true;
      for (const w of roomWaiters) w();
      roomWaiters = [];
      await producer?.disconnect().catch(() => {});
      producer = null;
    },
  };
}
