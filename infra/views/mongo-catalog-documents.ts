// The catalog as documents in MongoDB: one collection per kind of record users query, each
// document the catalog projection's own record as of the log position that last changed it.
// What an event changed is not worked out again here: the in-memory catalog that feeds the
// documents has its record maps replaced by maps that note every key the projection's `apply`
// sets or deletes (records are replaced, never mutated, so a set is a change).
// Never written: `clients` (consumer-secret hashes), revoked token ids, the default-version
// index; records carry no secret (password hashes live in the credential store).
import type { Db, Document } from 'mongodb';
import type { EventStore, RecordedEvent } from '../../domain/ports.ts';
import '../../domain/events.ts'; // registers the upcasters `upcast` applies
import { upcast } from '../../domain/upcasting.ts';
import { catalogProjection } from '../../projections/catalog/projection.ts';
import type { ApplicationRecord, CatalogView } from '../../projections/catalog/view.ts';
import { isDuplicateKey, positionOf, positionValue } from './mongo-client.ts';
import { openMongoDocumentView, type DocumentWriter, type MongoDocumentView, type Rebuild, type UniqueIndex } from './mongo-documents.ts';
import { TrackingMap } from '../tracking-map.ts';

/** The catalog maps that become collections. */
export type CatalogRecords = 'apis' | 'applications' | 'subscriptions' | 'policies' | 'blockingConditions' | 'users' | 'signingKeys';

interface CatalogKind {
  records: CatalogRecords;
  /** Document view name: collections `view_<name>_g<generation>`. */
  view: string;
  /** The domain's uniqueness (reservation streams, or the record key itself for direct writes). */
  unique: UniqueIndex[];
  toDocument?(record: never): Document;
}

/**
 * Application attributes are free-form keys (dots allowed), which MongoDB refuses as field
 * names: they are stored as `[{ name, value }]` sorted by name.
 */
const applicationDocument = (a: ApplicationRecord): Document => ({
  ...a,
  // Application names are unique per owner regardless of case (the domain's reservation).
  nameKey: a.name.toLowerCase(),
  attributes: Object.keys(a.attributes).sort().map((name) => ({ name, value: a.attributes[name] })),
});

export const CATALOG_KINDS: readonly CatalogKind[] = [
  { records: 'apis', view: 'catalog_apis', unique: [{ name: 'context_version', fields: ['context', 'version'] }] },
  { records: 'applications', view: 'catalog_applications', unique: [{ name: 'owner_name_ci', fields: ['owner', 'nameKey'] }], toDocument: applicationDocument },
  { records: 'subscriptions', view: 'catalog_subscriptions', unique: [{ name: 'application_api', fields: ['applicationId', 'apiId'] }] },
  { records: 'policies', view: 'catalog_policies', unique: [{ name: 'level_name', fields: ['level', 'name'] }] },
  { records: 'blockingConditions', view: 'catalog_deny_policies', unique: [] },
  { records: 'users', view: 'catalog_users', unique: [] },
  { records: 'signingKeys', view: 'catalog_signing_keys', unique: [] },
];

const documentOf = (kind: CatalogKind, record: object): Document =>
  kind.toDocument ? kind.toDocument(record as never) : (record as Document);

export type CatalogDocuments = Record<CatalogRecords, MongoDocumentView<Document>>;

/** Where the mirror's checkpoint lives: `_id: "catalog"`, `position`, and the projection `version` the documents have. */
export const VIEW_CHECKPOINTS = 'view_checkpoints';
const CHECKPOINT_ID = 'catalog';

export interface CatalogCheckpoint {
  position: bigint;
  /** The catalog projection version the documents were written by (another one: rebuild them). */
  version: number | null;
}

export async function readCatalogCheckpoint(db: Db): Promise<CatalogCheckpoint | null> {
  const found = await db.collection<{ _id: string; position: unknown; version?: number }>(VIEW_CHECKPOINTS).findOne({ _id: CHECKPOINT_ID });
  return found ? { position: positionOf(found.position), version: found.version ?? null } : null;
}

/** Moves the checkpoint forward to `position` (never back) for this projection version. */
export async function saveCatalogCheckpoint(db: Db, position: bigint): Promise<void> {
  await db.collection<{ _id: string }>(VIEW_CHECKPOINTS).updateOne(
    { _id: CHECKPOINT_ID },
    { $max: { position: positionValue(position) }, $set: { version: catalogProjection.version } },
    { upsert: true },
  );
}

/** The document views of the catalog (readers use `get`/`find`; the mirror and rebuilds write). */
export async function openCatalogDocuments(db: Db, options: { dropAfterMs?: number } = {}): Promise<CatalogDocuments> {
  const out: Partial<CatalogDocuments> = {};
  for (const kind of CATALOG_KINDS) {
    out[kind.records] = await openMongoDocumentView<Document>({ db, name: kind.view, uniqueIndexes: kind.unique, ...options });
  }
  return out as CatalogDocuments;
}

/** One record an event changed: its document, or undefined when the record is gone. */
export interface CatalogChange {
  records: CatalogRecords;
  id: string;
  document: Document | undefined;
}

export interface TrackedCatalog {
  readonly view: CatalogView;
  /** Applies the event with the catalog projection and returns the records it changed. */
  apply(event: RecordedEvent): CatalogChange[];
}

/** Takes over `view` (its record maps are swapped for tracking ones); use only the returned object. */
export function trackCatalog(view: CatalogView): TrackedCatalog {
  const maps = new Map<CatalogKind, TrackingMap<object>>();
  for (const kind of CATALOG_KINDS) {
    const tracking = new TrackingMap<object>(view[kind.records] as Map<string, object>);
    tracking.touched.clear();
    (view as unknown as Record<CatalogRecords, Map<string, object>>)[kind.records] = tracking;
    maps.set(kind, tracking);
  }
  return {
    view,
    apply(event) {
      catalogProjection.apply(view, event);
      const changes: CatalogChange[] = [];
      for (const [kind, map] of maps) {
        if (view[kind.records] !== map) throw new Error(`the catalog projection replaced its ${kind.records} map: the document mirror cannot see its changes`);
        for (const id of map.touched) {
          const record = map.get(id);
          changes.push({ records: kind.records, id, document: record ? documentOf(kind, record) : undefined });
        }
        map.touched.clear();
      }
      return changes;
    },
  };
}

/** Every record of the view as a change (a rebuild writes them all). */
export function* allRecords(view: CatalogView): Generator<CatalogChange & { position: bigint }> {
  for (const kind of CATALOG_KINDS) {
    for (const [id, record] of view[kind.records] as Map<string, object & { position: bigint }>) {
      yield { records: kind.records, id, document: documentOf(kind, record), position: record.position };
    }
  }
}

export interface WriteCounts {
  applied: number;
  stale: number;
  /** Refused by a unique index (another document holds the key): reported, not retried. */
  conflicts: Array<{ records: CatalogRecords; id: string; position: bigint }>;
}

export const emptyCounts = (): WriteCounts => ({ applied: 0, stale: 0, conflicts: [] });

/** Writes one change at `position`; other errors (server gone) are thrown for the caller to retry. */
export async function writeChange(writers: Record<CatalogRecords, DocumentWriter<Document>>, change: CatalogChange, position: bigint, counts: WriteCounts): Promise<void> {
  const writer = writers[change.records];
  try {
    const outcome = change.document ? await writer.upsert(change.id, change.document, position) : await writer.remove(change.id, position);
    counts[outcome]++;
  } catch (e) {
    if (!isDuplicateKey(e)) throw e;
    counts.conflicts.push({ records: change.records, id: change.id, position });
  }
}

export interface CatalogRebuildOptions {
  db: Db;
  store: EventStore;
  /** The catalog rebuilt from the log (taken over: it is moved on to the head of the log). */
  view: CatalogView;
  /** Position the view reflects. */
  position: bigint;
  /** How long replaced collections live on for readers still on them (default 5 s). */
  dropAfterMs?: number;
  /** Parallel writes while filling (default 16). */
  concurrency?: number;
}

export interface CatalogRebuildResult {
  /** Position the swapped-in collections reflect (the head of the log after the swap). */
  position: bigint;
  documents: number;
  collections: string[];
  counts: WriteCounts;
  /** The view, moved on to `position` and still tracked (a mirror goes on with it). */
  tracked: TrackedCatalog;
}

/** Applies the log after `from` to the tracked view, writing what changed; returns the position reached. */
async function catchUp(store: EventStore, tracked: TrackedCatalog, from: bigint, writers: Record<CatalogRecords, DocumentWriter<Document>>, counts: WriteCounts): Promise<bigint> {
  let position = from;
  for (;;) {
    const page = await store.readAll({ after: position, limit: 1_000 });
    for (const raw of page) {
      for (const change of tracked.apply(upcast(raw))) await writeChange(writers, change, raw.globalPosition, counts);
      position = raw.globalPosition;
    }
    if (page.length < 1_000) return position;
  }
}

/**
 * Blue/green rebuild of the catalog documents: fills fresh collections from `view`, follows
 * the log into them up to its head, swaps every kind's pointer, then writes the events that
 * arrived meanwhile into the live collections (a running mirror may have written them to the
 * replaced ones). Readers see the old collections or the new ones, never a half-filled one.
 * The seven pointers swap one after the other, each at a position at least the rebuild's.
 */
export async function rebuildCatalogDocuments(options: CatalogRebuildOptions): Promise<CatalogRebuildResult> {
  const docs = await openCatalogDocuments(options.db, options.dropAfterMs === undefined ? {} : { dropAfterMs: options.dropAfterMs });
  const rebuilds: Partial<Record<CatalogRecords, Rebuild<Document>>> = {};
  const counts = emptyCounts();
  let documents = 0;
  try {
    for (const kind of CATALOG_KINDS) rebuilds[kind.records] = await docs[kind.records].beginRebuild();
    const fresh = rebuilds as Record<CatalogRecords, Rebuild<Document>>;
    const pending = allRecords(options.view);
    const worker = async () => {
      for (let next = pending.next(); !next.done; next = pending.next()) {
        await writeChange(fresh, next.value, next.value.position, counts);
        documents++;
      }
    };
    await Promise.all(Array.from({ length: options.concurrency ?? 16 }, worker));
    const tracked = trackCatalog(options.view);
    const reached = await catchUp(options.store, tracked, options.position, fresh, counts);
    const collections: string[] = [];
    for (const kind of CATALOG_KINDS) {
      await fresh[kind.records].commit();
      collections.push(fresh[kind.records].collectionName);
      delete rebuilds[kind.records];
    }
    const position = await catchUp(options.store, tracked, reached, docs, counts);
    // The documents are now this projection version's, at least up to `position`.
    await saveCatalogCheckpoint(options.db, position);
    return { position, documents, collections, counts, tracked };
  } finally {
    for (const rebuild of Object.values(rebuilds)) await rebuild?.abort();
  }
}
