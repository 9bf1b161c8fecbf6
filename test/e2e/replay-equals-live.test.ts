// ARCHITECTURE rule 1: a whole story driven through the command facade while every projection
// runs live (and snapshots), then each projection rebuilt from position 0 must serialize to the
// very bytes of the live view — also after a restart from snapshots, and through the CLI.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { randomBytes, randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { SignJWT, generateKeyPair } from 'jose';
import type { CreateApiInput } from '../../domain/api/definition.ts';
import type { EventStore, Randomness } from '../../domain/ports.ts';
import { createGatehouse, type CommandContext, type Gatehouse } from '../../domain/services/gatehouse.ts';
import { openSqliteEventStore } from '../../infra/eventstore/sqlite.ts';
import { openSqliteViewStore } from '../../infra/views/sqlite.ts';
import { catalogLookup } from '../../projections/catalog/lookup.ts';
import { getApi, listSubscriptions } from '../../projections/catalog/queries.ts';
import type { CatalogView } from '../../projections/catalog/view.ts';
import type { ViewStore } from '../../projections/projection.ts';
import { PROJECTIONS } from '../../projections/registry.ts';
import { createProjectionRunner, type ProjectionRunner } from '../../projections/runner.ts';
import { firstDifference, rebuildView } from '../../projections/runner-replay.ts';

const root = new URL('../..', import.meta.url).pathname;
let n = 0;
const as = (actor: string, extra: Partial<CommandContext> = {}): CommandContext => ({ actor, correlationId: `e2e-${++n}`, ...extra });

const pizza = (over: Partial<CreateApiInput> = {}): CreateApiInput => ({
  name: 'PizzaShack',
  context: '/pizzashack',
  version: '1.0.0',
  endpoints: { production: 'https://backend.example/pizza', sandbox: 'https://sandbox.example/pizza' },
  operations: [{ verb: 'GET', target: '/menu' }, { verb: 'POST', target: '/order', scopes: ['order'] }],
  scopes: [{ name: 'order', roles: ['subscriber'] }],
  subscriptionPolicies: ['Gold', 'Unlimited'],
  tags: ['food'],
  ...over,
});

interface World {
  dir: string;
  store: EventStore;
  views: ViewStore;
  runner: ProjectionRunner;
  gatehouse: Gatehouse;
  clock: { now(): Date; advance(seconds: number): void };
}

async function startRunner(store: EventStore, views: ViewStore): Promise<ProjectionRunner> {
  const runner = createProjectionRunner({ store, viewStore: views, projections: PROJECTIONS, snapshotEveryEvents: 7, snapshotEveryMs: 0 });
  await runner.start();
  return runner;
}

async function world(): Promise<World> {
  const dir = mkdtempSync(join(tmpdir(), 'gatehouse-e2e-replay-'));
  const store = openSqliteEventStore({ path: join(dir, 'events.db') });
  const views = openSqliteViewStore({ path: join(dir, 'views.db') });
  const runner = await startRunner(store, views);
  let now = new Date('2026-04-01T09:00:00.000Z');
  const clock = { now: () => new Date(now), advance: (s: number) => void (now = new Date(now.getTime() + s * 1000)) };
  const random: Randomness = { uuid: () => randomUUID(), token: (bytes) => randomBytes(bytes).toString('base64url') };
  const hashes = new Map<string, string>();
  const keys = new Map<string, Record<string, unknown>>();
  const { privateKey } = await generateKeyPair('ES256');
  const live = { runner };
  const gatehouse = createGatehouse({
    store,
    clock,
    random,
    credentials: {
      async setPasswordHash(u, h) { hashes.set(u, h); },
      async getPasswordHash(u) { return hashes.get(u); },
      async deletePasswordHash(u) { hashes.delete(u); },
    },
    keyStore: {
      async putPrivateKey(kid, jwk) { keys.set(kid, jwk); },
      async getPrivateKey(kid) { return keys.get(kid); },
    },
    // The lookup follows whichever runner is live (the story restarts it midway).
    lookup: catalogLookup({ view: <V>(name: string) => live.runner.view<V>(name), waitForPosition: (p, t, name) => live.runner.waitForPosition(p, t, name) }),
    signer: {
      async sign(claims, opts) {
        const jti = randomUUID();
        const iat = Math.floor(clock.now().getTime() / 1000);
        const exp = opts.expiresInSeconds ? iat + opts.expiresInSeconds : null;
        let jwt = new SignJWT(claims).setProtectedHeader({ alg: 'ES256', kid: 'e2e' }).setJti(jti).setIssuedAt(iat);
        if (exp) jwt = jwt.setExpirationTime(exp);
        return { token: await jwt.sign(privateKey), jti, exp };
      },
    },
    scryptCost: 1024,
  });
  return {
    dir,
    store,
    views,
    gatehouse,
    clock,
    get runner() {
      return live.runner;
    },
    set runner(r: ProjectionRunner) {
      live.runner = r;
    },
  };
}

/** Every live view, serialized, against a fresh rebuild from position 0 to the same position. */
async function assertReplayEqualsLive(w: World): Promise<void> {
  const head = await w.store.headPosition();
  await w.runner.waitForPosition(head, 10_000);
  for (const projection of PROJECTIONS) {
    const live = projection.serialize(w.runner.view(projection.name));
    const fresh = await rebuildView(w.store, projection, { to: head });
    assert.equal(fresh.position, head);
    const difference = firstDifference(live, projection.serialize(fresh.view));
    assert.equal(difference, undefined, `${projection.name}: ${JSON.stringify(difference)}`);
  }
}

describe('replay equals live', () => {
  let w: World;
  const ids: Record<string, string> = {};
  before(async () => {
    w = await world();
  });
  after(async () => {
    await w.runner.close();
    await w.views.close();
    await w.store.close();
    rmSync(w.dir, { recursive: true, force: true });
  });

  test('the management story through the facade, with the views live', async () => {
    const g = w.gatehouse;
    await g.bootstrap({ adminPassword: 'admin-password' }, as('system'));
    const carol = await g.signUp({ username: 'Carol', password: 'carol-password' }, as('anonymous'));
    await g.grantRole({ username: carol.username, role: 'creator' }, as('admin'));
    await g.grantRole({ username: carol.username, role: 'publisher' }, as('admin'));
    const bob = await g.signUp({ username: 'bob', password: 'bob-password' }, as('anonymous'));
    ids.bobDefaultApp = bob.applicationId;

    const v1 = await g.createApi({ input: pizza() }, as('carol'));
    ids.v1 = v1.id;
    await g.changeLifecycle({ apiId: v1.id, action: 'PUBLISH' }, as('carol'));
    const app = await g.createApplication({ input: { name: 'Mobile', throttlingPolicy: '10PerMin' } }, as('bob'));
    ids.app = app.id;
    const sub = await g.subscribe({ applicationId: app.id, apiId: v1.id, throttlingPolicy: 'Gold' }, as('bob'));
    ids.sub = sub.id;
    await g.generateKeys({ applicationId: app.id, keyType: 'PRODUCTION', grantTypes: ['client_credentials'] }, as('bob'));
    await g.regenerateSecret({ applicationId: app.id, keyType: 'PRODUCTION' }, as('bob'));
    await g.updateKeys({ applicationId: app.id, keyType: 'PRODUCTION', grantTypes: ['client_credentials', 'authorization_code'], tokenValiditySeconds: 900, callbackUrl: 'https://mobile.example/cb' }, as('bob'));
    await g.updateKeys({ applicationId: app.id, keyType: 'PRODUCTION', grantTypes: ['client_credentials'], callbackUrl: null }, as('bob'));
    const apiKey = await g.generateApiKey({ applicationId: app.id, keyType: 'PRODUCTION', validitySeconds: 3600, permittedIPs: ['10.0.0.0/8'] }, as('bob'));
    await g.revokeApiKey({ applicationId: app.id, jti: apiKey.jti }, as('bob'));

    const v2 = await g.createNewVersion({ apiId: v1.id, version: '2.0.0', defaultVersion: true }, as('carol'));
    ids.v2 = v2.id;
    await g.updateApi({ id: v2.id, input: { description: 'Faster pizza', tags: ['food', 'fast'] } }, as('carol'));
    await g.changeLifecycle({ apiId: v2.id, action: 'PUBLISH', deprecateOldVersions: true, requireResubscription: false }, as('carol'));
    await g.blockSubscription({ id: sub.id, productionOnly: true }, as('carol'));
    await g.unblockSubscription({ id: sub.id }, as('carol'));

    await g.createThrottlingPolicy({ input: { level: 'SUBSCRIPTION', name: 'Platinum', requestCount: 20000, unitTime: 1, timeUnit: 'MIN' } }, as('admin'));
    const block = await g.addBlockingCondition({ type: 'IP', value: '192.168.1.7' }, as('admin'));
    await g.setBlockingConditionEnabled({ id: block.id, enabled: false }, as('admin'));
    await g.rotateSigningKey({}, as('admin'));
    for (let i = 0; i < 5; i++) await g.verifyPassword({ username: 'bob', password: 'wrong' }, as('km'));
    w.clock.advance(600);
    await g.revokeToken({ jti: 'access-jti-1', exp: Math.floor(w.clock.now().getTime() / 1000) + 600, tokenType: 'access_token' }, as('km'));
    const refresh = await g.issueRefreshToken({ clientId: 'gatehouse-portal', subject: 'bob', scope: 'default', expiresInSeconds: 3600 }, as('km'));
    await g.rotateRefreshToken({ refreshToken: refresh.refreshToken, clientId: 'gatehouse-portal', expiresInSeconds: 3600 }, as('km'));

    // The views are live: what the facade just did is visible once they reach the head.
    await w.runner.waitForPosition(await w.store.headPosition(), 5_000);
    const catalog = w.runner.view<CatalogView>('catalog');
    assert.equal(getApi(catalog, ids.v1)?.lifecycleStatus, 'DEPRECATED');
    assert.equal(getApi(catalog, ids.v2)?.isDefaultVersion, true);
    assert.deepEqual(listSubscriptions(catalog, { applicationId: ids.app }).map((s) => s.apiId).sort(), [ids.v1, ids.v2].sort());
    await assertReplayEqualsLive(w);
  });

  test('after a restart from snapshots and more commands, replay still equals live', async () => {
    await w.runner.close();
    w.runner = await startRunner(w.store, w.views);
    assert.ok(w.runner.status().every((s) => s.origin === 'snapshot'), JSON.stringify(w.runner.status(), (_k, v) => (typeof v === 'bigint' ? String(v) : v)));
    const g = w.gatehouse;
    await g.changeSubscriptionTier({ id: ids.sub!, throttlingPolicy: 'Unlimited' }, as('bob'));
    await g.updateApplication({ id: ids.app!, input: { description: 'the mobile app' } }, as('bob'));
    await g.changeLifecycle({ apiId: ids.v1!, action: 'RETIRE' }, as('carol'));
    await g.revokeRole({ username: 'carol', role: 'publisher' }, as('admin'));
    await g.deleteApplication({ id: ids.bobDefaultApp! }, as('bob'));
    await assertReplayEqualsLive(w);
  });

  test('gatehouse replay on the same data dir reports every projection equal', async () => {
    await w.runner.snapshot();
    const r = spawnSync(process.execPath, ['--import', 'tsx', 'cli/main.ts', 'replay', '--json', '--data', w.dir], { cwd: root, encoding: 'utf8' });
    assert.equal(r.status, 0, r.stdout + r.stderr);
    const outcomes = r.stdout.trim().split('\n').map((l) => JSON.parse(l) as { projection: string; status: string });
    assert.deepEqual(outcomes.map((o) => [o.projection, o.status]), PROJECTIONS.map((p) => [p.name, 'equal']));
  });
});
