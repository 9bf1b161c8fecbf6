// The KurrentDB adapter's mapping rules, checked without a server (the contract suite runs
// against a real one in kurrentdb.distributed.test.ts when KURRENTDB_URL is set).
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { PassThrough } from 'node:stream';
import { test } from 'node:test';
import {
  ANY as KURRENT_ANY,
  AccessDeniedError,
  BACKWARDS,
  END,
  FORWARDS,
  MaxAppendSizeExceededError,
  NO_STREAM,
  NotLeaderError,
  START,
  STREAM_EXISTS as KURRENT_STREAM_EXISTS,
  UnavailableError,
  WrongExpectedVersionError,
  convertToCommandError,
  type AllStreamResolvedEvent,
  type Direction,
  type ReadPosition,
} from '@kurrent/kurrentdb-client';
import { ConcurrencyError, DomainError } from '../../domain/errors.ts';
import { ANY, STREAM_DOES_NOT_EXIST, STREAM_EXISTS } from '../../domain/ports.ts';
import {
  IDEMPOTENCY_STREAM_PREFIX,
  NO_POSITION_SENTINEL,
  appendError,
  deterministicUuid,
  kurrentDeliveries,
  mapEvent,
  positionAfter,
  positionOf,
  readAllPaged,
  serverFilter,
  toRecorded,
  toStreamState,
  toStreamVersion,
  type AllFeed,
} from './kurrentdb.ts';
import { CAUGHT_UP, type Delivery } from './subscription.ts';

test('expected versions map to KurrentDB stream states (revision = version - 1)', () => {
  assert.equal(toStreamState(STREAM_DOES_NOT_EXIST), NO_STREAM);
  assert.equal(toStreamState(0n), NO_STREAM);
  assert.equal(toStreamState(STREAM_EXISTS), KURRENT_STREAM_EXISTS);
  assert.equal(toStreamState(ANY), KURRENT_ANY);
  assert.equal(toStreamState(1n), 0n);
  assert.equal(toStreamState(42n), 41n);
});

test('KurrentDB current stream states map back to our versions', () => {
  assert.equal(toStreamVersion(NO_STREAM), 0n);
  assert.equal(toStreamVersion(0n), 1n);
  assert.equal(toStreamVersion(9n), 10n);
});

test('deterministic event ids: same name → same UUID, different name → different UUID, RFC 9562 v8 layout', () => {
  const a = deterministicUuid('event:key-1:0');
  assert.equal(a, deterministicUuid('event:key-1:0'));
  assert.notEqual(a, deterministicUuid('event:key-1:1'));
  assert.match(a, /^[0-9a-f]{8}-[0-9a-f]{4}-8[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
});

test('server-side filters: stream ids exact, prefixes as prefixes, types exact, system events excluded otherwise', () => {
  const streams = serverFilter({ streamIds: ['api-1'], streamPrefixes: ['app-', 'a.b('] });
  assert.equal(streams.filterOn, 'streamName');
  const re = new RegExp((streams as { regex: string }).regex);
  assert.ok(re.test('api-1'));
  assert.ok(!re.test('api-10'));
  assert.ok(re.test('app-42'));
  assert.ok(re.test('a.b(x'));
  assert.ok(!re.test('aXb(x'));
  const types = serverFilter({ types: ['ApiCreated'] });
  assert.equal(types.filterOn, 'eventType');
  assert.ok(new RegExp((types as { regex: string }).regex).test('ApiCreated'));
  assert.ok(!new RegExp((types as { regex: string }).regex).test('ApiCreatedV2'));
  const none = serverFilter(undefined) as { regex: string; filterOn: string };
  assert.equal(none.filterOn, 'eventType');
  assert.ok(!new RegExp(none.regex).test('$metadata'));
  assert.ok(new RegExp(none.regex).test('ApiCreated'));
});

// --- positions, mapping, error translation, paging and resubscription (no server) ---

const recorded = (streamId: string, revision: bigint, position: { commit: bigint; prepare: bigint } | undefined, extra: Partial<{ isJson: boolean; type: string }> = {}) => ({
  event: {
    streamId,
    id: randomUUID(),
    revision,
    type: extra.type ?? 'ThingHappened',
    data: { n: Number(revision) },
    metadata: { eventId: `e-${streamId}-${revision}`, actor: 'alice' },
    isJson: extra.isJson ?? true,
    created: new Date(0),
    position,
  },
});

test('positions: the event position, else the resolved commit position; u64::MAX (pre-22.6 stream reads) or none is refused', () => {
  assert.deepEqual(positionOf(recorded('s', 0n, { commit: 300n, prepare: 300n }) as AllStreamResolvedEvent), { commit: 300n, prepare: 300n });
  const old = { ...recorded('s', 0n, { commit: NO_POSITION_SENTINEL, prepare: NO_POSITION_SENTINEL }), commitPosition: 300n };
  assert.deepEqual(positionOf(old as AllStreamResolvedEvent), { commit: 300n, prepare: 300n });
  assert.throws(() => positionOf(recorded('s', 0n, { commit: NO_POSITION_SENTINEL, prepare: NO_POSITION_SENTINEL }) as AllStreamResolvedEvent), /22\.6/);
  assert.throws(() => positionOf(recorded('s', 0n, undefined) as AllStreamResolvedEvent), /22\.6/);
  assert.equal(positionAfter(0n), START);
  assert.deepEqual(positionAfter(300n), { commit: 300n, prepare: 300n });
});

test('mapping: version = revision + 1, JSON only; system streams and markers are dropped before their position is needed', () => {
  const e = mapEvent(recorded('api-1', 4n, { commit: 9n, prepare: 9n }) as AllStreamResolvedEvent)!;
  assert.equal(e.streamVersion, 5n);
  assert.equal(e.globalPosition, 9n);
  assert.deepEqual(e.data, { n: 4 });
  assert.equal(e.metadata.actor, 'alice');
  assert.equal(mapEvent(recorded('api-1', 0n, { commit: 9n, prepare: 9n }, { isJson: false }) as AllStreamResolvedEvent), undefined);
  assert.equal(toRecorded(recorded('$stats-127.0.0.1:2113', 0n, undefined) as AllStreamResolvedEvent), undefined);
  assert.equal(toRecorded(recorded(`${IDEMPOTENCY_STREAM_PREFIX}abc`, 0n, undefined) as AllStreamResolvedEvent), undefined);
  assert.throws(() => toRecorded(recorded('api-1', 0n, undefined) as AllStreamResolvedEvent), /22\.6/);
});

test('append errors: the client\'s WrongExpectedVersionError (both construction paths) becomes a ConcurrencyError with our version', () => {
  const fromDetails = new WrongExpectedVersionError(undefined, { streamName: 'api-1', expected: NO_STREAM, current: 2n });
  const conflict = appendError(fromDetails, 'api-1', STREAM_DOES_NOT_EXIST, 1);
  assert.ok(conflict instanceof ConcurrencyError);
  assert.equal(conflict.currentVersion, 3n);
  const missing = appendError(new WrongExpectedVersionError(undefined, { streamName: 'api-2', expected: KURRENT_STREAM_EXISTS, current: NO_STREAM }), 'api-2', STREAM_EXISTS, 1);
  assert.ok(missing instanceof ConcurrencyError && missing.currentVersion === 0n);
  // A gRPC status error as the server sends it, converted by the client (utils/CommandError.js).
  const metadata = (map: Record<string, string>) => ({ getMap: () => map });
  const status = Object.assign(new Error('9 FAILED_PRECONDITION: wrong expected version'), {
    code: 9,
    details: 'wrong expected version',
    metadata: metadata({ exception: 'wrong-expected-version', 'stream-name': 'api-3', 'expected-version': '4', 'actual-version': '-1' }),
  });
  const converted = convertToCommandError(status as unknown as Error);
  assert.ok(converted instanceof WrongExpectedVersionError);
  const fromStatus = appendError(converted, 'api-3', 5n, 1);
  assert.ok(fromStatus instanceof ConcurrencyError && fromStatus.currentVersion === 0n);
  const tooBig = appendError(new MaxAppendSizeExceededError(undefined, 1_048_576), 'api-4', ANY, 10_000);
  assert.ok(tooBig instanceof DomainError && !(tooBig instanceof ConcurrencyError));
  assert.equal(tooBig.code, 'BAD_USER_INPUT');
  assert.match(tooBig.message, /10000 events .*1048576 bytes/);
  const other = new AccessDeniedError();
  assert.equal(appendError(other, 'api-5', ANY, 1), other);
});

test('$all is read in bounded pages from the last position seen; the boundary event is not repeated', async () => {
  const log = Array.from({ length: 12 }, (_, i) => recorded(`s-${i}`, 0n, { commit: BigInt(100 + i * 10), prepare: BigInt(100 + i * 10) }) as AllStreamResolvedEvent);
  const calls: { from: string; direction: string; maxCount: number }[] = [];
  const fakeReadAll = ({ fromPosition, direction, maxCount }: { fromPosition: ReadPosition; direction: Direction; maxCount: number }) => {
    calls.push({ from: typeof fromPosition === 'string' ? fromPosition : String(fromPosition.commit), direction, maxCount });
    const ordered = direction === FORWARDS ? log : [...log].reverse();
    const at = (e: AllStreamResolvedEvent) => e.event!.position!.commit;
    const rest =
      typeof fromPosition === 'string'
        ? ordered
        : ordered.filter((e) => (direction === FORWARDS ? at(e) >= fromPosition.commit : at(e) <= fromPosition.commit)); // inclusive either way
    return (async function* () {
      yield* rest.slice(0, maxCount);
    })();
  };
  const filter = serverFilter(undefined);
  const forward: bigint[] = [];
  for await (const e of readAllPaged(fakeReadAll, START, FORWARDS, filter, 5)) forward.push(e.event!.position!.commit);
  assert.deepEqual(forward, log.map((e) => e.event!.position!.commit));
  assert.ok(calls.every((c) => c.maxCount === 5), 'every read is bounded');
  assert.deepEqual(calls.map((c) => c.from), ['start', '140', '180']); // the last page is short: the end
  calls.length = 0;
  const backward: bigint[] = [];
  for await (const e of readAllPaged(fakeReadAll, END, BACKWARDS, filter, 5)) backward.push(e.event!.position!.commit);
  assert.deepEqual(backward, [...forward].reverse());
  assert.deepEqual(calls.map((c) => c.from), ['end', '170', '130']);
});

/** A stand-in for the client's Subscription: an object-mode Readable with unsubscribe(). */
class FakeSubscription extends PassThrough {
  unsubscribed = false;
  constructor() {
    super({ objectMode: true });
  }
  async unsubscribe() {
    this.unsubscribed = true;
    this.end();
  }
}
const fakeSubscription = () => new FakeSubscription();

async function collect(produce: (signal: AbortSignal) => AsyncIterable<Delivery>, until: (got: Delivery[]) => boolean, controller = new AbortController()) {
  const got: Delivery[] = [];
  for await (const d of produce(controller.signal)) {
    got.push(d);
    if (until(got)) {
      controller.abort();
      break;
    }
  }
  return got;
}

const ev = (i: number) => recorded(`api-${i}`, 0n, { commit: BigInt(i * 10), prepare: BigInt(i * 10) }) as AllStreamResolvedEvent;
const positions = (got: Delivery[]) => got.map((d) => (d === CAUGHT_UP ? 'caught-up' : Number(d.globalPosition)));

test('subscription: a transient error (emitted by the client on its Subscription, even late) resubscribes after the last delivered event, without duplicates, releasing each subscription', async () => {
  const opened: { after: bigint; sub: ReturnType<typeof fakeSubscription> }[] = [];
  const warnings: string[] = [];
  const onWarning = (w: Error) => warnings.push(w.message);
  process.on('warning', onWarning);
  try {
    const feed: AllFeed = {
      open(after) {
        const sub = fakeSubscription();
        opened.push({ after, sub });
        if (opened.length === 1) {
          sub.write(ev(1));
          sub.write(ev(2));
          // The client emits errors on its Subscription itself, listener or not: here once while
          // iterated, and once more after the adapter has left it (no iterator listening).
          setImmediate(() => {
            sub.emit('error', new UnavailableError(undefined, 'server went away'));
            setTimeout(() => sub.emit('error', new UnavailableError(undefined, 'late')), 5);
          });
        } else if (opened.length === 2) {
          const notLeader = new NotLeaderError({ metadata: { getMap: () => ({ 'leader-endpoint-host': 'b', 'leader-endpoint-port': '2113' }) } } as never);
          setImmediate(() => sub.emit('error', notLeader));
        } else {
          sub.write(ev(2)); // a subscription started after 20 never sends it, but a duplicate must not pass
          sub.write(ev(3));
        }
        return sub;
      },
      lastMatching: async () => 20n,
    };
    const got = await collect(kurrentDeliveries(feed, { after: 0n }, [1, 1]), (g) => g.length >= 4);
    await new Promise((r) => setTimeout(r, 20)); // the late error
    assert.deepEqual(positions(got), [10, 20, 'caught-up', 30]);
    assert.deepEqual(opened.map((o) => o.after), [0n, 20n, 20n]);
    assert.deepEqual(opened.map((o) => o.sub.unsubscribed), [true, true, true], 'every subscription opened is released');
    await new Promise((r) => setImmediate(r));
    assert.equal(warnings.filter((w) => /resubscribing after position 20/.test(w)).length, 2);
  } finally {
    process.off('warning', onWarning);
  }
});

test('subscription: a non-transient error (access denied) ends it; a subscription the server ends is reopened', async () => {
  const denied: AllFeed = {
    open() {
      const sub = fakeSubscription();
      setImmediate(() => sub.emit('error', new AccessDeniedError()));
      return sub;
    },
    lastMatching: async () => 0n,
  };
  await assert.rejects(collect(kurrentDeliveries(denied, {}, [1]), () => false), AccessDeniedError);

  let opens = 0;
  const ending: AllFeed = {
    open() {
      const sub = fakeSubscription();
      opens++;
      sub.write(ev(opens));
      if (opens < 3) sub.end();
      return sub;
    },
    lastMatching: async () => 0n,
  };
  const warn = () => {};
  process.on('warning', warn);
  try {
    const got = await collect(kurrentDeliveries(ending, {}, [1]), (g) => g.length >= 4);
    assert.deepEqual(positions(got), ['caught-up', 10, 20, 30]);
  } finally {
    process.off('warning', warn);
  }
});

test('subscription: stop during the back-off returns at once, and filters still apply after a resubscription', async () => {
  const controller = new AbortController();
  const feed: AllFeed = {
    open() {
      const sub = fakeSubscription();
      sub.write(recorded('app-1', 0n, { commit: 5n, prepare: 5n }) as AllStreamResolvedEvent);
      sub.write(ev(1));
      setImmediate(() => sub.emit('error', new UnavailableError(undefined, 'down')));
      return sub;
    },
    lastMatching: async () => 10n,
  };
  const warn = () => {};
  process.on('warning', warn);
  try {
    const started = Date.now();
    const got: Delivery[] = [];
    const run = (async () => {
      for await (const d of kurrentDeliveries(feed, { filter: { streamPrefixes: ['api-'] } }, [60_000])(controller.signal)) got.push(d);
    })();
    await new Promise((r) => setTimeout(r, 50));
    controller.abort();
    await run;
    assert.ok(Date.now() - started < 5_000, 'the 60 s back-off was cut short by stop');
    assert.deepEqual(positions(got), [10, 'caught-up']);
  } finally {
    process.off('warning', warn);
  }
});
