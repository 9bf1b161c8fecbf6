// `gatehouse export` / `import` as a user runs them: separate processes, exit codes, files.
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { openSqliteEventStore } from '../../infra/eventstore/sqlite.ts';
import { writeStory } from '../../projections/catalog/story.fixture.ts';
import { runCli } from '../../test/support/cli.ts';

const dir = mkdtempSync(join(tmpdir(), 'gatehouse-cli-export-'));
after(() => rmSync(dir, { recursive: true, force: true }));

const gatehouse = (...args: string[]) => runCli(args, { GATEHOUSE_EVENTSTORE: 'sqlite' });

before(async () => {
  const store = openSqliteEventStore({ path: join(dir, 'source', 'events.db') });
  await writeStory(store);
  await store.close();
});

test('export to a file, import into a fresh data dir, export again: the same bytes', () => {
  const file = join(dir, 'backup.ndjson');
  const exported = gatehouse('export', '--data', join(dir, 'source'), '--to', file);
  assert.equal(exported.status, 0, exported.stderr);
  assert.match(exported.stderr, /exported 38 events up to position 38/);
  assert.equal(existsSync(`${file}.partial`), false);

  const imported = gatehouse('import', file, '--data', join(dir, 'restored'));
  assert.equal(imported.status, 0, imported.stderr);
  assert.match(imported.stderr, /imported and verified 38 events up to position 38/);
  assert.deepEqual(readdirSync(join(dir, 'restored')).filter((f) => f.includes('.import-')), []);

  const again = gatehouse('export', '--data', join(dir, 'restored'));
  assert.equal(again.status, 0, again.stderr);
  assert.equal(again.stdout, readFileSync(file, 'utf8'));
});

test('import into a store that holds events fails with a one-line reason and a non-zero exit', () => {
  const file = join(dir, 'again.ndjson');
  assert.equal(gatehouse('export', '--data', join(dir, 'source'), '--to', file).status, 0);
  const r = gatehouse('import', file, '--data', join(dir, 'source'));
  assert.equal(r.status, 1);
  assert.equal(r.stderr.trim().split('\n').length, 1);
  assert.match(r.stderr, /^gatehouse: BAD_USER_INPUT: refusing to import into a store that already holds events/);
});

test('a truncated export is refused and leaves no events.db behind', () => {
  const file = join(dir, 'backup.ndjson');
  const lines = readFileSync(file, 'utf8').trim().split('\n');
  const truncated = join(dir, 'truncated.ndjson');
  writeFileSync(truncated, `${lines.slice(0, 10).join('\n')}\n`);
  const r = gatehouse('import', truncated, '--data', join(dir, 'partial'));
  assert.equal(r.status, 1);
  assert.match(r.stderr, /^gatehouse: .*ends without its end line after 9 events/);
  assert.deepEqual(existsSync(join(dir, 'partial')) ? readdirSync(join(dir, 'partial')) : [], []);
});
