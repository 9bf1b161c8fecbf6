// Connection to the MongoDB-wire server (MongoDB, or FerretDB as infra/dev/up starts it) for
// the view stores: int64 values come back as bigint (log positions), the database is the one
// named in MONGODB_URL (default "gatehouse").
import { MongoClient, type Db } from 'mongodb';

export interface MongoConnection {
  client: MongoClient;
  db: Db;
  close(): Promise<void>;
}

export async function connectMongo(url: string, dbName?: string): Promise<MongoConnection> {
  const client = new MongoClient(url, { useBigInt64: true, serverSelectionTimeoutMS: 10_000, appName: 'gatehouse' });
  await client.connect();
  const db = client.db(dbName ?? (new URL(url).pathname.replace(/^\//, '') || 'gatehouse'));
  return { client, db, close: () => client.close() };
}

/** A log position for a query or a document (BSON int64). */
export const positionValue = (p: bigint): bigint => BigInt.asIntN(64, p);

/** A stored position back as bigint, whatever the server returned. */
export function positionOf(v: unknown): bigint {
  if (typeof v === 'bigint') return v;
  if (typeof v === 'number') return BigInt(v);
  if (typeof v === 'string') return BigInt(v);
  if (v && typeof v === 'object' && 'toBigInt' in v && typeof (v as { toBigInt: unknown }).toBigInt === 'function') {
    return (v as { toBigInt(): bigint }).toBigInt();
  }
  throw new Error(`not a log position: ${String(v)}`);
}

/** E11000: the server refused a duplicate of a unique key. */
export const isDuplicateKey = (e: unknown): boolean => typeof e === 'object' && e !== null && (e as { code?: unknown }).code === 11000;
