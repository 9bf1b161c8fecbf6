// The EventStore port's rules that every adapter applies the same way: what a valid new
// event is, and what each named expected version means.
import { ConcurrencyError, invalidInput } from '../../domain/errors.ts';
import { ANY, STREAM_DOES_NOT_EXIST, STREAM_EXISTS, type ExpectedStreamVersion, type NewEvent } from '../../domain/ports.ts';

/** Throws ConcurrencyError (with the stream's current version) when `expected` does not hold. */
export function checkExpectedVersion(streamId: string, expected: ExpectedStreamVersion, current: bigint): void {
  const holds =
    expected === ANY ||
    (expected === STREAM_DOES_NOT_EXIST && current === 0n) ||
    (expected === STREAM_EXISTS && current > 0n) ||
    (typeof expected === 'bigint' && expected === current);
  if (!holds) throw new ConcurrencyError(streamId, String(expected), current);
}

export function validateNewEvents(streamId: string, events: readonly NewEvent[]): void {
  if (typeof streamId !== 'string' || streamId.length === 0) throw invalidInput('streamId must be a non-empty string');
  for (const e of events) {
    const m = e?.metadata;
    if (typeof e?.type !== 'string' || e.type.length === 0) throw invalidInput('every event needs a non-empty type', { streamId });
    if (!m || typeof m.eventId !== 'string' || m.eventId.length === 0) throw invalidInput('every event needs metadata.eventId', { streamId, type: e.type });
    if (typeof m.actor !== 'string') throw invalidInput('every event needs metadata.actor', { streamId, type: e.type });
    if (typeof m.recordedAt !== 'string') throw invalidInput('every event needs metadata.recordedAt', { streamId, type: e.type });
  }
}
