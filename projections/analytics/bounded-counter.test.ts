import assert from 'node:assert/strict';
import { test } from 'node:test';
import { countKey, createCounter, mergeCounter, topOf } from './bounded-counter.ts';

test('counts are exact under the cap', () => {
  const c = createCounter(10);
  for (const k of ['a', 'b', 'a', 'c', 'a']) countKey(c, k);
  assert.deepEqual(topOf([c], 2), { top: [{ key: 'a', count: 3 }, { key: 'b', count: 1 }], other: 1, total: 5 });
});

test('past the cap the rarest tenth folds into other, totals stay exact and heavy keys survive', () => {
  const c = createCounter(20);
  for (let i = 0; i < 30; i++) countKey(c, 'heavy');
  for (let i = 0; i < 200; i++) countKey(c, `rare-${i}`);
  assert.ok(c.entries.size <= 20);
  const r = topOf([c], 1);
  assert.deepEqual(r.top, [{ key: 'heavy', count: 30 }]);
  assert.equal(r.total, 230);
});

test('merging adds counts and other', () => {
  const a = createCounter(10);
  const b = createCounter(10);
  countKey(a, 'x', 2);
  countKey(b, 'x', 3);
  countKey(b, 'y');
  b.other = 4;
  mergeCounter(a, b);
  assert.deepEqual(topOf([a], 5), { top: [{ key: 'x', count: 5 }, { key: 'y', count: 1 }], other: 4, total: 10 });
});
