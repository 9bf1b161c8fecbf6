// Batch folding of the log into a view (replay, rebuilds, benchmarks) and the comparison of two
// serialized views. Reads pages with readAll instead of a subscription: no tailing, no waiting.
import type { EventStore } from '../domain/ports.ts';
import '../domain/events.ts'; // registers the upcasters `upcast` applies
import { upcast } from '../domain/upcasting.ts';
import { diffFields, type FieldChange } from './audit/diff.ts';
import { toBytes, type Projection } from './projection.ts';

export interface FoldOptions {
  /** Exclusive start (the position the view already reflects); default 0. */
  after?: bigint;
  /** Inclusive end; default: everything in the log. */
  to?: bigint;
  batchSize?: number;
  /** Called after each page with the position reached and the events applied so far. */
  onProgress?(position: bigint, applied: number): void;
}

export interface FoldResult<View> {
  view: View;
  /** Position of the last event applied (`after` when none). */
  position: bigint;
  applied: number;
}

/** Applies the events after `options.after` up to `options.to` to `view`. */
export async function foldLog<View>(
  store: EventStore,
  projection: Projection<View>,
  view: View,
  options: FoldOptions = {},
): Promise<FoldResult<View>> {
  const batchSize = options.batchSize ?? 2_000;
  let position = options.after ?? 0n;
  let applied = 0;
  while (options.to === undefined || position < options.to) {
    const page = await store.readAll({ after: position, limit: batchSize });
    let done = page.length < batchSize;
    for (const raw of page) {
      if (options.to !== undefined && raw.globalPosition > options.to) {
        done = true;
        break;
      }
      view = projection.apply(view, upcast(raw));
      position = raw.globalPosition;
      applied++;
    }
    options.onProgress?.(position, applied);
    if (done) break;
  }
  return { view, position, applied };
}

/** A fresh view built from position 0. */
export const rebuildView = <View>(store: EventStore, projection: Projection<View>, options: Omit<FoldOptions, 'after'> = {}) =>
  foldLog(store, projection, projection.initialView(), { ...options, after: 0n });

export interface ViewDifference {
  /** First differing byte. */
  offset: number;
  expectedLength: number;
  actualLength: number;
  /** Text around the offset in each (UTF-8, control characters escaped). */
  expectedExcerpt: string;
  actualExcerpt: string;
  /** When both sides are JSON: the first differing field. */
  field?: FieldChange;
}

const excerpt = (b: Buffer, at: number): string =>
  JSON.stringify(b.subarray(Math.max(0, at - 40), at + 40).toString('utf8')).slice(1, -1);

function parseJson(b: Buffer): unknown {
  try {
    return JSON.parse(b.toString('utf8'));
  } catch {
    return undefined;
  }
}

/** undefined when both serializations are byte-identical. */
export function firstDifference(expected: string | Buffer, actual: string | Buffer): ViewDifference | undefined {
  const a = toBytes(expected);
  const b = toBytes(actual);
  if (a.equals(b)) return undefined;
  const n = Math.min(a.length, b.length);
  let offset = 0;
  while (offset < n && a[offset] === b[offset]) offset++;
  const ja = parseJson(a);
  const jb = parseJson(b);
  const field = ja !== undefined && jb !== undefined ? diffFields(ja, jb, 1)[0] : undefined;
  return {
    offset,
    expectedLength: a.length,
    actualLength: b.length,
    expectedExcerpt: excerpt(a, offset),
    actualExcerpt: excerpt(b, offset),
    ...(field ? { field } : {}),
  };
}
