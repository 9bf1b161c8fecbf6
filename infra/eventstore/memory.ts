// An in-memory EventStore for fast unit tests of other modules. Same port, same rules as the
// SQLite store (proven by the same contract suite); nothing survives the process.
// Payloads are kept as JSON text, so callers can neither mutate stored events nor store
// anything JSON cannot carry: it behaves like the durable stores.
import { conflict } from '../../domain/errors.ts';
import {
  ANY,
  type AppendResult,
  type EventStore,
  type ReadAllFilter,
  type RecordedEvent,
  type Subscription,
} from '../../domain/ports.ts';
import { checkExpectedVersion, validateNewEvents } from './rules.ts';
import { compileFilter } from './filter.ts';
import { createChangeFeed, pagedDeliveries, runSubscription, createSubscriptionSet } from './subscription.ts';

interface StoredEvent {
  streamId: string;
  streamVersion: bigint;
  globalPosition: bigint;
  type: string;
  data: string;
  metadata: string;
}

const revive = (s: StoredEvent): RecordedEvent => ({
  type: s.type,
  data: JSON.parse(s.data),
  metadata: JSON.parse(s.metadata),
  streamId: s.streamId,
  streamVersion: s.streamVersion,
  globalPosition: s.globalPosition,
});

export function openMemoryEventStore(): EventStore {
  const log: StoredEvent[] = []; // log[i].globalPosition === i + 1
  const streams = new Map<string, StoredEvent[]>();
  const eventIds = new Set<string>();
  const idempotency = new Map<string, AppendResult>();
  const feed = createChangeFeed();
  const subscriptions = createSubscriptionSet();
  let closed = false;

  const assertOpen = () => {
    if (closed) throw new Error('event store is closed');
  };
  const head = () => BigInt(log.length);

  function page(after: bigint, upTo: bigint, limit: number, filter: ReadAllFilter | undefined): RecordedEvent[] {
    const matches = compileFilter(filter);
    const out: RecordedEvent[] = [];
    const end = Math.min(log.length, Number(upTo));
    for (let i = Math.max(0, Number(after)); i < end && (limit < 0 || out.length < limit); i++) {
      const e = revive(log[i]!);
      if (!matches || matches(e)) out.push(e);
    }
    return out;
  }

  return {
    async appendToStream(streamId, events, options = {}) {
      assertOpen();
      validateNewEvents(streamId, events);
      const key = options.idempotencyKey;
      const seen = key === undefined ? undefined : idempotency.get(key);
      if (seen) return { ...seen, globalPositions: [...seen.globalPositions], deduplicated: true };
      const stream = streams.get(streamId) ?? [];
      checkExpectedVersion(streamId, options.expectedStreamVersion ?? ANY, BigInt(stream.length));
      if (events.length === 0) {
        return { nextExpectedStreamVersion: BigInt(stream.length), globalPositions: [], lastGlobalPosition: stream.at(-1)?.globalPosition ?? 0n, deduplicated: false };
      }
      const ids = new Set<string>();
      for (const e of events) {
        if (eventIds.has(e.metadata.eventId) || ids.has(e.metadata.eventId)) throw conflict('an event with this eventId is already recorded', { streamId });
        ids.add(e.metadata.eventId);
      }
      const stored = events.map((e, i): StoredEvent => ({
        streamId,
        streamVersion: BigInt(stream.length + i + 1),
        globalPosition: BigInt(log.length + i + 1),
        type: e.type,
        data: JSON.stringify(e.data ?? null),
        metadata: JSON.stringify(e.metadata),
      }));
      for (const s of stored) {
        log.push(s);
        stream.push(s);
      }
      for (const id of ids) eventIds.add(id);
      streams.set(streamId, stream);
      const result: AppendResult = {
        nextExpectedStreamVersion: BigInt(stream.length),
        globalPositions: stored.map((s) => s.globalPosition),
        lastGlobalPosition: stored.at(-1)!.globalPosition,
        deduplicated: false,
      };
      if (key !== undefined) idempotency.set(key, { ...result, globalPositions: [...result.globalPositions] });
      feed.notify();
      return result;
    },

    async readStream(streamId, options = {}) {
      assertOpen();
      const stream = streams.get(streamId) ?? [];
      const from = Number(options.from ?? 1n);
      const start = Math.max(0, from - 1);
      const end = options.maxCount === undefined || options.maxCount < 0 ? stream.length : start + options.maxCount;
      return { currentStreamVersion: BigInt(stream.length), events: stream.slice(start, end).map(revive) };
    },

    async readAll(options = {}) {
      assertOpen();
      return page(options.after ?? 0n, head(), options.limit ?? -1, options.filter);
    },

    subscribe(handler, options = {}): Subscription {
      assertOpen();
      const sub = runSubscription(pagedDeliveries({ head, page }, options, feed), handler);
      return subscriptions.track(sub);
    },

    async headPosition() {
      assertOpen();
      return head();
    },

    async close() {
      if (closed) return;
      await subscriptions.stopAll();
      closed = true;
    },
  };
}
