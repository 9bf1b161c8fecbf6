import { describe, test, after, before } from 'node:test';
import assert from 'node:assert/strict';
import { rmSync } from 'node:fs';
import { IDS } from '../../projections/catalog/story.fixture.ts';
import { apiStream } from '../../domain/streams.ts';
import { runCli, storyDataDir } from '../../test/support/cli.ts';
let dir: string;
before(async () => {
  dir = await storyDataDir('gatehouse-audit-');
});
after(() => rmSync(dir, { recursive: true, force: true }));

const gatehouse = (...args: string[]) => runCli(args);

describe('gatehouse audit', () => {
  test('prints the history with actors and field diffs; --json has the same entries', () => {
    const r = gatehouse('audit', apiStream(IDS.pizza1), '--data', dir);
    assert.equal(r.status, 0, r.stderr);
    assert.match(r.stdout, /^api-1{8}-.*: 4 event\(s\)$/m);
    assert.match(r.stdout, /v3 {2}pos 15 {2}2026-03-01T10:13:00\.000Z {2}bob {2}ApiLifecycleChanged/);
    assert.match(r.stdout, /~ lifecycleStatus: "CREATED" → "PUBLISHED"/);
    assert.match(r.stdout, /\+ name: "PizzaShack"/);
    const json = gatehouse('audit', apiStream(IDS.pizza1), '--json', '--data', dir).stdout;
    const entries = json.trim().split('\n').map((l) => JSON.parse(l) as { position: string; actor: string; changes: unknown[] });
    assert.deepEqual(entries.map((e) => [e.position, e.actor]), [['11', 'admin'], ['14', 'admin'], ['15', 'bob'], ['23', 'bob']]);
    assert.deepEqual(entries[2]!.changes, [{ path: 'lifecycleStatus', before: 'CREATED', after: 'PUBLISHED' }]);
  });

  test('secrets are redacted and an unknown stream exits 1', () => {
    const r = gatehouse('audit', `app-${IDS.aliceApp}`, '--data', dir);
    assert.equal(r.status, 0);
    assert.doesNotMatch(r.stdout, /f00d|beef/);
    const none = gatehouse('audit', 'api-nope', '--data', dir);
    assert.equal(none.status, 1);
    assert.equal(none.stderr.trim(), 'gatehouse: stream api-nope has no events');
  });
});
