// First start prints a generated admin password once; a restart on the same data dir keeps
// users, data and signing keys (tokens issued before still work) and prints no password.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startServer } from '../support/server.ts';
import { gqlOk, login } from '../support/gql.ts';

test('generated admin password shown once; state, keys and tokens survive a restart', async () => {
  const dataDir = mkdtempSync(join(tmpdir(), 'gatehouse-restart-'));
  try {
    // Ephemeral ports differ between runs: pin the issuer, as any real deployment does.
    const env = { GATEHOUSE_ISSUER: 'http://gatehouse.test' };
    const first = await startServer({ dataDir, adminPassword: null, env });
    assert.match(first.adminPassword, /^\S{16,}$/, 'the generated password is printed');
    assert.equal(first.logs.filter((l) => l.includes(first.adminPassword)).length, 1, 'exactly once, and never in a log line');
    const token = await login(first.baseUrl, 'admin', first.adminPassword);
    const app = await gqlOk(first.baseUrl, 'mutation { createApplication(input: { name: "Survivor" }) { id } }', {}, token);
    assert.equal(await first.stop({ keepData: true }), 0);

    const second = await startServer({ dataDir, adminPassword: null, env });
    try {
      assert.equal(second.logs.some((l) => /admin password/i.test(l)), false, 'no password on a later start');
      const me = await gqlOk(second.baseUrl, `{ me { username } application(id: "${app.createApplication.id}") { name } }`, {}, token);
      assert.deepEqual(me, { me: { username: 'admin' }, application: { name: 'Survivor' } });
      await login(second.baseUrl, 'admin', first.adminPassword);
    } finally {
      assert.equal(await second.stop({ keepData: true }), 0);
    }
  } finally {
    rmSync(dataDir, { recursive: true, force: true });
  }
});
