// Latency distributions as HDR histograms (hdr-histogram-js): mergeable, so the percentile of
// any time range comes from the merge of its buckets' histograms, never from averaged
// percentiles. Values are recorded in microseconds with 2 significant digits: a reported
// percentile is within 1 % (relative) of the true one.
//
// Open minutes record into dense HDR histograms (fast, ≈14 KB each, pooled). Sealed buckets
// keep only the non-zero HDR counts ("sparse": index·2^32 + count, sorted by index), which is
// what HDR's own encoding stores; merging is then a sorted-array merge, and a query loads
// the sparse counts back into a dense HDR histogram to read percentiles.
import hdr, { type JsHistogram } from 'hdr-histogram-js';

/** Relative accuracy of every percentile the analytics report. */
export const HISTOGRAM_RELATIVE_ACCURACY = 0.01;
const SIGNIFICANT_DIGITS = 2;
/** One hour in µs: sizes the arrays; larger values still fit (auto-resize). */
const HIGHEST_TRACKABLE_US = 3_600_000_000;
const TWO_32 = 2 ** 32;

export type DenseHistogram = JsHistogram;
/** Non-zero HDR counts, each `index * 2^32 + count`, ascending by index. */
export type SparseHistogram = Float64Array;
export type LatencyHistogram = DenseHistogram | SparseHistogram;

export const EMPTY_SPARSE: SparseHistogram = new Float64Array(0);

export const toMicros = (ms: number): number => (ms > 0 ? Math.round(ms * 1000) : 0);

const build = (bitBucketSize: 32 | 'packed'): DenseHistogram =>
  hdr.build({ bitBucketSize, numberOfSignificantValueDigits: SIGNIFICANT_DIGITS, highestTrackableValue: HIGHEST_TRACKABLE_US }) as DenseHistogram;

export const denseHistogram = (): DenseHistogram => build(32);

export const isSparse = (h: LatencyHistogram): h is SparseHistogram => h instanceof Float64Array;

export const countOf = (h: LatencyHistogram): number => {
  if (!isSparse(h)) return h.totalCount;
  let n = 0;
  for (let i = 0; i < h.length; i++) n += h[i]! % TWO_32;
  return n;
};

export function sparseOf(h: LatencyHistogram): SparseHistogram {
  if (isSparse(h)) return h;
  if (h.totalCount === 0) return EMPTY_SPARSE;
  const out: number[] = [];
  const last = h.countsArrayIndex(h.maxValue);
  for (let i = 0; i <= last; i++) {
    const c = h.getCountAtIndex(i);
    if (c > 0) out.push(i * TWO_32 + c);
  }
  return Float64Array.from(out);
}

/** The sum of two sparse histograms (a new array; inputs untouched). */
export function mergeSparse(a: SparseHistogram, b: SparseHistogram): SparseHistogram {
  if (b.length === 0) return a;
  if (a.length === 0) return b;
  const out = new Float64Array(a.length + b.length);
  let i = 0, j = 0, n = 0;
  while (i < a.length && j < b.length) {
    const ia = Math.floor(a[i]! / TWO_32), ib = Math.floor(b[j]! / TWO_32);
    if (ia === ib) out[n++] = a[i++]! + (b[j++]! % TWO_32);
    else if (ia < ib) out[n++] = a[i++]!;
    else out[n++] = b[j++]!;
  }
  while (i < a.length) out[n++] = a[i++]!;
  while (j < b.length) out[n++] = b[j++]!;
  return n === out.length ? out : out.slice(0, n);
}

/** Adds `h` into the dense accumulator `into` (queries). */
export function addInto(into: DenseHistogram, h: LatencyHistogram): void {
  if (!isSparse(h)) {
    if (h.totalCount > 0) into.add(h);
    return;
  }
  for (let k = 0; k < h.length; k++) {
    const v = h[k]!;
    const index = Math.floor(v / TWO_32);
    into.recordValueWithCount(into.valueFromIndex(index), v % TWO_32);
  }
}

const scratch = denseHistogram();
/** One value added to a sparse histogram (late facts for sealed buckets: rare). */
export function recordSparse(h: SparseHistogram, valueUs: number): SparseHistogram {
  const index = scratch.countsArrayIndex(valueUs);
  return mergeSparse(h, Float64Array.of(index * TWO_32 + 1));
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
  const out = new Float64Array(pairs.length / 2);
  for (let k = 0; k < out.length; k++) out[k] = pairs[2 * k]! * TWO_32 + pairs[2 * k + 1]!;
  return out;
};

/**
 * A bounded pool of dense histograms for open rows. Sealing turns one into its sparse form and
 * returns it to the pool; past `capacity`, open rows get packed HDR histograms (smaller, slower).
 * Which kind a row had never changes a count or a percentile.
 */
export interface HistogramPool {
  acquire(): DenseHistogram;
  /** The sparse form of `h`, after which `h` is reset and reusable. */
  seal(h: DenseHistogram): SparseHistogram;
  readonly denseInUse: number;
}

export function createHistogramPool(capacity: number): HistogramPool {
  const free: DenseHistogram[] = [];
  const pooled = new WeakSet<DenseHistogram>();
  let inUse = 0;
  return {
    acquire() {
      if (inUse >= capacity) return build('packed');
      inUse++;
      const h = free.pop() ?? denseHistogram();
      pooled.add(h);
      return h;
    },
    seal(h) {
      const sparse = sparseOf(h);
      if (pooled.has(h)) {
        h.reset();
        pooled.delete(h);
        free.push(h);
        inUse--;
      }
      return sparse;
    },
    get denseInUse() {
      return inUse;
    },
  };
}
