// Counters over a partitioned log: a partition's saved share plus the facts after its offset
// give the exact count; re-read facts are skipped; one key summed over several partitions;
// a partition taken away takes its share with it; the stored form round-trips and refuses junk.
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { countOf, emptyTrafficView, UNPARTITIONED } from './counters.ts';
import type { TrafficFact } from './hits.ts';
import {
  alreadyCounted, countBatch, decodePartitionState, dropPartition, encodePartitionState, partitionState, restorePartition,
  type PartitionBatch,
} from './partitions.ts';

const MIN = 60_000;
const T0 = Date.UTC(2026, 0, 1, 12, 0, 0);
const P0 = 'gatehouse.requests:0';
const P1 = 'gatehouse.requests:1';
const appKey = 'app-1:alice';

const fact = (key: string, limit: number, start = T0): TrafficFact => ({
  requestId: `r-${Math.random()}`, timestamp: new Date(T0).toISOString(), gatewayId: 'gw',
  apiId: 'api-1', apiName: 'Pets', apiVersion: '1.0.0', apiContext: '/pets', apiMethod: 'GET', apiResourceTemplate: '/*',
  applicationId: 'app-1', applicationName: 'App', applicationOwner: 'alice', subscriptionTier: 'T30', keyType: 'PRODUCTION',
  userName: 'alice', userIp: '10.0.0.1', userAgent: null, destination: null, targetResponseCode: 200, proxyResponseCode: 200,
  backendLatencyMs: 1, responseLatencyMs: 2, requestSize: 0, responseSize: 0, errorType: null, errorCode: null,
  throttleKeys: [key], throttleHits: [{ key, limit, windowStart: start, windowEnd: start + MIN }],
});

/** Facts at offsets from..from+n-1 of a partition. */
const batch = (partition: string, from: number, n: number, key = appKey, limit = 10, start = T0): PartitionBatch => ({
  partition,
  facts: Array.from({ length: n }, () => fact(key, limit, start)),
  offsets: Array.from({ length: n }, (_, i) => BigInt(from + i)),
});

describe('traffic counters per partition', () => {
  test('a saved state restored into a fresh view plus the facts after its offset count exactly; re-read facts are skipped', () => {
    const before = emptyTrafficView();
    assert.deepEqual(countBatch(before, batch(P0, 0, 4), T0), []);
    const saved = decodePartitionState(encodePartitionState(partitionState(before, P0, T0)))!;
    assert.deepEqual(saved, { offset: 3n, windows: [{ key: appKey, start: T0, end: T0 + MIN, limit: 10, count: 4 }] });

    const after = emptyTrafficView();
    assert.deepEqual(restorePartition(after, P0, saved, T0 + 1), []);
    // The consumer resumes at a committed offset behind the state (0..3 again), then new facts 4..9.
    const again = batch(P0, 2, 8);
    assert.equal(alreadyCounted(after, again), 2);
    assert.deepEqual(countBatch(after, again, T0 + 1), [{ throttleKey: appKey, throttledUntil: T0 + MIN }], 'decided exactly at the 10th fact');
    assert.equal(countOf(after, appKey, T0 + 1), 10);
    assert.deepEqual(countBatch(after, batch(P0, 0, 10), T0 + 2), [], 'a whole redelivery counts nothing');
    assert.equal(countOf(after, appKey, T0 + 2), 10);
  });

  test('one key is summed over the partitions its facts come from; each partition saves only its own share', () => {
    const view = emptyTrafficView();
    countBatch(view, batch(P0, 0, 6), T0);
    assert.deepEqual(countBatch(view, batch(P1, 100, 4), T0), [{ throttleKey: appKey, throttledUntil: T0 + MIN }]);
    assert.equal(partitionState(view, P0, T0).windows[0]!.count, 6);
    assert.deepEqual(partitionState(view, P1, T0), { offset: 103n, windows: [{ key: appKey, start: T0, end: T0 + MIN, limit: 10, count: 4 }] });
  });

  test('restoring a state already at its limit decides again (a republish after a restart); a window already decided stays silent', () => {
    const view = emptyTrafficView();
    const atLimit = { offset: 9n, windows: [{ key: appKey, start: T0, end: T0 + MIN, limit: 10, count: 10 }] };
    assert.deepEqual(restorePartition(view, P0, atLimit, T0), [{ throttleKey: appKey, throttledUntil: T0 + MIN }]);
    assert.deepEqual(restorePartition(view, P1, { offset: 0n, windows: [{ ...atLimit.windows[0]!, count: 1 }] }, T0), []);
    assert.equal(countOf(view, appKey, T0), 11);
  });

  test('ended windows are neither saved nor restored', () => {
    const view = emptyTrafficView();
    countBatch(view, batch(P0, 0, 2, 'old', 10, T0 - MIN), T0 - 1);
    countBatch(view, batch(P0, 2, 1, 'new', 10, T0), T0);
    const state = partitionState(view, P0, T0);
    assert.deepEqual(state.windows.map((w) => w.key), ['new'], 'the window [T0-MIN, T0) ended at T0');
    assert.equal(state.offset, 2n);
    const fresh = emptyTrafficView();
    restorePartition(fresh, P0, { offset: 2n, windows: [{ key: 'old', start: T0 - MIN, end: T0, limit: 1, count: 5 }] }, T0);
    assert.equal(fresh.windows.size, 0);
    assert.equal(fresh.offsets.get(P0), 2n, 'the offset is taken even with nothing open');
  });

  test('dropping a partition takes its share and its offset away; a decided window is kept for its end', () => {
    const view = emptyTrafficView();
    countBatch(view, batch(P0, 0, 3, 'k0'), T0);
    countBatch(view, batch(P0, 3, 2), T0);
    countBatch(view, batch(P1, 0, 3), T0);
    countBatch(view, batch(P1, 3, 1, 'decided', 1), T0);
    assert.equal(dropPartition(view, P0), 2);
    assert.equal(countOf(view, appKey, T0), 3);
    assert.equal(countOf(view, 'k0', T0), 0);
    assert.equal(view.offsets.has(P0), false);
    dropPartition(view, P1);
    assert.deepEqual([...view.windows.values()].map((w) => [w.key, w.count, w.decided]), [['decided', 0, true]]);
    assert.deepEqual(countBatch(view, batch(P1, 4, 1, 'decided', 1), T0), [], 'not decided twice by the instance that saw it');
  });

  test('a partition whose end is below the counted offset was created again: its facts count from the start', () => {
    const view = emptyTrafficView();
    countBatch(view, batch(P0, 0, 50, 'k', 100), T0);
    const recreated = { ...batch(P0, 0, 3, 'k', 100), highWatermark: 3n };
    assert.equal(alreadyCounted(view, recreated), 0);
    countBatch(view, recreated, T0);
    assert.equal(countOf(view, 'k', T0), 53);
    assert.equal(view.offsets.get(P0), 2n);
  });

  test('facts of the in-process stream count under UNPARTITIONED and never mix with a partition', () => {
    const view = emptyTrafficView();
    countBatch(view, batch(UNPARTITIONED, 0, 1), T0);
    assert.equal(partitionState(view, P0, T0).windows.length, 0);
  });

  test('the stored form refuses what it did not write', () => {
    const good = encodePartitionState({ offset: null, windows: [] });
    assert.deepEqual(decodePartitionState(good), { offset: null, windows: [] });
    for (const bad of [
      'not json', 'null', '[]', '{"v":2,"offset":null,"windows":[]}', '{"v":1,"offset":"-1","windows":[]}',
      '{"v":1,"offset":5,"windows":[]}', '{"v":1,"offset":null,"windows":[["k",1,1,1,1]]}',
      '{"v":1,"offset":null,"windows":[["",1,2,1,1]]}', '{"v":1,"offset":null,"windows":[["k",1,2,1,1.5]]}',
      '{"v":1,"offset":null,"windows":[["k",1,2,1]]}', '{"v":1,"offset":null,"windows":[["k",1,2,-1,1]]}',
    ]) assert.equal(decodePartitionState(bad), null, bad);
  });
});
