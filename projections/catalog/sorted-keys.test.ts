import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { SortedKeys, lowerBound } from './sorted-keys.ts';

/** Deterministic pseudo-random integers (xorshift), so a failure replays. */
function numbers(seed: number) {
  let x = seed;
  return (below: number): number => {
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    return (x >>> 0) % below;
  };
}

const sortedCopy = (s: Iterable<string>) => [...s].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));

/** The keys `each` visits, from `from` on. */
function visited(keys: SortedKeys, from?: string, strict = false): string[] {
  const out: string[] = [];
  keys.each((k) => {
    out.push(k);
  }, from, strict);
  return out;
}

describe('SortedKeys', () => {
  test('matches a sorted reference set through thousands of random adds and deletes (chunks split and merge)', () => {
    const next = numbers(42);
    const keys = new SortedKeys();
    const reference = new Set<string>();
    for (let step = 0; step < 20_000; step++) {
      const key = `k${String(next(3000)).padStart(4, '0')}`;
      // Grow for a while, then shrink, so chunks both split and thin out.
      if (next(100) < (step < 12_000 ? 75 : 20)) {
        assert.equal(keys.add(key), !reference.has(key));
        reference.add(key);
      } else assert.equal(keys.delete(key), reference.delete(key));
      if (step % 997 === 0) assert.deepEqual(visited(keys), sortedCopy(reference));
    }
    assert.equal(keys.size, reference.size);
    assert.deepEqual(visited(keys), sortedCopy(reference));
    for (const probe of ['k0000', 'k1500', 'k15005', 'k2999', 'k9', '']) {
      assert.equal(keys.has(probe), reference.has(probe));
      const all = sortedCopy(reference);
      assert.deepEqual(visited(keys, probe), all.slice(lowerBound(all, probe)), `from ${probe}`);
      assert.deepEqual(visited(keys, probe, true), all.slice(lowerBound(all, probe, true)), `after ${probe}`);
    }
  });

  test('stays sorted when a thin chunk meets a crowded one, and empties completely', () => {
    const key = (n: number) => `k${String(n).padStart(6, '0')}`;
    const keys = SortedKeys.fromSorted(Array.from({ length: 768 }, (_, i) => key(i * 10))); // three chunks of 256
    const reference = new Set(visited(keys));
    const add = (k: string) => {
      assert.equal(keys.add(k), !reference.has(k));
      reference.add(k);
    };
    const remove = (k: string) => assert.equal(keys.delete(k), reference.delete(k));
    for (let i = 256; i < 506; i++) add(key(i * 10 + 5)); // crowd the second chunk (506 keys, no split yet)
    for (let i = 0; i < 129; i++) remove(key(i * 10)); // thin the first below a half: it absorbs the second
    assert.deepEqual(visited(keys), sortedCopy(reference));
    for (let i = 0; i < 3000; i++) add(key(i * 3 + 1)); // crowd everything (chunks split)
    for (let i = 0; i < 7680; i += 20) remove(key(i)); // thin every other region
    assert.deepEqual(visited(keys), sortedCopy(reference));
    for (const k of [...reference].reverse()) remove(k);
    assert.equal(keys.size, 0);
    assert.deepEqual(visited(keys), []);
    assert.equal(keys.add('again'), true);
    assert.deepEqual(visited(keys), ['again']);
  });

  test('fromSorted, then adds and deletes at both ends', () => {
    const initial = Array.from({ length: 1000 }, (_, i) => `m${String(i).padStart(4, '0')}`);
    const keys = SortedKeys.fromSorted(initial);
    assert.equal(keys.size, 1000);
    assert.equal(keys.add('a'), true);
    assert.equal(keys.add('z'), true);
    assert.equal(keys.add('z'), false, 'a key is held once');
    assert.equal(keys.delete('m0500'), true);
    assert.equal(keys.delete('m0500'), false);
    const all = visited(keys);
    assert.equal(all.length, 1001);
    assert.equal(all[0], 'a');
    assert.equal(all.at(-1), 'z');
    assert.deepEqual(visited(keys, 'm0499', true).slice(0, 2), ['m0501', 'm0502']);
    assert.deepEqual(visited(keys, 'zz'), []);
    const firstThree: string[] = [];
    keys.each((k) => {
      firstThree.push(k);
      return firstThree.length < 3;
    });
    assert.deepEqual(firstThree, ['a', 'm0000', 'm0001'], 'the walk stops when visit returns false');
    assert.deepEqual(visited(new SortedKeys(), 'a'), []);
  });
});
