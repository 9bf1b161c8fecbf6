// Subscription delivery shared by every adapter: an adapter produces an async sequence of
// events (plus one CAUGHT_UP marker once it has yielded everything present at the start);
// `runSubscription` feeds them to the handler one at a time, awaiting each, in order.
//
// A handler that throws (or a source that fails) ends the subscription: `caughtUp` rejects
// if it was still pending, `stop()` rejects with the error, and a process warning is
// emitted, so a failure is never silent. `stop()` resolves once no handler runs any more:
// a handler that stops its own subscription must not await that promise.
import type { EventHandler, ReadAllFilter, RecordedEvent, SubscribeOptions, Subscription } from '../../domain/ports.ts';

export const CAUGHT_UP = Symbol('caught-up');
export type Delivery = RecordedEvent | typeof CAUGHT_UP;

/** `produce` must stop yielding (and release what it holds) once `signal` aborts. */
export function runSubscription(produce: (signal: AbortSignal) => AsyncIterable<Delivery>, handler: EventHandler): Subscription {
  const controller = new AbortController();
  let settled = false;
  let resolveCaughtUp!: () => void;
  let rejectCaughtUp!: (e: unknown) => void;
  const caughtUp = new Promise<void>((resolve, reject) => {
    resolveCaughtUp = resolve;
    rejectCaughtUp = reject;
  });
  caughtUp.catch(() => {}); // also reported by stop() and a warning: not an unhandled rejection
  const settle = (error?: unknown) => {
    if (settled) return;
    settled = true;
    if (error === undefined) resolveCaughtUp();
    else rejectCaughtUp(error);
  };

  let failure: unknown;
  const done = (async () => {
    await undefined; // subscribe() returns before the first delivery
    for await (const item of produce(controller.signal)) {
      if (controller.signal.aborted) return;
      if (item === CAUGHT_UP) settle();
      else await handler(item);
    }
  })().then(
    () => settle(new Error('subscription stopped before it caught up')),
    (e: unknown) => {
      failure = e;
      controller.abort();
      settle(e);
      process.emitWarning(`event store subscription stopped: ${e instanceof Error ? e.message : String(e)}`);
    },
  );

  return {
    caughtUp,
    async stop() {
      controller.abort();
      await done;
      if (failure !== undefined) throw failure;
    },
  };
}

/** What a synchronous, pageable log (SQLite, memory) offers a subscription. */
export interface PageSource {
  /** Position of the latest event. */
  head(): bigint;
  /** Events with after < globalPosition <= upTo matching the filter, in order, at most `limit`. */
  page(after: bigint, upTo: bigint, limit: number, filter: ReadAllFilter | undefined): RecordedEvent[];
}

/** Where a store announces its appends; `listen` returns the function that stops listening. */
export interface ChangeFeed {
  listen(onChange: () => void): () => void;
}

export function createChangeFeed(): ChangeFeed & { notify(): void; readonly listeners: number } {
  const listeners = new Set<() => void>();
  return {
    listen(onChange) {
      listeners.add(onChange);
      return () => listeners.delete(onChange);
    },
    notify() {
      for (const l of listeners) l();
    },
    get listeners() {
      return listeners.size;
    },
  };
}

const PAGE_SIZE = 500;

/**
 * Pages a log from `after` to its head, yields CAUGHT_UP once past the head seen at call
 * time, then waits for the feed to announce changes and pages again. The consumer awaits
 * each event before pulling the next, so a page never runs ahead of the handler by more
 * than the page itself.
 */
export function pagedDeliveries(source: PageSource, options: SubscribeOptions, feed: ChangeFeed): (signal: AbortSignal) => AsyncIterable<Delivery> {
  const startHead = source.head();
  return async function* (signal) {
    let changed = true;
    let wake: (() => void) | undefined;
    const onChange = () => {
      changed = true;
      wake?.();
    };
    const unlisten = feed.listen(onChange);
    signal.addEventListener('abort', onChange);
    try {
      let position = options.after ?? 0n;
      let caughtUp = false;
      while (!signal.aborted) {
        changed = false;
        const head = source.head();
        while (position < head && !signal.aborted) {
          const page = source.page(position, head, PAGE_SIZE, options.filter);
          for (const event of page) yield event;
          position = page.length < PAGE_SIZE ? head : page[page.length - 1]!.globalPosition;
        }
        if (!caughtUp && position >= startHead) {
          caughtUp = true;
          yield CAUGHT_UP;
        }
        if (!changed && !signal.aborted) {
          await new Promise<void>((resolve) => {
            wake = resolve;
          });
          wake = undefined;
        }
      }
    } finally {
      unlisten();
      signal.removeEventListener('abort', onChange);
    }
  };
}

/** The live subscriptions of one store: each is forgotten when stopped; `stopAll` on close. */
export function createSubscriptionSet() {
  const live = new Set<Subscription>();
  return {
    get size() {
      return live.size;
    },
    track(sub: Subscription): Subscription {
      live.add(sub);
      return {
        caughtUp: sub.caughtUp,
        stop: () => {
          live.delete(sub);
          return sub.stop();
        },
      };
    },
    async stopAll(): Promise<void> {
      await Promise.allSettled([...live].map((s) => s.stop()));
    },
  };
}
