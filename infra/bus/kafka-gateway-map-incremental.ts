// The gateway map's changelog records, kept up to date from the keys that changed instead of
// re-cut from the whole snapshot on every publish. The view's entity maps are swapped for maps
// that note every key read, written or deleted (the projection mutates some entities in place,
// after a `get`), so a publish serializes only the entities behind those keys and rewrites only
// their buckets, joining the pair texts it keeps per bucket. The records come out byte-identical
// to a full cut (kafka-gateway-map-incremental.test.ts); a full cut is still made on the first
// publish, when the view or one of its maps was replaced, when a bucket count must change, after
// a failed send, and when the kept records disagree with the view (logged).
import type { GatewayMapView } from '../../projections/gateway-map/view.ts';
import { SNAPSHOT_ENTITY_FIELDS, snapshotScalars, type SnapshotEntityField, type SnapshotSource } from '../../projections/gateway-map/snapshot-entities.ts';
import { errorMessage, type BusLogger } from './kafka-client.ts';
import { SCALARS_KEY, bucketCount, bucketKey, bucketOf, bucketValue, cutSnapshot, diffEntries, type ChangelogLayout } from './kafka-gateway-map-format.ts';
import { TrackingMap } from '../tracking-map.ts';

/** A Map that notes the keys it was asked for, given or lost since the publisher last looked. */
interface TrackedSource {
  source: SnapshotSource;
  map: TrackingMap<unknown>;
}

interface FieldState {
  spec: SnapshotEntityField;
  buckets: number;
  bytes: number;
  size: number;
  /** Per bucket: snapshot key → the pair's JSON text, as last cut. */
  texts: Map<string, string>[];
  /** Keys per group, for fields whose groups hold several keys (subscriptions by application). */
  groups: Map<string, Set<string>> | null;
  tracked: TrackedSource[];
}

interface CutterState {
  view: GatewayMapView;
  layout: ChangelogLayout;
  fields: FieldState[];
}

/** The records to write: key → value, null for a tombstone. */
export interface GatewayMapCut {
  layout: ChangelogLayout;
  changes: Map<string, string | null>;
  mode: 'full' | 'incremental';
  /** Why a full cut was made. */
  reason?: string;
}

export interface GatewayMapCutter {
  /**
   * The records that take `published` (what the changelog holds, cut in `layout`) to `view`.
   * `recut` forces a full cut and says why.
   */
  cut(view: GatewayMapView, published: ReadonlyMap<string, string>, layout: ChangelogLayout | undefined, recut?: string): GatewayMapCut;
  /** Forget the kept records (their send failed): the next cut is a full one. */
  invalidate(): void;
}

export interface GatewayMapCutterOptions {
  projection: { name: string; version: number; serialize(view: GatewayMapView): unknown };
  logger: BusLogger;
  /** false: always cut the whole snapshot (the kept records and the view's tracking maps are not used). */
  incremental?: boolean;
}

/** Pairs per field compared against the fields' own serialization after each full cut. */
const SPOT_CHECKS = 4;

const pairText = (pair: [string, unknown]): string => JSON.stringify(pair);

export function createGatewayMapCutter(options: GatewayMapCutterOptions): GatewayMapCutter {
  const { projection, logger } = options;
  let incremental = options.incremental !== false;
  let state: CutterState | null = null;

  function full(view: GatewayMapView, published: ReadonlyMap<string, string>, layout: ChangelogLayout | undefined, reason: string): GatewayMapCut {
    state = null;
    // Tracking starts before the snapshot is taken: nothing runs in between, so no change is missed.
    const tracked = incremental ? track(view) : null;
    const cut = cutSnapshot(projection.serialize(view) as string, projection, layout);
    const changes = new Map<string, string | null>();
    for (const e of diffEntries(published, cut.entries, 0n)) changes.set(e.key, e.value as string | null);
    if (tracked) {
      try {
        state = keep(view, cut, tracked);
        forgetTouched(state); // the checks above read a few keys
      } catch (e) {
        incremental = false;
        logger.warn({ err: errorMessage(e) }, 'gateway map changelog: the snapshot and its entity fields disagree; every publish re-cuts the whole map');
      }
    }
    return { layout: cut.layout, changes, mode: 'full', reason };
  }

  /** The kept records of a full cut; throws when the entity fields would not write the same bytes. */
  function keep(view: GatewayMapView, cut: ReturnType<typeof cutSnapshot>, tracked: Map<string, TrackedSource[]>): CutterState {
    const names = cut.fields.map((f) => f.name).join();
    const expected = SNAPSHOT_ENTITY_FIELDS.map((f) => f.name).join();
    if (names !== expected) throw new Error(`snapshot entity maps ${names}, entity fields ${expected}`);
    const scalars = JSON.stringify(snapshotScalars(view));
    if (scalars !== cut.entries.get(SCALARS_KEY)) throw new Error(`snapshot scalars ${cut.entries.get(SCALARS_KEY) ?? ''}, entity fields ${scalars}`);
    const fields = cut.fields.map((f, i): FieldState => {
      const spec = SNAPSHOT_ENTITY_FIELDS[i]!;
      const groups = spec.grouped ? new Map<string, Set<string>>() : null;
      let checked = 0;
      const texts = f.lists.map((list) => {
        const m = new Map<string, string>();
        for (const p of list) {
          m.set(p.key, p.text);
          if (groups) addToGroup(groups, spec.groupOf(p.key), p.key);
          if (checked < SPOT_CHECKS) {
            checked++;
            const own = spec.entries(view, spec.groupOf(p.key)).find(([k]) => k === p.key);
            if (own === undefined || pairText(own) !== p.text) throw new Error(`${spec.name} ${JSON.stringify(p.key)}: snapshot ${p.text}, entity field ${own ? pairText(own) : 'nothing'}`);
          }
        }
        return m;
      });
      const size = texts.reduce((n, m) => n + m.size, 0);
      return { spec, buckets: f.buckets, bytes: f.bytes, size, texts, groups, tracked: tracked.get(spec.name)! };
    });
    return { view, layout: cut.layout, fields };
  }

  /** Applies what the tracked keys say changed; returns a reason for a full cut instead, if any. */
  function update(s: CutterState, view: GatewayMapView, dirty: Map<FieldState, Set<number>>): string | undefined {
    if (view !== s.view) return 'the view was replaced';
    for (const field of s.fields) {
      if (field.tracked.some((t) => t.source.holder[t.source.property] !== t.map)) return `the view's ${field.spec.name} map was replaced`;
    }
    for (const field of s.fields) {
      const groups = new Set<string>();
      for (const { source, map } of field.tracked) {
        for (const key of map.touched) groups.add(source.group(key));
      }
      const changed = new Set<number>();
      for (const group of groups) {
        const now = new Map<string, string>();
        for (const pair of field.spec.entries(view, group)) now.set(pair[0], pairText(pair));
        const keys = new Set(now.keys());
        if (field.groups) for (const key of field.groups.get(group) ?? []) keys.add(key);
        else keys.add(group);
        for (const key of keys) {
          const n = bucketOf(key, field.buckets);
          const before = field.texts[n]!.get(key);
          const after = now.get(key);
          if (before === after) continue;
          changed.add(n);
          if (before !== undefined) {
            field.bytes -= before.length + 1;
            field.size--;
          }
          if (after === undefined) {
            field.texts[n]!.delete(key);
            if (field.groups) removeFromGroup(field.groups, group, key);
            continue;
          }
          field.bytes += after.length + 1;
          field.size++;
          field.texts[n]!.set(key, after);
          if (field.groups) addToGroup(field.groups, group, key);
        }
      }
      if (changed.size === 0) continue;
      if (bucketCount(field.bytes, field.buckets) !== field.buckets) return `${field.spec.name} needs another bucket count`;
      dirty.set(field, changed);
    }
    for (const field of s.fields) {
      const size = field.spec.size(view);
      if (size !== field.size) {
        logger.warn({ field: field.spec.name, kept: field.size, view: size }, 'gateway map changelog: the kept records disagree with the view; re-cutting the whole map');
        return `${field.spec.name}: ${field.size} kept, ${size} in the view`;
      }
    }
    // Only now: reading the entities above noted their keys again.
    forgetTouched(s);
    return undefined;
  }

  return {
    cut(view, published, layout, recut) {
      if (!incremental) return full(view, published, layout, recut ?? 'incremental publishing is off');
      if (recut !== undefined || state === null) return full(view, published, layout, recut ?? 'first publish');
      const s = state;
      const dirty = new Map<FieldState, Set<number>>();
      const reason = update(s, view, dirty);
      if (reason !== undefined) return full(view, published, layout, reason);
      const changes = new Map<string, string | null>();
      for (const [field, buckets] of dirty) {
        for (const n of buckets) {
          const key = bucketKey(field.spec.name, n);
          const texts = field.texts[n]!;
          const value = texts.size === 0 ? null : bucketValue([...texts.keys()].sort().map((k) => texts.get(k)!));
          if (value !== (published.get(key) ?? null)) changes.set(key, value);
        }
      }
      const scalars = JSON.stringify(snapshotScalars(view));
      if (scalars !== published.get(SCALARS_KEY)) changes.set(SCALARS_KEY, scalars);
      return { layout: s.layout, changes, mode: 'incremental' };
    },
    invalidate() {
      state = null;
    },
  };
}

function forgetTouched(s: CutterState): void {
  for (const field of s.fields) for (const { map } of field.tracked) map.touched.clear();
}

/** Swaps the view's entity maps for tracking ones (fresh ones every time: no stale keys). */
function track(view: GatewayMapView): Map<string, TrackedSource[]> {
  const out = new Map<string, TrackedSource[]>();
  for (const spec of SNAPSHOT_ENTITY_FIELDS) {
    out.set(spec.name, spec.sources(view).map((source) => {
      const map = new TrackingMap<unknown>(source.holder[source.property] as Map<string, unknown>, { reads: true });
      source.holder[source.property] = map;
      return { source, map };
    }));
  }
  return out;
}

function addToGroup(groups: Map<string, Set<string>>, group: string, key: string): void {
  let keys = groups.get(group);
  if (keys === undefined) groups.set(group, (keys = new Set()));
  keys.add(key);
}

function removeFromGroup(groups: Map<string, Set<string>>, group: string, key: string): void {
  const keys = groups.get(group);
  if (keys === undefined) return;
  keys.delete(key);
  if (keys.size === 0) groups.delete(group);
}
