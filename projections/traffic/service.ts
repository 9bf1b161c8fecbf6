// The traffic manager at work: request facts in (from every gateway, through the request
// stream port), cluster-wide counters (counters.ts), decisions out (throttle decision port).
// Time comes from the Clock port; the service holds no other state than the counters.
import type { Clock, RequestStream, ThrottleDecision, ThrottleDecisionStream } from '../../domain/ports.ts';
import { countFacts, emptyTrafficView, forgetEndedWindows, type TrafficView } from './counters.ts';
import type { TrafficFact } from './hits.ts';

export interface TrafficManagerLogger {
  info(obj: object, msg: string): void;
  warn(obj: object, msg: string): void;
  error(obj: object, msg: string): void;
}

export interface TrafficManagerOptions {
  requests: RequestStream;
  decisions: ThrottleDecisionStream;
  clock: Clock;
  /** How often ended windows are forgotten (default 5 s). */
  forgetEveryMs?: number;
  logger?: TrafficManagerLogger;
}

export interface TrafficManagerStatus {
  facts: number;
  decisions: number;
  failedPublishes: number;
  windows: number;
  resets: number;
}

export interface TrafficManager {
  start(): Promise<void>;
  /** Drops every counter (the set of partitions this instance counts changed). */
  reset(): void;
  status(): TrafficManagerStatus;
  /** Called with every decision once published (metrics, tests). */
  onDecision(listener: (d: ThrottleDecision) => void): void;
  close(): Promise<void>;
}

const quiet: TrafficManagerLogger = { info() {}, warn() {}, error() {} };

export function createTrafficManager(options: TrafficManagerOptions): TrafficManager {
  const logger = options.logger ?? quiet;
  let view: TrafficView = emptyTrafficView();
  const status: TrafficManagerStatus = { facts: 0, decisions: 0, failedPublishes: 0, windows: 0, resets: 0 };
  const listeners: ((d: ThrottleDecision) => void)[] = [];
  let subscription: { stop(): Promise<void> } | undefined;
  let timer: NodeJS.Timeout | undefined;

  async function handle(facts: TrafficFact[]): Promise<void> {
    status.facts += facts.length;
    const decided = countFacts(view, facts, options.clock.now().getTime());
    if (decided.length === 0) return;
    await Promise.all(decided.map(async (d) => {
      try {
        await options.decisions.publish(d);
        status.decisions++;
        for (const l of listeners) l(d);
      } catch (e) {
        status.failedPublishes++;
        logger.error({ throttleKey: d.throttleKey, err: e instanceof Error ? e.message : String(e) }, 'throttle decision not published');
      }
    }));
  }

  return {
    async start() {
      subscription = await options.requests.subscribe((facts) => handle(facts as TrafficFact[]));
      timer = setInterval(() => void forgetEndedWindows(view, options.clock.now().getTime()), options.forgetEveryMs ?? 5000);
      timer.unref();
    },
    reset() {
      view = emptyTrafficView();
      status.resets++;
      logger.info({ resets: status.resets }, 'traffic counters reset (partition assignment changed)');
    },
    status() {
      return { ...status, windows: view.windows.size };
    },
    onDecision(listener) {
      listeners.push(listener);
    },
    async close() {
      if (timer) clearInterval(timer);
      await subscription?.stop();
      subscription = undefined;
    },
  };
}
