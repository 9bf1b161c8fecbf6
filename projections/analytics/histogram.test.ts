import assert from 'node:assert/strict';
import { test } from 'node:test';
import { addInto, countOf, denseHistogram, flush, mergeSparse, newCell, percentileMs, recordMicros, sparseFromJson, sparseToJson } from './histogram.ts';

const values = Array.from({ length: 5000 }, (_, i) => Math.round(100 + Math.exp((i % 997) / 90) * 37));

test('recording through cells gives exactly the HDR histogram of the same values', () => {
  const direct = denseHistogram();
  const cell = newCell();
  for (const v of values) {
    direct.recordValue(v);
    recordMicros(cell, v);
  }
  const viaCell = denseHistogram();
  addInto(viaCell, cell);
  assert.equal(viaCell.totalCount, values.length);
  for (const p of [1, 50, 90, 95, 99, 99.9, 100]) assert.equal(viaCell.getValueAtPercentile(p), direct.getValueAtPercentile(p), `p${p}`);
});

test('merging sparse histograms equals recording everything in one', () => {
  const a = newCell();
  const b = newCell();
  const both = newCell();
  values.forEach((v, i) => {
    recordMicros(i % 3 === 0 ? a : b, v);
    recordMicros(both, v);
  });
  const merged = mergeSparse(flush(a), flush(b));
  assert.deepEqual([...merged], [...flush(both)]);
  assert.equal(countOf(merged), values.length);
});

test('the JSON form round-trips and percentiles are in milliseconds', () => {
  const cell = newCell();
  for (let i = 1; i <= 100; i++) recordMicros(cell, i * 1000);
  const back = newCell(sparseFromJson(sparseToJson(flush(cell))));
  const h = denseHistogram();
  addInto(h, back);
  const p50 = percentileMs(h, 50)!;
  assert.ok(Math.abs(p50 - 50) <= 0.5 + 1e-9, `p50 ${p50}`);
  assert.equal(percentileMs(denseHistogram(), 50), null);
});
