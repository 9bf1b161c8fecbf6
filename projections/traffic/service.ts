// The traffic manager at work: request facts in (from every gateway, through the request
// stream port), cluster-wide counters (counters.ts), decisions out (throttle decision port).
// Time comes from the Clock port. From a partitioned stream (Kafka) with a state store, the
// counters survive restarts and rebalances: each partition's share of the open windows is saved
// with the offset it covers (every `snapshotEveryMs` and on close), the consumer's offsets are
// committed only after that save, and a partition's saved state is restored before its facts
// are counted again — the facts after the saved offset are re-read, the ones before skipped.
import type { Clock, RequestStream, ThrottleDecision, ThrottleDecisionStream } from '../../domain/ports.ts';
import type { PartitionedRequestStream, PositionedSubscription } from '../analytics/service.ts';
import { countFacts, emptyTrafficView, forgetEndedWindows, type TrafficView } from './counters.ts';
import type { TrafficFact } from './hits.ts';
import {
  alreadyCounted, countBatch, dropPartition, partitionState, restorePartition,
  type PartitionBatch, type PartitionState,
} from './partitions.ts';

export interface TrafficManagerLogger {
  info(obj: object, msg: string): void;
  warn(obj: object, msg: string): void;
  error(obj: object, msg: string): void;
}

/** Where each request partition's counter state is kept (Kafka: a compacted topic keyed by partition). */
export interface TrafficStateStore {
  /** The latest saved state of each given partition ("<topic>:<n>"); a partition never saved is absent. */
  load(partitions: readonly string[]): Promise<ReadonlyMap<string, PartitionState>>;
  /** Saves these states durably (resolves once the store acknowledged them). */
  save(states: ReadonlyMap<string, PartitionState>): Promise<void>;
}

export interface TrafficManagerOptions {
  requests: RequestStream | PartitionedRequestStream;
  decisions: ThrottleDecisionStream;
  clock: Clock;
  /** With a partitioned stream: the counters survive restarts and rebalances (see the module comment). */
  state?: TrafficStateStore;
  /** How often the state is saved and the offsets committed (default 1 s; 0 = only on close). */
  snapshotEveryMs?: number;
  /** How often ended windows are forgotten (default 5 s). */
  forgetEveryMs?: number;
  logger?: TrafficManagerLogger;
}

export interface TrafficManagerStatus {
  facts: number;
  /** Facts delivered again after a restart or rebalance that the restored state already held. */
  skipped: number;
  decisions: number;
  failedPublishes: number;
  windows: number;
  /** Partition states saved (each save of one partition counts one). */
  saved: number;
  /** Windows restored from saved partition states. */
  restored: number;
  /** Partition states that could not be loaded: those partitions were counted from nothing. */
  loadFailures: number;
  /** Owned partitions whose saved state is still being loaded (their facts wait). */
  restoring: number;
}

export interface TrafficManager {
  start(): Promise<void>;
  /** Saves the state of the partitions counted since the last save and commits their offsets. */
  snapshot(): Promise<void>;
  status(): TrafficManagerStatus;
  /** Called with every decision once published (metrics, tests). */
  onDecision(listener: (d: ThrottleDecision) => void): void;
  close(): Promise<void>;
}

const quiet: TrafficManagerLogger = { info() {}, warn() {}, error() {} };
const errText = (e: unknown) => (e instanceof Error ? e.message : String(e));
const isPartitioned = (s: RequestStream): s is PartitionedRequestStream =>
  typeof (s as Partial<PartitionedRequestStream>).subscribePositioned === 'function';

export function createTrafficManager(options: TrafficManagerOptions): TrafficManager {
  const logger = options.logger ?? quiet;
  const now = () => options.clock.now().getTime();
  const view: TrafficView = emptyTrafficView();
  const status = { facts: 0, skipped: 0, decisions: 0, failedPublishes: 0, saved: 0, restored: 0, loadFailures: 0 };
  const listeners: ((d: ThrottleDecision) => void)[] = [];
  const timers: NodeJS.Timeout[] = [];
  let subscription: { stop(): Promise<void> } | undefined;
  let positioned: PositionedSubscription | undefined;
  /** Partitions owned → their state restored (or failed to load) once this resolves. */
  const owned = new Map<string, Promise<void>>();
  /** Partitions counted since their last save. */
  const dirty = new Set<string>();
  /** Owned partitions whose restore has not finished. */
  const restoring = new Set<string>();
  let inFlight = 0;
  let draining = false;
  let saving: Promise<void> | undefined;

  async function publish(decided: ThrottleDecision[]): Promise<void> {
    await Promise.all(decided.map(async (d) => {
      try {
        await options.decisions.publish(d);
        status.decisions++;
        for (const l of listeners) l(d);
      } catch (e) {
        status.failedPublishes++;
        logger.error({ throttleKey: d.throttleKey, err: errText(e) }, 'throttle decision not published');
      }
    }));
  }

  async function handle(facts: TrafficFact[]): Promise<void> {
    status.facts += facts.length;
    await publish(countFacts(view, facts, now()));
  }

  async function handleBatch(batch: PartitionBatch): Promise<void> {
    if (draining) return; // left uncommitted: read again by the next owner
    const restored = owned.get(batch.partition);
    if (!restored) return; // not ours (any more)
    inFlight++;
    try {
      await restored;
      if (draining || owned.get(batch.partition) !== restored) return;
      const skipped = alreadyCounted(view, batch);
      status.skipped += skipped;
      status.facts += batch.facts.length - skipped;
      const decided = countBatch(view, batch, now());
      if (skipped < batch.facts.length) dirty.add(batch.partition);
      await publish(decided);
    } finally {
      inFlight--;
    }
  }

  async function restore(partitions: string[]): Promise<void> {
    let states: ReadonlyMap<string, PartitionState>;
    try {
      states = await options.state!.load(partitions);
    } catch (e) {
      status.loadFailures += partitions.length;
      logger.error({ partitions, err: errText(e) }, 'traffic state not loaded: these partitions count from nothing');
      return;
    }
    const decided: ThrottleDecision[] = [];
    let windows = 0;
    for (const [partition, state] of states) {
      if (!partitions.includes(partition) || !owned.has(partition)) continue;
      decided.push(...restorePartition(view, partition, state, now()));
      windows += state.windows.length;
    }
    status.restored += windows;
    logger.info({ partitions, saved: states.size, windows, decisions: decided.length }, 'traffic state restored');
    await publish(decided);
  }

  function onAssignment(partitions: string[]): void {
    const next = new Set(partitions);
    for (const p of [...owned.keys()]) {
      if (next.has(p)) continue;
      owned.delete(p);
      dirty.delete(p);
      restoring.delete(p);
      dropPartition(view, p);
    }
    const added = partitions.filter((p) => !owned.has(p));
    logger.info({ partitions, added }, 'request partitions assigned');
    if (added.length === 0) return;
    for (const p of added) restoring.add(p);
    const restored = restore(added).finally(() => {
      for (const p of added) restoring.delete(p);
    });
    for (const p of added) owned.set(p, restored);
  }

  async function saveDirty(): Promise<void> {
    if (!options.state || !positioned || dirty.size === 0) return;
    const at = now();
    const states = new Map<string, PartitionState>();
    for (const p of dirty) if (owned.has(p)) states.set(p, partitionState(view, p, at));
    dirty.clear();
    try {
      await options.state.save(states);
    } catch (e) {
      for (const p of states.keys()) dirty.add(p);
      throw e;
    }
    status.saved += states.size;
    // Only what the saved states hold is committed: a crash re-reads everything after it.
    const offsets = new Map<string, bigint>();
    for (const [p, s] of states) if (s.offset !== null) offsets.set(p, s.offset);
    await positioned.commit(offsets);
  }

  function snapshot(): Promise<void> {
    saving ??= saveDirty().finally(() => {
      saving = undefined;
    });
    return saving;
  }

  function every(ms: number, task: () => Promise<void> | void): void {
    if (ms <= 0) return;
    const t = setInterval(() => {
      Promise.resolve(task()).catch((e: unknown) => logger.warn({ err: errText(e) }, 'traffic state not saved; retrying'));
    }, ms);
    t.unref();
    timers.push(t);
  }

  return {
    async start() {
      const { requests } = options;
      if (options.state && isPartitioned(requests)) {
        subscription = positioned = await requests.subscribePositioned((b) => handleBatch(b as PartitionBatch), { onAssignment });
        every(options.snapshotEveryMs ?? 1000, snapshot);
      } else subscription = await requests.subscribe((facts) => handle(facts as TrafficFact[]));
      every(options.forgetEveryMs ?? 5000, () => void forgetEndedWindows(view, now()));
    },
    snapshot,
    status() {
      return { ...status, windows: view.windows.size, restoring: restoring.size };
    },
    onDecision(listener) {
      listeners.push(listener);
    },
    async close() {
      for (const t of timers.splice(0)) clearInterval(t);
      if (positioned) {
        // Stay in the group until the last state is saved and its offsets committed.
        draining = true;
        while (inFlight > 0) await new Promise((r) => setTimeout(r, 5));
        await saving;
        await snapshot().catch((e: unknown) => logger.warn({ err: errText(e) }, 'final traffic state not saved: the next owner re-reads from the last one'));
      }
      await subscription?.stop();
      subscription = positioned = undefined;
    },
  };
}
