// Projection snapshots in MongoDB (the ViewStore port of projections/projection.ts), for the
// distributed mode. No multi-document transactions (FerretDB has none): a save writes the
// serialized view as chunks of a new generation, then swaps the projection's pointer document
// in one single-document update guarded by position, then deletes the old generation. Readers
// follow the pointer, so they see the old snapshot or the new one, never a mix (blue/green),
// and a slower writer with an older position cannot overwrite a newer snapshot.
import { randomUUID } from 'node:crypto';
import { Binary, type Collection, type Db } from 'mongodb';
import type { ViewSnapshot, ViewStore } from '../../projections/projection.ts';
import { connectMongo, isDuplicateKey, positionOf, positionValue } from './mongo-client.ts';

export const SNAPSHOTS = 'view_snapshots';
export const SNAPSHOT_CHUNKS = 'view_snapshot_chunks';
/** Under the 16 MiB document limit with room to spare. */
const CHUNK_BYTES = 4 * 1024 * 1024;

interface SnapshotPointer {
  _id: string;
  version: number;
  position: bigint;
  generation: string;
  bytes: number;
  chunks: number;
}

interface SnapshotChunk {
  _id: string;
  name: string;
  generation: string;
  i: number;
  data: Binary;
}

export interface MongoViewStore extends ViewStore {
  readonly db: Db;
  /** Outcome of the last save of each projection (tests, status). */
  lastSave(name: string): 'saved' | 'stale' | undefined;
}

export interface MongoViewStoreOptions {
  url?: string;
  dbName?: string;
  /** Use this database (the caller owns its client) instead of connecting to `url`. */
  db?: Db;
  /** Bytes per chunk document (default 4 MiB). */
  chunkBytes?: number;
}

const checkName = (name: string): void => {
  if (!/^[A-Za-z0-9_-]+$/.test(name)) throw new Error(`projection name '${name}' must be letters, digits, '-' or '_'`);
};

export async function openMongoViewStore(options: MongoViewStoreOptions): Promise<MongoViewStore> {
  let close = async () => {};
  let db: Db;
  if (options.db) db = options.db;
  else {
    if (!options.url) throw new Error('openMongoViewStore needs a url or a db');
    const conn = await connectMongo(options.url, options.dbName);
    db = conn.db;
    close = conn.close;
  }
  const pointers: Collection<SnapshotPointer> = db.collection(SNAPSHOTS);
  const chunks: Collection<SnapshotChunk> = db.collection(SNAPSHOT_CHUNKS);
  await chunks.createIndex({ generation: 1, i: 1 }, { name: 'generation_i' });
  await chunks.createIndex({ name: 1 }, { name: 'name' });
  const outcomes = new Map<string, 'saved' | 'stale'>();
  const chunkBytes = options.chunkBytes ?? CHUNK_BYTES;

  async function readGeneration(pointer: SnapshotPointer): Promise<Buffer | undefined> {
    const parts = await chunks.find({ generation: pointer.generation }).sort({ i: 1 }).toArray();
    if (parts.length !== pointer.chunks) return undefined; // swapped and deleted under us
    return Buffer.concat(parts.map((p) => Buffer.from(p.data.buffer)));
  }

  return {
    db,
    lastSave: (name) => outcomes.get(name),
    async load(name, version): Promise<ViewSnapshot | undefined> {
      checkName(name);
      for (let attempt = 0; attempt < 5; attempt++) {
        const pointer = await pointers.findOne({ _id: name });
        if (!pointer || pointer.version !== version) return undefined;
        const data = await readGeneration(pointer);
        if (data) return { position: positionOf(pointer.position), data };
      }
      throw new Error(`snapshot of ${name} kept changing while it was read`);
    },
    async save(name, version, snapshot) {
      checkName(name);
      const generation = `${name}:${version}:${snapshot.position}:${randomUUID()}`;
      const parts: SnapshotChunk[] = [];
      for (let i = 0, off = 0; off < snapshot.data.length || i === 0; i++, off += chunkBytes) {
        parts.push({ _id: `${generation}:${i}`, name, generation, i, data: new Binary(snapshot.data.subarray(off, off + chunkBytes)) });
      }
      await chunks.insertMany(parts, { ordered: true });
      let previous: SnapshotPointer | null;
      try {
        // The swap: one document, guarded by position (a newer version always wins).
        previous = await pointers.findOneAndUpdate(
          { _id: name, $or: [{ version: { $ne: version } }, { position: { $lt: positionValue(snapshot.position) } }] },
          { $set: { version, position: positionValue(snapshot.position), generation, bytes: snapshot.data.length, chunks: parts.length } },
          { upsert: true, returnDocument: 'before' },
        );
      } catch (e) {
        await chunks.deleteMany({ generation });
        if (!isDuplicateKey(e)) throw e;
        outcomes.set(name, 'stale'); // a snapshot at this position or newer is already there
        return;
      }
      outcomes.set(name, 'saved');
      if (previous) await chunks.deleteMany({ generation: previous.generation });
    },
    async drop(name) {
      checkName(name);
      await pointers.deleteOne({ _id: name });
      await chunks.deleteMany({ name });
    },
    close,
  };
}
