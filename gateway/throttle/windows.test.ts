import assert from 'node:assert/strict';
import { test } from 'node:test';
import { windowAt, type Window } from './windows.ts';

const w = (unit: Parameters<typeof windowAt>[0], n: number, iso: string): [string, string] => {
  const out: Window = { start: 0, end: 0 };
  windowAt(unit, n, Date.parse(iso), out);
  return [new Date(out.start).toISOString(), new Date(out.end).toISOString()];
};

test('fixed wall-clock windows, not sliding ones', () => {
  assert.deepEqual(w('MIN', 1, '2026-03-04T10:15:59.999Z'), ['2026-03-04T10:15:00.000Z', '2026-03-04T10:16:00.000Z']);
  assert.deepEqual(w('MIN', 1, '2026-03-04T10:16:00.000Z'), ['2026-03-04T10:16:00.000Z', '2026-03-04T10:17:00.000Z']);
  assert.deepEqual(w('SEC', 1, '2026-03-04T10:15:07.250Z'), ['2026-03-04T10:15:07.000Z', '2026-03-04T10:15:08.000Z']);
  assert.deepEqual(w('MIN', 5, '2026-03-04T10:17:30.000Z'), ['2026-03-04T10:15:00.000Z', '2026-03-04T10:20:00.000Z']);
  assert.deepEqual(w('HOUR', 1, '2026-03-04T10:17:30.000Z'), ['2026-03-04T10:00:00.000Z', '2026-03-04T11:00:00.000Z']);
  assert.deepEqual(w('DAY', 1, '2026-03-04T23:59:59.000Z'), ['2026-03-04T00:00:00.000Z', '2026-03-05T00:00:00.000Z']);
});

test('weeks start on Monday; months and years follow the calendar', () => {
  assert.deepEqual(w('WEEK', 1, '2026-03-04T10:00:00.000Z'), ['2026-03-02T00:00:00.000Z', '2026-03-09T00:00:00.000Z']);
  assert.deepEqual(w('MONTH', 1, '2026-02-28T10:00:00.000Z'), ['2026-02-01T00:00:00.000Z', '2026-03-01T00:00:00.000Z']);
  assert.deepEqual(w('MONTH', 3, '2026-05-10T10:00:00.000Z'), ['2026-04-01T00:00:00.000Z', '2026-07-01T00:00:00.000Z']);
  assert.deepEqual(w('YEAR', 1, '2026-12-31T23:00:00.000Z'), ['2026-01-01T00:00:00.000Z', '2027-01-01T00:00:00.000Z']);
});
