// The embedded request stream: request facts queued in process and handed to subscribers in
// batches on the next turn of the event loop, so publishing never blocks a response. A full
// queue drops facts (counted) instead of growing without bound.
import type { RequestFact, RequestStream } from '../../domain/ports.ts';

export interface MemoryRequestStreamOptions {
  /** Facts held while subscribers are busy or absent (default 100 000). */
  capacity?: number;
  /** Most facts per handler call (default 1 000). */
  maxBatch?: number;
}

type Handler = (facts: RequestFact[]) => void | Promise<void>;

interface Consumer {
  handler: Handler;
  queue: RequestFact[];
  busy: boolean;
  stopped: boolean;
}

export function createMemoryRequestStream(options: MemoryRequestStreamOptions = {}): RequestStream {
  const capacity = options.capacity ?? 100_000;
  const maxBatch = options.maxBatch ?? 1_000;
  const consumers = new Set<Consumer>();
  let dropped = 0;
  let closed = false;
  let scheduled = false;

  function drain(c: Consumer): void {
    if (c.busy || c.stopped || c.queue.length === 0) return;
    const batch = c.queue.length <= maxBatch ? c.queue : c.queue.slice(0, maxBatch);
    c.queue = c.queue.length <= maxBatch ? [] : c.queue.slice(maxBatch);
    c.busy = true;
    let result: void | Promise<void>;
    try {
      result = c.handler(batch);
    } catch {
      result = undefined; // a throwing subscriber loses its batch, never the publisher
    }
    if (result && typeof (result as Promise<void>).then === 'function') {
      (result as Promise<void>).then(
        () => finish(c),
        () => finish(c),
      );
    } else {
      finish(c);
    }
  }

  function finish(c: Consumer): void {
    c.busy = false;
    if (c.queue.length > 0) schedule();
  }

  function flush(): void {
    scheduled = false;
    for (const c of consumers) drain(c);
  }

  function schedule(): void {
    if (scheduled) return;
    scheduled = true;
    setImmediate(flush);
  }

  return {
    publish(fact) {
      if (closed) {
        dropped++;
        return;
      }
      for (const c of consumers) {
        if (c.queue.length >= capacity) dropped++;
        else c.queue.push(fact);
      }
      if (consumers.size > 0) schedule();
    },
    async subscribe(handler) {
      const c: Consumer = { handler, queue: [], busy: false, stopped: false };
      consumers.add(c);
      return {
        async stop() {
          c.stopped = true;
          consumers.delete(c);
        },
      };
    },
    get dropped() {
      return dropped;
    },
    async close() {
      closed = true;
      flush();
      consumers.clear();
    },
  };
}
