// Opens the event store of record the configuration names (SPEC: GATEHOUSE_EVENTSTORE,
// KURRENTDB_URL, GATEHOUSE_DATA): the composition roots and CLI tools share this choice.
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { invalidInput } from '../../domain/errors.ts';
import type { EventStore } from '../../domain/ports.ts';
import { openSqliteEventStore } from './sqlite.ts';

export type EventStoreKind = 'sqlite' | 'kurrentdb';

export const eventStorePath = (dataDir: string) => join(dataDir, 'events.db');

export function eventStoreKind(env: NodeJS.ProcessEnv = process.env): EventStoreKind {
  const kind = env.GATEHOUSE_EVENTSTORE ?? 'sqlite';
  if (kind !== 'sqlite' && kind !== 'kurrentdb') throw invalidInput(`GATEHOUSE_EVENTSTORE must be sqlite or kurrentdb, not ${kind}`);
  return kind;
}

/** The configured store: `<dataDir>/events.db`, or KurrentDB at KURRENTDB_URL (its client loads only then). */
export async function openConfiguredEventStore(dataDir: string, env: NodeJS.ProcessEnv = process.env): Promise<EventStore> {
  if (eventStoreKind(env) === 'kurrentdb') {
    if (!env.KURRENTDB_URL) throw invalidInput('GATEHOUSE_EVENTSTORE=kurrentdb needs KURRENTDB_URL');
    const { openKurrentDbEventStore } = await import('./kurrentdb.ts');
    return openKurrentDbEventStore({ connectionString: env.KURRENTDB_URL });
  }
  mkdirSync(dataDir, { recursive: true });
  return openSqliteEventStore({ path: eventStorePath(dataDir) });
}
