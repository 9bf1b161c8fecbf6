import { describe, test, after, before } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { rmSync } from 'node:fs';
import { join } from 'node:path';
import { openSqliteEventStore } from '../../infra/eventstore/sqlite.ts';
import { IDS, writer } from '../../projections/catalog/story.fixture.ts';
import { apiStream, userStream } from '../../domain/streams.ts';
import { repoRoot as root, runCli, storyDataDir } from '../../test/support/cli.ts';
let dir: string;
before(async () => {
  dir = await storyDataDir('gatehouse-events-');
});
after(() => rmSync(dir, { recursive: true, force: true }));

const gatehouse = (...args: string[]) => runCli(args);

const jsonLines = (out: string) => out.trim().split('\n').filter(Boolean).map((l) => JSON.parse(l) as { position: string; streamId: string; type: string; streamVersion: string; metadata: { actor: string } });

describe('gatehouse events', () => {
  test('--json prints every event in order with string positions and versions', () => {
    const r = gatehouse('events', '--json', '--data', dir);
    assert.equal(r.status, 0, r.stderr);
    const events = jsonLines(r.stdout);
    assert.equal(events.length, 38);
    assert.deepEqual(events.map((e) => e.position), Array.from({ length: 38 }, (_, i) => String(i + 1)));
    assert.equal(events[0]!.type, 'ThrottlingPolicyCreated');
    assert.equal(typeof events[0]!.streamVersion, 'string');
  });

  test('filters by stream, type (repeatable / comma list), actor, position and limit', () => {
    const byStream = jsonLines(gatehouse('events', '--json', '--stream', apiStream(IDS.pizza1), '--data', dir).stdout);
    assert.deepEqual(byStream.map((e) => e.type), ['ApiCreated', 'ApiDocumentAdded', 'ApiLifecycleChanged', 'ApiLifecycleChanged']);
    const byTypes = jsonLines(gatehouse('events', '--json', '-t', 'UserRegistered,UserLockedOut', '--type', 'SigningKeyRotated', '--data', dir).stdout);
    assert.deepEqual(byTypes.map((e) => e.type), ['UserRegistered', 'UserRegistered', 'UserRegistered', 'UserLockedOut', 'SigningKeyRotated']);
    const bobAfter20 = jsonLines(gatehouse('events', '--json', '--actor', 'bob', '--from', '20', '--limit', '2', '--data', dir).stdout);
    assert.deepEqual(bobAfter20.map((e) => [e.position, e.metadata.actor]), [['22', 'bob'], ['23', 'bob']]);
    const prefix = jsonLines(gatehouse('events', '--json', '--stream-prefix', 'sub-', '--data', dir).stdout);
    assert.ok(prefix.length === 4 && prefix.every((e) => e.streamId.startsWith('sub-')));
  });

  test('human output is one line per event with position, time, actor, type and stream', () => {
    const r = gatehouse('events', '--stream', userStream('bob'), '--data', dir);
    const lines = r.stdout.split('\n').filter(Boolean);
    assert.equal(lines.length, 4);
    assert.match(lines[0]!, /^\s+9 {2}2026-03-01T10:08:00\.000Z {2}bob\s+UserRegistered\s+user-bob@1 {2}\{"username":"bob"/);
  });

  test('--follow prints new events as they are appended', async () => {
    const child = spawn(process.execPath, ['--import', 'tsx', 'cli/main.ts', 'events', '--json', '--follow', '--from', '38', '--data', dir], { cwd: root });
    let out = '';
    child.stdout.on('data', (b: Buffer) => (out += b.toString()));
    await new Promise((r) => setTimeout(r, 1500)); // let it start and go idle
    const store = openSqliteEventStore({ path: join(dir, 'events.db') });
    await writer(store, 300)(userStream('carol'), 'carol', { type: 'UserRegistered', data: { username: 'carol', roles: ['subscriber'], via: 'SIGN_UP' } });
    await store.close();
    // Generous: on a loaded 2-core machine the child's start (tsx) can take seconds.
    for (let i = 0; i < 300 && !out.includes('carol'); i++) await new Promise((r) => setTimeout(r, 100));
    const exited = new Promise<number | null>((r) => child.once('exit', r));
    child.kill('SIGINT');
    assert.equal(await exited, 0);
    const events = jsonLines(out);
    assert.deepEqual(events.map((e) => [e.position, e.type]), [['39', 'UserRegistered']]);
  });

  test('bad arguments and a missing store exit 1 with a one-line reason', () => {
    const bad = gatehouse('events', '--from', 'yesterday', '--data', dir);
    assert.equal(bad.status, 1);
    assert.match(bad.stderr, /--from <position>' argument 'yesterday' is invalid/);
    const missing = gatehouse('events', '--data', join(dir, 'nowhere'));
    assert.equal(missing.status, 1);
    assert.equal(missing.stderr.trim(), `gatehouse: no event store at ${join(dir, 'nowhere', 'events.db')} (set --data or GATEHOUSE_DATA)`);
  });
});
