// The analytics service: the glue between ports and the pure analytics code. It subscribes a
// RequestStream and applies each batch to the view, runs the alert engine on sealed minutes and
// appends its AlertRaised / AlertCleared events to the log, folds alert events from the log into
// the alerts view, pushes live per-API request stats, and snapshots view + engine through a
// ViewStore (SQLite embedded, MongoDB distributed). From a partitioned stream (Kafka) it applies
// positioned batches, tells the view which partitions it owns, and commits the consumer's offsets
// only once a snapshot holding them is saved, so a crash re-reads what the snapshot lacks.
// Mode `ingest` owns the view (embedded process, analytics-worker); mode `follow` only reloads
// the snapshots another process saves (a control plane beside an analytics-worker).
import { toNewEvents } from '../../domain/command-handler.ts';
import { ANY, START, type Clock, type EventStore, type Randomness, type RecordedEvent, type RequestFact, type RequestStream, type Subscription } from '../../domain/ports.ts';
import type { ViewStore } from '../projection.ts';
import { createAlertEngine, evaluateAlerts, type AlertEngine } from './alerts/engine.ts';
import type { AlertConfigInput } from './alerts/config.ts';
import { ALERT_EVENT_TYPES, alertStream, type AlertEvent } from './alerts/events.ts';
import { applyAlertEvent, emptyAlertsView, type AlertRecord, type AlertsView } from './alerts/view.ts';
import type { AnalyticsConfigInput } from './config.ts';
import { denseHistogram, newCell, addInto, percentileMs, recordMicros, toMicros, type LatencyCell } from './histogram.ts';
import { ANALYTICS_SNAPSHOT_VERSION } from './snapshot.ts';
import { ANALYTICS_VIEW_NAME, decodeAnalyticsSnapshot, encodeAnalyticsSnapshot } from './service-snapshot.ts';
import {
  applyFacts, applyPositionedFacts, assignPartitions, createAnalyticsView, sweepIdleSources, viewSize,
  type AnalyticsView, type PositionedBatch,
} from './view.ts';
import { activeSources } from './watermark.ts';

export { ANALYTICS_VIEW_NAME };
/** Actor of the alert events the detectors append. */
export const ANALYTICS_ACTOR = 'gatehouse-analytics';

export interface ServiceLogger {
  debug?(obj: object, msg: string): void;
  info(obj: object, msg: string): void;
  warn(obj: object, msg: string): void;
  error(obj: object, msg: string): void;
}

/** What a partitioned request stream (Kafka) hands out on top of the RequestStream port. */
export interface PositionedSubscription {
  stop(): Promise<void>;
  /** Records, for the partitions this consumer owns, that everything up to these offsets is safely kept. */
  commit(positions: ReadonlyMap<string, bigint>): Promise<void>;
  /**
   * The owned partitions that hold facts not handed to the handler yet (their end is past what
   * was delivered), or null when that cannot be known now (broker away). Without it, a partition
   * that has not delivered for a sweep period is taken for an empty one.
   */
  unread?(): Promise<ReadonlySet<string> | null>;
}

export interface PartitionedRequestStream extends RequestStream {
  /**
   * Batches of one partition each, with their offsets; nothing is committed until `commit`.
   * `onAssignment` gets every partition the consumer owns after each rebalance; `onFetch` says
   * the consumer asked the broker for facts (got some or none): it is alive.
   */
  subscribePositioned(
    handler: (batch: PositionedBatch) => Promise<void>,
    hooks?: { onAssignment?(partitions: string[]): void; onFetch?(): void },
  ): Promise<PositionedSubscription>;
}

const isPartitioned = (s: RequestStream): s is PartitionedRequestStream =>
  typeof (s as Partial<PartitionedRequestStream>).subscribePositioned === 'function';

export interface AnalyticsServiceOptions {
  store: EventStore;
  clock: Clock;
  random: Randomness;
  /** Facts to ingest (`ingest`), or to watch for live stats only (`follow`). Partitioned streams are read with positions. */
  requests?: RequestStream | PartitionedRequestStream;
  viewStore?: ViewStore;
  mode?: 'ingest' | 'follow';
  config?: AnalyticsConfigInput;
  alerts?: AlertConfigInput;
  /** Snapshot period (ingest; default 60 s, 0 = only on close). Offsets of a partitioned stream are committed with it. */
  snapshotEveryMs?: number;
  /**
   * A source (partition × gateway) that delivered nothing for this long (between one and two
   * periods) while the stream kept fetching stops holding the watermark back until it delivers
   * again (ingest; default 10 s).
   */
  sourceIdleMs?: number;
  /** Snapshot reload period (follow; default 5 s). */
  reloadEveryMs?: number;
  /** Period of the live request stats (default 1 s). */
  statsEveryMs?: number;
  /**
   * Called (ingest) right after each snapshot is saved, before the offsets are committed, with
   * the live view: a writer of per-bucket documents (infra/views/mongo-analytics.ts) starts its
   * writes there. It must return at once and handle its own errors; a throw is logged and
   * ignored, never failing the snapshot or the commit.
   */
  onSnapshotSaved?: (view: AnalyticsView) => void;
  logger?: ServiceLogger;
}

/** Live statistics of one API over the last interval (wall clock: a live feed, not a projection). */
export interface RequestStats {
  apiId: string;
  at: string;
  intervalMs: number;
  requests: number;
  errors: number;
  throttled: number;
  requestsPerSecond: number;
  p50LatencyMs: number | null;
  p95LatencyMs: number | null;
  p99LatencyMs: number | null;
}

export type AlertChange = 'RAISED' | 'CLEARED';

export interface AnalyticsStatus {
  mode: 'ingest' | 'follow';
  applied: number;
  duplicates: number;
  late: number;
  invalid: number;
  folded: number;
  droppedByStream: number;
  pendingAlerts: number;
  /** Minutes before this one are sealed behind it (ISO; null before the first fact). */
  watermark: string | null;
  /** Sources holding the watermark back. */
  activeSources: number;
  size: ReturnType<typeof viewSize>;
}

export interface AnalyticsService {
  /** The live view (replaced on reload in follow mode: read it per call). */
  view(): AnalyticsView;
  alerts(): AlertsView;
  start(): Promise<void>;
  /**
   * Applies a batch as if it came from the request stream (tools importing facts, tests).
   * Same dedupe and alert evaluation; ignored in follow mode except for live stats.
   */
  ingest(facts: RequestFact[]): Promise<void>;
  /** Resolves once the facts published so far are applied and their alerts appended (tests, tools). */
  settle(): Promise<void>;
  /** Resolves once the alerts view holds the log up to `position`. */
  waitForAlerts(position: bigint, timeoutMs: number): Promise<void>;
  onRequestStats(apiId: string, listener: (stats: RequestStats) => void): () => void;
  onAlert(listener: (alert: AlertRecord, change: AlertChange) => void): () => void;
  snapshot(): Promise<void>;
  status(): AnalyticsStatus;
  close(): Promise<void>;
}

const silent: ServiceLogger = { info() {}, warn() {}, error() {} };
const MAX_PENDING_ALERTS = 10_000;
const nextTurn = () => new Promise<void>((r) => setImmediate(r));

interface StatsAccumulator {
  requests: number;
  errors: number;
  throttled: number;
  latency: LatencyCell;
}

export function createAnalyticsService(options: AnalyticsServiceOptions): AnalyticsService {
  const { store, clock, random } = options;
  const mode = options.mode ?? 'ingest';
  const log = options.logger ?? silent;
  const statsEveryMs = options.statsEveryMs ?? 1_000;
  let view = createAnalyticsView(options.config);
  let engine: AlertEngine = createAlertEngine(options.alerts);
  let loadedPosition = -1n;
  const alertsView = emptyAlertsView();
  const pending: AlertEvent[] = [];
  const statsListeners = new Map<string, Set<(s: RequestStats) => void>>();
  const stats = new Map<string, StatsAccumulator>();
  const alertListeners = new Set<(a: AlertRecord, c: AlertChange) => void>();
  const alertWaiters = new Set<{ position: bigint; resolve(): void }>();
  const timers: NodeJS.Timeout[] = [];
  let requestSub: { stop(): Promise<void> } | undefined;
  let positioned: PositionedSubscription | undefined;
  let logSub: Subscription | undefined;
  let inFlight = 0;
  let closed = false;
  /** Closing: positioned batches are left unapplied and uncommitted (read again on the next start). */
  let draining = false;
  /** The partitioned stream fetched since the last sweep: silent sources are quiet, not stuck behind us. */
  let fetched = false;

  const observe = (f: RequestFact) => {
    if (f.apiId === null || !statsListeners.has(f.apiId)) return;
    let a = stats.get(f.apiId);
    if (!a) stats.set(f.apiId, (a = { requests: 0, errors: 0, throttled: 0, latency: newCell() }));
    a.requests++;
    if (f.proxyResponseCode >= 400) a.errors++;
    if (f.errorType === 'THROTTLED') a.throttled++;
    recordMicros(a.latency, toMicros(f.responseLatencyMs));
  };

  async function onFacts(facts: RequestFact[]): Promise<void> {
    inFlight++;
    try {
      if (mode === 'follow') {
        for (const f of facts) observe(f);
        return;
      }
      applyFacts(view, facts, observe);
      await judgeSealedMinutes();
    } catch (e) {
      log.error({ err: e instanceof Error ? e.message : String(e), facts: facts.length }, 'analytics batch failed');
    } finally {
      inFlight--;
    }
  }

  async function onBatch(batch: PositionedBatch): Promise<void> {
    if (draining) return;
    fetched = true;
    inFlight++;
    try {
      applyPositionedFacts(view, batch, observe);
      log.debug?.({ partition: batch.partition, lastOffset: batch.offsets.at(-1)?.toString(), applied: view.counters.applied }, 'request facts applied');
      await judgeSealedMinutes();
    } catch (e) {
      log.error({ err: e instanceof Error ? e.message : String(e), partition: batch.partition, facts: batch.facts.length }, 'analytics batch failed');
    } finally {
      inFlight--;
    }
  }

  /** Runs the alert detectors on the minutes sealed since the last call and appends their events. */
  function judgeSealedMinutes(): Promise<void> {
    const events = evaluateAlerts(engine, view);
    if (pending.length + events.length > MAX_PENDING_ALERTS) {
      log.error({ dropped: events.length }, 'alert events dropped: the event store has been failing for long');
    } else pending.push(...events);
    return appendPending();
  }

  let sweeping = false;
  async function sweepIdle(): Promise<void> {
    // A consumer that fetched nothing at all (broker away, a batch still being handled) says
    // nothing about its partitions: they are not idle for that.
    if (sweeping || (positioned && !fetched)) return;
    sweeping = true;
    try {
      // A partition with facts still to read is behind, not idle: asked after the fetch check so
      // whatever the consumer fetched meanwhile is in `unread` or already applied.
      const unread = positioned?.unread ? await positioned.unread() : undefined;
      if (unread === null || draining) return;
      fetched = false;
      sweepIdleSources(view, unread);
    } finally {
      sweeping = false;
    }
    await judgeSealedMinutes();
  }

  function onAssignment(partitions: string[]): void {
    assignPartitions(view, partitions);
    log.info({ partitions }, 'request partitions assigned');
    void judgeSealedMinutes();
  }

  let appending: Promise<void> | undefined;
  /** One drain of the pending alert events at a time; later callers wait for it. */
  function appendPending(): Promise<void> {
    appending ??= drainPending().finally(() => {
      appending = undefined;
    });
    return appending;
  }

  async function drainPending(): Promise<void> {
    try {
      while (pending.length > 0) {
        const e = pending[0]!;
        const stream = alertStream(e.data);
        const [event] = toNewEvents([e], { actor: ANALYTICS_ACTOR, correlationId: e.data.alertId }, { clock, random });
        // Idempotent per alert event: re-evaluation after a restart appends nothing twice.
        await store.appendToStream(stream, [event!], { expectedStreamVersion: ANY, idempotencyKey: `${stream}:${e.type}:${e.data.alertId}` });
        pending.shift();
        log.info({ alertId: e.data.alertId, kind: e.data.kind, correlationId: e.data.alertId }, e.type === 'AlertRaised' ? 'alert raised' : 'alert cleared');
      }
    } catch (err) {
      log.warn({ err: err instanceof Error ? err.message : String(err), pending: pending.length }, 'appending alert events failed; retrying with the next batch');
    }
  }

  function onLogEvent(e: RecordedEvent): void {
    const changed = applyAlertEvent(alertsView, e);
    if (changed) {
      const change: AlertChange = e.type === 'AlertRaised' ? 'RAISED' : 'CLEARED';
      for (const l of alertListeners) l(changed, change);
    }
    for (const w of alertWaiters) {
      if (alertsView.position >= w.position) {
        alertWaiters.delete(w);
        w.resolve();
      }
    }
  }

  function emitStats(): void {
    const now = clock.now().toISOString();
    const scratch = denseHistogram();
    for (const [apiId, listeners] of statsListeners) {
      const a = stats.get(apiId);
      stats.delete(apiId);
      scratch.reset();
      if (a) addInto(scratch, a.latency);
      const s: RequestStats = {
        apiId,
        at: now,
        intervalMs: statsEveryMs,
        requests: a?.requests ?? 0,
        errors: a?.errors ?? 0,
        throttled: a?.throttled ?? 0,
        requestsPerSecond: ((a?.requests ?? 0) * 1000) / statsEveryMs,
        p50LatencyMs: percentileMs(scratch, 50),
        p95LatencyMs: percentileMs(scratch, 95),
        p99LatencyMs: percentileMs(scratch, 99),
      };
      for (const l of listeners) l(s);
    }
  }

  async function load(): Promise<boolean> {
    if (!options.viewStore) return false;
    const snap = await options.viewStore.load(ANALYTICS_VIEW_NAME, ANALYTICS_SNAPSHOT_VERSION);
    if (!snap || snap.position === loadedPosition) return false;
    ({ view, engine } = decodeAnalyticsSnapshot(snap.data, options));
    loadedPosition = snap.position;
    return true;
  }

  async function snapshot(): Promise<void> {
    if (mode !== 'ingest' || (!options.viewStore && !positioned)) return;
    await appendPending();
    if (pending.length > 0) return; // never persist an engine whose alerts are not in the log yet
    // The offsets the snapshot holds, taken with it: only those are committed once it is saved.
    const offsets = new Map(view.dedupe.positions);
    if (options.viewStore) {
      const position = BigInt(view.counters.applied + view.counters.duplicates + view.counters.late + view.counters.invalid);
      await options.viewStore.save(ANALYTICS_VIEW_NAME, ANALYTICS_SNAPSHOT_VERSION, { position, data: encodeAnalyticsSnapshot(view, engine) });
      log.info({ applied: view.counters.applied, position: position.toString(), partitions: offsets.size }, 'analytics snapshot saved');
      try {
        options.onSnapshotSaved?.(view);
      } catch (e) {
        log.warn({ err: e instanceof Error ? e.message : String(e) }, 'analytics snapshot listener failed');
      }
    }
    await positioned?.commit(offsets);
  }

  function every(ms: number, task: () => Promise<void> | void): void {
    if (ms <= 0) return;
    const t = setInterval(() => {
      Promise.resolve(task()).catch((e: unknown) => log.warn({ err: e instanceof Error ? e.message : String(e) }, 'analytics periodic task failed'));
    }, ms);
    t.unref();
    timers.push(t);
  }

  return {
    view: () => view,
    alerts: () => alertsView,
    async start() {
      if (await load()) log.info({ applied: view.counters.applied }, 'analytics view restored from its snapshot');
      logSub = store.subscribe(async (e) => onLogEvent(e), { after: START, filter: { types: [...ALERT_EVENT_TYPES] } });
      await logSub.caughtUp;
      const requests = options.requests;
      if (requests && mode === 'ingest' && isPartitioned(requests)) {
        requestSub = positioned = await requests.subscribePositioned(onBatch, { onAssignment, onFetch: () => void (fetched = true) });
      } else if (requests) requestSub = await requests.subscribe(onFacts);
      if (mode === 'ingest') {
        every(options.snapshotEveryMs ?? 60_000, snapshot);
        every(options.sourceIdleMs ?? 10_000, sweepIdle);
      } else every(options.reloadEveryMs ?? 5_000, async () => void (await load()));
      every(statsEveryMs, emitStats);
    },
    ingest: onFacts,
    async settle() {
      // The in-process stream hands facts over on the next turns of the event loop.
      for (let quiet = 0; quiet < 3; ) {
        await nextTurn();
        if (inFlight > 0 || appending) {
          quiet = 0;
          await appending;
        } else quiet++;
      }
    },
    waitForAlerts(position, timeoutMs) {
      if (alertsView.position >= position) return Promise.resolve();
      return new Promise((resolve, reject) => {
        const w = { position, resolve: () => { clearTimeout(timer); resolve(); } };
        const timer = setTimeout(() => {
          alertWaiters.delete(w);
          reject(new Error(`alerts view did not reach position ${position} within ${timeoutMs} ms`));
        }, timeoutMs);
        alertWaiters.add(w);
      });
    },
    onRequestStats(apiId, listener) {
      let set = statsListeners.get(apiId);
      if (!set) statsListeners.set(apiId, (set = new Set()));
      set.add(listener);
      return () => {
        set.delete(listener);
        if (set.size === 0) {
          statsListeners.delete(apiId);
          stats.delete(apiId);
        }
      };
    },
    onAlert(listener) {
      alertListeners.add(listener);
      return () => alertListeners.delete(listener);
    },
    snapshot,
    status: () => ({
      mode,
      ...view.counters,
      droppedByStream: options.requests?.dropped ?? 0,
      pendingAlerts: pending.length,
      watermark: Number.isFinite(view.watermark) ? new Date(view.watermark).toISOString() : null,
      activeSources: activeSources(view.sources),
      size: viewSize(view),
    }),
    async close() {
      if (closed) return;
      closed = true;
      for (const t of timers) clearInterval(t);
      // A partitioned stream stays connected until the final snapshot's offsets are committed.
      if (positioned) draining = true;
      else await requestSub?.stop();
      await this.settle();
      await logSub?.stop();
      try {
        await snapshot();
      } catch (e) {
        log.warn({ err: e instanceof Error ? e.message : String(e) }, 'final analytics snapshot failed');
      }
      if (positioned) await requestSub?.stop();
    },
  };
}
