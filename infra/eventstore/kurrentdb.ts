// The EventStore port on KurrentDB / EventStoreDB (@kurrent/kurrentdb-client), for the
// distributed deployment. Same contract as SQLite (test/contracts/eventstore.ts), with
// these differences, all stated in the README:
// - Global position = the event's `$all` commit position (bigint). In KurrentDB each committed
//   event carries its own log position as commit position, so positions are unique and
//   increasing, but NOT gap-free (they are byte offsets in the transaction log).
// - Stream version = KurrentDB revision + 1 (revision 0 is our version 1).
// - Idempotency keys are store-wide: a marker stream `gatehouse-idempotency-<sha256(key)>`
//   records the first append's result. Events appended under a key get deterministic ids
//   (derived from key + index), so a retry after a crash between the append and the marker
//   is deduplicated by KurrentDB itself (same stream, same expected version).
// - Reads and subscriptions never return system (`$…`) events or idempotency markers.
// - A batch must fit the server's MaxAppendSize (1 MiB by default): raise it to append
//   10k-event batches atomically.
import { createHash } from 'node:crypto';
import {
  ANY as KURRENT_ANY,
  BACKWARDS,
  END,
  FORWARDS,
  KurrentDBClient,
  MaxAppendSizeExceededError,
  NO_STREAM,
  START,
  STREAM_EXISTS as KURRENT_STREAM_EXISTS,
  StreamNotFoundError,
  WrongExpectedVersionError,
  eventTypeFilter,
  excludeSystemEvents,
  jsonEvent,
  streamNameFilter,
  type AllStreamResolvedEvent,
  type AppendStreamState,
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

function mapEvent(resolved: ResolvedEvent | AllStreamResolvedEvent): RecordedEvent | undefined {
  const e = resolved.event;
  if (!e || !e.isJson) return undefined;
  const position = e.position?.commit ?? resolved.commitPosition;
  if (position === undefined) throw new Error(NO_POSITION);
  return {
    type: e.type,
    data: e.data,
    metadata: e.metadata as unknown as EventMetadata,
    streamId: e.streamId,
    streamVersion: e.revision + 1n,
    globalPosition: position,
  };
}

/** An event of ours as the port returns it; undefined for system events, markers and non-JSON events. */
function toRecorded(resolved: ResolvedEvent | AllStreamResolvedEvent): RecordedEvent | undefined {
  const e = mapEvent(resolved);
  return e && isOurs(e.streamId) ? e : undefined;
}

const positionAfter = (after: bigint): ReadPosition => (after <= 0n ? START : { commit: after, prepare: after });

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

  async function readAllMatching(after: bigint, limit: number, filter: ReadAllFilter | undefined): Promise<RecordedEvent[]> {
    const matches = compileFilter(filter);
    const out: RecordedEvent[] = [];
    if (limit === 0) return out;
    for await (const resolved of client.readAll({ fromPosition: positionAfter(after), direction: FORWARDS, filter: serverFilter(filter) })) {
      const e = toRecorded(resolved);
      if (!e || e.globalPosition <= after || (matches && !matches(e))) continue;
      out.push(e);
      if (limit > 0 && out.length >= limit) break;
    }
    return out;
  }

  /** Position of the latest event matching the filter (`floor` when none is after it). */
  async function lastMatchingPosition(floor: bigint, filter: ReadAllFilter | undefined, matches: EventPredicate | undefined): Promise<bigint> {
    for await (const resolved of client.readAll({ fromPosition: END, direction: BACKWARDS, filter: serverFilter(filter) })) {
      const e = toRecorded(resolved);
      if (!e) continue;
      if (e.globalPosition <= floor) return floor;
      if (!matches || matches(e)) return e.globalPosition;
    }
    return floor;
  }

  function deliveries(options: SubscribeOptions) {
    const after = options.after ?? 0n;
    const matches = compileFilter(options.filter);
    return async function* (signal: AbortSignal): AsyncGenerator<Delivery> {
      const subscription = client.subscribeToAll({ fromPosition: positionAfter(after), filter: serverFilter(options.filter) });
      const unsubscribe = () => void subscription.unsubscribe().catch(() => {});
      signal.addEventListener('abort', unsubscribe);
      try {
        // Everything present once the subscription is open is at or before this position.
        const target = await lastMatchingPosition(after, options.filter, matches);
        let caughtUp = target <= after;
        if (caughtUp) yield CAUGHT_UP;
        for await (const resolved of subscription) {
          if (signal.aborted) return;
          const e = toRecorded(resolved as AllStreamResolvedEvent);
          if (!e || e.globalPosition <= after || (matches && !matches(e))) continue;
          yield e;
          if (!caughtUp && e.globalPosition >= target) {
            caughtUp = true;
            yield CAUGHT_UP;
          }
        }
        if (!signal.aborted) throw new Error('the KurrentDB subscription ended');
      } catch (e) {
        if (!signal.aborted) throw e;
      } finally {
        signal.removeEventListener('abort', unsubscribe);
        await subscription.unsubscribe().catch(() => {});
      }
    };
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
        if (e instanceof WrongExpectedVersionError) throw new ConcurrencyError(streamId, String(expected), toStreamVersion(e.actualState));
        if (e instanceof MaxAppendSizeExceededError) {
          throw invalidInput(`the batch of ${events.length} events exceeds KurrentDB's MaxAppendSize (${e.maxAppendSize} bytes)`, { streamId });
        }
        throw e;
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
