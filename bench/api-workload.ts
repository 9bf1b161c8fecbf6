// The API-management workload of bench/core.ts: a stream of commands on `api-<uuid>` streams
// (create, update, publish, update, deprecate per API), and the same history as ready-made
// rows to fill a store quickly to a given size before measuring.
import type Database from 'better-sqlite3';
import { apiDecider, type ApiCommand, type ApiState } from '../domain/api/decider.ts';
import type { ApiEvent } from '../domain/api/events.ts';
import { apiStream } from '../domain/streams.ts';
import { currentSchemaVersion } from '../domain/upcasting.ts';

export const COMMANDS_PER_API = 5;
const knownTiers = { subscription: ['Unlimited', 'Gold', 'Silver'], advanced: ['Unlimited', '10KPerMin'] };

export const apiIdOf = (api: number) => `00000000-0000-4000-8000-${api.toString(16).padStart(12, '0')}`;

/** Command i of the workload (each yields exactly one event). */
export function commandAt(i: number): { streamId: string; command: ApiCommand } {
  const api = Math.floor(i / COMMANDS_PER_API);
  const apiId = apiIdOf(api);
  const streamId = apiStream(apiId);
  switch (i % COMMANDS_PER_API) {
    case 0:
      return {
        streamId,
        command: {
          type: 'CreateApi',
          data: {
            apiId,
            name: `Api${api}`,
            context: `/api${api}`,
            version: '1.0.0',
            provider: 'alice',
            definition: {
              description: 'Orders and menus',
              endpoints: { production: `https://backend.example/api${api}` },
              operations: [
                { verb: 'GET', target: '/menu' },
                { verb: 'POST', target: '/order', scopes: ['order'] },
                { verb: 'GET', target: '/order/{orderId}' },
              ],
              subscriptionPolicies: ['Gold', 'Unlimited'],
              scopes: [{ name: 'order', roles: ['subscriber'] }],
              tags: ['food'],
            },
            documents: [],
            copiedFrom: null,
            knownTiers,
          },
        },
      };
    case 1:
    case 3:
      return { streamId, command: { type: 'UpdateApi', data: { apiId, definition: { description: `Orders and menus, revision ${i}` }, knownTiers } } };
    case 2:
      return { streamId, command: { type: 'ChangeApiLifecycle', data: { apiId, action: 'PUBLISH' } } };
    default:
      return { streamId, command: { type: 'ChangeApiLifecycle', data: { apiId, action: 'DEPRECATE' } } };
  }
}

/**
 * Writes the events of commands [0, n) straight into an `events` table, as the SQLite store
 * writes them, in transactions of 10k rows: a fast way to a store of n events. The events of
 * API 0 come from the real decider; other APIs' are those with their ids and names swapped in.
 */
export function fillEvents(db: Database.Database, n: number, uuid: () => string): void {
  const template: ApiEvent[] = [];
  let state: ApiState = apiDecider.initialState();
  for (let i = 0; i < COMMANDS_PER_API; i++) {
    const [event] = apiDecider.decide(commandAt(i).command, state);
    state = apiDecider.evolve(state, event!);
    template.push(event!);
  }
  const eventOf = (i: number): ApiEvent => {
    const api = Math.floor(i / COMMANDS_PER_API);
    const t = template[i % COMMANDS_PER_API]!;
    const apiId = apiIdOf(api);
    switch (t.type) {
      case 'ApiCreated':
        return { type: t.type, data: { ...t.data, apiId, name: `Api${api}`, context: `/api${api}`, endpoints: { ...t.data.endpoints, production: `https://backend.example/api${api}` } } };
      case 'ApiUpdated':
        return { type: t.type, data: { ...t.data, apiId, description: `Orders and menus, revision ${i}` } };
      case 'ApiLifecycleChanged':
        return { type: t.type, data: { ...t.data, apiId } };
      default:
        throw new Error(`unexpected template event ${t.type}`);
    }
  };
  const insert = db.prepare(
    'INSERT INTO events (global_position, stream_id, stream_version, type, data, metadata, schema_version, event_id, actor, recorded_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)',
  );
  const recordedAt = '2025-01-01T00:00:00.000Z';
  const writeRange = db.transaction((from: number, to: number) => {
    for (let i = from; i < to; i++) {
      const event = eventOf(i);
      const metadata = { eventId: uuid(), actor: 'alice', correlationId: `fill-${i}`, causationId: null, recordedAt, schemaVersion: currentSchemaVersion(event.type) };
      insert.run(i + 1, commandAt(i).streamId, (i % COMMANDS_PER_API) + 1, event.type, JSON.stringify(event.data), JSON.stringify(metadata), metadata.schemaVersion, metadata.eventId, metadata.actor, recordedAt);
    }
  });
  for (let from = 0; from < n; from += 10_000) writeRange.immediate(from, Math.min(n, from + 10_000));
}
