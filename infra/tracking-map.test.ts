import assert from 'node:assert/strict';
import { test } from 'node:test';
import { TrackingMap } from './tracking-map.ts';

test('writes are noted, the initial entries are not; reads only when asked', () => {
  const writes = new TrackingMap<number>([['a', 1], ['b', 2]]);
  assert.deepEqual([...writes.touched], [], 'filling it at construction is not a change');
  writes.get('a');
  writes.set('c', 3);
  writes.delete('b');
  assert.deepEqual([...writes.touched].sort(), ['b', 'c']);
  writes.clear();
  assert.deepEqual([...writes.touched].sort(), ['a', 'b', 'c']);

  const reads = new TrackingMap<number>([['a', 1]], { reads: true });
  assert.equal(reads.get('a'), 1);
  assert.equal(reads.get('zz'), undefined);
  assert.deepEqual([...reads.touched].sort(), ['a', 'zz']);
});
