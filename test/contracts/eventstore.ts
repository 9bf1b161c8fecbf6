// The EventStore contract: every adapter runs this same suite (infra/eventstore/*.test.ts).
// Tests use streams unique to the test, so the suite also runs against a shared server
// (KurrentDB) that is not empty and not reset between tests.
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { describe, test } from 'node:test';
import { ConcurrencyError, DomainError } from '../../domain/errors.ts';
import {
  ANY,
  STREAM_DOES_NOT_EXIST,
  STREAM_EXISTS,
  type EventMetadata,
  type EventStore,
  type NewEvent,
  type ReadAllFilter,
  type RecordedEvent,
} from '../../domain/ports.ts';

export interface EventStoreFixture {
  store: EventStore;
  cleanup(): Promise<void>;
}

export interface EventStoreCapabilities {
  /** The store opens empty and numbers its log 1, 2, 3… with no gaps (SQLite, memory). */
  gapFreeFromEmpty: boolean;
}

export function newEvent(type: string, data: unknown = {}, metadata: Partial<EventMetadata> = {}): NewEvent {
  return {
    type,
    data,
    metadata: {
      eventId: randomUUID(),
      actor: 'alice',
      correlationId: randomUUID(),
      causationId: null,
      recordedAt: '2024-05-01T12:00:00.000Z',
      schemaVersion: 1,
      ...metadata,
    },
  };
}

const events = (n: number, type = 'ThingHappened', actor = 'alice'): NewEvent[] =>
  Array.from({ length: n }, (_, i) => newEvent(type, { i }, { actor }));

async function waitFor(condition: () => boolean, what: string, timeoutMs = 5000): Promise<void> {
  const until = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > until) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 5));
  }
}

const isConcurrencyError = (currentVersion: bigint) => (e: unknown) => {
  assert.ok(e instanceof ConcurrencyError, `expected a ConcurrencyError, got ${String(e)}`);
  assert.equal(e.code, 'CONFLICT');
  assert.equal(e.currentVersion, currentVersion);
  return true;
};

const assertIncreasing = (positions: bigint[]) => {
  for (let i = 1; i < positions.length; i++) assert.ok(positions[i]! > positions[i - 1]!, `position ${positions[i]} follows ${positions[i - 1]}`);
};

export function testEventStore(
  name: string,
  factory: () => Promise<EventStoreFixture>,
  capabilities: EventStoreCapabilities = { gapFreeFromEmpty: true },
): void {
  const withStore = (fn: (store: EventStore, unique: string) => Promise<void>) => async () => {
    const { store, cleanup } = await factory();
    try {
      await fn(store, `t${randomUUID().slice(0, 8)}`);
    } finally {
      await cleanup();
    }
  };

  describe(`EventStore contract: ${name}`, () => {
    describe('appending and expected versions', () => {
      test('appends to a new stream with STREAM_DOES_NOT_EXIST: versions count from 1, positions increase', withStore(async (store, u) => {
        const s = `${u}-api-1`;
        const r = await store.appendToStream(s, events(3), { expectedStreamVersion: STREAM_DOES_NOT_EXIST });
        assert.equal(r.nextExpectedStreamVersion, 3n);
        assert.equal(r.deduplicated, false);
        assert.equal(r.globalPositions.length, 3);
        assertIncreasing(r.globalPositions);
        assert.equal(r.lastGlobalPosition, r.globalPositions[2]);
        const read = await store.readStream(s);
        assert.equal(read.currentStreamVersion, 3n);
        assert.deepEqual(read.events.map((e) => e.streamVersion), [1n, 2n, 3n]);
        assert.deepEqual(read.events.map((e) => e.globalPosition), r.globalPositions);
        assert.deepEqual(read.events.map((e) => e.streamId), [s, s, s]);
      }));

      test('STREAM_DOES_NOT_EXIST on an existing stream is a ConcurrencyError carrying the current version, and appends nothing', withStore(async (store, u) => {
        const s = `${u}-a`;
        await store.appendToStream(s, events(2));
        const head = await store.headPosition();
        await assert.rejects(store.appendToStream(s, events(1), { expectedStreamVersion: STREAM_DOES_NOT_EXIST }), isConcurrencyError(2n));
        assert.equal(await store.headPosition(), head);
        assert.equal((await store.readStream(s)).currentStreamVersion, 2n);
      }));

      test('STREAM_EXISTS refuses a missing stream (current version 0) and accepts an existing one', withStore(async (store, u) => {
        const s = `${u}-b`;
        await assert.rejects(store.appendToStream(s, events(1), { expectedStreamVersion: STREAM_EXISTS }), isConcurrencyError(0n));
        assert.equal((await store.readStream(s)).events.length, 0);
        await store.appendToStream(s, events(1));
        const r = await store.appendToStream(s, events(1), { expectedStreamVersion: STREAM_EXISTS });
        assert.equal(r.nextExpectedStreamVersion, 2n);
      }));

      test('ANY accepts a missing and an existing stream; no expectation means ANY', withStore(async (store, u) => {
        const s = `${u}-c`;
        assert.equal((await store.appendToStream(s, events(1), { expectedStreamVersion: ANY })).nextExpectedStreamVersion, 1n);
        assert.equal((await store.appendToStream(s, events(2), { expectedStreamVersion: ANY })).nextExpectedStreamVersion, 3n);
        assert.equal((await store.appendToStream(s, events(1))).nextExpectedStreamVersion, 4n);
      }));

      test('a bigint expectation must equal the current version; a stale one is refused with the current version', withStore(async (store, u) => {
        const s = `${u}-d`;
        assert.equal((await store.appendToStream(s, events(1), { expectedStreamVersion: 0n })).nextExpectedStreamVersion, 1n);
        assert.equal((await store.appendToStream(s, events(2), { expectedStreamVersion: 1n })).nextExpectedStreamVersion, 3n);
        await assert.rejects(store.appendToStream(s, events(1), { expectedStreamVersion: 1n }), isConcurrencyError(3n));
        await assert.rejects(store.appendToStream(s, events(1), { expectedStreamVersion: 7n }), isConcurrencyError(3n));
        await assert.rejects(store.appendToStream(`${u}-missing`, events(1), { expectedStreamVersion: 2n }), isConcurrencyError(0n));
        assert.equal((await store.readStream(s)).currentStreamVersion, 3n);
        assert.equal((await store.readStream(`${u}-missing`)).events.length, 0);
      }));

      test('the ConcurrencyError is a DomainError with code CONFLICT and the stream id', withStore(async (store, u) => {
        const s = `${u}-e`;
        await store.appendToStream(s, events(1));
        const error = await store.appendToStream(s, events(1), { expectedStreamVersion: STREAM_DOES_NOT_EXIST }).then(
          () => assert.fail('append should have been refused'),
          (e: unknown) => e,
        );
        assert.ok(error instanceof DomainError);
        assert.ok(error instanceof ConcurrencyError);
        assert.equal(error.streamId, s);
        assert.equal(error.details.currentVersion, 1);
      }));

      test('concurrent writers racing on one stream with the same expected version: exactly one wins', withStore(async (store, u) => {
        const s = `${u}-race`;
        await store.appendToStream(s, events(1));
        const attempts = await Promise.allSettled(
          Array.from({ length: 6 }, (_, i) => store.appendToStream(s, [newEvent('Raced', { writer: i })], { expectedStreamVersion: 1n })),
        );
        const won = attempts.filter((a) => a.status === 'fulfilled');
        const lost = attempts.filter((a): a is PromiseRejectedResult => a.status === 'rejected');
        assert.equal(won.length, 1);
        assert.equal(lost.length, 5);
        for (const l of lost) isConcurrencyError(2n)(l.reason);
        const read = await store.readStream(s);
        assert.equal(read.currentStreamVersion, 2n);
        assert.deepEqual(read.events.map((e) => e.type), ['ThingHappened', 'Raced']);
      }));

      test('concurrent creators with STREAM_DOES_NOT_EXIST: exactly one creates the stream', withStore(async (store, u) => {
        const s = `${u}-reservation`;
        const attempts = await Promise.allSettled(
          Array.from({ length: 4 }, () => store.appendToStream(s, events(1, 'Reserved'), { expectedStreamVersion: STREAM_DOES_NOT_EXIST })),
        );
        assert.equal(attempts.filter((a) => a.status === 'fulfilled').length, 1);
        assert.equal((await store.readStream(s)).events.length, 1);
      }));

      test('a batch of 10,000 events in one append is recorded whole and in order', withStore(async (store, u) => {
        const s = `${u}-big`;
        const batch = events(10_000, 'Bulk');
        const r = await store.appendToStream(s, batch, { expectedStreamVersion: STREAM_DOES_NOT_EXIST });
        assert.equal(r.nextExpectedStreamVersion, 10_000n);
        assert.equal(r.globalPositions.length, 10_000);
        assertIncreasing(r.globalPositions);
        const read = await store.readStream(s);
        assert.equal(read.events.length, 10_000);
        assert.ok(read.events.every((e, i) => (e.data as { i: number }).i === i && e.streamVersion === BigInt(i + 1)));
        assert.equal(read.events[9_999]!.metadata.eventId, batch[9_999]!.metadata.eventId);
      }));

      test('metadata and data round-trip unchanged', withStore(async (store, u) => {
        const s = `${u}-meta`;
        const data = { name: 'Pizza API ☕ — ü', nested: { list: [1, 2.5, 'x', null, true], empty: {} }, n: -42 };
        const metadata: EventMetadata = {
          eventId: randomUUID(),
          actor: 'bob@carbon.super',
          correlationId: randomUUID(),
          causationId: randomUUID(),
          recordedAt: '2024-06-30T23:59:59.999Z',
          schemaVersion: 3,
          idempotencyKey: 'key-1',
        };
        await store.appendToStream(s, [{ type: 'ApiCreated', data, metadata }]);
        const [e] = (await store.readStream(s)).events;
        assert.equal(e!.type, 'ApiCreated');
        assert.deepEqual(e!.data, data);
        assert.deepEqual(e!.metadata, metadata);
        const [fromAll] = await store.readAll({ filter: { streamIds: [s] } });
        assert.deepEqual(fromAll, e);
      }));

      test('headPosition is the position of the latest event', withStore(async (store, u) => {
        const r = await store.appendToStream(`${u}-h`, events(2));
        assert.equal(await store.headPosition(), r.lastGlobalPosition);
      }));
    });

    describe('global order', () => {
      test('positions across streams follow append order', withStore(async (store, u) => {
        const before = await store.headPosition();
        const a = await store.appendToStream(`${u}-x`, events(2));
        const b = await store.appendToStream(`${u}-y`, events(1));
        const c = await store.appendToStream(`${u}-x`, events(1));
        const all = [...a.globalPositions, ...b.globalPositions, ...c.globalPositions];
        assertIncreasing(all);
        const read = await store.readAll({ after: before, filter: { streamPrefixes: [`${u}-`] } });
        assert.deepEqual(read.map((e) => e.globalPosition), all);
        assert.deepEqual(read.map((e) => e.streamId), [`${u}-x`, `${u}-x`, `${u}-y`, `${u}-x`]);
      }));

      if (capabilities.gapFreeFromEmpty) {
        test('an empty store has head 0 and numbers its log 1, 2, 3… without gaps, even after refused appends', withStore(async (store, u) => {
          assert.equal(await store.headPosition(), 0n);
          assert.deepEqual(await store.readAll(), []);
          await store.appendToStream(`${u}-1`, events(2));
          await assert.rejects(store.appendToStream(`${u}-1`, events(3), { expectedStreamVersion: 0n }));
          await store.appendToStream(`${u}-2`, events(3), { expectedStreamVersion: STREAM_DOES_NOT_EXIST });
          await store.appendToStream(`${u}-1`, events(1), { idempotencyKey: 'k' });
          await store.appendToStream(`${u}-3`, events(1), { idempotencyKey: 'k' });
          const all = await store.readAll();
          assert.deepEqual(all.map((e) => e.globalPosition), [1n, 2n, 3n, 4n, 5n, 6n]);
          assert.equal(await store.headPosition(), 6n);
        }));
      }
    });

    describe('reading', () => {
      test('readStream of a missing stream is empty with version 0', withStore(async (store, u) => {
        assert.deepEqual(await store.readStream(`${u}-nothing`), { currentStreamVersion: 0n, events: [] });
      }));

      test('readStream pages with from (inclusive stream version) and maxCount; currentStreamVersion stays the whole stream', withStore(async (store, u) => {
        const s = `${u}-p`;
        await store.appendToStream(s, events(10));
        const page = await store.readStream(s, { from: 4n, maxCount: 3 });
        assert.equal(page.currentStreamVersion, 10n);
        assert.deepEqual(page.events.map((e) => e.streamVersion), [4n, 5n, 6n]);
        const tail = await store.readStream(s, { from: 9n });
        assert.deepEqual(tail.events.map((e) => e.streamVersion), [9n, 10n]);
        assert.equal((await store.readStream(s, { from: 11n })).events.length, 0);
        assert.equal((await store.readStream(s, { maxCount: 2 })).events.length, 2);
      }));

      test('readAll pages with after (exclusive) and limit cover the log once, in order', withStore(async (store, u) => {
        const before = await store.headPosition();
        for (let i = 0; i < 5; i++) await store.appendToStream(`${u}-s${i % 2}`, events(5));
        const filter = { streamPrefixes: [`${u}-`] };
        const seen: RecordedEvent[] = [];
        let after = before;
        for (;;) {
          const page = await store.readAll({ after, limit: 4, filter });
          assert.ok(page.length <= 4);
          if (page.length === 0) break;
          seen.push(...page);
          after = page.at(-1)!.globalPosition;
        }
        assert.equal(seen.length, 25);
        assertIncreasing(seen.map((e) => e.globalPosition));
        const whole = await store.readAll({ after: before, filter });
        assert.deepEqual(seen, whole);
      }));

      test('readAll filters by stream ids, stream prefixes, types and actor, alone and combined', withStore(async (store, u) => {
        const before = await store.headPosition();
        await store.appendToStream(`${u}-api-1`, [newEvent('ApiCreated', {}, { actor: 'ann' }), newEvent('ApiUpdated', {}, { actor: 'bob' })]);
        await store.appendToStream(`${u}-app-1`, [newEvent('ApplicationCreated', {}, { actor: 'bob' })]);
        await store.appendToStream(`${u}-api-2`, [newEvent('ApiCreated', {}, { actor: 'bob' })]);
        await store.appendToStream(`${u}-sub-1`, [newEvent('Subscribed', {}, { actor: 'ann' })]);
        const ids = async (filter: ReadAllFilter) =>
          (await store.readAll({ after: before, filter: { streamPrefixes: [`${u}-`], ...filter } })).map((e) => `${e.streamId.slice(u.length + 1)}:${e.type}`);

        assert.deepEqual(await ids({ streamPrefixes: [`${u}-api-`] }), ['api-1:ApiCreated', 'api-1:ApiUpdated', 'api-2:ApiCreated']);
        assert.deepEqual(await ids({ streamPrefixes: [`${u}-app-`, `${u}-sub-`] }), ['app-1:ApplicationCreated', 'sub-1:Subscribed']);
        assert.deepEqual(
          (await store.readAll({ after: before, filter: { streamIds: [`${u}-api-2`, `${u}-sub-1`] } })).map((e) => e.streamId),
          [`${u}-api-2`, `${u}-sub-1`],
        );
        assert.deepEqual(
          (await store.readAll({ after: before, filter: { streamIds: [`${u}-app-1`], streamPrefixes: [`${u}-sub-`] } })).map((e) => e.type),
          ['ApplicationCreated', 'Subscribed'],
          'stream ids and prefixes are alternatives',
        );
        assert.deepEqual(await ids({ types: ['ApiCreated'] }), ['api-1:ApiCreated', 'api-2:ApiCreated']);
        assert.deepEqual(await ids({ types: ['ApiUpdated', 'Subscribed'] }), ['api-1:ApiUpdated', 'sub-1:Subscribed']);
        assert.deepEqual(await ids({ actor: 'bob' }), ['api-1:ApiUpdated', 'app-1:ApplicationCreated', 'api-2:ApiCreated']);
        assert.deepEqual(await ids({ types: ['ApiCreated'], actor: 'bob' }), ['api-2:ApiCreated']);
        assert.deepEqual(await ids({ streamPrefixes: [`${u}-api-`], actor: 'ann' }), ['api-1:ApiCreated']);
        assert.deepEqual(await ids({ types: ['NoSuchType'] }), []);
        assert.deepEqual(await ids({ actor: 'nobody' }), []);
        assert.equal((await store.readAll({ after: before, filter: { streamPrefixes: [`${u}-`], types: [] } })).length, 5, 'an empty list is no constraint');
        const limited = await store.readAll({ after: before, limit: 1, filter: { streamPrefixes: [`${u}-`], actor: 'bob' } });
        assert.deepEqual(limited.map((e) => e.type), ['ApiUpdated']);
      }));
    });

    describe('idempotency', () => {
      test('the same key again returns the first result, deduplicated, and appends nothing', withStore(async (store, u) => {
        const s = `${u}-idem`;
        const key = `${u}-create`;
        const first = await store.appendToStream(s, events(2), { expectedStreamVersion: STREAM_DOES_NOT_EXIST, idempotencyKey: key });
        const head = await store.headPosition();
        const again = await store.appendToStream(s, events(2), { expectedStreamVersion: STREAM_DOES_NOT_EXIST, idempotencyKey: key });
        assert.equal(first.deduplicated, false);
        assert.equal(again.deduplicated, true);
        assert.equal(again.nextExpectedStreamVersion, first.nextExpectedStreamVersion);
        assert.deepEqual(again.globalPositions, first.globalPositions);
        assert.equal(again.lastGlobalPosition, first.lastGlobalPosition);
        assert.equal(await store.headPosition(), head);
        assert.equal((await store.readStream(s)).events.length, 2);
      }));

      test('the same key after the stream moved on is still deduplicated, not a conflict', withStore(async (store, u) => {
        const s = `${u}-idem2`;
        const key = `${u}-k`;
        const first = await store.appendToStream(s, events(1), { expectedStreamVersion: STREAM_DOES_NOT_EXIST, idempotencyKey: key });
        await store.appendToStream(s, events(3));
        const again = await store.appendToStream(s, events(1), { expectedStreamVersion: STREAM_DOES_NOT_EXIST, idempotencyKey: key });
        assert.equal(again.deduplicated, true);
        assert.equal(again.nextExpectedStreamVersion, 1n);
        assert.deepEqual(again.globalPositions, first.globalPositions);
        assert.equal((await store.readStream(s)).events.length, 4);
      }));

      test('the same key on a different stream appends nothing to that stream', withStore(async (store, u) => {
        const key = `${u}-shared`;
        const first = await store.appendToStream(`${u}-one`, events(1), { idempotencyKey: key });
        const head = await store.headPosition();
        const other = await store.appendToStream(`${u}-two`, events(1), { idempotencyKey: key });
        assert.equal(other.deduplicated, true);
        assert.deepEqual(other.globalPositions, first.globalPositions);
        assert.equal((await store.readStream(`${u}-two`)).events.length, 0);
        assert.equal(await store.headPosition(), head);
      }));

      test('different keys append independently', withStore(async (store, u) => {
        const s = `${u}-keys`;
        await store.appendToStream(s, events(1), { idempotencyKey: `${u}-1` });
        const r = await store.appendToStream(s, events(1), { idempotencyKey: `${u}-2` });
        assert.equal(r.deduplicated, false);
        assert.equal((await store.readStream(s)).currentStreamVersion, 2n);
      }));

      test('a refused append does not consume its key', withStore(async (store, u) => {
        const s = `${u}-refused`;
        const key = `${u}-retry`;
        await store.appendToStream(s, events(1));
        await assert.rejects(store.appendToStream(s, events(1), { expectedStreamVersion: STREAM_DOES_NOT_EXIST, idempotencyKey: key }), ConcurrencyError);
        const r = await store.appendToStream(s, events(1), { expectedStreamVersion: 1n, idempotencyKey: key });
        assert.equal(r.deduplicated, false);
        assert.equal(r.nextExpectedStreamVersion, 2n);
      }));
    });

    describe('subscriptions', () => {
      test('catches up from `after`, delivers events appended meanwhile exactly once, then tails live appends in order', withStore(async (store, u) => {
        const before = await store.headPosition();
        const filter = { streamPrefixes: [`${u}-`] };
        for (let i = 0; i < 12; i++) await store.appendToStream(`${u}-s${i % 3}`, events(100));
        const received: RecordedEvent[] = [];
        let appendedWhileCatchingUp = false;
        const sub = store.subscribe(async (e) => {
          received.push(e);
          if (!appendedWhileCatchingUp) {
            appendedWhileCatchingUp = true;
            await store.appendToStream(`${u}-during`, events(5));
          }
        }, { after: before, filter });
        await sub.caughtUp;
        assert.ok(received.length >= 1200, `caughtUp after ${received.length} of the 1200 events present at start`);
        await store.appendToStream(`${u}-live`, events(3));
        await store.appendToStream(`${u}-other`, events(2));
        await waitFor(() => received.length >= 1210, 'live events');
        await new Promise((r) => setTimeout(r, 100));
        await sub.stop();
        assert.equal(received.length, 1210);
        assertIncreasing(received.map((e) => e.globalPosition));
        assert.equal(new Set(received.map((e) => e.metadata.eventId)).size, 1210);
        assert.equal(received.filter((e) => e.streamId === `${u}-during`).length, 5);
        assert.deepEqual(received.slice(-5).map((e) => e.streamId), [`${u}-live`, `${u}-live`, `${u}-live`, `${u}-other`, `${u}-other`]);
        assert.deepEqual(received, await store.readAll({ after: before, filter }));
      }));

      test('delivers one event at a time: the handler is awaited before the next event', withStore(async (store, u) => {
        const before = await store.headPosition();
        await store.appendToStream(`${u}-slow`, events(5));
        let inHandler = 0;
        let overlap = false;
        let count = 0;
        const sub = store.subscribe(async () => {
          inHandler++;
          if (inHandler > 1) overlap = true;
          await new Promise((r) => setTimeout(r, 2));
          inHandler--;
          count++;
        }, { after: before, filter: { streamPrefixes: [`${u}-`] } });
        await sub.caughtUp;
        await sub.stop();
        assert.equal(count, 5);
        assert.equal(overlap, false);
      }));

      test('a filtered subscription receives only matching events', withStore(async (store, u) => {
        const before = await store.headPosition();
        const got: string[] = [];
        const sub = store.subscribe((e) => {
          got.push(e.type);
        }, { after: before, filter: { streamPrefixes: [`${u}-api-`], types: ['ApiPublished'] } });
        await sub.caughtUp;
        await store.appendToStream(`${u}-api-1`, [newEvent('ApiCreated'), newEvent('ApiPublished')]);
        await store.appendToStream(`${u}-app-1`, [newEvent('ApiPublished')]);
        await store.appendToStream(`${u}-api-2`, [newEvent('ApiPublished')]);
        await waitFor(() => got.length >= 2, 'filtered events');
        await new Promise((r) => setTimeout(r, 100));
        await sub.stop();
        assert.deepEqual(got, ['ApiPublished', 'ApiPublished']);
      }));

      test('caughtUp resolves at once for a subscription starting at the head', withStore(async (store, u) => {
        await store.appendToStream(`${u}-z`, events(1));
        const sub = store.subscribe(() => assert.fail('nothing to deliver'), { after: await store.headPosition() });
        await sub.caughtUp;
        await sub.stop();
      }));

      test('stop() stops delivery: nothing arrives after it resolves', withStore(async (store, u) => {
        const before = await store.headPosition();
        let count = 0;
        const sub = store.subscribe(() => {
          count++;
        }, { after: before, filter: { streamPrefixes: [`${u}-`] } });
        await store.appendToStream(`${u}-q`, events(2));
        await waitFor(() => count === 2, 'two events');
        await sub.stop();
        await store.appendToStream(`${u}-q`, events(3));
        await new Promise((r) => setTimeout(r, 250));
        assert.equal(count, 2);
      }));

      test('a throwing handler ends the subscription and stop() reports the error', withStore(async (store, u) => {
        const before = await store.headPosition();
        await store.appendToStream(`${u}-boom`, events(3));
        const seen: bigint[] = [];
        const sub = store.subscribe((e) => {
          seen.push(e.streamVersion);
          if (e.streamVersion === 2n) throw new Error('projection failed');
        }, { after: before, filter: { streamPrefixes: [`${u}-`] } });
        await assert.rejects(sub.caughtUp, /projection failed/);
        await assert.rejects(sub.stop(), /projection failed/);
        assert.deepEqual(seen, [1n, 2n]);
      }));
    });
  });
}
