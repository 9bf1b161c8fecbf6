// The traffic manager service over the in-memory streams: facts of two gateways reach a
// 30/min limit and one decision goes out. Over a partitioned stream with a state store: the
// counters survive a restart (close), a crash (no close) and a rebalance, offsets are committed
// only after a save holds them.
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import type { RequestFact, RequestStream, ThrottleDecision } from '../../domain/ports.ts';
import { createMemoryRequestStream } from '../../infra/bus/memory-request-stream.ts';
import { createMemoryThrottleDecisionStream } from '../../infra/bus/memory-throttle-decisions.ts';
import type { TrafficFact } from './hits.ts';
import type { PartitionBatch, PartitionState } from './partitions.ts';
import { createTrafficManager, type TrafficStateStore } from './service.ts';

const T0 = Date.UTC(2026, 0, 1, 12, 0, 10);
const start = T0 - 10_000;

const fact = (gatewayId: string, i: number): TrafficFact => ({
  requestId: `${gatewayId}-${i}`, timestamp: new Date(T0).toISOString(), gatewayId,
  apiId: 'api-1', apiName: 'Pets', apiVersion: '1.0.0', apiContext: '/pets', apiMethod: 'GET', apiResourceTemplate: '/*',
  applicationId: 'app-1', applicationName: 'App', applicationOwner: 'alice', subscriptionTier: 'T30', keyType: 'PRODUCTION',
  userName: 'alice', userIp: '10.0.0.1', userAgent: null, destination: null, targetResponseCode: 200, proxyResponseCode: 200,
  backendLatencyMs: 1, responseLatencyMs: 2, requestSize: 0, responseSize: 0, errorType: null, errorCode: null,
  throttleKeys: ['app-1:/pets:1.0.0'],
  throttleHits: [{ key: 'app-1:/pets:1.0.0', limit: 30, windowStart: start, windowEnd: start + 60_000 }],
});

const settle = () => new Promise((r) => setTimeout(r, 20));

describe('traffic manager service', () => {
  test('sums facts from several gateways and publishes one decision when the limit is reached', async () => {
    const requests = createMemoryRequestStream();
    const decisions = createMemoryThrottleDecisionStream();
    const heard: ThrottleDecision[] = [];
    await decisions.subscribe((d) => void heard.push(d));
    const tm = createTrafficManager({ requests, decisions, clock: { now: () => new Date(T0) } });
    await tm.start();
    for (let i = 0; i < 29; i++) requests.publish(fact(i % 2 ? 'gw-a' : 'gw-b', i) as RequestFact);
    await settle();
    assert.deepEqual(heard, []);
    requests.publish(fact('gw-a', 29) as RequestFact);
    await settle();
    assert.deepEqual(heard, [{ throttleKey: 'app-1:/pets:1.0.0', throttledUntil: start + 60_000 }]);
    requests.publish(fact('gw-b', 30) as RequestFact);
    await settle();
    assert.equal(heard.length, 1);
    assert.deepEqual(tm.status(), { facts: 31, skipped: 0, decisions: 1, failedPublishes: 0, windows: 1, saved: 0, restored: 0, loadFailures: 0, restoring: 0 });
    await tm.close();
    await requests.close();
  });

  test('a decision that cannot be published is counted, not thrown at the request stream', async () => {
    const requests = createMemoryRequestStream();
    const decisions = createMemoryThrottleDecisionStream();
    await decisions.close(); // publish now rejects
    const tm = createTrafficManager({ requests, decisions, clock: { now: () => new Date(T0) } });
    await tm.start();
    for (let i = 0; i < 30; i++) requests.publish(fact('gw', i) as RequestFact);
    await settle();
    assert.equal(tm.status().failedPublishes, 1);
    await tm.close();
  });
});

/** A partitioned stream as the Kafka one behaves: batches per partition, assignments, commits recorded. */
function partitionedStream() {
  let handler: ((b: PartitionBatch) => Promise<void>) | undefined;
  let assign: ((p: string[]) => void) | undefined;
  const commits: Map<string, bigint>[] = [];
  const stream: RequestStream & Record<string, unknown> = {
    publish() {},
    async subscribe() {
      throw new Error('the traffic manager must read positioned batches');
    },
    async subscribePositioned(h: (b: PartitionBatch) => Promise<void>, hooks: { onAssignment?(p: string[]): void }) {
      handler = h;
      assign = hooks.onAssignment;
      return { stop: async () => void (handler = undefined), commit: async (m: ReadonlyMap<string, bigint>) => void commits.push(new Map(m)) };
    },
    dropped: 0,
    async close() {},
  };
  return {
    stream, commits,
    assign: (p: string[]) => assign!(p),
    deliver: (partition: string, from: number, n: number) => handler!({
      partition, facts: Array.from({ length: n }, (_, i) => fact('gw', from + i)), offsets: Array.from({ length: n }, (_, i) => BigInt(from + i)),
    }),
  };
}

function memoryState(): TrafficStateStore & { saved: Map<string, PartitionState>; fail: boolean } {
  const saved = new Map<string, PartitionState>();
  return {
    saved, fail: false,
    async load(ps) {
      return new Map(ps.flatMap((p) => (saved.has(p) ? [[p, structuredClone(saved.get(p)!)] as const] : [])));
    },
    async save(states) {
      if (this.fail) throw new Error('broker away');
      for (const [p, s] of states) saved.set(p, structuredClone(s));
    },
  };
}

describe('traffic manager service over a partitioned stream with saved state', () => {
  const P = 'requests:0';
  const Q = 'requests:1';
  const key = 'app-1:/pets:1.0.0';
  const until = start + 60_000;

  async function manager(state: TrafficStateStore, partitions = [P]) {
    const s = partitionedStream();
    const decisions = createMemoryThrottleDecisionStream();
    const heard: ThrottleDecision[] = [];
    await decisions.subscribe((d) => void heard.push(d));
    const tm = createTrafficManager({ requests: s.stream, decisions, state, snapshotEveryMs: 0, clock: { now: () => new Date(T0) } });
    await tm.start();
    s.assign(partitions);
    return { ...s, tm, heard };
  }

  test('restart: the saved count plus re-read facts decide exactly at the limit; offsets committed only with a save', async () => {
    const state = memoryState();
    const a = await manager(state);
    await a.deliver(P, 0, 20);
    assert.deepEqual(a.commits, [], 'nothing committed before a save');
    await a.tm.close();
    assert.deepEqual(a.commits, [new Map([[P, 19n]])]);
    assert.equal(state.saved.get(P)!.windows[0]!.count, 20);

    const b = await manager(state);
    await b.deliver(P, 15, 14); // the consumer may resume behind the state: 15..19 were counted already
    await settle();
    assert.deepEqual(b.heard, [], '29 of 30');
    assert.equal(b.tm.status().skipped, 5);
    await b.deliver(P, 29, 1);
    await settle();
    assert.deepEqual(b.heard, [{ throttleKey: key, throttledUntil: until }]);
    assert.equal(b.tm.status().restored, 1);
    await b.tm.close();
  });

  test('crash between two saves: the facts after the last save are re-read (offsets not committed), none lost or doubled', async () => {
    const state = memoryState();
    const a = await manager(state);
    await a.deliver(P, 0, 10);
    await a.tm.snapshot();
    await a.deliver(P, 10, 10); // counted, never saved: the process dies here (no close)
    assert.deepEqual(a.commits.map((c) => c.get(P)), [9n]);

    const b = await manager(state);
    await b.deliver(P, 10, 19); // re-read from the committed offset 10
    await settle();
    assert.deepEqual(b.heard, []);
    await b.deliver(P, 29, 1);
    await settle();
    assert.deepEqual(b.heard, [{ throttleKey: key, throttledUntil: until }]);
    await b.tm.close();
  });

  test('a restored count already at the limit publishes its decision again', async () => {
    const state = memoryState();
    state.saved.set(P, { offset: 29n, windows: [{ key, start, end: until, limit: 30, count: 30 }] });
    const b = await manager(state);
    await settle();
    assert.deepEqual(b.heard, [{ throttleKey: key, throttledUntil: until }]);
    await b.tm.close();
  });

  test('rebalance: a partition taken away stops counting and is not saved; one that arrives is restored before its facts', async () => {
    const state = memoryState();
    const a = await manager(state, [P, Q]);
    await a.deliver(P, 0, 10);
    await a.deliver(Q, 0, 10);
    await a.tm.snapshot();
    await a.deliver(Q, 10, 5); // not saved yet when Q moves to the other instance
    a.assign([P]);
    assert.equal(a.tm.status().windows, 1);
    const b = await manager(state, [Q]);
    await b.deliver(Q, 10, 19);
    await a.deliver(P, 10, 5);
    await a.tm.snapshot();
    assert.deepEqual([...a.commits.at(-1)!.keys()], [P], 'Q is no longer committed or saved by a');
    assert.equal(state.saved.get(Q)!.offset, 9n);
    await settle();
    assert.deepEqual(b.heard, [], 'b holds 10 (saved) + 19 = 29 for its partition');
    await b.deliver(Q, 29, 1);
    await settle();
    assert.deepEqual(b.heard, [{ throttleKey: key, throttledUntil: until }]);
    await Promise.all([a.tm.close(), b.tm.close()]);
  });

  test('a save that fails commits nothing and is retried with the next one', async () => {
    const state = memoryState();
    const a = await manager(state);
    await a.deliver(P, 0, 3);
    state.fail = true;
    await assert.rejects(a.tm.snapshot(), /broker away/);
    assert.deepEqual(a.commits, []);
    state.fail = false;
    await a.tm.snapshot();
    assert.deepEqual(a.commits, [new Map([[P, 2n]])]);
    assert.equal(a.tm.status().saved, 1);
    await a.tm.close();
  });

  test('restoring: partitions whose saved state is still loading are reported (readiness waits for them)', async () => {
    const state = memoryState();
    let release!: () => void;
    const gate = new Promise<void>((r) => (release = r));
    const load = state.load.bind(state);
    state.load = async (ps) => {
      await gate;
      return load(ps);
    };
    const a = await manager(state, [P, Q]);
    assert.equal(a.tm.status().restoring, 2);
    release();
    await settle();
    assert.equal(a.tm.status().restoring, 0);
    await a.tm.close();
  });

  test('a state that cannot be loaded is counted as a failure and the partition counts from nothing', async () => {
    const state = memoryState();
    state.load = async () => {
      throw new Error('no broker');
    };
    const a = await manager(state);
    await a.deliver(P, 0, 30);
    await settle();
    assert.equal(a.tm.status().loadFailures, 1);
    assert.equal(a.heard.length, 1);
    await a.tm.close();
  });
});
