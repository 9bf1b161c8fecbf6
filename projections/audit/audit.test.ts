import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { openMemoryEventStore } from '../../infra/eventstore/memory.ts';
import { apiStream, appStream, tokenStream, userStream } from '../../domain/streams.ts';
import { rebuildView } from '../runner-replay.ts';
import { IDS, writeStory } from '../catalog/story.fixture.ts';
import { diffFields, redact } from './diff.ts';
import { history } from './history.ts';
import { auditProjection } from './projection.ts';
import { queryEvents, type EventQuery } from './queries.ts';

describe('diffFields', () => {
  test('reports changed, added and removed leaves by path; scalar lists as one value', () => {
    const before = { a: 1, nested: { x: 'p', gone: true }, tags: ['a', 'b'], ops: [{ verb: 'GET' }], same: [1] };
    const after = { a: 2, nested: { x: 'p', added: null }, tags: ['b'], ops: [{ verb: 'POST' }, { verb: 'PUT' }], same: [1] };
    assert.deepEqual(diffFields(before, after), [
      { path: 'a', before: 1, after: 2 },
      { path: 'nested.gone', before: true, after: undefined },
      { path: 'nested.added', before: undefined, after: null },
      { path: 'tags', before: ['a', 'b'], after: ['b'] },
      { path: 'ops[0].verb', before: 'GET', after: 'POST' },
      { path: 'ops[1].verb', before: undefined, after: 'PUT' },
    ]);
    assert.deepEqual(diffFields({ m: new Map([['k', 1n]]) }, { m: new Map([['k', 2n]]) }), [{ path: 'm.k', before: 1n, after: 2n }]);
    assert.deepEqual(diffFields({ a: 1 }, { a: 1 }), []);
    assert.equal(diffFields({ a: 1, b: 1 }, { a: 2, b: 2 }, 1).length, 1);
  });

  test('redact hides secret-looking fields, even hashes', () => {
    assert.deepEqual(
      redact([
        { path: 'keys[0].secretHash', before: 'x', after: 'y' },
        { path: 'previousHashes[2]', before: undefined, after: 'h' },
        { path: 'privateJwk.d', before: undefined, after: 'd' },
        { path: 'name', before: 'a', after: 'b' },
        { path: 'keys[0].secretIssuedAt', before: 't1', after: 't2' },
      ]),
      [
        { path: 'keys[0].secretHash', before: '«redacted»', after: '«redacted»' },
        { path: 'previousHashes[2]', before: undefined, after: '«redacted»' },
        { path: 'privateJwk.d', before: undefined, after: '«redacted»' },
        { path: 'name', before: 'a', after: 'b' },
        { path: 'keys[0].secretIssuedAt', before: 't1', after: 't2' },
      ],
    );
  });
});

describe('history', () => {
  test('each event of an API with actor, time and the fields it changed', async () => {
    const store = openMemoryEventStore();
    await writeStory(store);
    const h = await history(store, apiStream(IDS.pizza1));
    assert.deepEqual(h.map((e) => [e.type, e.actor]), [
      ['ApiCreated', 'admin'],
      ['ApiDocumentAdded', 'admin'],
      ['ApiLifecycleChanged', 'bob'],
      ['ApiLifecycleChanged', 'bob'],
    ]);
    assert.ok(h[0]!.changes.some((c) => c.path === 'name' && c.before === undefined && c.after === 'PizzaShack'));
    assert.deepEqual(h[2]!.changes, [{ path: 'lifecycleStatus', before: 'CREATED', after: 'PUBLISHED' }]);
    assert.deepEqual(h[3]!.changes, [{ path: 'lifecycleStatus', before: 'PUBLISHED', after: 'DEPRECATED' }]);
    assert.ok(h[1]!.changes.every((c) => c.path.startsWith('documents[0].') && c.before === undefined));
    assert.ok(h[1]!.changes.some((c) => c.path === 'documents[0].name' && c.after === 'Getting started'));
    assert.equal(h[3]!.streamVersion, 4n);
    assert.match(h[3]!.recordedAt, /^2026-03-01T10:/);
  });

  test('application history never shows a secret hash, only that it changed', async () => {
    const store = openMemoryEventStore();
    await writeStory(store);
    const h = await history(store, appStream(IDS.aliceApp));
    const text = JSON.stringify(h, (_k, v) => (typeof v === 'bigint' ? String(v) : v));
    assert.doesNotMatch(text, /f00d|beef/);
    const regen = h.find((e) => e.type === 'ApplicationSecretRegenerated')!;
    assert.deepEqual(regen.changes.map((c) => c.path), ['keys[0].secretIssuedAt']);
    const users = await history(store, userStream('bob'));
    assert.deepEqual(users.at(-1)!.changes, [{ path: 'lockedUntil', before: null, after: '2026-03-01T12:00:00.000Z' }]);
  });

  test('streams the catalog does not model diff the accumulated event data', async () => {
    const store = openMemoryEventStore();
    await writeStory(store);
    const h = await history(store, tokenStream('jti-access-9'));
    assert.deepEqual(h[0]!.changes.map((c) => c.path), ['jti', 'exp', 'tokenType']);
    assert.deepEqual(await history(store, 'no-such-stream'), []);
  });
});

describe('queryEvents', () => {
  test('with the audit index answers exactly what a filtered scan of the log answers', async () => {
    const store = openMemoryEventStore();
    await writeStory(store);
    const { view: index } = await rebuildView(store, auditProjection);
    const queries: EventQuery[] = [
      {},
      { limit: 3 },
      { streamId: apiStream(IDS.pizza1) },
      { streamPrefix: 'sub-' },
      { types: ['ApiLifecycleChanged', 'SubscriptionCreated'] },
      { actor: 'bob' },
      { actor: 'bob', types: ['ApiLifecycleChanged'], fromPosition: 20n },
      { actor: 'alice', limit: 2, fromPosition: 5n },
      { since: '2026-03-01T10:20:00.000Z', until: '2026-03-01T10:25:00.000Z' },
      { actor: 'admin', since: '2026-03-01T10:30:00.000Z' },
      { streamPrefix: 'api-', toPosition: 15n },
      { actor: 'nobody' },
    ];
    for (const q of queries) {
      const indexed = await queryEvents(store, q, index);
      const scanned = await queryEvents(store, q);
      assert.deepEqual(indexed.map((e) => e.globalPosition), scanned.map((e) => e.globalPosition), JSON.stringify(q, (_k, v) => (typeof v === 'bigint' ? String(v) : v)));
    }
    const bob = await queryEvents(store, { actor: 'bob', types: ['ApiLifecycleChanged'] }, index);
    assert.deepEqual(bob.map((e) => e.streamId), [apiStream(IDS.pizza1), apiStream(IDS.pizza2), apiStream(IDS.pizza1)]);
    const window = await queryEvents(store, { since: '2026-03-01T10:20:00.000Z', until: '2026-03-01T10:25:00.000Z' }, index);
    assert.ok(window.length > 0 && window.every((e) => e.metadata.recordedAt >= '2026-03-01T10:20' && e.metadata.recordedAt <= '2026-03-01T10:25:00.000Z'));
  });

  test('events the index has not applied yet are still found (read from the log)', async () => {
    const store = openMemoryEventStore();
    await writeStory(store);
    const head = await store.headPosition();
    const { view: lagging } = await rebuildView(store, auditProjection, { to: head - 5n });
    const all = await queryEvents(store, { actor: 'alice' });
    const viaLagging = await queryEvents(store, { actor: 'alice' }, lagging);
    assert.deepEqual(viaLagging.map((e) => e.globalPosition), all.map((e) => e.globalPosition));
    assert.ok(all.some((e) => e.globalPosition > head - 5n));
  });

  test('the index snapshot round-trips byte for byte', async () => {
    const store = openMemoryEventStore();
    await writeStory(store);
    const { view } = await rebuildView(store, auditProjection);
    const bytes = auditProjection.serialize(view);
    assert.equal(auditProjection.serialize(auditProjection.deserialize(bytes)), bytes);
  });

  test('a limit outside 1.. is refused', async () => {
    const store = openMemoryEventStore();
    await assert.rejects(queryEvents(store, { limit: 0 }), RangeError);
  });
});
