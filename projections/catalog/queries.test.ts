import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import type { LifecycleStatus } from '../../domain/api/events.ts';
import type { RecordedEvent } from '../../domain/ports.ts';
import { isDomainError } from '../../domain/errors.ts';
import { applyToCatalog } from './projection.ts';
import { listApis } from './queries.ts';
import { definition } from './story.fixture.ts';
import { createCatalogView, type CatalogView } from './view.ts';

let position = 0n;
const recorded = (streamId: string, type: string, data: unknown): RecordedEvent => ({
  type,
  data,
  streamId,
  streamVersion: 1n,
  globalPosition: ++position,
  metadata: { eventId: `q-${position}`, actor: 'admin', correlationId: 'c', causationId: null, recordedAt: '2026-03-01T10:00:00.000Z', schemaVersion: 2 },
});

function addApi(view: CatalogView, n: number, over: { name?: string; context?: string; version?: string; provider?: string; tags?: string[]; description?: string } = {}) {
  const apiId = `api-${String(n).padStart(6, '0')}`;
  applyToCatalog(
    view,
    recorded(`api-${apiId}`, 'ApiCreated', {
      apiId,
      name: over.name ?? `Api${String(n).padStart(5, '0')}`,
      context: over.context ?? `/c${n}`,
      version: over.version ?? '1.0.0',
      provider: over.provider ?? 'admin',
      lifecycleStatus: 'CREATED',
      copiedFrom: null,
      ...definition({ description: over.description ?? `number ${n}`, tags: over.tags ?? [] }),
    }),
  );
  return apiId;
}

const publish = (view: CatalogView, apiId: string, to: LifecycleStatus = 'PUBLISHED') =>
  applyToCatalog(view, recorded(`api-${apiId}`, 'ApiLifecycleChanged', { apiId, action: 'PUBLISH', from: 'CREATED', to, checklist: null, causedBy: null }));

function searchView(): CatalogView {
  const view = createCatalogView();
  const pizza = addApi(view, 1, { name: 'PizzaShack', context: '/pizzashack', version: '1.0.0', tags: ['food'], description: 'Order pizza online' });
  addApi(view, 2, { name: 'PizzaShack', context: '/pizzashack', version: '2.0.0', tags: ['food', 'beta'] });
  addApi(view, 3, { name: 'Weather', context: '/weather', version: 'v1', provider: 'bob', tags: ['climate'], description: 'Forecasts' });
  addApi(view, 4, { name: 'Payments', context: '/pay', version: '1.0.0', provider: 'carol', description: 'pizza payments' });
  publish(view, pizza);
  return view;
}

const names = (view: CatalogView, search: string) => listApis(view, { search }).nodes.map((a) => `${a.name}:${a.version}`);

describe('listApis', () => {
  test('free words match name, context, version, description or tags; terms are ANDed', () => {
    const view = searchView();
    assert.deepEqual(names(view, 'pizza'), ['Payments:1.0.0', 'PizzaShack:1.0.0', 'PizzaShack:2.0.0']);
    assert.deepEqual(names(view, 'pizza 2.0'), ['PizzaShack:2.0.0']);
    assert.deepEqual(names(view, 'FORECAST'), ['Weather:v1']);
    assert.deepEqual(names(view, 'clim'), ['Weather:v1'], 'tags match by substring in free text');
    assert.deepEqual(names(view, 'nothing-like-this'), []);
  });

  test('WSO2 prefixes narrow to one field', () => {
    const view = searchView();
    assert.deepEqual(names(view, 'name:pizza'), ['PizzaShack:1.0.0', 'PizzaShack:2.0.0']);
    assert.deepEqual(names(view, 'context:/pay'), ['Payments:1.0.0']);
    assert.deepEqual(names(view, 'version:1.0.0'), ['Payments:1.0.0', 'PizzaShack:1.0.0']);
    assert.deepEqual(names(view, 'version:1.0'), [], 'version is matched exactly');
    assert.deepEqual(names(view, 'status:published'), ['PizzaShack:1.0.0']);
    assert.deepEqual(names(view, 'tag:beta'), ['PizzaShack:2.0.0']);
    assert.deepEqual(names(view, 'tag:bet'), [], 'tags are matched exactly');
    assert.deepEqual(names(view, 'provider:bob'), ['Weather:v1']);
    assert.deepEqual(names(view, 'name:"pizza" tag:food version:2.0.0'), ['PizzaShack:2.0.0']);
    assert.deepEqual(names(view, 'description:"order pizza"'), ['PizzaShack:1.0.0'], 'quoted values keep their spaces');
  });

  test('status argument and a caller filter apply before paging; totalCount counts every match', () => {
    const view = searchView();
    const page = listApis(view, { status: 'CREATED', first: 2 });
    assert.deepEqual(page.nodes.map((a) => a.name), ['Payments', 'PizzaShack']);
    assert.equal(page.totalCount, 3);
    assert.equal(page.pageInfo.hasNextPage, true);
    const mine = listApis(view, { filter: (a) => a.provider === 'admin' });
    assert.equal(mine.totalCount, 2);
  });

  test('cursor pagination walks every API exactly once in name/version order, stable under inserts', () => {
    const view = createCatalogView();
    for (let i = 0; i < 120; i++) addApi(view, (i * 37) % 120);
    const seen: string[] = [];
    let after: string | null = null;
    for (let pages = 0; ; pages++) {
      const page = listApis(view, { first: 25, after });
      seen.push(...page.nodes.map((a) => a.id));
      assert.equal(page.totalCount, 120 + (pages > 1 ? 1 : 0));
      if (pages === 1) addApi(view, 500, { name: 'Aardvark' }); // sorts before the cursor: not seen, no shift
      if (!page.pageInfo.hasNextPage) break;
      after = page.pageInfo.endCursor;
    }
    assert.equal(seen.length, 120);
    assert.equal(new Set(seen).size, 120);
    assert.deepEqual(seen, [...seen].sort());
  });

  test('a cursor of a deleted API still resumes after it', () => {
    const view = createCatalogView();
    const ids = [1, 2, 3, 4].map((n) => addApi(view, n));
    const first = listApis(view, { first: 2 });
    applyToCatalog(view, recorded(`api-${ids[1]}`, 'ApiDeleted', { apiId: ids[1], name: 'x', context: '/c2', version: '1.0.0' }));
    assert.deepEqual(listApis(view, { first: 2, after: first.pageInfo.endCursor }).nodes.map((a) => a.id), [ids[2], ids[3]]);
  });

  test('bad paging input is a BAD_USER_INPUT error', () => {
    const view = searchView();
    for (const options of [{ first: -1 }, { first: 1.5 }, { after: 'bm90LWEtY3Vyc29y' }]) {
      assert.throws(() => listApis(view, options), (e: unknown) => isDomainError(e) && e.code === 'BAD_USER_INPUT');
    }
  });

  test('first: 50 over 10k APIs touches only the page: the order is kept in the index, never sorted per query', () => {
    const view = createCatalogView();
    for (let i = 0; i < 10_000; i++) addApi(view, (i * 7919) % 10_000, { tags: i % 10 === 0 ? ['rare'] : [] });
    let reads = 0;
    const get = view.apis.get.bind(view.apis);
    view.apis.get = (id: string) => (reads++, get(id));
    const sort = Array.prototype.sort;
    let sorts = 0;
    Array.prototype.sort = function (this: unknown[], ...args: Parameters<typeof sort>) {
      sorts++;
      return sort.apply(this, args);
    } as typeof sort;
    try {
      let after: string | null = null;
      const seen: string[] = [];
      for (let i = 0; i < 20; i++) {
        const page = listApis(view, { first: 50, after });
        assert.equal(page.nodes.length, 50);
        assert.equal(page.totalCount, 10_000);
        seen.push(...page.nodes.map((a) => a.name));
        after = page.pageInfo.endCursor;
      }
      assert.equal(reads, 20 * 50, 'one record read per node returned');
      assert.equal(sorts, 0);
      assert.deepEqual(seen, Array.from({ length: 1000 }, (_, i) => `Api${String(i).padStart(5, '0')}`));
      const searched = listApis(view, { first: 50, search: 'tag:rare' });
      assert.equal(searched.totalCount, 1000);
      assert.equal(sorts, 0);
    } finally {
      Array.prototype.sort = sort;
    }
  });
});
