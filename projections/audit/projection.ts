// The audit index: which log positions belong to each stream, actor and event type, and where
// each minute of recordedAt starts. queries.ts answers "who changed what, when" from it and
// fetches the events themselves from the store, so the index stays small (numbers only).
// Positions are kept as JS numbers here (exact up to 2^53) to halve memory; the query API
// speaks bigint.
import type { RecordedEvent } from '../../domain/ports.ts';
import type { Projection } from '../projection.ts';

export interface AuditIndex {
  /** Last position applied. */
  position: number;
  streams: Map<string, number[]>;
  actors: Map<string, number[]>;
  types: Map<string, number[]>;
  /**
   * `[minute, position]`: the first position whose recordedAt minute (`YYYY-MM-DDTHH:MM`) is
   * later than every minute before it. Monotone even when writers' clocks are slightly skewed.
   */
  minutes: Array<[string, number]>;
}

const push = (m: Map<string, number[]>, key: string, position: number): void => {
  const list = m.get(key);
  if (list) list.push(position);
  else m.set(key, [position]);
};

export function applyToAuditIndex(index: AuditIndex, event: RecordedEvent): AuditIndex {
  const position = Number(event.globalPosition);
  push(index.streams, event.streamId, position);
  push(index.actors, event.metadata.actor, position);
  push(index.types, event.type, position);
  const minute = event.metadata.recordedAt.slice(0, 16);
  const last = index.minutes.at(-1);
  if (!last || minute > last[0]) index.minutes.push([minute, position]);
  index.position = position;
  return index;
}

interface SerializedAuditIndex {
  position: number;
  streams: Array<[string, number[]]>;
  actors: Array<[string, number[]]>;
  types: Array<[string, number[]]>;
  minutes: Array<[string, number]>;
}

const sortedEntries = (m: Map<string, number[]>): Array<[string, number[]]> =>
  [...m.entries()].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));

export const auditProjection: Projection<AuditIndex> = {
  name: 'audit',
  version: 1,
  initialView: () => ({ position: 0, streams: new Map(), actors: new Map(), types: new Map(), minutes: [] }),
  apply: applyToAuditIndex,
  serialize(index) {
    const out: SerializedAuditIndex = {
      position: index.position,
      streams: sortedEntries(index.streams),
      actors: sortedEntries(index.actors),
      types: sortedEntries(index.types),
      minutes: index.minutes,
    };
    return JSON.stringify(out);
  },
  deserialize(data) {
    const s = JSON.parse(data.toString()) as SerializedAuditIndex;
    return {
      position: s.position,
      streams: new Map(s.streams),
      actors: new Map(s.actors),
      types: new Map(s.types),
      minutes: s.minutes,
    };
  },
};
