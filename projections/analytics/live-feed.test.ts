import assert from 'node:assert/strict';
import { test } from 'node:test';
import { liveFeed } from './live-feed.ts';

test('values pushed before and after next() arrive in order; return() unsubscribes', async () => {
  let push: (n: number) => void = () => {};
  let unsubscribed = false;
  const feed = liveFeed<number>((p) => {
    push = p;
    return () => (unsubscribed = true);
  });
  push(1);
  assert.deepEqual(await feed.next(), { value: 1, done: false });
  const pending = feed.next();
  push(2);
  assert.deepEqual(await pending, { value: 2, done: false });
  await feed.return!();
  assert.equal(unsubscribed, true);
  assert.deepEqual(await feed.next(), { value: undefined, done: true });
});

test('a reader that never reads is cut off once the buffer is full', async () => {
  let push: (n: number) => void = () => {};
  const feed = liveFeed<number>((p) => ((push = p), () => {}));
  for (let i = 0; i < 1_001; i++) push(i);
  let read = 0;
  await assert.rejects(async () => {
    for (;;) {
      const r = await feed.next();
      if (r.done) break;
      read++;
    }
  }, /too slow/);
  assert.equal(read, 1_000);
});
