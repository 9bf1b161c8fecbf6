// A document-per-entity view in MongoDB (catalog entries, analytics buckets), for views too
// large to snapshot whole. Each document carries the log position it reflects and a write
// with an older position is skipped (the guard is the filter of a single-document upsert: no
// transactions needed). Deletions leave a tombstone holding the position, with the unique
// fields removed so a new entity may take them. Readers go through a pointer document to the
// live collection; a rebuild fills a fresh collection and swaps the pointer (blue/green).
import type { Collection, Db, Document, Filter } from 'mongodb';
import { isDuplicateKey, positionOf, positionValue } from './mongo-client.ts';

export const VIEW_POINTERS = 'view_pointers';

export interface UniqueIndex {
  name: string;
  /** Field paths, in order: the domain's uniqueness (e.g. context + version of an API). */
  fields: string[];
}

export interface MongoDocumentViewOptions {
  db: Db;
  /** View name: letters, digits, '_' (collections are `view_<name>_g<generation>`). */
  name: string;
  uniqueIndexes?: UniqueIndex[];
  /** How long a replaced collection lives on for readers still using it (default 5 s). */
  dropAfterMs?: number;
}

export type WriteOutcome = 'applied' | 'stale';

/** What every stored document carries besides the view's own fields. */
export interface Stored {
  _id: string;
  position: bigint;
  deleted?: true;
}

interface Pointer {
  _id: string;
  collection: string;
  generation: number;
}

export interface DocumentWriter<T extends Document> {
  /** Writes the entity as of `position`; 'stale' when the stored one is as new or newer. */
  upsert(id: string, doc: T, position: bigint): Promise<WriteOutcome>;
  /** Deletes the entity as of `position` (a tombstone keeps the position). */
  remove(id: string, position: bigint): Promise<WriteOutcome>;
}

export interface Rebuild<T extends Document> extends DocumentWriter<T> {
  readonly collectionName: string;
  /**
   * Makes the rebuilt collection the live one (compare-and-set on the pointer: a concurrent
   * swap fails this one). Events applied to the old collection after the rebuild's position
   * must be applied again by the live writer afterwards; the position guard makes that safe.
   */
  commit(): Promise<void>;
  /** Drops the rebuilt collection. */
  abort(): Promise<void>;
}

export interface MongoDocumentView<T extends Document> extends DocumentWriter<T> {
  /** The live collection (through the pointer). */
  collection(): Promise<Collection<T & Stored>>;
  get(id: string): Promise<(T & Stored) | null>;
  /** Live (non-deleted) documents matching `filter`. */
  find(filter?: Filter<T & Stored>): Promise<(T & Stored)[]>;
  beginRebuild(): Promise<Rebuild<T>>;
}

export class StaleRebuildError extends Error {
  constructor(name: string) {
    super(`view ${name} was swapped by another rebuild meanwhile; this rebuild was not committed`);
    this.name = 'StaleRebuildError';
  }
}

export async function openMongoDocumentView<T extends Document>(options: MongoDocumentViewOptions): Promise<MongoDocumentView<T>> {
  const { db, name } = options;
  if (!/^[A-Za-z0-9_]+$/.test(name)) throw new Error(`view name '${name}' must be letters, digits or '_'`);
  const pointers: Collection<Pointer> = db.collection(VIEW_POINTERS);
  const uniqueIndexes = options.uniqueIndexes ?? [];
  const uniqueFields = [...new Set(uniqueIndexes.flatMap((u) => u.fields))];

  async function prepare(collectionName: string): Promise<Collection<T & Stored>> {
    const c = db.collection<T & Stored>(collectionName);
    for (const u of uniqueIndexes) {
      // Sparse: a tombstone (its unique fields unset) is not indexed, so tombstones never
      // collide with each other (MongoDB would index each missing field as null).
      await c.createIndex(Object.fromEntries(u.fields.map((f) => [f, 1])), { name: u.name, unique: true, sparse: true });
    }
    return c;
  }

  async function pointer(): Promise<Pointer> {
    const found = await pointers.findOne({ _id: name });
    if (found) return found;
    const first: Pointer = { _id: name, collection: `view_${name}_g1`, generation: 1 };
    await prepare(first.collection);
    try {
      await pointers.insertOne(first);
      return first;
    } catch (e) {
      if (!isDuplicateKey(e)) throw e;
      return (await pointers.findOne({ _id: name }))!; // another process created it first
    }
  }

  function writerFor(target: () => Promise<Collection<T & Stored>>): DocumentWriter<T> {
    // Only a stored document at an older position matches; otherwise the upsert tries to insert
    // the same _id and the server refuses: that refusal is the "stale" outcome.
    async function guarded(id: string, position: bigint, update: Document): Promise<WriteOutcome> {
      const c = await target();
      try {
        await c.updateOne({ _id: id, position: { $lt: positionValue(position) } } as Filter<T & Stored>, update, { upsert: true });
        return 'applied';
      } catch (e) {
        if (!isDuplicateKey(e)) throw e; // a real unique-index violation also lands here: tell them apart
        const stored = await c.findOne({ _id: id } as Filter<T & Stored>);
        if (stored && positionOf(stored.position) >= position) return 'stale';
        throw e;
      }
    }
    return {
      upsert(id, doc, position) {
        const { _id: _ignored, position: _p, deleted: _d, ...fields } = doc as Document;
        return guarded(id, position, { $set: { ...fields, position: positionValue(position) }, $unset: { deleted: '' } });
      },
      remove(id, position) {
        const unset: Record<string, ''> = Object.fromEntries(uniqueFields.map((f) => [f, '']));
        return guarded(id, position, { $set: { deleted: true, position: positionValue(position) }, ...(uniqueFields.length ? { $unset: unset } : {}) });
      },
    };
  }

  const live = async (): Promise<Collection<T & Stored>> => db.collection<T & Stored>((await pointer()).collection);
  const liveWriter = writerFor(live);
  const notDeleted = { deleted: { $ne: true } };

  return {
    ...liveWriter,
    collection: live,
    async get(id) {
      return (await live()).findOne({ _id: id, ...notDeleted } as Filter<T & Stored>) as Promise<(T & Stored) | null>;
    },
    async find(filter = {}) {
      return (await live()).find({ ...filter, ...notDeleted } as Filter<T & Stored>).toArray() as Promise<(T & Stored)[]>;
    },
    async beginRebuild() {
      const current = await pointer();
      const generation = current.generation + 1;
      const collectionName = `view_${name}_g${generation}`;
      // Leftovers: this generation from an aborted attempt, older ones a process did not live to drop.
      const mine = new RegExp(`^view_${name}_g(\\d+)$`);
      for (const c of await db.listCollections({}, { nameOnly: true }).toArray()) {
        const g = mine.exec(c.name);
        if (g && (Number(g[1]) === generation || Number(g[1]) < current.generation)) await db.collection(c.name).drop().catch(() => {});
      }
      const target = await prepare(collectionName);
      const writer = writerFor(async () => target);
      return {
        ...writer,
        collectionName,
        async commit() {
          const swapped = await pointers.updateOne(
            { _id: name, generation: current.generation },
            { $set: { collection: collectionName, generation } },
          );
          if (swapped.modifiedCount !== 1) throw new StaleRebuildError(name);
          // Readers that resolved the old pointer a moment ago finish on the old collection.
          const old = current.collection;
          setTimeout(() => void db.collection(old).drop().catch(() => {}), options.dropAfterMs ?? 5000).unref();
        },
        async abort() {
          await target.drop().catch(() => {});
        },
      };
    },
  };
}
