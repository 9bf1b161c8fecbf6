import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { RecordedEvent } from '../../domain/ports.ts';
import { eventFeed, type EventFeedSource } from './event-feed.ts';

const ev = (p: number, type = 'ApiUpdated'): RecordedEvent => ({
  type, data: {}, streamId: 's', streamVersion: BigInt(p), globalPosition: BigInt(p),
  metadata: { eventId: `e${p}`, actor: 'a', correlationId: 'c', causationId: null, recordedAt: '2026-01-01T00:00:00Z', schemaVersion: 1 },
});

function source(log: RecordedEvent[]) {
  const listeners = new Set<(e: RecordedEvent) => void>();
  const s: EventFeedSource & { emit(e: RecordedEvent): void; listeners: number } = {
    readAfter: async (after, limit) => log.filter((e) => e.globalPosition > after).slice(0, limit),
    onEvent(l) {
      listeners.add(l);
      return () => void listeners.delete(l);
    },
    emit(e) {
      log.push(e);
      for (const l of listeners) l(e);
    },
    get listeners() {
      return listeners.size;
    },
  };
  return s;
}

test('catch-up from a position, then live, each event once, in order, filtered', async () => {
  const src = source([ev(1), ev(2), ev(3, 'Other')]);
  const feed = eventFeed(src, (e) => e.type === 'ApiUpdated', 1n);
  src.emit(ev(4)); // arrives while catching up
  const got: number[] = [];
  for await (const e of feed) {
    got.push(Number(e.globalPosition));
    if (got.length === 2) break;
  }
  assert.deepEqual(got, [2, 4]);
  assert.equal(src.listeners, 0, 'breaking out unsubscribes');
});

test('live only without a position; return() ends a pending next()', async () => {
  const src = source([ev(1)]);
  const feed = eventFeed(src, () => true, undefined);
  const next = feed.next();
  src.emit(ev(2));
  assert.equal(Number((await next).value!.globalPosition), 2);
  const pending = feed.next();
  await feed.return!();
  assert.deepEqual(await pending, { value: undefined, done: true });
});
