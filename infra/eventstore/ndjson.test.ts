import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PassThrough, Readable } from 'node:stream';
import { after, describe, test } from 'node:test';
import { DomainError } from '../../domain/errors.ts';
import type { EventStore } from '../../domain/ports.ts';
import { writeStory } from '../../projections/catalog/story.fixture.ts';
import { newEvent } from '../../test/contracts/eventstore.ts';
import { openMemoryEventStore } from './memory.ts';
import { exportEvents, findSecretFields, importEvents } from './ndjson.ts';
import { openSqliteEventStore } from './sqlite.ts';

const dir = mkdtempSync(join(tmpdir(), 'gatehouse-ndjson-'));
after(() => rmSync(dir, { recursive: true, force: true }));
let n = 0;
const sqlite = () => openSqliteEventStore({ path: join(dir, `events-${n++}.db`) });

async function exportToString(store: EventStore): Promise<string> {
  const out = new PassThrough();
  const chunks: Buffer[] = [];
  out.on('data', (c: Buffer) => chunks.push(c));
  await exportEvents(store, out);
  out.end();
  return Buffer.concat(chunks).toString('utf8');
}

/** Every key anywhere in a JSON value, for a scan independent of the exporter's own check. */
function keysOf(value: unknown, out = new Set<string>()): Set<string> {
  if (Array.isArray(value)) value.forEach((v) => keysOf(v, out));
  else if (value && typeof value === 'object') {
    for (const [k, v] of Object.entries(value)) {
      out.add(k);
      keysOf(v, out);
    }
  }
  return out;
}

describe('NDJSON export', () => {
  test('an export of a realistic log carries no password, password hash, consumer secret or private key field', async () => {
    const store = sqlite();
    await writeStory(store);
    const text = await exportToString(store);
    const lines = text.trim().split('\n').map((l) => JSON.parse(l) as Record<string, unknown>);
    assert.deepEqual(lines[0], { format: 'gatehouse-events', version: 1 });
    assert.deepEqual(lines.at(-1), { end: true, count: lines.length - 2, lastPosition: String(lines.length - 2) });
    const keys = keysOf(lines);
    for (const forbidden of ['password', 'passwordHash', 'consumerSecret', 'clientSecret', 'privateKey', 'd']) {
      assert.equal(keys.has(forbidden), false, `an exported event has a field named ${forbidden}`);
    }
    assert.ok(keys.has('secretHash'), 'client secrets appear only as their SHA-256 hash');
    assert.ok(keys.has('publicJwk'), 'signing keys appear only as public JWKs');
    assert.doesNotMatch(text, /"\$(scrypt|2[aby])\$|scrypt\$/, 'no password-hash-looking value');
    await store.close();
  });

  test('refuses to export an event carrying a secret-looking field, naming the event and the field', async () => {
    const store = openMemoryEventStore();
    await store.appendToStream('user-eve', [newEvent('UserRegistered', { username: 'eve', passwordHash: 'scrypt$...' })]);
    await store.appendToStream('keys-signing', [newEvent('SigningKeyAdded', { kid: 'k', publicJwk: { kty: 'EC', d: 'private!' } })]);
    await assert.rejects(exportToString(store), /position 1 \(UserRegistered in user-eve\).*data\.passwordHash/);
    assert.deepEqual(findSecretFields({ data: { kid: 'k', publicJwk: { kty: 'EC', d: 'x' } } }), ['data.publicJwk.d']);
    assert.deepEqual(findSecretFields({ data: { secretHash: 'ab', list: [{ Password: 'x' }] } }), ['data.list[0].Password']);
  });

  test('exports only up to the head present when it starts', async () => {
    const store = openMemoryEventStore();
    await store.appendToStream('s', [newEvent('A'), newEvent('B')]);
    const out = new PassThrough();
    const lines: string[] = [];
    out.on('data', (c: Buffer) => lines.push(...c.toString().trim().split('\n')));
    const summary = await exportEvents(store, out, {
      onProgress: () => void store.appendToStream('s', [newEvent('C')]),
    });
    assert.deepEqual(summary, { count: 2, lastPosition: 2n });
  });
});

describe('NDJSON import', () => {
  test('import into an empty store reproduces identical readAll output, positions and versions', async () => {
    const source = sqlite();
    await writeStory(source);
    await source.appendToStream('bulk-1', Array.from({ length: 2500 }, (_, i) => newEvent('Bulk', { i })));
    const text = await exportToString(source);
    const target = sqlite();
    const progress: bigint[] = [];
    const summary = await importEvents(target, Readable.from([text]), { onProgress: (p) => progress.push(p.position) });
    const head = await source.headPosition();
    assert.deepEqual(summary, { count: Number(head), lastPosition: head });
    assert.deepEqual(await target.readAll(), await source.readAll());
    assert.equal(progress.at(-1), head);
    assert.equal(await exportToString(target), text, 're-exporting gives the same bytes');
    await Promise.all([source.close(), target.close()]);
  });

  test('refuses a store that already holds events, and appends nothing', async () => {
    const source = openMemoryEventStore();
    await source.appendToStream('s', [newEvent('A')]);
    const text = await exportToString(source);
    const target = openMemoryEventStore();
    await target.appendToStream('x', [newEvent('X')]);
    await assert.rejects(importEvents(target, Readable.from([text])), (e: unknown) => e instanceof DomainError && /already holds events/.test(e.message));
    assert.equal(await target.headPosition(), 1n);
  });

  const importText = (text: string) => importEvents(openMemoryEventStore(), Readable.from([text]));
  const lines = async () => {
    const source = openMemoryEventStore();
    await source.appendToStream('a', [newEvent('A'), newEvent('B')]);
    await source.appendToStream('b', [newEvent('C')]);
    return (await exportToString(source)).trim().split('\n');
  };

  test('detects a truncated export (no end line)', async () => {
    const l = await lines();
    await assert.rejects(importText(l.slice(0, -1).join('\n')), /ends without its end line after 3 events/);
  });

  test('detects a count that does not match the end line', async () => {
    const l = await lines();
    await assert.rejects(importText([...l.slice(0, -1), JSON.stringify({ end: true, count: 4, lastPosition: '4' })].join('\n')), /announces 4 events up to 4, the file holds 3 up to 3/);
  });

  test('refuses a file that is not a Gatehouse export', async () => {
    await assert.rejects(importText('{"hello":1}\n'), /not a Gatehouse export/);
    await assert.rejects(importText('not json\n'), /line 1: not valid JSON/);
    await assert.rejects(importText(''), /empty/);
  });

  test('refuses out-of-order positions and broken stream versions', async () => {
    const l = await lines();
    await assert.rejects(importText([l[0], l[1], l[3], l[2], l[4]].join('\n')), /line 4: position 2 does not follow 3/);
    const skipped = JSON.parse(l[2]!) as Record<string, unknown>;
    skipped.streamVersion = '3';
    await assert.rejects(importText([l[0], l[1], JSON.stringify(skipped), l[3], l[4]].join('\n')), /a version 3 should be 2/);
  });

  test('refuses an export whose positions have gaps when the store numbers its log without them', async () => {
    const l = await lines();
    const gap = JSON.parse(l[3]!) as Record<string, unknown>;
    gap.globalPosition = '7';
    const end = { end: true, count: 3, lastPosition: '7' };
    await assert.rejects(importText([l[0], l[1], l[2], JSON.stringify(gap), JSON.stringify(end)].join('\n')), /cannot reproduce the export's positions/);
  });
});
