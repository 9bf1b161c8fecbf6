// Latency distributions as HDR histograms (hdr-histogram-js): mergeable, so the percentile of
// any time range comes from the merge of its buckets' histograms, never from averaged
// percentiles. Values are recorded in microseconds with 2 significant digits: a reported
// percentile is within 1 % (relative) of the true one.
//
// Storage: a bucket row keeps only the non-zero HDR counts ("sparse": index·2^32 + count,
// ascending by HDR bucket index — what HDR's own encoding stores), plus a short buffer of
// values not yet folded in. Recording is a push; every FLUSH_AT values the buffer is mapped
// to HDR indices, sorted and merged in. Roll-ups are sorted-array merges. Queries load the
// sparse counts into a dense HDR histogram and read the percentiles from it.
import hdr, { type JsHistogram } from 'hdr-histogram-js';

/** Relative accuracy of every percentile the analytics report. */
export const HISTOGRAM_RELATIVE_ACCURACY = 0.01;
const SIGNIFICANT_DIGITS = 2;
/** One hour in µs: sizes dense arrays; larger values still fit (auto-resize). */
const HIGHEST_TRACKABLE_US = 3_600_000_000;
const TWO_32 = 2 ** 32;
const FLUSH_AT = 256;

export type DenseHistogram = JsHistogram;
/**
 * Non-zero HDR counts, each `index * 2^32 + count`, ascending by index. Never mutated once
 * built. A plain array, not a typed one: a typed array's fixed overhead is larger than most.
 */
export type SparseHistogram = readonly number[];

/** A row's histogram: folded counts plus values recorded since the last flush. */
export interface LatencyCell {
  sparse: SparseHistogram;
  pending: number[] | null;
}

export const EMPTY_SPARSE: SparseHistogram = Object.freeze([]);

export const toMicros = (ms: number): number => (ms > 0 ? Math.round(ms * 1000) : 0);

export const denseHistogram = (): DenseHistogram =>
  hdr.build({ bitBucketSize: 32, numberOfSignificantValueDigits: SIGNIFICANT_DIGITS, highestTrackableValue: HIGHEST_TRACKABLE_US }) as DenseHistogram;

/** Maps values to HDR bucket indices (the index depends only on precision, not on array size). */
const indexer = denseHistogram();

export const newCell = (sparse: SparseHistogram = EMPTY_SPARSE): LatencyCell => ({ sparse, pending: null });

export function recordMicros(cell: LatencyCell, us: number): void {
  if (cell.pending === null) cell.pending = [us];
  else if (cell.pending.push(us) >= FLUSH_AT) flush(cell);
}

/** Folds pending values into the sparse counts. Invisible to readers: same counts either way. */
export function flush(cell: LatencyCell): SparseHistogram {
  const pending = cell.pending;
  if (pending === null) return cell.sparse;
  const n = pending.length;
  const idx = new Int32Array(n);
  for (let k = 0; k < n; k++) idx[k] = indexer.countsArrayIndex(pending[k]!);
  idx.sort();
  const run: number[] = [];
  for (let k = 0; k < n; ) {
    let j = k + 1;
    while (j < n && idx[j] === idx[k]) j++;
    run.push(idx[k]! * TWO_32 + (j - k));
    k = j;
  }
  cell.pending = null;
  cell.sparse = mergeSparse(cell.sparse, run);
  return cell.sparse;
}

export const countOf = (h: SparseHistogram): number => {
  let n = 0;
  for (let i = 0; i < h.length; i++) n += h[i]! % TWO_32;
  return n;
};

/** The sum of two sparse histograms (inputs untouched; may return one of them). */
export function mergeSparse(a: SparseHistogram, b: SparseHistogram): SparseHistogram {
  if (b.length === 0) return a;
  if (a.length === 0) return b;
  const out: number[] = [];
  let i = 0, j = 0;
  while (i < a.length && j < b.length) {
    const ia = Math.floor(a[i]! / TWO_32), ib = Math.floor(b[j]! / TWO_32);
    if (ia === ib) out.push(a[i++]! + (b[j++]! % TWO_32));
    else if (ia < ib) out.push(a[i++]!);
    else out.push(b[j++]!);
  }
  while (i < a.length) out.push(a[i++]!);
  while (j < b.length) out.push(b[j++]!);
  return out;
}

/** Adds the counts of `cell` into the dense accumulator `into` (queries). */
export function addInto(into: DenseHistogram, cell: LatencyCell): void {
  const h = flush(cell);
  for (let k = 0; k < h.length; k++) {
    const v = h[k]!;
    into.recordValueWithCount(into.valueFromIndex(Math.floor(v / TWO_32)), v % TWO_32);
  }
}

/** Percentile `p` (0–100) in milliseconds; null for an empty histogram. */
export const percentileMs = (h: DenseHistogram, p: number): number | null =>
  h.totalCount === 0 ? null : h.getValueAtPercentile(p) / 1000;

/** Serializable form: [index, count, index, count, …]. */
export const sparseToJson = (h: SparseHistogram): number[] => {
  const out: number[] = new Array(h.length * 2);
  for (let k = 0; k < h.length; k++) {
    out[2 * k] = Math.floor(h[k]! / TWO_32);
    out[2 * k + 1] = h[k]! % TWO_32;
  }
  return out;
};

export const sparseFromJson = (pairs: readonly number[]): SparseHistogram => {
  const out: number[] = [];
  for (let k = 0; k < pairs.length; k += 2) out.push(pairs[k]! * TWO_32 + pairs[k + 1]!);
  return out;
};

const scratch = denseHistogram();
/** Percentile `p` (ms) of the merge of sparse histograms; null when they are all empty. */
export function sparsePercentileMs(parts: readonly SparseHistogram[], p: number): number | null {
  scratch.reset();
  for (const h of parts) addInto(scratch, newCell(h));
  return percentileMs(scratch, p);
}
