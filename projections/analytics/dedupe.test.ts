import assert from 'node:assert/strict';
import { test } from 'node:test';
import { admit, advanceWindow, createDedupe, positionSeen } from './dedupe.ts';

const M = 60_000;

test('an id is new once per minute set, then a duplicate', () => {
  const d = createDedupe();
  assert.equal(admit(d, 'a', 0), 'new');
  assert.equal(admit(d, 'a', 0), 'duplicate');
  assert.equal(admit(d, 'b', 0), 'new');
  assert.equal(d.size, 2);
});

test('the window forgets old minutes and then refuses their facts as late', () => {
  const d = createDedupe();
  admit(d, 'a', 0);
  admit(d, 'b', 5 * M);
  advanceWindow(d, 6 * M, 2 * M, 100);
  assert.equal(d.floor, 4 * M);
  assert.equal(d.size, 1);
  assert.equal(admit(d, 'a', 0), 'late');
  assert.equal(admit(d, 'b', 5 * M), 'duplicate');
});

test('over the id cap the oldest minutes are shed (never the newest), shrinking the window', () => {
  const d = createDedupe();
  for (let m = 0; m < 5; m++) for (let i = 0; i < 10; i++) admit(d, `${m}-${i}`, m * M);
  advanceWindow(d, 5 * M, 60 * M, 25);
  assert.ok(d.size <= 25);
  assert.equal(d.floor, 3 * M);
  assert.equal(admit(d, '0-0', 0), 'late');
  assert.equal(admit(d, '4-0', 4 * M), 'duplicate');
  const one = createDedupe();
  for (let i = 0; i < 10; i++) admit(one, `x${i}`, 0);
  advanceWindow(one, 0, M, 5);
  assert.equal(one.size, 10, 'the only (newest) minute is kept');
});

test('a minute that arrives out of order still sheds oldest-first', () => {
  const d = createDedupe();
  admit(d, 'late-minute', 5 * M);
  admit(d, 'early-minute', 1 * M);
  assert.deepEqual([...d.byMinute.keys()], [1 * M, 5 * M]);
});

test('positions: an offset at or below the last applied one of its partition is seen', () => {
  const d = createDedupe();
  assert.equal(positionSeen(d, 'p0', 5n), false);
  assert.equal(positionSeen(d, 'p0', 5n), true);
  assert.equal(positionSeen(d, 'p0', 3n), true);
  assert.equal(positionSeen(d, 'p1', 3n), false);
  assert.equal(positionSeen(d, 'p0', 6n), false);
});
