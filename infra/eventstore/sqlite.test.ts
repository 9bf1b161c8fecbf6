import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { testEventStore } from '../../test/contracts/eventstore.ts';
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
