// The request stream over Kafka (gatehouse.requests): gateways publish request facts without
// ever waiting (a bounded buffer sent in batches; when the broker is slow or away the buffer
// fills and further facts are dropped and counted), consumers in a group share the partitions
// (facts are keyed by API, so one API's traffic stays in one partition, in order).
// `subscribePositioned` hands each batch with its partition and offsets and commits only what the
// subscriber says is safely kept (the analytics worker: once its snapshot holds those offsets).
import { Partitioners, type Admin, type Consumer, type EachBatchPayload, type Producer } from 'kafkajs';
import { Counter, Gauge, Registry } from 'prom-client';
import type { RequestFact, RequestStream } from '../../domain/ports.ts';
import { TOPICS, errorMessage, kafkaOf, silentLogger, sleep, type BusLogger, type KafkaSource } from './kafka-client.ts';
import { ensureTopics, topicSpecs, type TopicSpec } from './kafka-topics.ts';

export interface KafkaRequestStreamOptions {
  kafka: KafkaSource;
  topic?: string;
  logger?: BusLogger;
  /** Facts held while the broker is slow or unreachable; beyond it they are dropped (default 50 000). */
  capacity?: number;
  /** Facts per produce request (default 1 000). */
  maxBatch?: number;
  /** How long a partial batch waits for more facts (default 20 ms). */
  lingerMs?: number;
  /** How long close() keeps sending what is buffered (default 5 s). */
  flushTimeoutMs?: number;
  /** Message key = partition choice (default: the API id, else its context, else "-"). */
  partitionKey?(fact: RequestFact): string;
  /** Consumer group of subscribe(): members share the partitions (default "gatehouse-requests"). */
  consumerGroup?: string;
  /** A new consumer group starts at the oldest fact kept instead of the newest (default false). */
  fromBeginning?: boolean;
  /** Called when subscribe()'s consumer got a new set of partitions (counters keyed by them are stale). */
  onAssignment?(partitions: number[]): void;
  /** Metrics go here (default: a registry of the stream's own, see `registry`). */
  registry?: Registry;
  createTopic?: boolean;
  topicSpec?: Partial<TopicSpec>;
}

/** A batch of one partition: fact i sits at offsets[i] (undecodable messages are left out). */
export interface RequestFactBatch {
  /** "<topic>:<partition>" */
  partition: string;
  facts: RequestFact[];
  offsets: bigint[];
  /** The offset the partition's next message will get. */
  highWatermark: bigint;
}

export interface PositionedRequestSubscription {
  stop(): Promise<void>;
  /**
   * Commits, for the partitions this member owns now, the offset after each given one
   * ("<topic>:<partition>" → last offset kept); other partitions and topics are ignored.
   */
  commit(positions: ReadonlyMap<string, bigint>): Promise<void>;
  /**
   * The owned partitions ("<topic>:<partition>") whose end offset is past what the handler has
   * been given (or, before their first batch, past the committed offset — the oldest kept when
   * none is and the group starts from the beginning); null when the broker does not answer.
   */
  unread(): Promise<ReadonlySet<string> | null>;
}

export interface KafkaRequestStream extends RequestStream {
  /** Facts waiting to be sent. */
  readonly buffered: number;
  /** Facts the broker acknowledged. */
  readonly published: number;
  /** Produce requests that succeeded (published / produceRequests = the batching). */
  readonly produceRequests: number;
  /** Where the stream's metrics are registered. */
  readonly registry: Registry;
  /** Sends what is buffered now; resolves when the buffer is empty or `timeoutMs` passed. */
  flush(timeoutMs?: number): Promise<boolean>;
  /**
   * Like `subscribe` (same consumer group), but batches come with their partition and offsets
   * and nothing is committed automatically: a restarted member resumes from the last `commit`.
   * `onAssignment` gets the member's partitions ("<topic>:<partition>") after each rebalance;
   * `onFetch` is called after every fetch from the broker, facts or none (the consumer is alive).
   */
  subscribePositioned(
    handler: (batch: RequestFactBatch) => Promise<void>,
    hooks?: { onAssignment?(partitions: string[]): void; onFetch?(): void },
  ): Promise<PositionedRequestSubscription>;
}

const defaultKey = (f: RequestFact): string => f.apiId ?? f.apiContext ?? '-';

export async function createKafkaRequestStream(options: KafkaRequestStreamOptions): Promise<KafkaRequestStream> {
  const logger = options.logger ?? silentLogger;
  const topic = options.topic ?? TOPICS.requests;
  // Few client retries: the stream has its own retry loop and must not sit in kafkajs' backoff.
  const kafka = kafkaOf(options.kafka, { clientId: 'gatehouse-requests', logger, requestTimeoutMs: 5000, retries: 2 });
  const capacity = options.capacity ?? 50_000;
  const maxBatch = options.maxBatch ?? 1000;
  const lingerMs = options.lingerMs ?? 20;
  const keyOf = options.partitionKey ?? defaultKey;
  if (options.createTopic !== false) await ensureTopics(kafka, [topicSpecs.requests({ ...options.topicSpec, topic })]);

  const registry = options.registry ?? new Registry();
  const droppedTotal = new Counter({ name: 'gatehouse_request_facts_dropped_total', help: 'Request facts dropped because the Kafka buffer was full or the stream closed', registers: [registry] });
  const publishedTotal = new Counter({ name: 'gatehouse_request_facts_published_total', help: 'Request facts acknowledged by Kafka', registers: [registry] });
  const bufferedGauge = new Gauge({ name: 'gatehouse_request_facts_buffered', help: 'Request facts waiting to be sent to Kafka', registers: [registry] });

  let buffer: RequestFact[] = [];
  let dropped = 0;
  let published = 0;
  let produceRequests = 0;
  let closed = false;
  let sending = false;
  let failures = 0;
  let timer: NodeJS.Timeout | null = null;
  let producer: Producer | null = null;
  let emptied: (() => void)[] = [];
  const consumers = new Set<Consumer>();

  const drop = (n: number): void => {
    dropped += n;
    droppedTotal.inc(n);
  };

  function schedule(delay: number): void {
    if (sending) return;
    if (timer && delay > 0) return;
    if (timer) clearTimeout(timer);
    timer = setTimeout(() => {
      timer = null;
      void send();
    }, delay);
  }

  async function send(): Promise<void> {
    if (sending) return;
    sending = true;
    try {
      while (buffer.length > 0) {
        const batch = buffer.slice(0, maxBatch);
        try {
          if (!producer) {
            producer = kafka.producer({
              idempotent: true, maxInFlightRequests: 1, allowAutoTopicCreation: false,
              createPartitioner: Partitioners.DefaultPartitioner, retry: { retries: 2 },
            });
            await producer.connect();
          }
          await producer.send({
            topic, acks: -1, timeout: 5000,
            // The record timestamp stays the send time: a fact's own (possibly old) timestamp
            // would let time-based retention delete it before anyone read it.
            messages: batch.map((f) => ({ key: keyOf(f), value: JSON.stringify(f) })),
          });
          buffer.splice(0, batch.length);
          published += batch.length;
          produceRequests++;
          publishedTotal.inc(batch.length);
          failures = 0;
        } catch (e) {
          failures++;
          if (failures === 1 || failures % 20 === 0) {
            logger.warn({ topic, err: errorMessage(e), buffered: buffer.length, dropped }, 'request facts not sent; buffering');
          }
          const old = producer;
          producer = null;
          await old?.disconnect().catch(() => {});
          if (closed) break;
          await sleep(Math.min(5000, 250 * 2 ** Math.min(failures, 4)));
        }
      }
    } finally {
      sending = false;
      bufferedGauge.set(buffer.length);
      if (buffer.length === 0) {
        const ws = emptied;
        emptied = [];
        for (const w of ws) w();
      }
    }
  }

  /** One member of the consumer group, handing decoded batches to `onBatch`. */
  async function consume(spec: {
    autoCommit: boolean;
    /** `next`: the partition and the offset after the batch's last message (decodable or not). */
    onBatch(batch: RequestFactBatch, next: { partition: number; offset: bigint }): Promise<void>;
    onAssignment?(partitions: number[]): void;
    onFetch?(): void;
  }): Promise<{ consumer: Consumer; stop(): Promise<void> }> {
    const consumer = kafka.consumer({
      groupId: options.consumerGroup ?? 'gatehouse-requests',
      allowAutoTopicCreation: false,
      maxWaitTimeInMs: 100,
      // A member lost with a broker restart is replaced within 10 s, not the default 30.
      sessionTimeout: 10_000,
      heartbeatInterval: 1000,
    });
    consumer.on(consumer.events.GROUP_JOIN, ({ payload }) => {
      const partitions = payload.memberAssignment[topic] ?? [];
      options.onAssignment?.(partitions);
      spec.onAssignment?.(partitions);
    });
    if (spec.onFetch) consumer.on(consumer.events.FETCH, spec.onFetch);
    await consumer.connect();
    await consumer.subscribe({ topics: [topic], fromBeginning: options.fromBeginning ?? false });
    await consumer.run({
      autoCommit: spec.autoCommit,
      eachBatchAutoResolve: true,
      eachBatch: async ({ batch, isRunning, isStale }: EachBatchPayload) => {
        if (!isRunning() || isStale() || batch.messages.length === 0) return;
        const facts: RequestFact[] = [];
        const offsets: bigint[] = [];
        for (const m of batch.messages) {
          try {
            if (m.value) {
              facts.push(JSON.parse(m.value.toString('utf8')) as RequestFact);
              offsets.push(BigInt(m.offset));
            }
          } catch {
            logger.warn({ topic, offset: m.offset, partition: batch.partition }, 'undecodable request fact skipped');
          }
        }
        await spec.onBatch(
          { partition: `${topic}:${batch.partition}`, facts, offsets, highWatermark: BigInt(batch.highWatermark) },
          { partition: batch.partition, offset: BigInt(batch.lastOffset()) + 1n },
        );
      },
    });
    consumers.add(consumer);
    return {
      consumer,
      async stop() {
        if (!consumers.delete(consumer)) return;
        await consumer.disconnect(); // with autoCommit, commits the offsets of handled batches
      },
    };
  }

  async function flush(timeoutMs = 5000): Promise<boolean> {
    if (buffer.length === 0 && !sending) return true;
    const done = new Promise<boolean>((r) => emptied.push(() => r(true)));
    schedule(0);
    let t: NodeJS.Timeout | undefined;
    const timeout = new Promise<boolean>((r) => (t = setTimeout(() => r(false), timeoutMs)));
    const ok = await Promise.race([done, timeout]);
    clearTimeout(t);
    return ok;
  }

  return {
    publish(fact) {
      if (closed || buffer.length >= capacity) {
        drop(1);
        return;
      }
      buffer.push(fact);
      schedule(buffer.length >= maxBatch ? 0 : lingerMs);
    },
    async subscribe(handler) {
      const { stop } = await consume({
        autoCommit: true,
        async onBatch(batch) {
          try {
            await handler(batch.facts);
          } catch (e) {
            // Telemetry: a failing subscriber loses the batch rather than stalling the partition.
            logger.error({ topic, err: errorMessage(e), facts: batch.facts.length }, 'request fact subscriber failed');
          }
        },
      });
      return { stop };
    },
    async subscribePositioned(handler, hooks = {}) {
      let owned = new Set<number>();
      /** Partition → the offset after the last message handed over since the last assignment. */
      const delivered = new Map<number, bigint>();
      const groupId = options.consumerGroup ?? 'gatehouse-requests';
      let admin: Admin | undefined;
      const { consumer, stop } = await consume({
        autoCommit: false,
        onAssignment(partitions) {
          owned = new Set(partitions);
          // A rebalance restarts every partition from its committed offset: what was handed over
          // before may come again, so only the commit counts until the next batch.
          delivered.clear();
          hooks.onAssignment?.(partitions.map((p) => `${topic}:${p}`));
        },
        onFetch: hooks.onFetch,
        async onBatch(batch, next) {
          try {
            await handler(batch);
          } catch (e) {
            // Telemetry, as in subscribe: the batch is lost rather than stalling the partition.
            logger.error({ topic, err: errorMessage(e), facts: batch.facts.length }, 'request fact subscriber failed');
          }
          delivered.set(next.partition, next.offset);
        },
      });
      return {
        async stop() {
          await stop();
          await admin?.disconnect().catch(() => {});
          admin = undefined;
        },
        async unread() {
          try {
            if (!admin) {
              admin = kafka.admin();
              await admin.connect();
            }
            const [ends, [committed]] = await Promise.all([
              admin.fetchTopicOffsets(topic),
              admin.fetchOffsets({ groupId, topics: [topic] }),
            ]);
            const commitOf = new Map(committed?.partitions.map((p) => [p.partition, BigInt(p.offset)]) ?? []);
            const waiting = new Set<string>();
            for (const e of ends) {
              if (!owned.has(e.partition)) continue;
              const end = BigInt(e.high);
              const commit = commitOf.get(e.partition) ?? -1n;
              const start = commit >= 0n ? commit : (options.fromBeginning ?? false) ? BigInt(e.low) : end;
              if (end > (delivered.get(e.partition) ?? start)) waiting.add(`${topic}:${e.partition}`);
            }
            return waiting;
          } catch (e) {
            logger.warn({ topic, err: errorMessage(e) }, 'request partitions: end offsets unknown');
            return null;
          }
        },
        async commit(positions) {
          const offsets: { topic: string; partition: number; offset: string }[] = [];
          for (const [key, last] of positions) {
            const at = key.lastIndexOf(':');
            const partition = Number(key.slice(at + 1));
            if (key.slice(0, at) === topic && owned.has(partition)) offsets.push({ topic, partition, offset: (last + 1n).toString() });
          }
          if (offsets.length > 0) await consumer.commitOffsets(offsets);
        },
      };
    },
    get dropped() {
      return dropped;
    },
    get buffered() {
      return buffer.length;
    },
    get published() {
      return published;
    },
    get produceRequests() {
      return produceRequests;
    },
    registry,
    flush,
    async close() {
      if (closed) return;
      const ok = await flush(options.flushTimeoutMs ?? 5000);
      closed = true;
      if (!ok) logger.warn({ topic, unsent: buffer.length }, 'request stream closed with unsent facts (dropped)');
      drop(buffer.length);
      buffer = [];
      if (timer) clearTimeout(timer);
      await Promise.all([...consumers].map((c) => c.disconnect().catch(() => {})));
      consumers.clear();
      await producer?.disconnect().catch(() => {});
      producer = null;
    },
  };
}
