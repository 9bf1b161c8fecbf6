import assert from 'node:assert/strict';
import { test } from 'node:test';
import { WindowCounters } from './counters.ts';
import { ThrottleDecisions } from './decisions.ts';

test('a counter counts within its window and starts over in the next one', () => {
  const c = new WindowCounters();
  c.add('k', 0, 60_000, 1);
  c.add('k', 0, 60_000, 1);
  assert.equal(c.used('k', 0), 2);
  assert.equal(c.used('k', 60_000), 0, 'a later window sees nothing');
  c.add('k', 60_000, 120_000, 1);
  assert.equal(c.used('k', 60_000), 1);
  assert.equal(c.used('other', 0), 0);
});

test('sweep drops counters of ended windows only', () => {
  const c = new WindowCounters();
  c.add('old', 0, 1_000, 1);
  c.add('live', 0, 5_000, 1);
  c.sweep(2_000);
  assert.equal(c.size, 1);
  assert.equal(c.used('live', 0), 1);
});

test('decisions hold a key until they expire or are lifted', () => {
  const d = new ThrottleDecisions();
  d.apply({ throttleKey: 'k', throttledUntil: 5_000 });
  assert.equal(d.throttledUntil('k', 1_000), 5_000);
  assert.equal(d.throttledUntil('x', 1_000), 0);
  assert.equal(d.throttledUntil('k', 5_000), 0, 'expired');
  assert.equal(d.size, 0, 'an expired decision is forgotten');
  d.apply({ throttleKey: 'k', throttledUntil: 9_000 });
  d.apply({ throttleKey: 'k', throttledUntil: 0 });
  assert.equal(d.throttledUntil('k', 1_000), 0, 'lifted');
  d.apply({ throttleKey: 'never-asked', throttledUntil: 2_000 });
  d.sweep(2_000);
  assert.equal(d.size, 0, 'expired decisions nobody asked about are swept');
});
