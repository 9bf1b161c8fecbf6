// The embedded throttle-decision stream: a traffic manager in the same process publishes
// `{throttleKey, throttledUntil}` and every subscribed gateway hears it synchronously.
import type { ThrottleDecision, ThrottleDecisionStream } from '../../domain/ports.ts';

export function createMemoryThrottleDecisionStream(): ThrottleDecisionStream {
  const handlers = new Set<(d: ThrottleDecision) => void>();
  let closed = false;
  return {
    async publish(decision) {
      if (closed) throw new Error('throttle decision stream is closed');
      for (const h of handlers) {
        try {
          h(decision);
        } catch {
          // one broken subscriber must not keep the decision from the others
        }
      }
    },
    async subscribe(handler) {
      handlers.add(handler);
      return {
        async stop() {
          handlers.delete(handler);
        },
      };
    },
    async close() {
      closed = true;
      handlers.clear();
    },
  };
}
