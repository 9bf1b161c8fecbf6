// The incremental changelog cut against the full one: after every publish of a random run of
// events through the projection, the records kept up to date from the changed keys are exactly
// the records a full re-cut of the same map gives; full cuts happen when they must.
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import type { GatehouseEvent } from '../../domain/events.ts';
import { upcast } from '../../domain/upcasting.ts';
import * as f from '../../projections/gateway-map/fixtures.ts';
import { gatewayMapProjection } from '../../projections/gateway-map/projection.ts';
import type { GatewayMapView } from '../../projections/gateway-map/view.ts';
import type { BusLogger } from './kafka-client.ts';
import { bucketOf, changelogOfSnapshot, type ChangelogLayout } from './kafka-gateway-map-format.ts';
import { createGatewayMapCutter, type GatewayMapCut, type GatewayMapCutter } from './kafka-gateway-map-incremental.ts';

/** mulberry32: a seeded generator, so a failing run can be replayed. */
function random(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

function warnings(): BusLogger & { warned: string[] } {
  const warned: string[] = [];
  return { warned, debug() {}, info() {}, warn: (_o: object, msg: string) => void warned.push(msg), error() {} } as unknown as BusLogger & { warned: string[] };
}

/** A map that events move, with the bookkeeping to pick plausible next events. */
class World {
  view: GatewayMapView = gatewayMapProjection.initialView();
  private position = 0n;
  private n = 0;
  readonly apis: { id: string; context: string; version: string }[] = [];
  readonly apps: string[] = [];
  readonly subs: { id: string; app: string; api: string }[] = [];
  readonly policies: string[] = [];
  readonly blocking: string[] = [];
  kid: string | null = null;
  constructor(private readonly rnd: () => number) {}

  apply(e: GatehouseEvent, recordedAt = '2026-03-01T10:00:00.000Z'): void {
    const [r] = f.recorded([e], ++this.position, recordedAt);
    this.view = gatewayMapProjection.apply(this.view, upcast(r!));
  }
  private pick<T>(list: T[]): T | undefined {
    return list.length === 0 ? undefined : list[Math.floor(this.rnd() * list.length)];
  }
  private take<T>(list: T[]): T | undefined {
    return list.length === 0 ? undefined : list.splice(Math.floor(this.rnd() * list.length), 1)[0];
  }
  private id(prefix: string): string {
    // Keys with quotes, backslashes and brackets too: the pair texts must be JSON's.
    return `${prefix}-${++this.n}${this.n % 7 === 0 ? '"[\\]' : ''}`;
  }

  addApi(): void {
    const api = { id: this.id('api'), context: `/svc${this.n}`, version: '1.0.0' };
    this.apis.push(api);
    this.apply(f.apiCreated({ apiId: api.id, context: api.context, operations: [f.operation('GET', '/items/{id}'), f.operation('PUT', '/items/{id}', { scopes: ['write'] })] }));
    this.apply(f.apiPublished(api.id));
  }
  addApp(): void {
    const app = this.id('app');
    this.apps.push(app);
    this.apply(f.applicationCreated({ applicationId: app }));
  }
  addSub(): void {
    const app = this.pick(this.apps);
    const api = this.pick(this.apis);
    if (!app || !api || this.subs.some((s) => s.app === app && s.api === api.id)) return;
    const sub = { id: this.id('sub'), app, api: api.id };
    this.subs.push(sub);
    this.apply(f.subscriptionCreated(sub.id, app, api.id, 'Gold'));
  }

  /** One random event (or a short burst) of any kind the gateway map folds. */
  step(): void {
    const r = this.rnd();
    const api = this.pick(this.apis);
    const sub = this.pick(this.subs);
    const app = this.pick(this.apps);
    if (r < 0.08) this.addApi();
    else if (r < 0.13) this.addApp();
    else if (r < 0.3) this.addSub();
    else if (r < 0.36 && api) this.apply(f.apiLifecycle(api.id, this.rnd() < 0.5 ? 'BLOCKED' : 'PUBLISHED'));
    else if (r < 0.4 && api) {
      const { data } = f.apiCreated({ apiId: api.id, context: api.context, maxTps: { production: 10, sandbox: null } });
      this.apply({ type: 'ApiUpdated', data: { ...data, operations: [f.operation('GET', `/v${this.n}`)] } } as GatehouseEvent);
    } else if (r < 0.43) {
      const gone = this.take(this.apis);
      if (gone) this.apply({ type: 'ApiDeleted', data: { apiId: gone.id, name: 'x', context: gone.context, version: gone.version } });
    } else if (r < 0.46 && api) this.apply(f.defaultVersion('x', api.context, this.rnd() < 0.7 ? api.id : null, api.version));
    else if (r < 0.5 && app) this.apply({ type: 'ApplicationUpdated', data: { applicationId: app, name: `renamed ${this.n++}`, throttlingPolicy: 'Gold', description: null, attributes: {} } });
    else if (r < 0.52) {
      const gone = this.take(this.apps);
      if (gone) this.apply({ type: 'ApplicationDeleted', data: { applicationId: gone, name: 'x', owner: 'alice' } });
    } else if (r < 0.57 && app) this.apply(f.keysGenerated(app, this.id('ck'), this.rnd() < 0.5 ? 'PRODUCTION' : 'SANDBOX'));
    else if (r < 0.63 && sub) this.apply(this.rnd() < 0.5 ? f.subscriptionBlocked(sub.id, sub.app, sub.api) : f.subscriptionUnblocked(sub.id, sub.app, sub.api));
    else if (r < 0.67 && sub) this.apply({ type: 'SubscriptionTierChanged', data: { subscriptionId: sub.id, applicationId: sub.app, apiId: sub.api, from: 'Gold', to: `Tier${this.n++}` } });
    else if (r < 0.72) {
      const gone = this.take(this.subs);
      if (gone) this.apply({ type: 'SubscriptionDeleted', data: { subscriptionId: gone.id, applicationId: gone.app, apiId: gone.api } });
    } else if (r < 0.76) {
      const name = this.pick(this.policies) ?? this.id('policy');
      if (!this.policies.includes(name)) this.policies.push(name);
      this.apply(f.policyUpdated({ level: this.rnd() < 0.5 ? 'SUBSCRIPTION' : 'ADVANCED', name, requestCount: Math.floor(this.rnd() * 1000) }));
    } else if (r < 0.78) {
      const gone = this.take(this.policies);
      if (gone) this.apply({ type: 'ThrottlingPolicyDeleted', data: { level: 'SUBSCRIPTION', name: gone } });
    } else if (r < 0.81) {
      const id = this.id('deny');
      this.blocking.push(id);
      this.apply(f.blockingAdded({ conditionId: id, type: 'IP', value: `10.0.0.${this.n % 250}` }));
    } else if (r < 0.84) {
      const id = this.pick(this.blocking);
      if (id) this.apply({ type: this.rnd() < 0.5 ? 'BlockingConditionDisabled' : 'BlockingConditionEnabled', data: { conditionId: id } });
    } else if (r < 0.86) {
      const id = this.take(this.blocking);
      if (id) this.apply({ type: 'BlockingConditionRemoved', data: { conditionId: id } });
    } else if (r < 0.88) {
      const kid = this.id('kid');
      if (this.kid === null) this.apply(f.signingKeyAdded(kid, { kty: 'EC', x: kid }));
      else this.apply({ type: 'SigningKeyRotated', data: { kid, alg: 'ES256', publicJwk: { kty: 'EC', x: kid }, previousKid: this.kid, retiredKid: this.rnd() < 0.5 ? this.kid : null } });
      this.kid = kid;
    } else if (r < 0.95) this.apply(f.tokenRevoked(this.id('jti'), this.rnd() < 0.2 ? null : 1_700_000_000 + this.n));
    else if (app) this.apply({ type: 'ApiKeyRevoked', data: { applicationId: app, jti: this.id('key'), exp: null } });
  }
}

/** A publisher without Kafka: the cutter, and the records the changelog would hold. */
class Changelog {
  readonly published = new Map<string, string>();
  layout: ChangelogLayout | undefined;
  readonly cuts: GatewayMapCut[] = [];
  constructor(readonly cutter: GatewayMapCutter) {}
  publish(view: GatewayMapView, recut?: string): GatewayMapCut {
    const cut = this.cutter.cut(view, this.published, this.layout, recut);
    for (const [key, value] of cut.changes) {
      if (value === null) {
        assert.ok(this.published.has(key), `tombstone for ${key}, which the changelog does not hold`);
        this.published.delete(key);
      } else {
        assert.notEqual(this.published.get(key), value, `${key} rewritten with the value it had`);
        this.published.set(key, value);
      }
    }
    this.layout = cut.layout;
    this.cuts.push(cut);
    return cut;
  }
}

/** The records a full re-cut of the view gives, with the layout the publisher had. */
function assertSameAsFull(view: GatewayMapView, log: Changelog, layoutBefore: ChangelogLayout | undefined, at: string): void {
  const full = changelogOfSnapshot(gatewayMapProjection.serialize(view) as string, gatewayMapProjection, layoutBefore);
  const differing = [...new Set([...full.entries.keys(), ...log.published.keys()])].filter((k) => full.entries.get(k) !== log.published.get(k));
  assert.deepEqual(differing, [], `${at}: records differing from a full re-cut`);
  assert.deepEqual(log.layout, full.layout, `${at}: layout`);
}

describe('incremental gateway map changelog', () => {
  for (const seed of [1, 2, 3]) {
    test(`random events (seed ${seed}): after every publish the records equal a full re-cut, byte for byte`, () => {
      const world = new World(random(seed));
      // Big enough for several buckets per large map (apis, subscriptions, revocations).
      for (let i = 0; i < 250; i++) world.addApi();
      for (let i = 0; i < 150; i++) world.addApp();
      for (let i = 0; i < 1200; i++) world.addSub();
      const logger = warnings();
      const log = new Changelog(createGatewayMapCutter({ projection: gatewayMapProjection, logger }));
      log.publish(world.view);
      assert.equal(log.cuts[0]!.mode, 'full');
      assert.ok(log.layout!.fields.some((field) => (field.buckets ?? 0) >= 4), 'several buckets in some map');
      const rnd = random(seed * 7919);
      for (let round = 0; round < 200; round++) {
        const events = 1 + Math.floor(rnd() * 6);
        for (let i = 0; i < events; i++) world.step();
        const before = log.layout;
        log.publish(world.view);
        assertSameAsFull(world.view, log, before, `seed ${seed} round ${round}`);
      }
      const incremental = log.cuts.filter((c) => c.mode === 'incremental');
      assert.ok(incremental.length > 180, `${incremental.length} incremental publishes of 200`);
      assert.ok(incremental.some((c) => c.changes.size > 1), 'some publish rewrote buckets');
      assert.ok(log.cuts.every((c) => c.mode === 'incremental' || c.reason === 'first publish' || /bucket count/.test(c.reason ?? '')), JSON.stringify(log.cuts.filter((c) => c.mode === 'full').map((c) => c.reason)));
      assert.deepEqual(logger.warned, []);
    });
  }

  test('a publish after one subscription change rewrites only its bucket (and nothing else)', () => {
    const world = new World(random(11));
    for (let i = 0; i < 200; i++) world.addApi();
    for (let i = 0; i < 100; i++) world.addApp();
    for (let i = 0; i < 2000; i++) world.addSub();
    const log = new Changelog(createGatewayMapCutter({ projection: gatewayMapProjection, logger: warnings() }));
    log.publish(world.view);
    const sub = world.subs[5]!;
    world.apply(f.subscriptionBlocked(sub.id, sub.app, sub.api));
    const cut = log.publish(world.view);
    assert.equal(cut.mode, 'incremental');
    assert.equal(cut.changes.size, 1);
    assert.match([...cut.changes.keys()][0]!, /^subscriptions#\d+$/);
    assert.ok(log.layout!.fields.find((field) => field.name === 'subscriptions')!.buckets! > 1);
    // Nothing moved: nothing to write, and reads of the map (a gateway's lookups) change nothing.
    world.view.subscriptions.get(sub.app)?.get(sub.api);
    world.view.apis.get(sub.api);
    assert.equal(log.publish(world.view).changes.size, 0);
  });

  test('revocations swept in bulk tombstone the buckets they empty', () => {
    const world = new World(random(5));
    const log = new Changelog(createGatewayMapCutter({ projection: gatewayMapProjection, logger: warnings() }));
    // Three big revocations that never expire keep the map above a quarter of its buckets' target
    // after the sweep (so the layout stays), in at most three of its buckets.
    const kept = [0, 1, 2].map((i) => `kept-${i}-${'k'.repeat(50_000)}`);
    for (const jti of kept) world.apply(f.tokenRevoked(jti, null), '2020-01-01T00:00:00.000Z');
    for (let i = 0; i < 1000; i++) world.apply(f.tokenRevoked(`expired-${i}-${'x'.repeat(300)}`, 1_000_000 + i), '2020-01-01T00:00:00.000Z');
    log.publish(world.view);
    const buckets = log.layout!.fields.find((field) => field.name === 'revokedJtis')!.buckets!;
    assert.ok(buckets >= 4, `${buckets} buckets`);
    // The revocations that bring the sweep land in the first big one's bucket.
    const later = Array.from({ length: 200 }, (_, i) => `later-${i}`).filter((jti) => bucketOf(jti, buckets) === bucketOf(kept[0]!, buckets)).slice(0, 21);
    assert.equal(later.length, 21);
    for (const jti of later) world.apply(f.tokenRevoked(jti, null), '2026-01-01T00:00:00.000Z');
    assert.equal(world.view.revokedJtis.size, 24, 'the sweep dropped the 1000 expired revocations');
    const before = log.layout;
    const cut = log.publish(world.view);
    assert.equal(cut.mode, 'incremental');
    const tombstones = [...cut.changes].filter(([, value]) => value === null).map(([key]) => key);
    assert.ok(tombstones.length >= buckets - 3 - 1, `tombstones ${tombstones.join()}`);
    assert.ok(tombstones.every((key) => key.startsWith('revokedJtis#')));
    assertSameAsFull(world.view, log, before, 'after the sweep');
  });

  test('full re-cuts: replaced view, forced re-cut, failed send, bucket growth; each equal to a full cut', () => {
    const world = new World(random(9));
    for (let i = 0; i < 20; i++) world.addApi();
    for (let i = 0; i < 10; i++) world.addApp();
    for (let i = 0; i < 50; i++) world.addSub();
    const log = new Changelog(createGatewayMapCutter({ projection: gatewayMapProjection, logger: warnings() }));
    assert.equal(log.publish(world.view).reason, 'first publish');

    world.view = gatewayMapProjection.deserialize(gatewayMapProjection.serialize(world.view));
    world.addSub();
    let before = log.layout;
    assert.equal(log.publish(world.view).reason, 'the view was replaced');
    assertSameAsFull(world.view, log, before, 'replaced view');

    world.addApi();
    before = log.layout;
    assert.equal(log.publish(world.view, 'a new projection version').reason, 'a new projection version');
    assertSameAsFull(world.view, log, before, 'forced');

    // The send failed: the changelog still holds the old records; the next cut starts over from them.
    world.addApp();
    const lost = log.cutter.cut(world.view, log.published, log.layout);
    assert.equal(lost.mode, 'incremental');
    log.cutter.invalidate();
    world.addSub();
    before = log.layout;
    const retry = log.publish(world.view);
    assert.equal(retry.mode, 'full');
    assertSameAsFull(world.view, log, before, 'after a failed send');

    // apis grow from one bucket to several: the layout changes, so every bucket is re-cut.
    const apiBuckets = log.layout!.fields.find((field) => field.name === 'apis')!.buckets;
    assert.equal(apiBuckets, 1);
    for (let i = 0; i < 400; i++) world.addApi();
    before = log.layout;
    const grown = log.publish(world.view);
    assert.match(grown.reason ?? '', /^apis needs another bucket count$/);
    assertSameAsFull(world.view, log, before, 'bucket growth');
    assert.ok(log.layout!.fields.find((field) => field.name === 'apis')!.buckets! > 1);
  });

  test('records that drifted from the view (a change behind the tracking maps) are caught, logged and re-cut', () => {
    const world = new World(random(3));
    for (let i = 0; i < 10; i++) world.addApi();
    for (let i = 0; i < 5; i++) world.addApp();
    for (let i = 0; i < 20; i++) world.addSub();
    const logger = warnings();
    const log = new Changelog(createGatewayMapCutter({ projection: gatewayMapProjection, logger }));
    log.publish(world.view);
    const sub = world.subs[0]!;
    const inner = world.view.subscriptions.get(sub.app)!;
    log.publish(world.view); // forgets that read
    inner.delete(sub.api); // not through the view's maps: invisible to tracking
    world.view.subscriptionCount--;
    world.addApi();
    const before = log.layout;
    const cut = log.publish(world.view);
    assert.equal(cut.mode, 'full');
    assert.equal(cut.reason, `subscriptions: ${world.subs.length} kept, ${world.subs.length - 1} in the view`);
    assert.equal(logger.warned.length, 1);
    assertSameAsFull(world.view, log, before, 'after drift');
  });

  test('incremental: false cuts the whole map every time and leaves the view untouched', () => {
    const world = new World(random(4));
    for (let i = 0; i < 5; i++) world.addApi();
    const apis = world.view.apis;
    const log = new Changelog(createGatewayMapCutter({ projection: gatewayMapProjection, logger: warnings(), incremental: false }));
    log.publish(world.view);
    world.addApi();
    const before = log.layout;
    const cut = log.publish(world.view);
    assert.equal(cut.mode, 'full');
    assert.equal(world.view.apis, apis, 'no tracking map swapped in');
    assertSameAsFull(world.view, log, before, 'incremental off');
  });
});
