// How a recorded event travels on gatehouse.events: the JSON value carries the whole event
// (bigints as decimal strings); headers repeat the global position and the position of the
// event the relay sent before it, so a reader can both dedupe and prove it skipped nothing.
import type { IHeaders, KafkaMessage, Message } from 'kafkajs';
import type { EventMetadata, RecordedEvent } from '../../domain/ports.ts';

export const POSITION_HEADER = 'gatehouse-position';
export const PREVIOUS_HEADER = 'gatehouse-previous-position';
export const TYPE_HEADER = 'gatehouse-event-type';

interface WireEvent {
  streamId: string;
  streamVersion: string;
  globalPosition: string;
  type: string;
  data: unknown;
  metadata: EventMetadata;
}

/** The Kafka message for `event`, sent right after the event at `previous` (0n = first). */
export function encodeEvent(event: RecordedEvent, previous: bigint): Message {
  const wire: WireEvent = {
    streamId: event.streamId,
    streamVersion: event.streamVersion.toString(),
    globalPosition: event.globalPosition.toString(),
    type: event.type,
    data: event.data,
    metadata: event.metadata,
  };
  const at = Date.parse(event.metadata.recordedAt);
  return {
    key: event.streamId,
    value: JSON.stringify(wire),
    headers: {
      [POSITION_HEADER]: event.globalPosition.toString(),
      [PREVIOUS_HEADER]: previous.toString(),
      [TYPE_HEADER]: event.type,
    },
    // recordedAt as the record timestamp: readers seek by time (fetchTopicOffsetsByTimestamp).
    ...(Number.isFinite(at) ? { timestamp: String(at) } : {}),
  };
}

export interface DecodedEvent {
  event: RecordedEvent;
  previous: bigint;
}

export class EventDecodeError extends Error {
  constructor(offset: string, reason: string) {
    super(`gatehouse.events offset ${offset}: ${reason}`);
    this.name = 'EventDecodeError';
  }
}

export function headerString(headers: IHeaders | undefined, name: string): string | undefined {
  const v = headers?.[name];
  const one = Array.isArray(v) ? v[0] : v;
  return one === undefined ? undefined : Buffer.isBuffer(one) ? one.toString('utf8') : String(one);
}

export function decodeEvent(message: KafkaMessage): DecodedEvent {
  if (!message.value) throw new EventDecodeError(message.offset, 'empty value');
  let wire: WireEvent;
  try {
    wire = JSON.parse(message.value.toString('utf8')) as WireEvent;
  } catch (e) {
    throw new EventDecodeError(message.offset, `value is not JSON (${(e as Error).message})`);
  }
  const previous = headerString(message.headers, PREVIOUS_HEADER);
  if (typeof wire.globalPosition !== 'string' || previous === undefined) {
    throw new EventDecodeError(message.offset, 'position or previous-position missing');
  }
  return {
    previous: BigInt(previous),
    event: {
      streamId: wire.streamId,
      streamVersion: BigInt(wire.streamVersion),
      globalPosition: BigInt(wire.globalPosition),
      type: wire.type,
      data: wire.data,
      metadata: wire.metadata,
    },
  };
}

/** Global position of a message, from its header (cheap: no JSON parse). */
export function positionOf(message: KafkaMessage): bigint | undefined {
  const p = headerString(message.headers, POSITION_HEADER);
  return p === undefined ? undefined : BigInt(p);
}
