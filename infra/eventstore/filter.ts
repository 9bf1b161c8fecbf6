// The ReadAllFilter rule, in one place for adapters that filter in memory.
// Stream ids and prefixes are alternatives (a stream matches either); the stream, type and
// actor dimensions must all hold. An empty array is the same as an absent one: no constraint.
import type { ReadAllFilter, RecordedEvent } from '../../domain/ports.ts';

export type EventPredicate = (event: RecordedEvent) => boolean;

export function compileFilter(filter: ReadAllFilter | undefined): EventPredicate | undefined {
  if (!filter) return undefined;
  const ids = filter.streamIds?.length ? new Set(filter.streamIds) : undefined;
  const prefixes = filter.streamPrefixes?.length ? filter.streamPrefixes : undefined;
  const types = filter.types?.length ? new Set(filter.types) : undefined;
  const actor = filter.actor;
  if (!ids && !prefixes && !types && actor === undefined) return undefined;
  return (e) =>
    (!(ids || prefixes) || ids?.has(e.streamId) === true || prefixes?.some((p) => e.streamId.startsWith(p)) === true) &&
    (!types || types.has(e.type)) &&
    (actor === undefined || e.metadata.actor === actor);
}
