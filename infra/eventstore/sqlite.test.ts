import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, test } from 'node:test';
import Database from 'better-sqlite3';
import { ConcurrencyError, DomainError } from '../../domain/errors.ts';
import { STREAM_DOES_NOT_EXIST, type RecordedEvent } from '../../domain/ports.ts';
import { newEvent, testEventStore } from '../../test/contracts/eventstore.ts';
import { openSqliteEventStore } from './sqlite.ts';

testEventStore('sqlite', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'gatehouse-es-'));
  const store = openSqliteEventStore({ path: join(dir, 'events.db') });
  return {
    store,
    cleanup: async () => {
      await store.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
});

describe('SQLite event store on a shared file', () => {
  const dir = mkdtempSync(join(tmpdir(), 'gatehouse-es-file-'));
  after(() => rmSync(dir, { recursive: true, force: true }));
  let n = 0;
  const freshPath = () => join(dir, `events-${n++}.db`);

  test('opens in WAL mode with synchronous NORMAL by default and FULL on request', async () => {
    const path = freshPath();
    const store = openSqliteEventStore({ path });
    await store.close();
    const db = new Database(path);
    assert.equal(db.pragma('journal_mode', { simple: true }), 'wal');
    db.close();
    const full = openSqliteEventStore({ path, synchronous: 'FULL' });
    await full.appendToStream('s', [newEvent('E')]);
    assert.equal((await full.readAll()).length, 1);
    await full.close();
  });

  test('events, versions and idempotency keys survive close and reopen', async () => {
    const path = freshPath();
    const first = openSqliteEventStore({ path });
    const r = await first.appendToStream('api-1', [newEvent('ApiCreated'), newEvent('ApiUpdated')], { idempotencyKey: 'create-1' });
    await first.close();
    const reopened = openSqliteEventStore({ path });
    assert.equal((await reopened.readStream('api-1')).currentStreamVersion, 2n);
    const again = await reopened.appendToStream('api-1', [newEvent('ApiCreated')], { idempotencyKey: 'create-1' });
    assert.deepEqual(again, { ...r, deduplicated: true });
    assert.equal(await reopened.headPosition(), 2n);
    await reopened.close();
  });

  test('a subscription sees appends made through another connection to the same file', async () => {
    const path = freshPath();
    const reader = openSqliteEventStore({ path, pollIntervalMs: 20 });
    const writer = openSqliteEventStore({ path });
    const got: RecordedEvent[] = [];
    const sub = reader.subscribe((e) => {
      got.push(e);
    });
    await sub.caughtUp;
    await writer.appendToStream('app-1', [newEvent('ApplicationCreated'), newEvent('ApplicationUpdated')]);
    const until = Date.now() + 3000;
    while (got.length < 2 && Date.now() < until) await new Promise((r) => setTimeout(r, 10));
    await sub.stop();
    assert.deepEqual(got.map((e) => [e.globalPosition, e.type]), [[1n, 'ApplicationCreated'], [2n, 'ApplicationUpdated']]);
    await Promise.all([reader.close(), writer.close()]);
  });

  test('two connections writing the same stream: the stale one gets a ConcurrencyError, positions stay gap-free', async () => {
    const path = freshPath();
    const a = openSqliteEventStore({ path });
    const b = openSqliteEventStore({ path });
    await a.appendToStream('user-ann', [newEvent('UserSignedUp')], { expectedStreamVersion: STREAM_DOES_NOT_EXIST });
    await assert.rejects(b.appendToStream('user-ann', [newEvent('UserSignedUp')], { expectedStreamVersion: STREAM_DOES_NOT_EXIST }), (e: unknown) => {
      assert.ok(e instanceof ConcurrencyError);
      assert.equal(e.currentVersion, 1n);
      return true;
    });
    await b.appendToStream('user-bob', [newEvent('UserSignedUp')]);
    await a.appendToStream('user-ann', [newEvent('UserRoleGranted')], { expectedStreamVersion: 1n });
    assert.deepEqual((await b.readAll()).map((e) => e.globalPosition), [1n, 2n, 3n]);
    await Promise.all([a.close(), b.close()]);
  });

  test('an event id that is already recorded is a CONFLICT and nothing of the batch is appended', async () => {
    const store = openSqliteEventStore({ path: freshPath() });
    const e = newEvent('ApiCreated');
    await store.appendToStream('api-1', [e]);
    await assert.rejects(store.appendToStream('api-2', [newEvent('ApiCreated'), e]), (err: unknown) => err instanceof DomainError && err.code === 'CONFLICT');
    assert.equal(await store.headPosition(), 1n);
    assert.equal((await store.readStream('api-2')).events.length, 0);
    await store.close();
  });

  test('rejects malformed events with BAD_USER_INPUT before touching the log', async () => {
    const store = openSqliteEventStore({ path: freshPath() });
    await assert.rejects(store.appendToStream('', [newEvent('E')]), (e: unknown) => e instanceof DomainError && e.code === 'BAD_USER_INPUT');
    const noId = newEvent('E');
    (noId.metadata as { eventId?: string }).eventId = undefined;
    await assert.rejects(store.appendToStream('s', [noId]), (e: unknown) => e instanceof DomainError && e.code === 'BAD_USER_INPUT');
    assert.equal(await store.headPosition(), 0n);
    await store.close();
  });

  test('a closed store refuses work', async () => {
    const store = openSqliteEventStore({ path: freshPath() });
    await store.close();
    await assert.rejects(store.readAll(), /closed/);
    await store.close();
  });
});
