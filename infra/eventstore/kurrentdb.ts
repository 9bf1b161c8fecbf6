// The EventStore port on KurrentDB / EventStoreDB (@kurrent/kurrentdb-client), for the
// distributed deployment. Same contract as SQLite (test/contracts/eventstore.ts), with
// these differences, all stated in the README:
// - Global position = the event's `$all` commit position (bigint). Events appended through
//   gRPC are implicitly committed, so each carries its own log position as commit (and
//   prepare) position: positions are unique and increasing, but NOT gap-free (byte offsets
//   in the transaction log). Stream reads carry it only from EventStoreDB 22.6 (server PR
//   #3459); older servers send u64::MAX there, which is refused, never stored.
// - Stream version = KurrentDB revision + 1 (revision 0 is our version 1).
// - Idempotency keys are store-wide: a marker stream `gatehouse-idempotency-<sha256(key)>`
//   records the first append's result. Events appended under a key get deterministic ids
//   (derived from key + index), so a retry after a crash between the append and the marker
//   is deduplicated by KurrentDB itself. The server guarantees that only for an exact
//   revision or STREAM_DOES_NOT_EXIST; under ANY and STREAM_EXISTS its duplicate check is
//   best effort (client types/index.d.ts, StreamState doc), so a retry in that window may
//   append the batch twice.
// - Reads and subscriptions never return system (`$…`) events or idempotency markers.
// - A batch must fit the server's MaxAppendSize (1 MiB by default): raise it to append
//   10k-event batches atomically.
// - A subscription dropped by a transient failure (server unavailable, leader change, server
//   cancellation) resubscribes after the last delivered event: the client does not.
import { createHash } from 'node:crypto';
import {
  ANY as KURRENT_ANY,
  BACKWARDS,
  CancelledError,
  DeadlineExceededError,
  END,
  FORWARDS,
  KurrentDBClient,
  MaxAppendSizeExceededError,
  NO_STREAM,
  NotLeaderError,
  START,
  STREAM_EXISTS as KURRENT_STREAM_EXISTS,
  StreamNotFoundError,
  UnavailableError,
  WrongExpectedVersionError,
  eventTypeFilter,
  excludeSystemEvents,
  jsonEvent,
  streamNameFilter,
  type AllStreamResolvedEvent,
  type AppendStreamState,
  type Direction,
  type Filter,
  type ReadPosition,
  type ResolvedEvent,
} from '@kurrent/kurrentdb-client';
import { ConcurrencyError, invalidInput } from '../../domain/errors.ts';
import {
  ANY,
  STREAM_DOES_NOT_EXIST,
  STREAM_EXISTS,
  type AppendResult,
  type EventMetadata,
  type EventStore,
  type ExpectedStreamVersion,
  type NewEvent,
  type ReadAllFilter,
  type RecordedEvent,
  type SubscribeOptions,
  type Subscription,
} from '../../domain/ports.ts';
import { compileFilter, type EventPredicate } from './filter.ts';
import { checkExpectedVersion, validateNewEvents } from './rules.ts';
import { CAUGHT_UP, runSubscription, type Delivery } from './subscription.ts';

export interface KurrentDbEventStoreOptions {
  /** e.g. `kurrentdb://admin:changeit@127.0.0.1:2113?tls=false` (reading `$all` needs an admin or ops user). */
  connectionString: string;
}

export const IDEMPOTENCY_STREAM_PREFIX = 'gatehouse-idempotency-';
const MARKER_TYPE = 'GatehouseIdempotencyKeyUsed';

interface MarkerData {
  key: string;
  streamId: string;
  nextExpectedStreamVersion: string;
  globalPositions: string[];
}

const sha256 = (s: string) => createHash('sha256').update(s).digest();

/** A name-based UUID (RFC 9562 version 8 layout over SHA-256): same input, same id. */
export function deterministicUuid(name: string): string {
  const b = sha256(name).subarray(0, 16);
  b[6] = (b[6]! & 0x0f) | 0x80;
  b[8] = (b[8]! & 0x3f) | 0x80;
  const h = b.toString('hex');
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-${h.slice(12, 16)}-${h.slice(16, 20)}-${h.slice(20)}`;
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

const markerStreamOf = (key: string) => `${IDEMPOTENCY_STREAM_PREFIX}${sha256(key).toString('hex')}`;

/** Our expected version → KurrentDB's stream state (revision = version − 1). */
export function toStreamState(expected: ExpectedStreamVersion): AppendStreamState {
  if (expected === ANY) return KURRENT_ANY;
  if (expected === STREAM_EXISTS) return KURRENT_STREAM_EXISTS;
  if (expected === STREAM_DOES_NOT_EXIST || expected === 0n) return NO_STREAM;
  return expected - 1n;
}

/** KurrentDB's current stream state → our version (0n = no stream). */
export const toStreamVersion = (state: unknown): bigint => (typeof state === 'bigint' ? state + 1n : 0n);

/**
 * A refused append in our terms. The client raises WrongExpectedVersionError with
 * `actualState` = the current revision (bigint), "no_stream", or -1n when it comes from the
 * error's `actual-version` metadata of a missing stream (utils/CommandError.js); and
 * MaxAppendSizeExceededError with `maxAppendSize` in bytes. Anything else passes through.
 */
export function appendError(e: unknown, streamId: string, expected: ExpectedStreamVersion, count: number): unknown {
  if (e instanceof WrongExpectedVersionError) return new ConcurrencyError(streamId, String(expected), toStreamVersion(e.actualState));
  if (e instanceof MaxAppendSizeExceededError) {
    return invalidInput(`the batch of ${count} events exceeds KurrentDB's MaxAppendSize (${e.maxAppendSize} bytes)`, { streamId });
  }
  return e;
}

const escapeRegex = (s: string) => s.replace(/[\\^$.*+?()[\]{}|#\s-]/g, (c) => `\\${c}`);

/** The narrowest filter the server can apply; the exact rule is always applied here too. */
export function serverFilter(filter: ReadAllFilter | undefined): Filter {
  const ids = filter?.streamIds ?? [];
  const prefixes = filter?.streamPrefixes ?? [];
  const types = filter?.types ?? [];
  if (ids.length || prefixes.length) {
    const alternatives = [...ids.map((id) => `${escapeRegex(id)}$`), ...prefixes.map(escapeRegex)];
    return streamNameFilter({ regex: `^(?:${alternatives.join('|')})` });
  }
  if (types.length) return eventTypeFilter({ regex: `^(?:${types.map(escapeRegex).join('|')})$` });
  return excludeSystemEvents();
}

const isOurs = (streamId: string) => !streamId.startsWith('$') && !streamId.startsWith(IDEMPOTENCY_STREAM_PREFIX);

const NO_POSITION = 'KurrentDB returned an event without its $all position: Gatehouse needs KurrentDB/EventStoreDB 22.6 or later';

/**
 * What a server sends as the position of an event it has none for: stream reads before
 * EventStoreDB 22.6 carry commit/prepare = u64::MAX (KurrentDB PR #3459; client issues
 * EventStore-Client-Go#88, KurrentDB-Client-Dotnet#211), not an absent field. The client's
 * Rust bridge copies the two protobuf fields as they are (kurrentdb-rs grpc.rs,
 * convert_proto_recorded_event), so an absent position and this one mean the same.
 */
export const NO_POSITION_SENTINEL = 0xffff_ffff_ffff_ffffn;

const known = (p: bigint | undefined): bigint | undefined => (p === undefined || p === NO_POSITION_SENTINEL ? undefined : p);

/** The event's `$all` position; throws when the server sent none (a server older than 22.6). */
export function positionOf(resolved: ResolvedEvent | AllStreamResolvedEvent): { commit: bigint; prepare: bigint } {
  const p = resolved.event?.position;
  const commit = known(p?.commit) ?? known(resolved.commitPosition);
  if (commit === undefined) throw new Error(NO_POSITION);
  return { commit, prepare: known(p?.prepare) ?? commit };
}

/** Our event, or undefined for a non-JSON event (link, binary): data/metadata are parsed JSON. */
export function mapEvent(resolved: ResolvedEvent | AllStreamResolvedEvent): RecordedEvent | undefined {
  const e = resolved.event;
  if (!e || !e.isJson) return undefined;
  return {
    type: e.type,
    data: e.data,
    metadata: e.metadata as unknown as EventMetadata,
    streamId: e.streamId,
    streamVersion: e.revision + 1n,
    globalPosition: positionOf(resolved).commit,
  };
}

/** An event of ours as the port returns it; undefined for system events, markers and non-JSON events. */
export function toRecorded(resolved: ResolvedEvent | AllStreamResolvedEvent): RecordedEvent | undefined {
  if (!resolved.event || !isOurs(resolved.event.streamId)) return undefined;
  return mapEvent(resolved);
}

/**
 * Where to start reading or subscribing to get the events after `after`. Our positions are
 * commit positions of implicitly committed events, whose prepare position is the same log
 * position, so {commit: P, prepare: P} is that event's exact `$all` position. A read from it
 * includes the event, a subscription starts after it: callers drop positions <= `after`.
 */
export const positionAfter = (after: bigint): ReadPosition => (after <= 0n ? START : { commit: after, prepare: after });

const ALL_PAGE = 500;

/**
 * `$all` read in pages of at most ALL_PAGE events, each from the position of the last one seen.
 * Every read is bounded: the client's bridge iterator has no `return()`, so a read abandoned
 * midway could not be cancelled, and an unbounded one would stay open on the server. The
 * event at the page boundary comes again (or not: the docs leave backward reads' inclusivity
 * open); it is skipped by position.
 */
export async function* readAllPaged(
  readAll: (options: { fromPosition: ReadPosition; direction: Direction; filter: Filter; maxCount: number }) => AsyncIterable<AllStreamResolvedEvent>,
  from: ReadPosition,
  direction: Direction,
  filter: Filter,
  pageSize = ALL_PAGE,
): AsyncGenerator<AllStreamResolvedEvent> {
  const maxCount = Math.max(2, pageSize); // a page of one could hold only the boundary event again
  let fromPosition = from;
  let last: bigint | undefined;
  for (;;) {
    let count = 0;
    let fresh = 0;
    for await (const resolved of readAll({ fromPosition, direction, filter, maxCount })) {
      count++;
      const p = positionOf(resolved);
      if (last !== undefined && (direction === FORWARDS ? p.commit <= last : p.commit >= last)) continue;
      fresh++;
      last = p.commit;
      fromPosition = p;
      yield resolved;
    }
    if (count < maxCount || fresh === 0) return;
  }
}

/** A subscription as the client returns it (a Readable of resolved events), as far as we use it. */
export interface OpenSubscription extends AsyncIterable<AllStreamResolvedEvent> {
  on(event: 'error', listener: (error: Error) => void): unknown;
  destroy(error?: Error): unknown;
  unsubscribe(): Promise<void>;
}

export interface AllFeed {
  /** A `$all` subscription starting after the event at `after` (0n: from the start). */
  open(after: bigint): OpenSubscription;
  /** Position of the latest matching event after `floor`; `floor` when there is none. */
  lastMatching(floor: bigint): Promise<bigint>;
}

/** Errors after which the same subscription can simply be opened again. */
export const isTransient = (e: unknown): boolean =>
  e instanceof UnavailableError || // server unreachable or restarting
  e instanceof NotLeaderError || // leader changed in a cluster
  e instanceof CancelledError || // cancelled by the server (our own cancellation is filtered by the client)
  e instanceof DeadlineExceededError ||
  e instanceof SubscriptionEnded;

class SubscriptionEnded extends Error {
  constructor() {
    super('the KurrentDB subscription ended');
  }
}

export const RESUBSCRIBE_DELAYS_MS = [100, 250, 500, 1000, 2000, 5000];

const pause = (ms: number, signal: AbortSignal) =>
  new Promise<void>((resolve) => {
    const done = () => {
      clearTimeout(timer);
      signal.removeEventListener('abort', done);
      resolve();
    };
    const timer = setTimeout(done, ms);
    signal.addEventListener('abort', done);
  });

/**
 * The deliveries of one subscription: everything after `options.after` matching the filter,
 * CAUGHT_UP once past the latest match present at the start, then live events. The client
 * neither resubscribes after a drop nor reports where it stopped, so this does both: on a
 * transient error it opens a new subscription after the last delivered event, backing off,
 * for as long as the subscription is not stopped. Other errors end it.
 */
export function kurrentDeliveries(feed: AllFeed, options: SubscribeOptions, delaysMs: readonly number[] = RESUBSCRIBE_DELAYS_MS) {
  const start = options.after ?? 0n;
  const matches = compileFilter(options.filter);
  return async function* (signal: AbortSignal): AsyncGenerator<Delivery> {
    let last = start;
    let target: bigint | undefined;
    let caughtUp = false;
    let failures = 0;
    while (!signal.aborted) {
      let subscription: OpenSubscription | undefined;
      const unsubscribe = () => void subscription?.unsubscribe().catch(() => {});
      signal.addEventListener('abort', unsubscribe);
      try {
        // Everything present at subscribe() time is at or before this position.
        target ??= await feed.lastMatching(start);
        if (!caughtUp && target <= last) {
          caughtUp = true;
          yield CAUGHT_UP;
        }
        if (signal.aborted) return;
        const open = feed.open(last);
        subscription = open;
        // The client's Subscription emits 'error' itself (streams/utils/Subscription.js,
        // initialize) whenever the gRPC call fails: with no listener (before an iterator is
        // attached) that is an uncaught exception. Hence nothing is awaited between opening
        // and iterating, and this listener stores the error in the stream for the iterator.
        open.on('error', (e) => open.destroy(e));
        for await (const resolved of open) {
          if (signal.aborted) return;
          const e = toRecorded(resolved);
          if (!e || e.globalPosition <= last || (matches && !matches(e))) continue;
          failures = 0;
          last = e.globalPosition;
          yield e;
          if (!caughtUp && e.globalPosition >= target) {
            caughtUp = true;
            yield CAUGHT_UP;
          }
        }
        if (!signal.aborted) throw new SubscriptionEnded();
      } catch (e) {
        if (signal.aborted) return;
        if (!isTransient(e)) throw e;
        const delay = delaysMs[Math.min(failures++, delaysMs.length - 1)] ?? 1000;
        process.emitWarning(`KurrentDB subscription dropped (${e instanceof Error ? e.message || e.name : String(e)}): resubscribing after position ${last} in ${delay} ms`);
        await pause(delay, signal);
      } finally {
        signal.removeEventListener('abort', unsubscribe);
        await subscription?.unsubscribe().catch(() => {});
      }
    }
  };
}

export function openKurrentDbEventStore(options: KurrentDbEventStoreOptions): EventStore {
  const client = KurrentDBClient.connectionString(options.connectionString);
  const subscriptions = new Set<Subscription>();

  async function readStreamRange(streamId: string, fromRevision: bigint | typeof START | typeof END, maxCount: number, direction: typeof FORWARDS | typeof BACKWARDS): Promise<RecordedEvent[]> {
    const out: RecordedEvent[] = [];
    try {
      for await (const resolved of client.readStream(streamId, { fromRevision, maxCount, direction })) {
        const e = mapEvent(resolved);
        if (e) out.push(e);
      }
    } catch (e) {
      if (e instanceof StreamNotFoundError) return [];
      throw e;
    }
    return out;
  }

  const currentVersion = async (streamId: string): Promise<bigint> =>
    (await readStreamRange(streamId, END, 1, BACKWARDS)).at(0)?.streamVersion ?? 0n;

  async function readMarker(key: string): Promise<AppendResult | undefined> {
    const [marker] = await readStreamRange(markerStreamOf(key), START, 1, FORWARDS);
    if (!marker) return undefined;
    const d = marker.data as MarkerData;
    const globalPositions = d.globalPositions.map(BigInt);
    return {
      nextExpectedStreamVersion: BigInt(d.nextExpectedStreamVersion),
      globalPositions,
      lastGlobalPosition: globalPositions.at(-1) ?? 0n,
      deduplicated: true,
    };
  }

  async function writeMarker(key: string, streamId: string, result: AppendResult): Promise<AppendResult> {
    const data: MarkerData = {
      key,
      streamId,
      nextExpectedStreamVersion: result.nextExpectedStreamVersion.toString(),
      globalPositions: result.globalPositions.map(String),
    };
    try {
      await client.appendToStream(markerStreamOf(key), jsonEvent({ id: deterministicUuid(`marker:${key}`), type: MARKER_TYPE, data: { ...data } }), {
        streamState: NO_STREAM,
      });
      return result;
    } catch (e) {
      if (!(e instanceof WrongExpectedVersionError)) throw e;
      return (await readMarker(key)) ?? result; // a concurrent twin recorded the key first
    }
  }

  const eventIdFor = (e: NewEvent, index: number, key: string | undefined) =>
    key !== undefined ? deterministicUuid(`event:${key}:${index}`) : UUID.test(e.metadata.eventId) ? e.metadata.eventId : deterministicUuid(`event-id:${e.metadata.eventId}`);

  const readAll = (o: { fromPosition: ReadPosition; direction: Direction; filter: Filter; maxCount: number }) => client.readAll(o);

  async function readAllMatching(after: bigint, limit: number, filter: ReadAllFilter | undefined): Promise<RecordedEvent[]> {
    const matches = compileFilter(filter);
    const out: RecordedEvent[] = [];
    if (limit === 0) return out;
    for await (const resolved of readAllPaged(readAll, positionAfter(after), FORWARDS, serverFilter(filter))) {
      const e = toRecorded(resolved);
      if (!e || e.globalPosition <= after || (matches && !matches(e))) continue;
      out.push(e);
      if (limit > 0 && out.length >= limit) break;
    }
    return out;
  }

  /** Position of the latest event matching the filter (`floor` when none is after it). */
  async function lastMatchingPosition(floor: bigint, filter: ReadAllFilter | undefined, matches: EventPredicate | undefined): Promise<bigint> {
    for await (const resolved of readAllPaged(readAll, END, BACKWARDS, serverFilter(filter))) {
      const e = toRecorded(resolved);
      if (!e) continue;
      if (e.globalPosition <= floor) return floor;
      if (!matches || matches(e)) return e.globalPosition;
    }
    return floor;
  }

  function deliveries(options: SubscribeOptions) {
    const filter = serverFilter(options.filter);
    const matches = compileFilter(options.filter);
    return kurrentDeliveries(
      {
        open: (after) => client.subscribeToAll({ fromPosition: positionAfter(after), filter }),
        lastMatching: (floor) => lastMatchingPosition(floor, options.filter, matches),
      },
      options,
    );
  }

  return {
    async appendToStream(streamId, events, appendOptions = {}) {
      validateNewEvents(streamId, events);
      if (!isOurs(streamId)) throw invalidInput(`stream ids starting with "$" or "${IDEMPOTENCY_STREAM_PREFIX}" are reserved`, { streamId });
      for (const e of events) {
        if (e.data === null || typeof e.data !== 'object') throw invalidInput('KurrentDB stores event data as a JSON object or array', { streamId, type: e.type });
      }
      const key = appendOptions.idempotencyKey;
      if (key !== undefined) {
        const seen = await readMarker(key);
        if (seen) return seen;
      }
      const expected = appendOptions.expectedStreamVersion ?? ANY;
      if (events.length === 0) {
        const version = await currentVersion(streamId);
        checkExpectedVersion(streamId, expected, version);
        const [last] = await readStreamRange(streamId, END, 1, BACKWARDS);
        return { nextExpectedStreamVersion: version, globalPositions: [], lastGlobalPosition: last?.globalPosition ?? 0n, deduplicated: false };
      }
      const data = events.map((e, i) =>
        jsonEvent({ id: eventIdFor(e, i, key), type: e.type, data: e.data as Record<string, unknown>, metadata: { ...e.metadata } as Record<string, unknown> }),
      );
      let nextRevision: bigint;
      try {
        nextRevision = (await client.appendToStream(streamId, data, { streamState: toStreamState(expected) })).nextExpectedRevision;
      } catch (e) {
        throw appendError(e, streamId, expected, events.length);
      }
      // The append answers with one position; read the batch back for each event's own.
      const firstRevision = nextRevision - BigInt(events.length) + 1n;
      const appended = await readStreamRange(streamId, firstRevision, events.length, FORWARDS);
      const result: AppendResult = {
        nextExpectedStreamVersion: nextRevision + 1n,
        globalPositions: appended.map((e) => e.globalPosition),
        lastGlobalPosition: appended.at(-1)!.globalPosition,
        deduplicated: false,
      };
      return key === undefined ? result : writeMarker(key, streamId, result);
    },

    async readStream(streamId, readOptions = {}) {
      const from = readOptions.from ?? 1n;
      const maxCount = readOptions.maxCount ?? Number.MAX_SAFE_INTEGER;
      const events = maxCount <= 0 ? [] : await readStreamRange(streamId, from <= 1n ? START : from - 1n, maxCount, FORWARDS);
      const readWhole = from <= 1n && readOptions.maxCount === undefined;
      const currentStreamVersion = readWhole ? (events.at(-1)?.streamVersion ?? 0n) : await currentVersion(streamId);
      return { currentStreamVersion, events };
    },

    readAll(readOptions = {}) {
      return readAllMatching(readOptions.after ?? 0n, readOptions.limit ?? -1, readOptions.filter);
    },

    subscribe(handler, subscribeOptions = {}) {
      const sub = runSubscription(deliveries(subscribeOptions), handler);
      subscriptions.add(sub);
      return {
        caughtUp: sub.caughtUp,
        stop: () => {
          subscriptions.delete(sub);
          return sub.stop();
        },
      };
    },

    headPosition() {
      return lastMatchingPosition(0n, undefined, undefined);
    },

    async close() {
      await Promise.allSettled([...subscriptions].map((s) => s.stop()));
      subscriptions.clear();
      await client.dispose();
    },
  };
}
