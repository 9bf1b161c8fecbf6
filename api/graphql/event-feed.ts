// An async iterator of live domain events for GraphQL subscriptions: optional catch-up from a
// position, then everything the projection runner applies, deduplicated by position, bounded
// (a client that stops reading is cut off instead of growing memory without limit).
import type { RecordedEvent } from '../../domain/ports.ts';

export interface EventFeedSource {
  /** Events after `after` (exclusive), in order, `limit` at most. */
  readAfter(after: bigint, limit: number): Promise<RecordedEvent[]>;
  /** Live events; returns the unsubscribe function. */
  onEvent(listener: (event: RecordedEvent) => void): () => void;
}

const MAX_BUFFERED = 10_000;
const CATCH_UP_PAGE = 500;

export function eventFeed(
  source: EventFeedSource,
  accept: (event: RecordedEvent) => boolean,
  fromPosition: bigint | undefined,
): AsyncIterableIterator<RecordedEvent> {
  const buffer: RecordedEvent[] = [];
  let waiting: ((r: IteratorResult<RecordedEvent>) => void) | undefined;
  let done = false;
  let failure: Error | undefined;
  let lastDelivered = -1n;
  let catchingUp = fromPosition !== undefined;
  const liveDuringCatchUp: RecordedEvent[] = [];

  const push = (event: RecordedEvent) => {
    if (done || event.globalPosition <= lastDelivered || !accept(event)) return;
    lastDelivered = event.globalPosition;
    if (waiting) {
      const w = waiting;
      waiting = undefined;
      w({ value: event, done: false });
      return;
    }
    if (buffer.length >= MAX_BUFFERED) {
      failure = new Error('The subscriber is too slow: event buffer overflow');
      stop();
      return;
    }
    buffer.push(event);
  };

  const unsubscribe = source.onEvent((e) => (catchingUp ? liveDuringCatchUp.push(e) : push(e)));

  const stop = () => {
    if (done) return;
    done = true;
    unsubscribe();
    if (waiting && !buffer.length) {
      const w = waiting;
      waiting = undefined;
      w({ value: undefined, done: true });
    }
  };

  if (fromPosition !== undefined) {
    void (async () => {
      try {
        let after = fromPosition;
        for (;;) {
          const page = await source.readAfter(after, CATCH_UP_PAGE);
          for (const e of page) push(e);
          if (page.length < CATCH_UP_PAGE || done) break;
          after = page.at(-1)!.globalPosition;
        }
      } catch (e) {
        failure = e instanceof Error ? e : new Error(String(e));
        stop();
      } finally {
        catchingUp = false;
        for (const e of liveDuringCatchUp.splice(0)) push(e);
      }
    })();
  }

  return {
    [Symbol.asyncIterator]() {
      return this;
    },
    next() {
      if (buffer.length) return Promise.resolve({ value: buffer.shift()!, done: false });
      if (failure) return Promise.reject(failure);
      if (done) return Promise.resolve({ value: undefined, done: true });
      return new Promise((resolve) => (waiting = resolve));
    },
    return() {
      stop();
      buffer.length = 0;
      return Promise.resolve({ value: undefined, done: true });
    },
  };
}
