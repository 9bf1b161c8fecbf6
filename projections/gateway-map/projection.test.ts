import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import {
  apiCreated,
  apiLifecycle,
  apiPublished,
  applicationCreated,
  blockingAdded,
  defaultVersion,
  keysGenerated,
  operation,
  policyCreated,
  recorded,
  signingKeyAdded,
  subscriptionBlocked,
  subscriptionCreated,
  tokenRevoked,
} from './fixtures.ts';
import { findApi, findResource, isRevoked, policyOf, subscriptionOf } from './query.ts';
import { gatewayMapProjection as projection } from './projection.ts';
import type { GatehouseEvent } from '../../domain/events.ts';
import type { GatewayMapView } from './view.ts';

function build(events: GatehouseEvent[], recordedAt?: string): GatewayMapView {
  return recorded(events, 1n, recordedAt).reduce(projection.apply, projection.initialView());
}

const out = { prefixEnd: 0 };
const lookup = (view: GatewayMapView, url: string) => {
  const q = url.indexOf('?');
  const api = findApi(view, url, q < 0 ? url.length : q, out);
  return api ? { id: api.id, rest: url.slice(out.prefixEnd) } : undefined;
};

const pizza = [
  apiCreated({ apiId: 'p1', context: '/pizza', version: '1.0.0', operations: [operation('GET', '/menu'), operation('GET', '/orders/{id}'), operation('POST', '/orders')] }),
  apiPublished('p1'),
  apiCreated({ apiId: 'p2', context: '/pizza', version: '2.0.0' }),
  apiPublished('p2'),
];

describe('gateway map projection', () => {
  test('routes /context/version to the published API and keeps the rest of the path', () => {
    const view = build(pizza);
    assert.deepEqual(lookup(view, '/pizza/1.0.0/menu'), { id: 'p1', rest: '/menu' });
    assert.deepEqual(lookup(view, '/pizza/2.0.0/x?y=1'), { id: 'p2', rest: '/x?y=1' });
    assert.equal(lookup(view, '/pizza/3.0.0/menu'), undefined);
    assert.equal(lookup(view, '/pizzas/1.0.0/menu'), undefined);
    assert.equal(view.position, 4n);
  });

  test('the default version also answers at /context, and moves when the default changes', () => {
    let view = build([...pizza, defaultVersion('pizza', '/pizza', 'p1', '1.0.0')]);
    assert.deepEqual(lookup(view, '/pizza/menu'), { id: 'p1', rest: '/menu' });
    assert.deepEqual(lookup(view, '/pizza/2.0.0/menu'), { id: 'p2', rest: '/menu' }, 'an explicit version wins over the default');
    view = build([...pizza, defaultVersion('pizza', '/pizza', 'p1', '1.0.0'), defaultVersion('pizza', '/pizza', 'p2', '2.0.0', 'p1')]);
    assert.deepEqual(lookup(view, '/pizza/menu'), { id: 'p2', rest: '/menu' });
    view = build([...pizza, defaultVersion('pizza', '/pizza', 'p1', '1.0.0'), defaultVersion('pizza', '/pizza', null, null, 'p1')]);
    assert.equal(lookup(view, '/pizza/menu'), undefined);
  });

  test('a default-version event before the API exists still routes once it is created', () => {
    const view = build([defaultVersion('pizza', '/pizza', 'p1', '1.0.0'), ...pizza]);
    assert.deepEqual(lookup(view, '/pizza/menu'), { id: 'p1', rest: '/menu' });
  });

  test('only deployed lifecycle states route: CREATED and RETIRED do not, BLOCKED does (to answer 700700)', () => {
    const created = build([apiCreated({ apiId: 'a', context: '/a' })]);
    assert.equal(lookup(created, '/a/1.0.0/x'), undefined);
    const blocked = build([apiCreated({ apiId: 'a', context: '/a' }), apiPublished('a'), apiLifecycle('a', 'BLOCKED')]);
    assert.equal(lookup(blocked, '/a/1.0.0/x')?.id, 'a');
    assert.equal(blocked.apis.get('a')?.lifecycleStatus, 'BLOCKED');
    const retired = build([apiCreated({ apiId: 'a', context: '/a' }), apiPublished('a'), apiLifecycle('a', 'RETIRED', 'DEPRECATED')]);
    assert.equal(lookup(retired, '/a/1.0.0/x'), undefined);
  });

  test('multi-segment contexts: the longest prefix wins', () => {
    const view = build([
      apiCreated({ apiId: 'shop', context: '/shop' }),
      apiPublished('shop'),
      apiCreated({ apiId: 'orders', context: '/shop/1.0.0/orders' }),
      apiPublished('orders'),
    ]);
    assert.equal(lookup(view, '/shop/1.0.0/orders/1.0.0/x')?.id, 'orders');
    assert.equal(lookup(view, '/shop/1.0.0/orders/x')?.id, 'shop');
  });

  test('resources: most specific template for the verb; HEAD falls back to GET', () => {
    const view = build([
      apiCreated({ apiId: 'a', context: '/a', operations: [operation('GET', '/orders/*'), operation('GET', '/orders/{id}'), operation('GET', '/orders/latest'), operation('DELETE', '/orders/{id}')] }),
      apiPublished('a'),
    ]);
    const api = view.apis.get('a')!;
    const url = (p: string) => `/a/1.0.0${p}`;
    assert.equal(findResource(api, 'GET', url('/orders/latest'), 8)?.target, '/orders/latest');
    assert.equal(findResource(api, 'GET', url('/orders/7'), 8)?.target, '/orders/{id}');
    assert.equal(findResource(api, 'GET', url('/orders/7/items'), 8)?.target, '/orders/*');
    assert.equal(findResource(api, 'HEAD', url('/orders/7'), 8)?.target, '/orders/{id}');
    assert.equal(findResource(api, 'POST', url('/orders/7'), 8), undefined);
    assert.equal(findResource(api, 'GET', url('/orders/7'), 8)?.resourceKey, '/a/1.0.0/orders/{id}:GET');
  });

  test('an update replaces the operations and recompiles them', () => {
    const created = apiCreated({ apiId: 'a', context: '/a', operations: [operation('GET', '/old')] });
    const view = build([created, apiPublished('a')]);
    const api = view.apis.get('a')!;
    assert.ok(findResource(api, 'GET', '/a/1.0.0/old', 8));
    const def = { ...(created.data as object), operations: [operation('GET', '/new')] } as Record<string, unknown>;
    projection.apply(view, recorded([{ type: 'ApiUpdated', data: def } as unknown as GatehouseEvent], 10n)[0]!);
    assert.equal(findResource(api, 'GET', '/a/1.0.0/old', 8), undefined);
    assert.ok(findResource(api, 'GET', '/a/1.0.0/new', 8));
  });

  test('maxTps: recorded per API and key type, replaced on update, null when absent or removed; kept by a snapshot', () => {
    const limited = apiCreated({ apiId: 'a', context: '/a', maxTps: { production: 5, sandbox: null } });
    const view = build([limited, apiCreated({ apiId: 'b', context: '/b' })]);
    assert.deepEqual(view.apis.get('a')!.maxTps, { production: 5, sandbox: null });
    assert.equal(view.apis.get('b')!.maxTps, null, 'an API (or an old event) without maxTps has no limit');
    assert.deepEqual(projection.deserialize(projection.serialize(view)).apis.get('a')!.maxTps, { production: 5, sandbox: null });
    const update = (maxTps: object | undefined) => {
      const { maxTps: _old, ...def } = limited.data as Record<string, unknown>;
      const data = maxTps === undefined ? def : { ...def, maxTps };
      projection.apply(view, recorded([{ type: 'ApiUpdated', data } as unknown as GatehouseEvent], 10n)[0]!);
    };
    update({ production: 7, sandbox: 2 });
    assert.deepEqual(view.apis.get('a')!.maxTps, { production: 7, sandbox: 2 });
    update(undefined);
    assert.equal(view.apis.get('a')!.maxTps, null);
  });

  test('applications by consumer key, subscriptions by app × API with status and tier', () => {
    const view = build([
      ...pizza,
      applicationCreated({ applicationId: 'app1', throttlingPolicy: '10PerMin' }),
      keysGenerated('app1', 'ck-prod', 'PRODUCTION'),
      keysGenerated('app1', 'ck-sand', 'SANDBOX'),
      subscriptionCreated('s1', 'app1', 'p1', 'Gold'),
      subscriptionBlocked('s1', 'app1', 'p1', true),
    ]);
    assert.deepEqual(view.consumerKeys.get('ck-sand'), { applicationId: 'app1', keyType: 'SANDBOX' });
    const sub = subscriptionOf(view, 'app1', 'p1');
    assert.equal(sub?.tier, 'Gold');
    assert.equal(sub?.status, 'PROD_ONLY_BLOCKED');
    assert.equal(subscriptionOf(view, 'app1', 'p2'), undefined);
    projection.apply(view, recorded([{ type: 'ApplicationDeleted', data: { applicationId: 'app1', name: 'x', owner: 'alice' } }], 20n)[0]!);
    assert.equal(view.consumerKeys.get('ck-prod'), undefined);
    assert.equal(view.applications.get('app1'), undefined);
  });

  test('a deleted subscription leaves; an event for another subscription id of the pair is ignored', () => {
    const view = build([subscriptionCreated('s2', 'app1', 'p1'), subscriptionBlocked('other', 'app1', 'p1')]);
    assert.equal(subscriptionOf(view, 'app1', 'p1')?.status, 'UNBLOCKED');
    projection.apply(view, recorded([{ type: 'SubscriptionDeleted', data: { subscriptionId: 's2', applicationId: 'app1', apiId: 'p1' } }], 9n)[0]!);
    assert.equal(subscriptionOf(view, 'app1', 'p1'), undefined);
  });

  test('policies by level and name; blocking conditions bump blockingVersion', () => {
    const view = build([policyCreated({ level: 'SUBSCRIPTION', name: 'Five', requestCount: 5 }), blockingAdded({ conditionId: 'b1', type: 'IP', value: '10.0.0.1' })]);
    assert.equal(policyOf(view, 'SUBSCRIPTION', 'Five')?.requestCount, 5);
    assert.equal(policyOf(view, 'APPLICATION', 'Five'), undefined);
    const before = view.blockingVersion;
    projection.apply(view, recorded([{ type: 'BlockingConditionDisabled', data: { conditionId: 'b1' } }], 5n)[0]!);
    assert.equal(view.blocking.get('b1')?.enabled, false);
    assert.ok(view.blockingVersion > before);
  });

  test('signing keys: a rotation keeps the previous key and drops the retired one', () => {
    const view = build([signingKeyAdded('k1', { kty: 'EC' }), signingKeyAdded('k2', { kty: 'EC' })]);
    projection.apply(view, recorded([{ type: 'SigningKeyRotated', data: { kid: 'k3', alg: 'ES256', publicJwk: { kty: 'EC' }, previousKid: 'k2', retiredKid: 'k1' } }], 3n)[0]!);
    assert.deepEqual([...view.signingKeys.keys()].sort(), ['k2', 'k3']);
    assert.equal(view.currentKid, 'k3');
  });

  test('revoked jtis are kept while their token can still be valid and forgotten after a sweep', () => {
    const events: GatehouseEvent[] = [];
    for (let i = 0; i < 1100; i++) events.push(tokenRevoked(`old-${i}`, 1_000)); // expired long before recordedAt
    events.push(tokenRevoked('live', 4_000_000_000));
    const view = build(events, '2026-01-01T00:00:00.000Z');
    assert.equal(isRevoked(view, 'live'), true);
    assert.equal(isRevoked(view, 'old-5'), false, 'expired revocations are swept once the set grows');
    assert.ok(view.revokedJtis.size < 100);
  });

  test('serialize is deterministic (snapshot + tail = full replay) and round-trips', () => {
    const events = [
      ...pizza,
      defaultVersion('pizza', '/pizza', 'p1', '1.0.0'),
      applicationCreated({ applicationId: 'app1' }),
      keysGenerated('app1', 'ck'),
      subscriptionCreated('s1', 'app1', 'p1', 'Gold'),
      policyCreated({ level: 'SUBSCRIPTION', name: 'Gold', requestCount: 5000 }),
      tokenRevoked('j1', 4_000_000_000),
    ];
    const all = recorded(events);
    const a = all.reduce(projection.apply, projection.initialView());
    // Half replayed, snapshotted, restored, the rest applied: same bytes as a full replay.
    const half = projection.deserialize(projection.serialize(all.slice(0, 6).reduce(projection.apply, projection.initialView())));
    const b = all.slice(6).reduce(projection.apply, half);
    findResource(a.apis.get('p1')!, 'GET', '/pizza/1.0.0/menu', 12); // compiled caches are not serialised
    const bytes = projection.serialize(a);
    assert.equal(bytes, projection.serialize(b));
    const restored = projection.deserialize(bytes);
    assert.equal(projection.serialize(restored), bytes);
    assert.equal(restored.position, a.position);
    assert.deepEqual(lookup(restored, '/pizza/menu'), { id: 'p1', rest: '/menu' });
    assert.equal(isRevoked(restored, 'j1'), true);
  });
});
