// Old event versions are upcast on read, never rewritten (ARCHITECTURE rule 2).
// Each upcaster lifts one event type from one schemaVersion to the next; read paths
// (command handler, projection runner, CLI) call `upcast` on every event they load.
import type { DomainEvent, RecordedEvent } from './ports.ts';

export interface Upcaster {
  type: string;
  fromVersion: number;
  up(data: unknown): unknown;
}

const registry = new Map<string, Upcaster[]>();
const current = new Map<string, number>();

/** Registers an upcaster; the type's current schemaVersion becomes fromVersion + 1 (at least). */
export function registerUpcaster(upcaster: Upcaster): void {
  const list = registry.get(upcaster.type) ?? [];
  list.push(upcaster);
  list.sort((a, b) => a.fromVersion - b.fromVersion);
  registry.set(upcaster.type, list);
  current.set(upcaster.type, Math.max(current.get(upcaster.type) ?? 1, upcaster.fromVersion + 1));
}

/** The schemaVersion new events of this type are written with. */
export const currentSchemaVersion = (type: string): number => current.get(type) ?? 1;

export function upcast<E extends DomainEvent>(event: RecordedEvent<E>): RecordedEvent<E> {
  const list = registry.get(event.type);
  if (!list) return event;
  let version = event.metadata.schemaVersion ?? 1;
  let data: unknown = event.data;
  for (const u of list) {
    if (u.fromVersion === version) {
      data = u.up(data);
      version += 1;
    }
  }
  if (version === event.metadata.schemaVersion) return event;
  return { ...event, data: data as E['data'], metadata: { ...event.metadata, schemaVersion: version } };
}
