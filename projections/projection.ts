// What a projection is, and where its snapshots go. A projection is a pure fold of the log
// into a view; the runner (runner.ts) feeds it and persists snapshots through a ViewStore.
import type { RecordedEvent } from '../domain/ports.ts';

export interface Projection<View> {
  /** Stable name: the registry key, the CLI's `--projection`, the snapshot table. */
  readonly name: string;
  /** Bump when apply or the view shape changes: a snapshot of another version is discarded and the view rebuilt. */
  readonly version: number;
  initialView(): View;
  /**
   * Deterministic: no clock, randomness or I/O. May update `view` in place and return it.
   * Events arrive upcast, in global order, each exactly once.
   */
  apply(view: View, event: RecordedEvent): View;
  /** Same view → same bytes (replay compares them), so no insertion-order or clock dependence. */
  serialize(view: View): string | Buffer;
  deserialize(data: string | Buffer): View;
}

/** Any projection, whatever its view type (methods are bivariant, so every Projection<V> fits). */
export type AnyProjection = Projection<unknown>;

/** A persisted view: the serialized view and the position it reflects, written together. */
export interface ViewSnapshot {
  position: bigint;
  data: Buffer;
}

/**
 * Snapshot persistence (SQLite in infra/views/sqlite.ts; MongoDB later). `save` must be atomic:
 * a reader never sees the data of one save with the position of another.
 */
export interface ViewStore {
  /** The latest snapshot of this projection name at exactly this version, if any. */
  load(name: string, version: number): Promise<ViewSnapshot | undefined>;
  save(name: string, version: number, snapshot: ViewSnapshot): Promise<void>;
  /** Forgets every version of the projection (a forced rebuild). */
  drop(name: string): Promise<void>;
  close(): Promise<void>;
}

/** Serialized bytes, whatever the projection returned. */
export const toBytes = (data: string | Buffer): Buffer => (typeof data === 'string' ? Buffer.from(data, 'utf8') : data);
