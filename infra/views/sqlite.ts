// Snapshots of projection views in SQLite (`<dataDir>/views.db`). One table per projection
// name+version holds the serialized view; the `checkpoints` table holds its position. Both are
// written in one transaction, so a crash leaves the previous pair or the new one, never a mix.
import Database from 'better-sqlite3';
import type { ViewSnapshot, ViewStore } from '../../projections/projection.ts';

export interface SqliteViewStoreOptions {
  path: string;
}

const tableOf = (name: string, version: number): string => {
  if (!/^[A-Za-z0-9_-]+$/.test(name)) throw new Error(`projection name '${name}' must be letters, digits, '-' or '_'`);
  if (!Number.isInteger(version) || version < 0) throw new Error(`projection version must be a non-negative integer, got ${version}`);
  return `view_${name.replace(/-/g, '_')}_v${version}`;
};

export function openSqliteViewStore(options: SqliteViewStoreOptions): ViewStore {
  const db = new Database(options.path);
  db.pragma('journal_mode = WAL');
  db.pragma('synchronous = NORMAL');
  db.pragma('busy_timeout = 5000');
  db.exec(`CREATE TABLE IF NOT EXISTS checkpoints (
    projection TEXT PRIMARY KEY,
    version INTEGER NOT NULL,
    position TEXT NOT NULL,
    bytes INTEGER NOT NULL,
    view_table TEXT NOT NULL
  )`);

  const getCheckpoint = db.prepare<[string], { version: number; position: string; view_table: string }>(
    'SELECT version, position, view_table FROM checkpoints WHERE projection = ?',
  );
  const putCheckpoint = db.prepare(
    `INSERT INTO checkpoints (projection, version, position, bytes, view_table) VALUES (?, ?, ?, ?, ?)
     ON CONFLICT(projection) DO UPDATE SET version = excluded.version, position = excluded.position,
       bytes = excluded.bytes, view_table = excluded.view_table`,
  );
  const deleteCheckpoint = db.prepare('DELETE FROM checkpoints WHERE projection = ?');
  const tablesOf = (name: string): string[] =>
    db
      .prepare<[string], { name: string }>(`SELECT name FROM sqlite_master WHERE type = 'table' AND name GLOB ?`)
      .all(`view_${name.replace(/-/g, '_')}_v[0-9]*`)
      .map((r) => r.name);

  const load = db.transaction((name: string, version: number): ViewSnapshot | undefined => {
    const cp = getCheckpoint.get(name);
    if (!cp || cp.version !== version) return undefined;
    const row = db.prepare<[], { data: Buffer }>(`SELECT data FROM "${cp.view_table}" WHERE id = 1`).get();
    if (!row) return undefined;
    return { position: BigInt(cp.position), data: row.data };
  });

  const save = db.transaction((name: string, version: number, snapshot: ViewSnapshot) => {
    const table = tableOf(name, version);
    db.exec(`CREATE TABLE IF NOT EXISTS "${table}" (id INTEGER PRIMARY KEY CHECK (id = 1), data BLOB NOT NULL)`);
    db.prepare(`INSERT INTO "${table}" (id, data) VALUES (1, ?) ON CONFLICT(id) DO UPDATE SET data = excluded.data`).run(snapshot.data);
    putCheckpoint.run(name, version, snapshot.position.toString(), snapshot.data.length, table);
    // A new version makes the older tables of this projection garbage.
    for (const t of tablesOf(name)) if (t !== table) db.exec(`DROP TABLE "${t}"`);
  });

  const drop = db.transaction((name: string) => {
    tableOf(name, 0);
    for (const t of tablesOf(name)) db.exec(`DROP TABLE "${t}"`);
    deleteCheckpoint.run(name);
  });

  return {
    async load(name, version) {
      tableOf(name, version);
      return load(name, version);
    },
    async save(name, version, snapshot) {
      save(name, version, snapshot);
    },
    async drop(name) {
      drop(name);
    },
    async close() {
      if (db.open) db.close();
    },
  };
}
