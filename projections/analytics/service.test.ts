import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { describe, test } from 'node:test';
import type { Clock, Randomness, RequestFact } from '../../domain/ports.ts';
import { createMemoryRequestStream } from '../../infra/bus/memory-request-stream.ts';
import { openMemoryEventStore } from '../../infra/eventstore/memory.ts';
import { openMemoryViewStore } from '../../infra/views/memory.ts';
import { analytics } from './query.ts';
import { ANALYTICS_ACTOR, createAnalyticsService, type PartitionedRequestStream, type RequestStats } from './service.ts';
import { fact } from './testing/facts.ts';
import { MINUTE_MS } from './time.ts';

const clock: Clock = { now: () => new Date() };
const random: Randomness = { uuid: randomUUID, token: () => 'x' };
const T0 = Date.UTC(2024, 5, 1, 12, 0);
const minute = (m: number) => T0 + m * MINUTE_MS;
const spread = (m: number, n: number) => Array.from({ length: n }, (_, i) => fact({ at: minute(m) + Math.floor((i * MINUTE_MS) / n) }));

/** Ten quiet minutes, a spike, quiet again, then a fact that seals it all. */
const spikeTraffic = (): RequestFact[] => [
  ...Array.from({ length: 10 }, (_, m) => spread(m, 20)).flat(),
  ...spread(10, 200),
  ...spread(11, 20), ...spread(12, 20), ...spread(13, 20),
  fact({ at: minute(20), apiId: 'api-clock' }),
];

async function eventually(what: string, check: () => boolean, timeoutMs = 2000): Promise<void> {
  const end = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 10));
  }
}

/** A partitioned stream (Kafka-like) driven by the test: batches, assignments, commits. */
function partitionedStream() {
  const log: string[] = [];
  const commits: Map<string, bigint>[] = [];
  let deliver: ((partition: string, facts: RequestFact[], firstOffset: bigint) => Promise<void>) | undefined;
  let assign: ((partitions: string[]) => void) | undefined;
  let fetched: (() => void) | undefined;
  /** What `unread()` answers: partitions with facts not delivered yet, or null (broker away). */
  let unread: Set<string> | null = new Set();
  const stream: PartitionedRequestStream = {
    publish() {},
    dropped: 0,
    async close() {},
    subscribe: () => Promise.reject(new Error('a partitioned stream is read with positions')),
    async subscribePositioned(handler, hooks = {}) {
      deliver = (partition, facts, first) => handler({ partition, facts, offsets: facts.map((_, i) => first + BigInt(i)) });
      assign = (partitions) => hooks.onAssignment?.(partitions);
      fetched = () => hooks.onFetch?.();
      return {
        async stop() {
          log.push('stop');
        },
        async commit(positions) {
          log.push('commit');
          commits.push(new Map(positions));
        },
        async unread() {
          return unread;
        },
      };
    },
  };
  return {
    stream, log, commits,
    deliver: (p: string, f: RequestFact[], first: bigint) => deliver!(p, f, first),
    assign: (ps: string[]) => assign!(ps),
    /** An empty fetch: the consumer is alive, the broker had nothing. */
    fetched: () => fetched!(),
    setUnread: (u: Set<string> | null) => void (unread = u),
  };
}

function setup() {
  const requests = createMemoryRequestStream();
  const store = openMemoryEventStore();
  const viewStore = openMemoryViewStore();
  return { requests, store, viewStore };
}

describe('analytics service', () => {
  test('ingests the request stream, appends spike alerts to the log with metadata, and folds them into the alerts view', async () => {
    const { requests, store, viewStore } = setup();
    const svc = createAnalyticsService({ requests, store, viewStore, clock, random, snapshotEveryMs: 0 });
    await svc.start();
    const changes: string[] = [];
    svc.onAlert((a, change) => changes.push(`${change}:${a.kind}`));
    const facts = spikeTraffic();
    for (const f of facts) requests.publish(f);
    await svc.settle();

    assert.equal(svc.view().counters.applied, facts.length);
    const r = analytics(svc.view(), { from: minute(0), to: minute(15), granularity: 'MINUTE', apiId: 'api-1' });
    assert.equal(r.totals.requests, facts.length - 1);

    const logged = await store.readAll({ filter: { types: ['AlertRaised', 'AlertCleared'] } });
    assert.deepEqual(logged.map((e) => [e.type, e.streamId]), [['AlertRaised', 'alerts-api-1'], ['AlertCleared', 'alerts-api-1']]);
    assert.equal(logged[0]!.metadata.actor, ANALYTICS_ACTOR);
    assert.equal(logged[0]!.metadata.correlationId, (logged[0]!.data as { alertId: string }).alertId);
    await svc.waitForAlerts(logged.at(-1)!.globalPosition, 1000);
    assert.equal([...svc.alerts().alerts.values()][0]!.status, 'CLEARED');
    assert.deepEqual(changes, ['RAISED:ABNORMAL_REQUEST_RATE', 'CLEARED:ABNORMAL_REQUEST_RATE']);

    // Redelivery: nothing counted twice, no alert appended twice. The newest fact is a
    // recognised duplicate; the older ones are past the 5-minute dedupe window: refused as late.
    for (const f of facts.slice(-200)) requests.publish(f);
    await svc.settle();
    assert.equal(svc.view().counters.applied, facts.length);
    assert.equal(svc.view().counters.duplicates, 1);
    assert.equal(svc.view().counters.late, 199);
    assert.equal((await store.readAll({ filter: { types: ['AlertRaised', 'AlertCleared'] } })).length, 2);
    await svc.close();
  });

  test('a restart restores view and alert engine from the snapshot saved on close', async () => {
    const { requests, store, viewStore } = setup();
    const first = createAnalyticsService({ requests, store, viewStore, clock, random, snapshotEveryMs: 0 });
    await first.start();
    const facts = spikeTraffic();
    for (const f of facts.slice(0, 230)) requests.publish(f); // through the spike minute
    await first.settle();
    await first.close();

    const second = createAnalyticsService({ requests, store, viewStore, clock, random, snapshotEveryMs: 0 });
    await second.start();
    assert.equal(second.view().counters.applied, 230);
    for (const f of facts.slice(200)) requests.publish(f); // 30 redelivered, then the rest
    await second.settle();
    assert.equal(second.view().counters.applied, facts.length);
    assert.equal(second.view().counters.duplicates, 30);
    const logged = await store.readAll({ filter: { types: ['AlertRaised', 'AlertCleared'] } });
    assert.deepEqual(logged.map((e) => e.type), ['AlertRaised', 'AlertCleared']);
    await second.close();
  });

  test('live request stats are pushed per API each interval, zero when quiet', async () => {
    const { requests, store } = setup();
    const svc = createAnalyticsService({ requests, store, clock, random, statsEveryMs: 40 });
    await svc.start();
    const seen: RequestStats[] = [];
    const stop = svc.onRequestStats('api-1', (s) => seen.push(s));
    for (let i = 0; i < 5; i++) requests.publish(fact({ at: T0 + i, responseLatencyMs: 10 + i, proxyResponseCode: i === 0 ? 500 : 200 }));
    requests.publish(fact({ at: T0, apiId: 'api-other' }));
    await svc.settle();
    await eventually('a quiet interval after the busy one', () => seen.some((s) => s.requests > 0) && seen.at(-1)!.requests === 0);
    stop();
    const busy = seen.find((s) => s.requests > 0)!;
    assert.equal(busy.requests, 5);
    assert.equal(busy.errors, 1);
    assert.ok(busy.p50LatencyMs! >= 11 && busy.p50LatencyMs! <= 13, String(busy.p50LatencyMs));
    assert.ok(seen.some((s) => s.requests === 0 && s.p50LatencyMs === null), 'a quiet interval is reported as zero');
    await svc.close();
  });

  test('a partitioned stream: facts of a partition read late are counted, offsets are committed only with a saved snapshot', async () => {
    const { store, viewStore } = setup();
    const kafka = partitionedStream();
    const svc = createAnalyticsService({ requests: kafka.stream, store, viewStore, clock, random, snapshotEveryMs: 0, sourceIdleMs: 0 });
    await svc.start();
    kafka.assign(['requests:0', 'requests:1']);
    const facts = spikeTraffic();
    const ahead = facts.pop()!;
    await kafka.deliver('requests:1', [ahead], 0n); // api-clock, 20 minutes ahead, read first
    await kafka.deliver('requests:0', facts.slice(0, 100), 0n);
    await kafka.deliver('requests:0', facts.slice(100), 100n);
    assert.deepEqual(svc.status().late, 0);
    assert.equal(svc.status().applied, facts.length + 1);
    assert.equal(svc.status().watermark, new Date(minute(13) + 57_000).toISOString(), 'requests:0 holds the watermark');
    assert.deepEqual(kafka.commits, [], 'nothing committed before a snapshot');
    await svc.settle();
    const kinds = async () => (await store.readAll({ filter: { types: ['AlertRaised', 'AlertCleared'] } })).map((e) => e.type);
    assert.deepEqual(await kinds(), ['AlertRaised'], 'minute 10 judged; minute 12 not sealed yet');

    await svc.snapshot();
    assert.deepEqual(kafka.commits, [new Map([['requests:0', BigInt(facts.length - 1)], ['requests:1', 0n]])]);
    // A crash now: a new instance restores the snapshot, the consumer re-reads from the commit.
    const more = spread(14, 20);
    await kafka.deliver('requests:0', more, BigInt(facts.length));
    const restarted = partitionedStream();
    const again = createAnalyticsService({ requests: restarted.stream, store, viewStore, clock, random, snapshotEveryMs: 0, sourceIdleMs: 0 });
    await again.start();
    assert.equal(again.status().applied, facts.length + 1);
    await restarted.deliver('requests:0', [...facts.slice(-5), ...more], BigInt(facts.length - 5));
    assert.equal(again.status().applied, facts.length + 1 + more.length);
    assert.equal(again.status().duplicates, 5);
    await again.close();
    assert.deepEqual(restarted.log, ['commit', 'stop'], 'the final snapshot is committed before the consumer stops');
    assert.equal(restarted.commits[0]!.get('requests:0'), BigInt(facts.length + more.length - 1));
  });

  test('a partition that goes quiet stops holding back the minutes after sourceIdleMs: the spike is cleared', async () => {
    const { store } = setup();
    const kafka = partitionedStream();
    const svc = createAnalyticsService({ requests: kafka.stream, store, clock, random, snapshotEveryMs: 0, sourceIdleMs: 20 });
    await svc.start();
    kafka.assign(['requests:0', 'requests:1', 'requests:2']);
    const facts = spikeTraffic();
    await kafka.deliver('requests:1', [facts.pop()!], 0n);
    await kafka.deliver('requests:0', facts, 0n);
    const kinds = async () => (await store.readAll({ filter: { types: ['AlertRaised', 'AlertCleared'] } })).map((e) => e.type);
    const waitForAlerts = async (n: number, fetching: boolean, ms: number) => {
      const end = Date.now() + ms;
      while ((await kinds()).length < n && Date.now() < end) {
        if (fetching) kafka.fetched();
        await new Promise((r) => setTimeout(r, 10));
      }
      return kinds();
    };
    // A consumer that stopped fetching (broker away, a batch stuck) proves no partition idle:
    // requests:2 has never delivered, so only the 30-minute lag bound moves the watermark.
    assert.deepEqual(await waitForAlerts(1, false, 200), []);
    assert.equal(svc.status().watermark, new Date(minute(-10)).toISOString());
    assert.deepEqual(await waitForAlerts(2, true, 2000), ['AlertRaised', 'AlertCleared']);
    assert.equal(svc.status().watermark, new Date(minute(20)).toISOString());
    assert.equal(svc.status().activeSources, 0);
    await svc.close();
  });

  test('a partition whose facts are still unread on the broker is not swept idle: read later, they are not late', async () => {
    const { store } = setup();
    const kafka = partitionedStream();
    const svc = createAnalyticsService({ requests: kafka.stream, store, clock, random, snapshotEveryMs: 0, sourceIdleMs: 10 });
    await svc.start();
    kafka.assign(['requests:0', 'requests:1']);
    const facts = spikeTraffic();
    kafka.setUnread(null); // broker away: no sweep at all
    await kafka.deliver('requests:1', [facts.pop()!], 0n);
    const sweeps = async (ms: number) => {
      for (const end = Date.now() + ms; Date.now() < end; ) {
        kafka.fetched();
        await new Promise((r) => setTimeout(r, 5));
      }
    };
    await sweeps(80);
    assert.equal(svc.status().activeSources, 2, 'nothing swept while the ends are unknown');
    kafka.setUnread(new Set(['requests:0'])); // requests:0 holds facts the consumer has not fetched yet
    await sweeps(80);
    assert.equal(svc.status().activeSources, 1, 'requests:1 went idle, requests:0 still holds the watermark');
    await kafka.deliver('requests:0', facts, 0n);
    assert.equal(svc.status().late, 0);
    assert.equal(svc.status().applied, facts.length + 1);
    await svc.close();
  });

  test('follow mode serves the snapshots another process saves', async () => {
    const { requests, store, viewStore } = setup();
    const worker = createAnalyticsService({ requests, store, viewStore, clock, random, snapshotEveryMs: 0 });
    const reader = createAnalyticsService({ store, viewStore, clock, random, mode: 'follow', reloadEveryMs: 20 });
    await worker.start();
    await reader.start();
    for (const f of spread(0, 50)) requests.publish(f);
    await worker.settle();
    await worker.snapshot();
    await new Promise((r) => setTimeout(r, 80));
    assert.equal(reader.view().counters.applied, 50);
    assert.equal(reader.status().mode, 'follow');
    await reader.close();
    await worker.close();
  });
});

describe('analytics service: onSnapshotSaved', () => {
  test('is called with the live view once the snapshot is saved; a throwing listener fails neither the snapshot nor the next one', async () => {
    const { store, viewStore } = setup();
    const seen: { applied: number; saved: boolean }[] = [];
    let fail = true;
    const warnings: string[] = [];
    const svc = createAnalyticsService({
      store, viewStore, clock, random, snapshotEveryMs: 0,
      logger: { info() {}, warn: (_o, msg) => void warnings.push(msg), error() {} },
      onSnapshotSaved: (view) => {
        seen.push({ applied: view.counters.applied, saved: false });
        void viewStore.load('analytics', 1).then((s) => (seen.at(-1)!.saved = s !== null));
        if (fail) throw new Error('listener broke');
      },
    });
    await svc.start();
    await svc.ingest(spread(0, 5));
    await svc.snapshot();
    fail = false;
    await svc.ingest(spread(1, 3));
    await svc.snapshot();
    await svc.close();
    assert.deepEqual(seen.map((s) => s.applied), [5, 8, 8]);
    assert.ok(seen.every((s) => s.saved), 'the snapshot is in the store when the listener runs');
    assert.deepEqual(warnings, ['analytics snapshot listener failed']);
  });
});
