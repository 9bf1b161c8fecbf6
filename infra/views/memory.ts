// Snapshots kept in process memory: for tests and for runs that want no views.db.
import type { ViewSnapshot, ViewStore } from '../../projections/projection.ts';

export function openMemoryViewStore(): ViewStore {
  const snapshots = new Map<string, { version: number; snapshot: ViewSnapshot }>();
  return {
    async load(name, version) {
      const found = snapshots.get(name);
      if (!found || found.version !== version) return undefined;
      return { position: found.snapshot.position, data: Buffer.from(found.snapshot.data) };
    },
    async save(name, version, snapshot) {
      snapshots.set(name, { version, snapshot: { position: snapshot.position, data: Buffer.from(snapshot.data) } });
    },
    async drop(name) {
      snapshots.delete(name);
    },
    async close() {},
  };
}
