import { describe, test, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { EventStore, NewEvent, RecordedEvent } from '../domain/ports.ts';
import { registerUpcaster } from '../domain/upcasting.ts';
import { openMemoryEventStore } from '../infra/eventstore/memory.ts';
import { openMemoryViewStore } from '../infra/views/memory.ts';
import { openSqliteViewStore } from '../infra/views/sqlite.ts';
import type { Projection, ViewStore } from './projection.ts';
import { createProjectionRunner } from './runner.ts';
import { ProjectionFailedError, UnknownProjectionError, ViewTimeoutError } from './runner-errors.ts';

const dirs: string[] = [];
const tempDir = () => {
  const d = mkdtempSync(join(tmpdir(), 'gatehouse-runner-'));
  dirs.push(d);
  return d;
};
after(() => {
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

let seq = 0;
const ev = (type: string, data: unknown, schemaVersion = 1): NewEvent => ({
  type,
  data,
  metadata: {
    eventId: `e-${++seq}`,
    actor: 'tester',
    correlationId: 'c',
    causationId: null,
    recordedAt: '2026-01-01T00:00:00.000Z',
    schemaVersion,
  },
});

async function appendN(store: EventStore, n: number, stream = 's-1'): Promise<void> {
  for (let i = 0; i < n; i++) await store.appendToStream(stream, [ev('Counted', { n: 1 })]);
}

interface Tally {
  count: number;
  lastPosition: string;
  seen: string[];
}

/** Counts events; `calls` counts apply invocations so a test sees what was re-applied. */
function tally(version = 1): Projection<Tally> & { calls: number } {
  const p = {
    name: 'tally',
    version,
    calls: 0,
    initialView: (): Tally => ({ count: 0, lastPosition: '0', seen: [] }),
    apply(view: Tally, e: RecordedEvent): Tally {
      p.calls++;
      view.count++;
      view.lastPosition = String(e.globalPosition);
      view.seen.push(`${e.type}:${JSON.stringify(e.data)}`);
      return view;
    },
    serialize: (v: Tally) => JSON.stringify(v),
    deserialize: (d: string | Buffer) => JSON.parse(d.toString()) as Tally,
  };
  return p;
}

describe('projection runner', () => {
  test('catches up from 0, follows live appends and notifies listeners after applying', async () => {
    const store = openMemoryEventStore();
    await appendN(store, 3);
    const runner = createProjectionRunner({ store, projections: [tally()] });
    await runner.start();
    assert.equal(runner.view<Tally>('tally').count, 3);
    assert.equal(runner.position(), 3n);

    const heard: bigint[] = [];
    const off = runner.onEvent((e) => {
      heard.push(e.globalPosition);
      assert.equal(runner.view<Tally>('tally').lastPosition, String(e.globalPosition), 'listener sees the view with the event applied');
    });
    const r = await store.appendToStream('s-2', [ev('Counted', { n: 1 }), ev('Counted', { n: 2 })]);
    await runner.waitForPosition(r.lastGlobalPosition, 2000);
    assert.equal(runner.view<Tally>('tally').count, 5);
    assert.deepEqual(heard, [4n, 5n]);
    off();
    await appendN(store, 1);
    await runner.waitForPosition(6n, 2000);
    assert.deepEqual(heard, [4n, 5n], 'unsubscribed listener hears nothing');
    await runner.close();
    await store.close();
  });

  test('waitForPosition rejects with a typed timeout after the bound, and resolves at once when reached', async () => {
    const store = openMemoryEventStore();
    await appendN(store, 2);
    const runner = createProjectionRunner({ store, projections: [tally()] });
    await runner.start();
    await runner.waitForPosition(2n, 10); // already there
    const started = Date.now();
    await assert.rejects(runner.waitForPosition(99n, 50), (e: unknown) => {
      assert.ok(e instanceof ViewTimeoutError);
      assert.equal(e.position, 99n);
      assert.equal(e.reached, 2n);
      return true;
    });
    assert.ok(Date.now() - started >= 45);
    assert.throws(() => runner.view('nope'), UnknownProjectionError);
    await runner.close();
    await store.close();
  });

  test('restart resumes from the snapshot and applies only the events after it', async () => {
    const store = openMemoryEventStore();
    const views = openSqliteViewStore({ path: join(tempDir(), 'views.db') });
    await appendN(store, 5);
    const first = tally();
    const r1 = createProjectionRunner({ store, viewStore: views, projections: [first], snapshotEveryEvents: 1000 });
    await r1.start();
    await r1.close(); // snapshots on close
    assert.equal(first.calls, 5);
    assert.equal((await views.load('tally', 1))?.position, 5n);

    await appendN(store, 2);
    const second = tally();
    const r2 = createProjectionRunner({ store, viewStore: views, projections: [second] });
    await r2.start();
    assert.equal(second.calls, 2, 'only the 2 new events were applied');
    assert.deepEqual(r2.status().map((s) => [s.origin, s.position]), [['snapshot', 7n]]);
    const fresh = tally();
    const r3 = createProjectionRunner({ store, projections: [fresh] });
    await r3.start();
    assert.deepEqual(r2.view('tally'), r3.view('tally'), 'resumed view equals a rebuilt one');
    await Promise.all([r2.close(), r3.close()]);
    await views.close();
    await store.close();
  });

  test('snapshots every N events while running, with the position of the serialized view', async () => {
    const store = openMemoryEventStore();
    const views = openMemoryViewStore();
    const runner = createProjectionRunner({ store, viewStore: views, projections: [tally()], snapshotEveryEvents: 3, snapshotEveryMs: 0 });
    await runner.start();
    await appendN(store, 7);
    await runner.waitForPosition(7n, 2000);
    await runner.snapshot(); // drains the save queue too
    const snap = await views.load('tally', 1);
    assert.ok(snap);
    const saved = JSON.parse(snap.data.toString()) as Tally;
    assert.equal(String(snap.position), saved.lastPosition);
    assert.equal(BigInt(saved.count), snap.position);
    await runner.close();
    await store.close();
  });

  test('count-triggered snapshots of a large view are spaced by its size (one event per 128 bytes)', async () => {
    const store = openMemoryEventStore();
    const saved: Array<[string, bigint]> = [];
    const memory = openMemoryViewStore();
    const views: ViewStore = { ...memory, save: (name, version, snap) => (saved.push([name, snap.position]), memory.save(name, version, snap)) };
    // ~5 KB serialized: the next snapshot waits ~40 events; the tiny counter keeps every 2.
    const counter: Projection<number> = { name: 'counter', version: 1, initialView: () => 0, apply: (v) => v + 1, serialize: String, deserialize: (d) => Number(d.toString()) };
    const big: Projection<{ count: number; padding: string }> = {
      name: 'big',
      version: 1,
      initialView: () => ({ count: 0, padding: 'x'.repeat(5_000) }),
      apply: (v) => ({ ...v, count: v.count + 1 }),
      serialize: (v) => JSON.stringify(v),
      deserialize: (d) => JSON.parse(d.toString()) as { count: number; padding: string },
    };
    const runner = createProjectionRunner({ store, viewStore: views, projections: [counter, big], snapshotEveryEvents: 2, snapshotEveryMs: 0 });
    await runner.start();
    await appendN(store, 60);
    await runner.waitForPosition(60n, 2000);
    await runner.snapshot();
    const positions = (name: string) => saved.filter(([n]) => n === name).map(([, p]) => Number(p));
    assert.deepEqual(positions('counter'), Array.from({ length: 30 }, (_, i) => 2 * (i + 1)));
    const next = 2 + Math.floor(JSON.stringify({ count: 2, padding: 'x'.repeat(5_000) }).length / 128);
    assert.deepEqual(positions('big'), [2, next, 60], 'at 2 (the configured count), then bytes/128 events later, then on demand');
    await runner.close();
    await store.close();
  });

  test('a projection version change discards the snapshot and rebuilds from 0', async () => {
    const store = openMemoryEventStore();
    const views = openSqliteViewStore({ path: join(tempDir(), 'views.db') });
    await appendN(store, 4);
    const r1 = createProjectionRunner({ store, viewStore: views, projections: [tally(1)] });
    await r1.start();
    await r1.close();
    const v2 = tally(2);
    const r2 = createProjectionRunner({ store, viewStore: views, projections: [v2] });
    await r2.start();
    assert.equal(v2.calls, 4);
    assert.equal(r2.status()[0]!.origin, 'rebuilt');
    await r2.close();
    assert.equal(await views.load('tally', 1), undefined, 'the old version is gone once the new one is saved');
    assert.equal((await views.load('tally', 2))?.position, 4n);
    await views.close();
    await store.close();
  });

  test('a snapshot ahead of the log (store replaced) is discarded', async () => {
    const views = openMemoryViewStore();
    await views.save('tally', 1, { position: 50n, data: Buffer.from(JSON.stringify({ count: 50, lastPosition: '50', seen: [] })) });
    const store = openMemoryEventStore();
    await appendN(store, 2);
    const runner = createProjectionRunner({ store, viewStore: views, projections: [tally()] });
    await runner.start();
    assert.equal(runner.view<Tally>('tally').count, 2);
    assert.equal(runner.status()[0]!.origin, 'rebuilt');
    await runner.close();
    await store.close();
  });

  test('an unreadable snapshot is rebuilt instead of crashing the start', async () => {
    const views = openMemoryViewStore();
    await views.save('tally', 1, { position: 1n, data: Buffer.from('{not json') });
    const store = openMemoryEventStore();
    await appendN(store, 2);
    const runner = createProjectionRunner({ store, viewStore: views, projections: [tally()] });
    await runner.start();
    assert.equal(runner.view<Tally>('tally').count, 2);
    await runner.close();
    await store.close();
  });

  test('a failing projection stops alone; waiting on it rejects with the failure', async () => {
    const store = openMemoryEventStore();
    const broken: Projection<number> = {
      name: 'broken',
      version: 1,
      initialView: () => 0,
      apply(v, e) {
        if (e.type === 'Poison') throw new Error('cannot digest');
        return v + 1;
      },
      serialize: String,
      deserialize: (d) => Number(d.toString()),
    };
    const runner = createProjectionRunner({ store, projections: [broken, tally()] });
    await runner.start();
    await store.appendToStream('s', [ev('Counted', {}), ev('Poison', {}), ev('Counted', {})]);
    await runner.waitForPosition(3n, 2000, 'tally');
    assert.equal(runner.view<Tally>('tally').count, 3);
    assert.equal(runner.view<number>('broken'), 1);
    await assert.rejects(runner.waitForPosition(3n, 2000), ProjectionFailedError);
    assert.match(runner.status()[0]!.failed ?? '', /broken failed at position 2: cannot digest/);
    await runner.close();
    await store.close();
  });

  test('events are upcast before projections see them', async () => {
    registerUpcaster({ type: 'RunnerTestRenamed', fromVersion: 1, up: (d) => ({ ...(d as object), upcast: true }) });
    const store = openMemoryEventStore();
    await store.appendToStream('s', [ev('RunnerTestRenamed', { a: 1 }, 1)]);
    const runner = createProjectionRunner({ store, projections: [tally()] });
    await runner.start();
    assert.deepEqual(runner.view<Tally>('tally').seen, ['RunnerTestRenamed:{"a":1,"upcast":true}']);
    await runner.close();
    await store.close();
  });

  test('close rejects pending waiters and writes the unsaved snapshot', async () => {
    const store = openMemoryEventStore();
    const views = openMemoryViewStore();
    await appendN(store, 2);
    const runner = createProjectionRunner({ store, viewStore: views, projections: [tally()], snapshotEveryEvents: 100 });
    await runner.start();
    const pending = runner.waitForPosition(10n, 5000);
    await runner.close();
    await assert.rejects(pending, /closed/);
    assert.equal((await views.load('tally', 1))?.position, 2n);
    await store.close();
  });

  test('SIGKILL during snapshot writes never leaves a view that disagrees with its checkpoint', async () => {
    const dir = tempDir();
    const path = join(dir, 'views.db');
    for (let round = 0; round < 3; round++) {
      const child = spawn(process.execPath, ['--import', 'tsx', new URL('./runner.crash-child.ts', import.meta.url).pathname, path], {
        stdio: ['ignore', 'pipe', 'inherit'],
      });
      // Wait until the child has saved a few snapshots, then kill it at an arbitrary moment.
      await new Promise<void>((resolve, reject) => {
        let out = '';
        child.stdout.on('data', (b: Buffer) => {
          out += b.toString();
          if ((out.match(/saved/g) ?? []).length >= 3 + round) resolve();
        });
        child.on('exit', (code) => reject(new Error(`child exited early with ${code}`)));
      });
      await new Promise((r) => setTimeout(r, 7 * round));
      const exited = new Promise((r) => child.once('exit', r));
      child.kill('SIGKILL');
      await exited;

      const views = openSqliteViewStore({ path });
      const snap = await views.load('tally', 1);
      await views.close();
      assert.ok(snap, 'a snapshot survived');
      const view = JSON.parse(snap.data.toString()) as Tally;
      assert.equal(view.lastPosition, String(snap.position), 'view and checkpoint belong to the same moment');
      assert.equal(BigInt(view.count), snap.position);
    }
  });
});
