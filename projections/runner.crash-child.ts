// Child process of runner.test.ts: runs a projection with a large view that snapshots after
// every event, forever, until the test kills it with SIGKILL. Prints "saved" per snapshot.
import type { RecordedEvent } from '../domain/ports.ts';
import { openMemoryEventStore } from '../infra/eventstore/memory.ts';
import { openSqliteViewStore } from '../infra/views/sqlite.ts';
import type { Projection, ViewStore } from './projection.ts';
import { createProjectionRunner } from './runner.ts';

interface Big {
  count: number;
  lastPosition: string;
  padding: string;
}

const big: Projection<Big> = {
  name: 'tally',
  version: 1,
  initialView: () => ({ count: 0, lastPosition: '0', padding: '' }),
  apply(v, e: RecordedEvent) {
    v.count++;
    v.lastPosition = String(e.globalPosition);
    v.padding = String(e.globalPosition % 10n).repeat(1_000_000 + Number(e.globalPosition % 7n) * 100_000);
    return v;
  },
  serialize: (v) => JSON.stringify(v),
  deserialize: (d) => JSON.parse(d.toString()) as Big,
};

const sqlite = openSqliteViewStore({ path: process.argv[2]! });
const views: ViewStore = {
  ...sqlite,
  async save(name, version, snapshot) {
    await sqlite.save(name, version, snapshot);
    process.stdout.write('saved\n');
  },
};
const store = openMemoryEventStore();
const runner = createProjectionRunner({ store, viewStore: views, projections: [big], snapshotEveryEvents: 1, snapshotEveryMs: 0 });
await runner.start();
for (let i = 0; ; i++) {
  const r = await store.appendToStream(`s-${i % 5}`, [
    { type: 'Counted', data: { i }, metadata: { eventId: `e-${i}`, actor: 'child', correlationId: 'c', causationId: null, recordedAt: '2026-01-01T00:00:00.000Z', schemaVersion: 1 } },
  ]);
  await runner.waitForPosition(r.lastGlobalPosition, 10_000);
  await runner.snapshot();
}
