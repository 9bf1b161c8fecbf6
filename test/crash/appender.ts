// Child process of kill9.test.ts: handles commands against the SQLite store in a loop and
// prints one line per acknowledged command: `ack <streamId> <streamVersion> <position>`.
// Runs until it is killed. stdout to a pipe is synchronous on Linux, so a printed line
// means the append had been acknowledged before the next one began.
import { randomUUID } from 'node:crypto';
import { handleCommand } from '../../domain/command-handler.ts';
import type { Decider } from '../../domain/decider.ts';
import type { DomainEvent } from '../../domain/ports.ts';
import { openSqliteEventStore } from '../../infra/eventstore/sqlite.ts';

type Counted = DomainEvent<'CounterIncremented', { by: number; total: number }>;
const counter: Decider<number, { by: number }, Counted> = {
  initialState: () => 0,
  evolve: (total, e) => e.data.total,
  decide: (cmd, total) =>
    Array.from({ length: cmd.by }, (_, i) => ({ type: 'CounterIncremented' as const, data: { by: 1, total: total + i + 1 } })),
};

const [path, label = 'a'] = process.argv.slice(2);
if (!path) throw new Error('usage: appender.ts <events.db> [label]');
const store = openSqliteEventStore({ path });
const deps = { store, clock: { now: () => new Date() }, random: { uuid: randomUUID, token: () => randomUUID() } };

for (let i = 0; ; i++) {
  const streamId = `counter-${label}-${i % 7}`;
  const result = await handleCommand(deps, counter, streamId, { by: 1 + (i % 3) }, {
    actor: 'crash-test',
    correlationId: randomUUID(),
    idempotencyKey: `${label}-${i}`,
  });
  process.stdout.write(`ack ${streamId} ${result.streamVersion} ${result.position}\n`);
}
