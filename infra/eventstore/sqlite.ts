// The embedded event store of record: one SQLite file (better-sqlite3, WAL), one writer at a
// time, gap-free global positions assigned inside the append transaction.
//
// Durability: WAL + synchronous=NORMAL by default. A commit has been written to the WAL file
// (in the OS page cache) before appendToStream resolves, so an acknowledged append survives
// `kill -9` of the process (test/crash/kill9.test.ts proves it); it does not survive power
// loss or an OS crash, where the last commits may be lost (the file stays consistent).
// `synchronous: 'FULL'` fsyncs the WAL on every commit and survives power loss too, at a
// large cost per append.
import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import Database from 'better-sqlite3';
import { conflict } from '../../domain/errors.ts';
import {
  ANY,
  type AppendOptions,
  type AppendResult,
  type EventHandler,
  type EventStore,
  type NewEvent,
  type ReadAllFilter,
  type ReadAllOptions,
  type ReadStreamResult,
  type RecordedEvent,
  type SubscribeOptions,
  type Subscription,
} from '../../domain/ports.ts';
import { checkExpectedVersion, validateNewEvents } from './rules.ts';
import { createChangeFeed, pagedDeliveries, runSubscription, createSubscriptionSet } from './subscription.ts';

export interface SqliteEventStoreOptions {
  path: string;
  synchronous?: 'NORMAL' | 'FULL';
  busyTimeoutMs?: number;
  /** How often to look for appends made by other processes sharing the file (ms). */
  pollIntervalMs?: number;
}

export interface SqliteEventStore extends EventStore {
  readonly path: string;
}

/** Connection settings shared by the store and by benchmarks that compare against raw SQL. */
export function configureConnection(db: Database.Database, synchronous: 'NORMAL' | 'FULL' = 'NORMAL', busyTimeoutMs = 5000): void {
  db.pragma('journal_mode = WAL');
  db.pragma(`synchronous = ${synchronous}`);
  db.pragma(`busy_timeout = ${busyTimeoutMs}`);
  db.pragma('cache_size = -32000');
}

const SCHEMA_VERSION = 1;

export function createSchema(db: Database.Database): void {
  db.exec(`
    CREATE TABLE IF NOT EXISTS events (
      global_position INTEGER PRIMARY KEY,
      stream_id       TEXT    NOT NULL,
      stream_version  INTEGER NOT NULL,
      type            TEXT    NOT NULL,
      data            TEXT    NOT NULL,
      metadata        TEXT    NOT NULL,
      schema_version  INTEGER NOT NULL,
      event_id        TEXT    NOT NULL UNIQUE,
      actor           TEXT    NOT NULL,
      recorded_at     TEXT    NOT NULL,
      UNIQUE (stream_id, stream_version)
    ) STRICT;
    CREATE INDEX IF NOT EXISTS events_by_type ON events (type, global_position);
    CREATE INDEX IF NOT EXISTS events_by_actor ON events (actor, global_position);
    CREATE TABLE IF NOT EXISTS idempotency_keys (
      key                   TEXT    PRIMARY KEY,
      stream_id             TEXT    NOT NULL,
      next_expected_version INTEGER NOT NULL,
      first_position        INTEGER NOT NULL,
      last_position         INTEGER NOT NULL
    ) STRICT, WITHOUT ROWID;
  `);
  const version = db.pragma('user_version', { simple: true }) as number;
  if (version === 0) db.pragma(`user_version = ${SCHEMA_VERSION}`);
  else if (version !== SCHEMA_VERSION) throw new Error(`event store schema version ${version} is not supported (expected ${SCHEMA_VERSION})`);
}

type Row = [position: number, streamId: string, version: number, type: string, data: string, metadata: string];

const COLUMNS = 'global_position, stream_id, stream_version, type, data, metadata';
/** Highest code point: `prefix <= id < prefix + MAX_CHAR` holds for every id starting with prefix. */
const MAX_CHAR = '\u{10FFFF}';
const NO_LIMIT = -1;
const MAX_POSITION = Number.MAX_SAFE_INTEGER;
/** Pages up to this many rows are fetched with all() rather than iterate(). */
const WHOLE_PAGE_ROWS = 10_000;

function toEvents(rows: Iterable<Row>): RecordedEvent[] {
  const events: RecordedEvent[] = [];
  for (const r of rows) {
    events.push({
      type: r[3],
      data: JSON.parse(r[4]),
      metadata: JSON.parse(r[5]),
      streamId: r[1],
      streamVersion: BigInt(r[2]),
      globalPosition: BigInt(r[0]),
    });
  }
  return events;
}

export function openSqliteEventStore(options: SqliteEventStoreOptions): SqliteEventStore {
  if (options.path !== ':memory:') mkdirSync(dirname(options.path), { recursive: true });
  const db = new Database(options.path);
  configureConnection(db, options.synchronous ?? 'NORMAL', options.busyTimeoutMs ?? 5000);
  createSchema(db);

  const selectKey = db.prepare<[string], { stream_id: string; next_expected_version: number; first_position: number; last_position: number }>(
    'SELECT stream_id, next_expected_version, first_position, last_position FROM idempotency_keys WHERE key = ?',
  );
  const insertKey = db.prepare('INSERT INTO idempotency_keys (key, stream_id, next_expected_version, first_position, last_position) VALUES (?, ?, ?, ?, ?)');
  const selectStreamVersion = db.prepare<[string], number | null>('SELECT max(stream_version) FROM events WHERE stream_id = ?').pluck();
  const selectStreamLastPosition = db
    .prepare<[string], number | null>('SELECT global_position FROM events WHERE stream_id = ? ORDER BY stream_version DESC LIMIT 1')
    .pluck();
  const selectHead = db.prepare<[], number | null>('SELECT max(global_position) FROM events').pluck();
  const insertEvent = db.prepare(
    'INSERT INTO events (global_position, stream_id, stream_version, type, data, metadata, schema_version, event_id, actor, recorded_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)',
  );
  // A whole stream (what the command handler loads) has its own statement: a LIMIT, even -1,
  // makes SQLite's point read about twice as slow.
  const selectWholeStream = db.prepare<[string], Row>(`SELECT ${COLUMNS} FROM events WHERE stream_id = ? ORDER BY stream_version`).raw();
  const selectStreamPage = db
    .prepare<[string, number, number], Row>(`SELECT ${COLUMNS} FROM events WHERE stream_id = ? AND stream_version >= ? ORDER BY stream_version LIMIT ?`)
    .raw();
  const dataVersion = db.prepare<[], number>('PRAGMA data_version').pluck();

  const deduplicatedResult = (row: NonNullable<ReturnType<typeof selectKey.get>>): AppendResult => {
    const globalPositions: bigint[] = [];
    for (let p = row.first_position; p <= row.last_position; p++) globalPositions.push(BigInt(p));
    return {
      nextExpectedStreamVersion: BigInt(row.next_expected_version),
      globalPositions,
      lastGlobalPosition: BigInt(row.last_position),
      deduplicated: true,
    };
  };

  const append = db.transaction((streamId: string, events: readonly NewEvent[], options: AppendOptions): AppendResult => {
    const key = options.idempotencyKey;
    if (key !== undefined) {
      const seen = selectKey.get(key);
      if (seen) return deduplicatedResult(seen);
    }
    const current = selectStreamVersion.get(streamId) ?? 0;
    checkExpectedVersion(streamId, options.expectedStreamVersion ?? ANY, BigInt(current));
    if (events.length === 0) {
      const last = selectStreamLastPosition.get(streamId) ?? 0;
      return { nextExpectedStreamVersion: BigInt(current), globalPositions: [], lastGlobalPosition: BigInt(last), deduplicated: false };
    }
    const first = (selectHead.get() ?? 0) + 1;
    let position = first;
    let version = current;
    const globalPositions = new Array<bigint>(events.length);
    for (let i = 0; i < events.length; i++) {
      const e = events[i]!;
      const m = e.metadata;
      version++;
      insertEvent.run(position, streamId, version, e.type, JSON.stringify(e.data ?? null), JSON.stringify(m), m.schemaVersion ?? 1, m.eventId, m.actor, m.recordedAt);
      globalPositions[i] = BigInt(position);
      position++;
    }
    const last = position - 1;
    if (key !== undefined) insertKey.run(key, streamId, version, first, last);
    return { nextExpectedStreamVersion: BigInt(version), globalPositions, lastGlobalPosition: BigInt(last), deduplicated: false };
  });

  // Statements for readAll/subscription pages, one per filter shape (how many ids, prefixes, types).
  const pageStatements = new Map<string, Database.Statement<unknown[], Row>>();
  function page(after: bigint, upTo: bigint, limit: number, filter: ReadAllFilter | undefined): RecordedEvent[] {
    const ids = filter?.streamIds ?? [];
    const prefixes = filter?.streamPrefixes ?? [];
    const types = filter?.types ?? [];
    const actor = filter?.actor;
    const shape = `${ids.length}:${prefixes.length}:${types.length}:${actor === undefined ? 0 : 1}`;
    let stmt = pageStatements.get(shape);
    if (!stmt) {
      const where = ['global_position > ?', 'global_position <= ?'];
      const stream: string[] = [];
      if (ids.length) stream.push(`stream_id IN (${ids.map(() => '?').join(', ')})`);
      for (let i = 0; i < prefixes.length; i++) stream.push('(stream_id >= ? AND stream_id < ?)');
      if (stream.length) where.push(`(${stream.join(' OR ')})`);
      if (types.length) where.push(`type IN (${types.map(() => '?').join(', ')})`);
      if (actor !== undefined) where.push('actor = ?');
      stmt = db.prepare<unknown[], Row>(`SELECT ${COLUMNS} FROM events WHERE ${where.join(' AND ')} ORDER BY global_position LIMIT ?`).raw();
      if (pageStatements.size > 64) pageStatements.clear();
      pageStatements.set(shape, stmt);
    }
    const params: unknown[] = [Number(after), Number(upTo < BigInt(MAX_POSITION) ? upTo : MAX_POSITION), ...ids];
    for (const p of prefixes) params.push(p, p + MAX_CHAR);
    params.push(...types);
    if (actor !== undefined) params.push(actor);
    params.push(limit);
    // A bounded page comes in one native call (about 15% less CPU than stepping row by row);
    // an unbounded read steps, so its raw rows never all sit in memory beside the events.
    return toEvents(limit >= 0 && limit <= WHOLE_PAGE_ROWS ? stmt.all(...params) : stmt.iterate(...params));
  }

  const headPosition = (): bigint => BigInt(selectHead.get() ?? 0);

  // Appends by this connection announce themselves; appends by other processes sharing the
  // file show up as a change of `PRAGMA data_version`, checked only while someone listens.
  // The poll timer is unref'd: a subscription alone does not keep the process alive.
  const feed = createChangeFeed();
  const subscriptions = createSubscriptionSet();
  let poll: NodeJS.Timeout | undefined;
  let lastDataVersion = 0;
  const pollOtherProcesses = () => {
    if (feed.listeners === 0 && subscriptions.size === 0) {
      clearInterval(poll);
      poll = undefined;
      return;
    }
    const v = dataVersion.get()!;
    if (v !== lastDataVersion) {
      lastDataVersion = v;
      feed.notify();
    }
  };
  const source = { head: headPosition, page };

  let closed = false;
  const assertOpen = () => {
    if (closed) throw new Error(`event store ${options.path} is closed`);
  };

  return {
    path: options.path,

    async appendToStream(streamId, events, appendOptions = {}) {
      assertOpen();
      validateNewEvents(streamId, events);
      let result: AppendResult;
      try {
        result = append.immediate(streamId, events, appendOptions);
      } catch (e) {
        const err = e as { code?: string; message?: string };
        if (err.code === 'SQLITE_CONSTRAINT_UNIQUE' && err.message?.includes('events.event_id')) {
          throw conflict('an event with this eventId is already recorded', { streamId });
        }
        throw e;
      }
      if (!result.deduplicated && result.globalPositions.length) feed.notify();
      return result;
    },

    async readStream(streamId, readOptions = {}): Promise<ReadStreamResult> {
      assertOpen();
      const from = readOptions.from ?? 1n;
      if (from <= 1n && readOptions.maxCount === undefined) {
        const events = toEvents(selectWholeStream.all(streamId)); // a few rows: one native call
        return { currentStreamVersion: events.length === 0 ? 0n : events[events.length - 1]!.streamVersion, events };
      }
      const events = toEvents(selectStreamPage.iterate(streamId, Number(from < 1n ? 1n : from), readOptions.maxCount ?? NO_LIMIT));
      return { currentStreamVersion: BigInt(selectStreamVersion.get(streamId) ?? 0), events };
    },

    async readAll(readOptions: ReadAllOptions = {}) {
      assertOpen();
      const limit = readOptions.limit === undefined ? NO_LIMIT : readOptions.limit;
      return page(readOptions.after ?? 0n, BigInt(MAX_POSITION), limit, readOptions.filter);
    },

    subscribe(handler: EventHandler, subscribeOptions: SubscribeOptions = {}): Subscription {
      assertOpen();
      const sub = runSubscription(pagedDeliveries(source, subscribeOptions, feed), handler);
      if (!poll) {
        lastDataVersion = dataVersion.get()!;
        poll = setInterval(pollOtherProcesses, options.pollIntervalMs ?? 75);
        poll.unref();
      }
      return subscriptions.track(sub);
    },

    async headPosition() {
      assertOpen();
      return headPosition();
    },

    async close() {
      if (closed) return;
      await subscriptions.stopAll();
      closed = true;
      if (poll) clearInterval(poll);
      db.close();
    },
  };
}
