import { describe, test, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { openSqliteEventStore } from '../../infra/eventstore/sqlite.ts';
import { openSqliteViewStore } from '../../infra/views/sqlite.ts';
import { alertsProjection } from '../../projections/analytics/alerts/view.ts';
import { catalogProjection } from '../../projections/catalog/projection.ts';
import { IDS, writeStory, writer } from '../../projections/catalog/story.fixture.ts';
import { createProjectionRunner } from '../../projections/runner.ts';
import { PROJECTIONS } from '../../projections/registry.ts';
import { subStream } from '../../domain/streams.ts';
import type { EventStore } from '../../domain/ports.ts';
import type { AlertingEvent } from '../../projections/analytics/alerts/events.ts';

const root = new URL('../..', import.meta.url).pathname;
const dirs: string[] = [];
after(() => dirs.forEach((d) => rmSync(d, { recursive: true, force: true })));

const gatehouse = (...args: string[]) =>
  spawnSync(process.execPath, ['--import', 'tsx', 'cli/main.ts', ...args], { cwd: root, encoding: 'utf8', env: { ...process.env, NO_COLOR: '1' } });

/** A data dir with the story, snapshots taken midway by a real runner, and events after them. */
async function dataDir(): Promise<string> {
  const dir = mkdtempSync(join(tmpdir(), 'gatehouse-replay-'));
  dirs.push(dir);
  const store = openSqliteEventStore({ path: join(dir, 'events.db') });
  await writeStory(store);
  const views = openSqliteViewStore({ path: join(dir, 'views.db') });
  const runner = createProjectionRunner({ store, viewStore: views, projections: PROJECTIONS });
  await runner.start();
  await runner.close();
  const emit = writer(store, 200);
  await emit(subStream(IDS.sub1), 'admin', { type: 'SubscriptionUnblocked', data: { subscriptionId: IDS.sub1, applicationId: IDS.aliceApp, apiId: IDS.pizza1, status: 'UNBLOCKED' } });
  await views.close();
  await store.close();
  return dir;
}

/** Alert events as the analytics worker appends them (the alerts projection's input). */
async function writeAlerts(store: EventStore): Promise<void> {
  const scope = { apiId: 'api-1', apiName: 'Orders', applicationId: null, applicationName: null, clientIp: null };
  const events: Array<[string, AlertingEvent]> = [
    ['alerts-api-1', { type: 'AlertRaised', data: { ...scope, alertId: 'a1', kind: 'API_HEALTH', severity: 'CRITICAL', message: 'errors', observed: 0.9, threshold: 0.5, baseline: null, windowStart: '2026-03-01T10:00:00.000Z', windowEnd: '2026-03-01T10:01:00.000Z', raisedAt: '2026-03-01T10:01:00.000Z' } }],
    ['alert-subscription-admin', { type: 'AlertSubscriptionConfigured', data: { userName: 'admin', kinds: ['API_HEALTH'], apiIds: null, applicationIds: null } }],
    ['alerts-api-1', { type: 'AlertCleared', data: { ...scope, alertId: 'a1', kind: 'API_HEALTH', message: 'recovered', clearedAt: '2026-03-01T10:05:00.000Z' } }],
  ];
  let n = 0;
  for (const [streamId, e] of events) {
    await store.appendToStream(streamId, [{ type: e.type, data: e.data, metadata: { eventId: `alert-${++n}`, actor: 'gatehouse-analytics', correlationId: `a-${n}`, causationId: null, recordedAt: '2026-03-01T10:05:00.000Z', schemaVersion: 1 } }]);
  }
}

describe('gatehouse replay', () => {
  test('every projection rebuilt from 0 equals its snapshot caught up to the end of the log', async () => {
    const dir = await dataDir();
    const r = gatehouse('replay', '--data', dir);
    assert.equal(r.status, 0, r.stderr);
    const lines = r.stdout.trim().split('\n');
    assert.equal(lines.length, PROJECTIONS.length);
    for (const line of lines) assert.match(line, /^equal\s+\S+ v\d+ at position 39 \(39 events replayed\); live view from the snapshot at 38$/);
  });

  test('a tampered snapshot is reported with its first differing field, exit 1; --swap repairs it', async () => {
    const dir = await dataDir();
    const views = openSqliteViewStore({ path: join(dir, 'views.db') });
    const snap = (await views.load('catalog', catalogProjection.version))!;
    const view = catalogProjection.deserialize(snap.data);
    view.apis.set(IDS.pizza1, { ...view.apis.get(IDS.pizza1)!, lifecycleStatus: 'BLOCKED' });
    await views.save('catalog', catalogProjection.version, { position: snap.position, data: Buffer.from(catalogProjection.serialize(view)) });
    await views.close();

    const r = gatehouse('replay', '--projection', 'catalog', '--json', '--data', dir);
    assert.equal(r.status, 1);
    const outcome = JSON.parse(r.stdout) as { status: string; difference: { field: { path: string; before: string; after: string } } };
    assert.equal(outcome.status, 'different');
    assert.deepEqual(outcome.difference.field, { path: 'apis[0].lifecycleStatus', before: 'BLOCKED', after: 'DEPRECATED' });
    assert.equal(r.stderr.trim(), 'gatehouse: 1 projection(s) differ from a replay of the log');

    const human = gatehouse('replay', '--projection', 'catalog', '--data', dir);
    assert.match(human.stdout, new RegExp(`^DIFFERENT\\s+catalog v${catalogProjection.version}`, 'm'));
    assert.match(human.stdout, /first differing field apis\[0\]\.lifecycleStatus: live "BLOCKED" ≠ replayed "DEPRECATED"/);

    assert.equal(gatehouse('replay', '--projection', 'catalog', '--swap', '--data', dir).status, 1);
    const again = gatehouse('replay', '--projection', 'catalog', '--data', dir);
    assert.equal(again.status, 0, again.stdout);
    assert.match(again.stdout, new RegExp(`^equal\\s+catalog v${catalogProjection.version} at position 39`));
  });

  test('--to replays a prefix; a --to before the snapshot or beyond the log fails with one line', async () => {
    const dir = await dataDir();
    const ok = gatehouse('replay', '--projection', 'audit', '--to', '39', '--data', dir);
    assert.equal(ok.status, 0, ok.stderr);
    for (const [to, reason] of [
      ['10', /^gatehouse: audit: the snapshot is at position 38, after --to 10; replay to 38 or later$/],
      ['999', /^gatehouse: --to 999 is beyond the end of the log \(39\)$/],
    ] as const) {
      const r = gatehouse('replay', '--projection', 'audit', '--to', to, '--data', dir);
      assert.equal(r.status, 1);
      assert.match(r.stderr.trim(), reason);
    }
  });

  test('--projection alerts rebuilds the alerts view (raised, cleared, subscriptions) and compares it', async () => {
    const dir = await dataDir();
    const store = openSqliteEventStore({ path: join(dir, 'events.db') });
    await writeAlerts(store);
    await store.close();
    const r = gatehouse('replay', '--projection', 'alerts', '--json', '--data', dir);
    assert.equal(r.status, 0, r.stderr);
    const outcome = JSON.parse(r.stdout) as { projection: string; status: string; position: string; snapshotPosition: string };
    assert.deepEqual([outcome.projection, outcome.status, outcome.position, outcome.snapshotPosition], ['alerts', 'equal', '42', '38']);

    // A snapshot that lost the clearance is caught, field by field.
    const views = openSqliteViewStore({ path: join(dir, 'views.db') });
    const log = openSqliteEventStore({ path: join(dir, 'events.db') });
    const runner = createProjectionRunner({ store: log, viewStore: views, projections: [alertsProjection] });
    await runner.start();
    await runner.close();
    await log.close();
    const snap = (await views.load('alerts', alertsProjection.version))!;
    const view = alertsProjection.deserialize(snap.data);
    assert.equal(view.alerts.get('a1')?.status, 'CLEARED', 'the live runner folded the alert events');
    view.alerts.get('a1')!.status = 'ACTIVE';
    await views.save('alerts', alertsProjection.version, { position: snap.position, data: Buffer.from(alertsProjection.serialize(view)) });
    await views.close();
    const tampered = gatehouse('replay', '--projection', 'alerts', '--json', '--data', dir);
    assert.equal(tampered.status, 1);
    const diff = JSON.parse(tampered.stdout) as { status: string; difference: { field: { path: string; before: string; after: string } } };
    assert.deepEqual([diff.status, diff.difference.field], ['different', { path: 'alerts[0].status', before: 'ACTIVE', after: 'CLEARED' }]);
  });

  test('an unknown projection or a missing store exits 1 with a one-line reason', async () => {
    const dir = await dataDir();
    const unknown = gatehouse('replay', '--projection', 'nope', '--data', dir);
    assert.equal(unknown.status, 1);
    assert.equal(unknown.stdout, '');
    assert.equal(unknown.stderr.trim(), `gatehouse: unknown projection 'nope' (known: ${PROJECTIONS.map((p) => p.name).join(', ')})`);
    const empty = mkdtempSync(join(tmpdir(), 'gatehouse-empty-'));
    dirs.push(empty);
    const missing = gatehouse('replay', '--data', empty);
    assert.equal(missing.status, 1);
    assert.equal(missing.stderr.trim().split('\n').length, 1);
    assert.match(missing.stderr, /no event store at/);
  });
});
