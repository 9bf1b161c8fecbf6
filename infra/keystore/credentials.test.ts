import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { DomainError } from '../../domain/errors.ts';
import { openSqliteCredentialStore } from './credentials.ts';

const dataDir = mkdtempSync(join(tmpdir(), 'gatehouse-creds-'));
after(() => rmSync(dataDir, { recursive: true, force: true }));

test('password hashes live in <dataDir>/credentials.db (0600), apart from the event log, and survive reopening', async () => {
  const creds = openSqliteCredentialStore({ dataDir });
  await creds.setPasswordHash('admin', 'scrypt$N=16384$salt$hash');
  await creds.close();
  assert.equal(creds.path, join(dataDir, 'credentials.db'));
  assert.equal(statSync(creds.path).mode & 0o777, 0o600);
  assert.equal(existsSync(join(dataDir, 'events.db')), false);
  const reopened = openSqliteCredentialStore({ dataDir });
  assert.equal(await reopened.getPasswordHash('admin'), 'scrypt$N=16384$salt$hash');
  await reopened.close();
});

test('set replaces a hash, delete forgets it, unknown users read as undefined', async () => {
  const creds = openSqliteCredentialStore({ dataDir });
  await creds.setPasswordHash('ann', 'h1');
  await creds.setPasswordHash('ann', 'h2');
  assert.equal(await creds.getPasswordHash('ann'), 'h2');
  await creds.deletePasswordHash('ann');
  assert.equal(await creds.getPasswordHash('ann'), undefined);
  assert.equal(await creds.getPasswordHash('nobody'), undefined);
  await creds.deletePasswordHash('nobody');
  await creds.close();
});

test('an empty user name or hash is refused as BAD_USER_INPUT', async () => {
  const creds = openSqliteCredentialStore({ dataDir });
  await assert.rejects(creds.setPasswordHash('', 'h'), (e: unknown) => e instanceof DomainError && e.code === 'BAD_USER_INPUT');
  await assert.rejects(creds.setPasswordHash('bob', ''), (e: unknown) => e instanceof DomainError && e.code === 'BAD_USER_INPUT');
  await creds.close();
});
