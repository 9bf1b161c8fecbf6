// Password hashes beside the log, never in it: a separate SQLite file `<dataDir>/credentials.db`
// (mode 0600), so `gatehouse export` of the event log cannot carry them.
import { closeSync, mkdirSync, openSync } from 'node:fs';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { invalidInput } from '../../domain/errors.ts';
import type { CredentialStore } from '../../domain/ports.ts';

export interface SqliteCredentialStoreOptions {
  dataDir: string;
}

export interface SqliteCredentialStore extends CredentialStore {
  readonly path: string;
  close(): Promise<void>;
}

const nonEmpty = (what: string, value: string) => {
  if (typeof value !== 'string' || value.length === 0) throw invalidInput(`${what} must be a non-empty string`);
};

export function openSqliteCredentialStore(options: SqliteCredentialStoreOptions): SqliteCredentialStore {
  mkdirSync(options.dataDir, { recursive: true });
  const path = join(options.dataDir, 'credentials.db');
  closeSync(openSync(path, 'a', 0o600)); // create it private before SQLite does (its WAL files inherit the mode)
  const db = new Database(path);
  db.pragma('journal_mode = WAL');
  db.pragma('synchronous = NORMAL');
  db.pragma('busy_timeout = 5000');
  db.exec('CREATE TABLE IF NOT EXISTS password_hashes (username TEXT PRIMARY KEY, hash TEXT NOT NULL) STRICT, WITHOUT ROWID');
  const upsert = db.prepare('INSERT INTO password_hashes (username, hash) VALUES (?, ?) ON CONFLICT (username) DO UPDATE SET hash = excluded.hash');
  const select = db.prepare<[string], string>('SELECT hash FROM password_hashes WHERE username = ?').pluck();
  const remove = db.prepare('DELETE FROM password_hashes WHERE username = ?');

  return {
    path,
    async setPasswordHash(username, hash) {
      nonEmpty('username', username);
      nonEmpty('password hash', hash);
      upsert.run(username, hash);
    },
    async getPasswordHash(username) {
      return select.get(username);
    },
    async deletePasswordHash(username) {
      remove.run(username);
    },
    async close() {
      if (db.open) db.close();
    },
  };
}
