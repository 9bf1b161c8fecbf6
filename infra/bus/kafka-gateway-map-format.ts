// The record layout of the gatehouse.gateway-map changelog (format 2). The projection's
// deterministic snapshot is cut into a few hundred records rather than one per entity: each
// entity map is spread over a power-of-two number of hash buckets (key `{field}#{n}`, value the
// JSON list of the bucket's [key, value] pairs in key order), the scalars travel together in
// `$scalars`, the layout itself in `$schema`. A change rewrites only its bucket; a cold start
// reads a few hundred values and splices them into the snapshot bytes without parsing them.
import type { ChangelogEntry } from './kafka-changelog.ts';

/** Format 1 was one record per entity (`{field}/{id}`, `${scalar}`); its `$schema` had no `format`. */
export const CHANGELOG_FORMAT = 2;
export const SCHEMA_KEY = '$schema';
export const SCALARS_KEY = '$scalars';
/** Average bucket a map's bucket count aims at: small rewrites, few records, far below Kafka's 1 MB. */
export const BUCKET_TARGET_BYTES = 64 * 1024;
const MAX_BUCKETS = 1 << 16;

export interface ChangelogLayout {
  format: number;
  projection: string;
  version: number;
  /** Snapshot fields in their order: an entity map over `buckets` records, or a scalar (`buckets` null). */
  fields: { name: string; buckets: number | null }[];
}

/** The changelog was written in a layout this code does not read (an older or newer control plane). */
export class ChangelogFormatError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ChangelogFormatError';
  }
}

/** FNV-1a over the key's UTF-16 units: stable across processes and versions, cheap. */
export function bucketOf(key: string, buckets: number): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < key.length; i++) h = Math.imul(h ^ key.charCodeAt(i), 0x01000193);
  return (h >>> 0) & (buckets - 1);
}

/**
 * Buckets for a map of `bytes`: the power of two that keeps the average near the target. An
 * existing count is kept until the average leaves [target/4, 2·target], so a map near a
 * boundary does not rewrite all its buckets back and forth.
 */
export function bucketCount(bytes: number, previous?: number): number {
  if (previous !== undefined && bytes <= previous * BUCKET_TARGET_BYTES * 2 && bytes * 4 >= previous * BUCKET_TARGET_BYTES) return previous;
  let n = 1;
  while (n * BUCKET_TARGET_BYTES < bytes && n < MAX_BUCKETS) n *= 2;
  return n;
}

export interface ChangelogState {
  layout: ChangelogLayout;
  /** Record key → JSON value. Empty buckets have no record. */
  entries: Map<string, string>;
}

/**
 * The records of a serialized snapshot (`position` travels on the changelog's markers).
 * `previous` is the layout last published: its bucket counts are kept while they still fit.
 */
export function changelogOfSnapshot(serialized: string, projection: { name: string; version: number }, previous?: ChangelogLayout): ChangelogState {
  const { layout, entries } = cutSnapshot(serialized, projection, previous);
  return { layout, entries };
}

/** One entity map of a cut snapshot: its pairs' text per bucket, in key order. */
export interface CutField {
  name: string;
  buckets: number;
  /** Sum over the pairs of their text's length + 1 (what bucketCount is given). */
  bytes: number;
  lists: { key: string; text: string }[][];
}

/** changelogOfSnapshot, with the pairs of every bucket (what an incremental publisher starts from). */
export function cutSnapshot(serialized: string, projection: { name: string; version: number }, previous?: ChangelogLayout): ChangelogState & { fields: CutField[] } {
  const layout: ChangelogLayout = { format: CHANGELOG_FORMAT, projection: projection.name, version: projection.version, fields: [] };
  const entries = new Map<string, string>();
  const fields: CutField[] = [];
  const scalars: Record<string, unknown> = {};
  const before = new Map(previous?.format === CHANGELOG_FORMAT ? previous.fields.map((f) => [f.name, f.buckets]) : []);
  for (const field of scanSnapshot(serialized)) {
    if (field.name === 'position') continue;
    if (field.pairs === null) {
      layout.fields.push({ name: field.name, buckets: null });
      scalars[field.name] = JSON.parse(field.text);
      continue;
    }
    let bytes = 0;
    for (const pair of field.pairs) bytes += pair.text.length + 1;
    const buckets = bucketCount(bytes, before.get(field.name) ?? undefined);
    layout.fields.push({ name: field.name, buckets });
    const lists: { key: string; text: string }[][] = Array.from({ length: buckets }, () => []);
    // The snapshot lists each map sorted by key, so every bucket comes out sorted too.
    for (const pair of field.pairs) lists[bucketOf(pair.key, buckets)]!.push(pair);
    lists.forEach((list, n) => {
      if (list.length > 0) entries.set(bucketKey(field.name, n), bucketValue(list.map((p) => p.text)));
    });
    fields.push({ name: field.name, buckets, bytes, lists });
  }
  entries.set(SCALARS_KEY, JSON.stringify(scalars));
  entries.set(SCHEMA_KEY, JSON.stringify(layout));
  return { layout, entries, fields };
}

/** The record key of bucket `n` of an entity map. */
export const bucketKey = (field: string, n: number): string => `${field}#${n}`;

/** A bucket's record value: its pairs' text, in key order. */
export const bucketValue = (texts: string[]): string => `[${texts.join(',')}]`;

interface ScannedField {
  name: string;
  /** The map's [key, value] pairs as their JSON text, or null for a scalar. */
  pairs: { key: string; text: string }[] | null;
  /** A scalar's JSON text. */
  text: string;
}

/**
 * The top-level fields of a compact JSON snapshot (as JSON.stringify writes it), each map cut
 * into its pairs' text without parsing the values: a full re-cut of 100k entities (the publisher's
 * first one, or after a layout change) cost twice this scan when it parsed and re-stringified.
 */
export function scanSnapshot(json: string): ScannedField[] {
  const fields: ScannedField[] = [];
  const fail = (at: number, what: string): never => {
    throw new Error(`snapshot is not compact JSON at ${at}: ${what}`);
  };
  if (json.charCodeAt(0) !== 123 /* { */) fail(0, 'not an object');
  let i = 1;
  while (json.charCodeAt(i) !== 125 /* } */) {
    if (fields.length > 0) {
      if (json.charCodeAt(i) !== 44 /* , */) fail(i, 'expected ,');
      i++;
    }
    if (json.charCodeAt(i) !== 34 /* " */) fail(i, 'expected "name":');
    const nameEnd = endOfString(json, i);
    const name = JSON.parse(json.slice(i, nameEnd)) as string;
    if (json.charCodeAt(nameEnd) !== 58 /* : */) fail(i, 'expected "name":');
    i = nameEnd + 1;
    const end = endOfValue(json, i);
    if (json.charCodeAt(i) !== 91 /* [ */) {
      fields.push({ name, pairs: null, text: json.slice(i, end) });
      i = end;
      continue;
    }
    const pairs: { key: string; text: string }[] = [];
    let j = i + 1;
    while (j < end - 1) {
      if (pairs.length > 0) j++; // the , between pairs
      const pairEnd = endOfValue(json, j);
      const keyEnd = json.charCodeAt(j + 1) === 34 /* " */ ? endOfValue(json, j + 1) : -1;
      if (json.charCodeAt(j) !== 91 || keyEnd < 0 || json.charCodeAt(keyEnd) !== 44 || pairEnd > end - 1) {
        throw new Error(`snapshot field ${name} is not a list of [key, value] pairs`);
      }
      pairs.push({ key: JSON.parse(json.slice(j + 1, keyEnd)) as string, text: json.slice(j, pairEnd) });
      j = pairEnd;
    }
    fields.push({ name, pairs, text: '' });
    i = end;
  }
  return fields;
}

/** Index just past the JSON value starting at `i` (compact JSON: no whitespace). */
function endOfValue(json: string, i: number): number {
  const c = json.charCodeAt(i);
  if (c === 34) return endOfString(json, i);
  if (c === 123 || c === 91) {
    let depth = 1;
    let j = i + 1;
    while (depth > 0) {
      if (j >= json.length) throw new Error(`snapshot is not compact JSON at ${i}: unterminated`);
      const d = json.charCodeAt(j);
      if (d === 34) {
        j = endOfString(json, j);
        continue;
      }
      if (d === 123 || d === 91) depth++;
      else if (d === 125 || d === 93) depth--;
      j++;
    }
    return j;
  }
  let j = i;
  for (let d = json.charCodeAt(j); j < json.length && d !== 44 && d !== 125 && d !== 93; d = json.charCodeAt(++j));
  if (j === i) throw new Error(`snapshot is not compact JSON at ${i}: expected a value`);
  return j;
}

/** Index just past the string whose opening quote is at `i`. */
function endOfString(json: string, i: number): number {
  let j = i + 1;
  for (;;) {
    const quote = json.indexOf('"', j);
    if (quote < 0) throw new Error(`snapshot is not compact JSON at ${i}: unterminated string`);
    let backslashes = 0;
    while (json.charCodeAt(quote - 1 - backslashes) === 92) backslashes++;
    if (backslashes % 2 === 0) return quote + 1;
    j = quote + 1;
  }
}

const text = (v: string | Buffer): string => (typeof v === 'string' ? v : v.toString('utf8'));

/** The layout the records were written in; throws ChangelogFormatError for any other format. */
export function layoutOf(entries: ReadonlyMap<string, string | Buffer>): ChangelogLayout {
  const value = entries.get(SCHEMA_KEY);
  if (value === undefined) throw new ChangelogFormatError('the changelog has records but no $schema record');
  const layout = JSON.parse(text(value)) as Partial<ChangelogLayout>;
  const format = layout.format ?? 1;
  if (format !== CHANGELOG_FORMAT || !Array.isArray(layout.fields)) {
    throw new ChangelogFormatError(`the changelog is in format ${format} (${format === 1 ? 'one record per entity, written by an older control plane' : 'unknown here'}); this version reads format ${CHANGELOG_FORMAT} and the control plane's publisher rewrites it on start`);
  }
  return layout as ChangelogLayout;
}

/**
 * The serialized snapshot at `position` again, as bytes: bucket values are spliced in, never
 * parsed. Maps come out grouped by bucket rather than sorted; the projection's deserialize
 * does not care and its serialize sorts again.
 */
export function snapshotOfChangelog(entries: ReadonlyMap<string, string | Buffer>, position: bigint): { data: Buffer; layout: ChangelogLayout } {
  const layout = layoutOf(entries);
  const buckets = new Map<string, (Buffer | undefined)[]>();
  for (const f of layout.fields) if (f.buckets !== null) buckets.set(f.name, new Array<Buffer | undefined>(f.buckets));
  let scalars: Record<string, unknown> = {};
  for (const [key, value] of entries) {
    if (key === SCHEMA_KEY) continue;
    if (key === SCALARS_KEY) {
      scalars = JSON.parse(text(value)) as Record<string, unknown>;
      continue;
    }
    const hash = key.lastIndexOf('#');
    const list = hash > 0 ? buckets.get(key.slice(0, hash)) : undefined;
    const n = Number(key.slice(hash + 1));
    if (!list || !Number.isInteger(n) || n < 0 || n >= list.length) {
      throw new ChangelogFormatError(`changelog record ${JSON.stringify(key)} is no bucket of the format ${CHANGELOG_FORMAT} layout`);
    }
    list[n] = typeof value === 'string' ? Buffer.from(value, 'utf8') : value;
  }
  const parts: Buffer[] = [Buffer.from(`{"position":${JSON.stringify(position.toString())}`)];
  for (const f of layout.fields) {
    if (f.buckets === null) {
      if (f.name in scalars) parts.push(Buffer.from(`,${JSON.stringify(f.name)}:${JSON.stringify(scalars[f.name])}`));
      continue;
    }
    parts.push(Buffer.from(`,${JSON.stringify(f.name)}:[`));
    let first = true;
    for (const value of buckets.get(f.name)!) {
      if (value === undefined || value.length <= 2) continue;
      if (!first) parts.push(COMMA);
      parts.push(value.subarray(1, value.length - 1)); // the bucket's list without its brackets
      first = false;
    }
    parts.push(CLOSE_LIST);
  }
  parts.push(CLOSE_OBJECT);
  return { data: Buffer.concat(parts), layout };
}

const COMMA = Buffer.from(',');
const CLOSE_LIST = Buffer.from(']');
const CLOSE_OBJECT = Buffer.from('}');

/** The records to publish to go from `previous` to `next` (tombstones for keys that went away). */
export function diffEntries(previous: ReadonlyMap<string, string>, next: ReadonlyMap<string, string>, position: bigint): ChangelogEntry[] {
  const out: ChangelogEntry[] = [];
  for (const [key, value] of next) if (previous.get(key) !== value) out.push({ key, value, position });
  for (const key of previous.keys()) if (!next.has(key)) out.push({ key, value: null, position });
  return out;
}
