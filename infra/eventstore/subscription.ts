// A catch-up-then-live subscription over any store that can page its log synchronously
// (SQLite, memory). The store calls `notify()` after each append (and when its poll sees
// another process's append); the loop then reads what is new. One loop per subscription,
// handler awaited: events arrive one at a time, in global order, each exactly once.
//
// A handler that throws ends the subscription: `caughtUp` rejects if it was still pending,
// `stop()` rejects with the error, and a process warning is emitted so it is never silent.
import type { EventHandler, ReadAllFilter, RecordedEvent, SubscribeOptions, Subscription } from '../../domain/ports.ts';

export interface PageSource {
  /** Position of the latest event. */
  head(): bigint;
  /** Events with after < globalPosition <= upTo matching the filter, in order, at most `limit`. */
  page(after: bigint, upTo: bigint, limit: number, filter: ReadAllFilter | undefined): RecordedEvent[];
}

export interface LiveSubscription extends Subscription {
  notify(): void;
}

const PAGE_SIZE = 500;

export function startSubscription(
  source: PageSource,
  handler: EventHandler,
  options: SubscribeOptions,
  onEnd: (sub: LiveSubscription) => void,
): LiveSubscription {
  let stopped = false;
  let dirty = true;
  let wake: (() => void) | undefined;
  let failure: unknown;
  let resolveCaughtUp!: () => void;
  let rejectCaughtUp!: (e: unknown) => void;
  let caughtUpSettled = false;
  const caughtUp = new Promise<void>((resolve, reject) => {
    resolveCaughtUp = resolve;
    rejectCaughtUp = reject;
  });
  caughtUp.catch(() => {}); // the failure is also reported by stop() and a warning

  const filter = options.filter;
  const startHead = source.head();

  const idle = () =>
    new Promise<void>((resolve) => {
      wake = resolve;
    });

  async function run(): Promise<void> {
    await undefined; // let subscribe() return before the first delivery
    let position = options.after ?? 0n;
    while (!stopped) {
      dirty = false;
      const head = source.head();
      while (position < head && !stopped) {
        const page = source.page(position, head, PAGE_SIZE, filter);
        for (const event of page) {
          await handler(event);
          if (stopped) return;
        }
        position = page.length < PAGE_SIZE ? head : page[page.length - 1]!.globalPosition;
      }
      if (!caughtUpSettled && position >= startHead) {
        caughtUpSettled = true;
        resolveCaughtUp();
      }
      if (!dirty && !stopped) await idle();
    }
  }

  const done = run().then(
    () => undefined,
    (e: unknown) => {
      stopped = true;
      failure = e;
      if (!caughtUpSettled) {
        caughtUpSettled = true;
        rejectCaughtUp(e);
      }
      process.emitWarning(`event store subscription stopped: its handler threw: ${e instanceof Error ? e.message : String(e)}`);
    },
  ).finally(() => {
    if (!caughtUpSettled) {
      caughtUpSettled = true;
      rejectCaughtUp(new Error('subscription stopped before it caught up'));
    }
    onEnd(sub);
  });

  const sub: LiveSubscription = {
    caughtUp,
    notify() {
      dirty = true;
      const w = wake;
      wake = undefined;
      w?.();
    },
    async stop() {
      stopped = true;
      sub.notify();
      await done;
      if (failure !== undefined) throw failure;
    },
  };
  return sub;
}
