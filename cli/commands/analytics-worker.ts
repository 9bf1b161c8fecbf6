// `gatehouse analytics-worker`: the distributed analytics role. Consumes request facts from
// Kafka (gatehouse.requests, consumer group `gatehouse-analytics`), folds them into the
// analytics view, runs the alert detectors and appends their events to the log of record, and
// saves view + detectors as a snapshot: in MongoDB when MONGODB_URL is set (the control plane
// then serves them in follow mode, and the buckets are also written as documents for readers of
// MongoDB: infra/views/mongo-analytics.ts), else in <data>/views.db. The snapshot holds the offsets it
// covers, and the consumer group's offsets are committed only after it is saved: a crash
// (even kill -9) re-reads from the last snapshot, and positions drop what it already holds.
// In the embedded deployment (`gatehouse start`) the same service runs in-process instead.
import { randomBytes, randomUUID } from 'node:crypto';
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import type { Command } from 'commander';
import { invalidInput } from '../../domain/errors.ts';
import type { Clock } from '../../domain/ports.ts';
import { parseBrokers } from '../../infra/bus/kafka-client.ts';
import { createKafkaRequestStream } from '../../infra/bus/kafka-requests.ts';
import { openConfiguredEventStore } from '../../infra/eventstore/open.ts';
import { openSqliteViewStore } from '../../infra/views/sqlite.ts';
import type { AnalyticsDocumentWriter } from '../../infra/views/mongo-analytics.ts';
import type { MongoViewStore } from '../../infra/views/mongo.ts';
import type { ViewStore } from '../../projections/projection.ts';
import { createAnalyticsService, type AnalyticsService } from '../../projections/analytics/service.ts';
import { Gauge, type Registry } from 'prom-client';
import { portOf, startOpsServer } from '../ops-server.ts';
import { createLogger } from '../runtime.ts';
import { dataDirOf } from './events.ts';
import { runUntilSignal } from './start.ts';

export const ANALYTICS_CONSUMER_GROUP = 'gatehouse-analytics';

interface WorkerOptions {
  data?: string;
  group: string;
  /** Default gatehouse.requests. */
  topic?: string;
  fromBeginning?: boolean;
  /** Snapshot (and offset commit) period, ms (default 60 000). */
  snapshotEveryMs?: number;
  /** A partition or gateway silent this long stops holding the watermark back, ms (default 10 000). */
  sourceIdleMs?: number;
  /** Port of /health, /ready, /metrics (GATEHOUSE_HTTP_PORT, default 8480; 0 = any free port). */
  port?: string;
  /** Listen address of those (GATEHOUSE_HOST, default 0.0.0.0). */
  host?: string;
}

/** The MongoDB ViewStore when the adapter is in this build (infra/views/mongo.ts). */
async function openMongoViews(url: string): Promise<ViewStore> {
  let mod: Record<string, unknown>;
  try {
    // Resolved at run time: the adapter may not be in this build yet.
    mod = (await import(new URL('../../infra/views/mongo.ts', import.meta.url).href)) as Record<string, unknown>;
  } catch {
    throw new Error('MONGODB_URL is set but this build has no MongoDB view store (infra/views/mongo.ts)');
  }
  const open = mod.openMongoViewStore;
  if (typeof open !== 'function') throw new Error('infra/views/mongo.ts exports no openMongoViewStore');
  return (await (open as (o: { url: string }) => Promise<ViewStore> | ViewStore)({ url }));
}

/** The writer of the analytics documents into the view store's database (infra/views/mongo-analytics.ts). */
export async function openDocumentWriter(viewStore: ViewStore, logger: ReturnType<typeof createLogger>): Promise<AnalyticsDocumentWriter> {
  const db = (viewStore as Partial<MongoViewStore>).db;
  if (!db) throw new Error('the MongoDB view store exposes no database for the analytics documents');
  const { createAnalyticsDocumentWriter, openAnalyticsDocuments } = await import('../../infra/views/mongo-analytics.ts');
  return createAnalyticsDocumentWriter({ views: await openAnalyticsDocuments(db), logger: logger.child({ component: 'analytics-documents' }) });
}

export interface RunningWorker {
  service: AnalyticsService;
  /** With MONGODB_URL: the writer of the per-bucket documents. */
  documents?: AnalyticsDocumentWriter;
  logger: ReturnType<typeof createLogger>;
  /** Where /health, /ready and /metrics answer. */
  url: string;
  close(): Promise<void>;
}

export async function startAnalyticsWorker(options: WorkerOptions, env: NodeJS.ProcessEnv = process.env): Promise<RunningWorker> {
  if (!env.KAFKA_BROKERS?.trim()) {
    throw new Error('analytics-worker consumes gatehouse.requests: set KAFKA_BROKERS (embedded analytics run inside `gatehouse start`)');
  }
  const brokers = parseBrokers(env.KAFKA_BROKERS);
  const logger = createLogger(env.GATEHOUSE_LOG_LEVEL ?? 'info').child({ role: 'analytics-worker' });
  const port = portOf(options.port ?? env.GATEHOUSE_HTTP_PORT ?? '8480');
  const host = options.host ?? env.GATEHOUSE_HOST ?? '0.0.0.0';
  const dataDir = dataDirOf(options.data);
  mkdirSync(dataDir, { recursive: true });
  const closers: Array<() => Promise<void>> = [];
  const closeAll = async () => {
    for (const c of closers.splice(0).reverse()) await c().catch((e: unknown) => logger.warn({ err: e }, 'error while closing'));
  };
  try {
    let assigned: number[] | null = null;
    const store = await openConfiguredEventStore(dataDir, env);
    closers.push(() => store.close());
    const viewStore = env.MONGODB_URL ? await openMongoViews(env.MONGODB_URL) : openSqliteViewStore({ path: join(dataDir, 'views.db') });
    closers.push(() => viewStore.close());
    const requests = await createKafkaRequestStream({
      kafka: brokers,
      consumerGroup: options.group,
      ...(options.topic ? { topic: options.topic } : {}),
      fromBeginning: options.fromBeginning ?? true,
      onAssignment: (partitions) => void (assigned = partitions),
      logger: logger.child({ component: 'kafka' }),
    });
    closers.push(() => requests.close());
    // MONGODB_URL: the buckets also as documents (analytics_minutes/hours/days), written after each snapshot.
    const documents = env.MONGODB_URL ? await openDocumentWriter(viewStore, logger) : undefined;
    if (documents) closers.push(() => documents.close()); // after the service's final snapshot (closers run in reverse)
    const clock: Clock = { now: () => new Date() };
    const service = createAnalyticsService({
      ...(documents ? { onSnapshotSaved: documents.saved } : {}),
      requests,
      store,
      viewStore,
      clock,
      random: { uuid: randomUUID, token: (n) => randomBytes(n).toString('base64url') },
      ...(options.snapshotEveryMs !== undefined ? { snapshotEveryMs: options.snapshotEveryMs } : {}),
      ...(options.sourceIdleMs !== undefined ? { sourceIdleMs: options.sourceIdleMs } : {}),
      logger: logger.child({ component: 'analytics' }),
    });
    await service.start();
    closers.push(() => service.close());
    registerWorkerMetrics(requests.registry, service);
    const ops = await startOpsServer({
      port, host, registry: requests.registry,
      readiness: () => ({ ready: assigned !== null, partitions: assigned ?? [], ...service.status() }),
    });
    closers.unshift(() => ops.close());
    logger.info({ brokers, group: options.group, views: env.MONGODB_URL ? 'mongodb' : 'sqlite', applied: service.status().applied, url: ops.url }, 'analytics worker started');
    return { service, logger, url: ops.url, ...(documents ? { documents } : {}), close: closeAll };
  } catch (e) {
    await closeAll();
    throw e;
  }
}

/** The worker's figures, read from its status at each scrape (the stream's own metrics are in the same registry). */
function registerWorkerMetrics(registry: Registry, service: AnalyticsService): void {
  const gauge = (name: string, help: string, read: (s: ReturnType<AnalyticsService['status']>) => number) =>
    new Gauge({ name, help, registers: [registry], collect() { this.set(read(service.status())); } });
  gauge('gatehouse_analytics_facts_applied', 'Request facts counted by the analytics view', (s) => s.applied);
  gauge('gatehouse_analytics_facts_duplicate', 'Request facts skipped as already counted (same offset or request id)', (s) => s.duplicates);
  gauge('gatehouse_analytics_facts_late', 'Request facts refused as older than the dedupe window', (s) => s.late);
  gauge('gatehouse_analytics_alerts_pending', 'Alert events waiting to be appended to the log', (s) => s.pendingAlerts);
  gauge('gatehouse_analytics_watermark_lag_seconds', 'How far the sealing watermark is behind the wall clock', (s) =>
    s.watermark === null ? 0 : Math.max(0, (Date.now() - Date.parse(s.watermark)) / 1000));
}

/** A CLI duration in whole milliseconds (≥ 0); a BAD_USER_INPUT DomainError otherwise. */
export function msOption(name: string, value: string): number {
  const ms = Number(value);
  if (!Number.isInteger(ms) || ms < 0) throw invalidInput(`${name} must be a whole number of milliseconds`, { [name]: value });
  return ms;
}

export function register(program: Command): void {
  program
    .command('analytics-worker')
    .description('request facts (Kafka gatehouse.requests) → analytics views and alerts (distributed role)')
    .option('--data <dir>', 'data directory: event store (sqlite) and views.db when MONGODB_URL is unset')
    .option('--group <id>', 'Kafka consumer group (workers in one group share the partitions)', ANALYTICS_CONSUMER_GROUP)
    .option('--topic <name>', 'request facts topic (default gatehouse.requests)')
    .option('--no-from-beginning', 'a new consumer group starts at the newest facts instead of the oldest kept')
    .option('--snapshot-every <ms>', 'how often the view is saved and the Kafka offsets committed', '60000')
    .option('--source-idle <ms>', 'a partition or gateway silent this long stops holding back the sealing of minutes', '10000')
    .option('--port <port>', 'port of /health, /ready, /metrics (GATEHOUSE_HTTP_PORT, default 8480)')
    .option('--host <host>', 'listen address of those (GATEHOUSE_HOST, default 0.0.0.0)')
    .addHelpText('after', [
      '',
      'Environment: KAFKA_BROKERS (required), MONGODB_URL (views in MongoDB, and the buckets as documents in',
      'analytics_minutes / _hours / _days; rebuild them with `gatehouse analytics --rebuild-documents`), GATEHOUSE_EVENTSTORE /',
      'KURRENTDB_URL (where alert events are appended), GATEHOUSE_LOG_LEVEL.',
      'Facts are deduplicated by partition offset and by requestId (5-minute window), so a redelivered',
      'or republished fact is not counted twice. Minutes are sealed (and judged by the alert detectors)',
      'once every partition and gateway has passed them, so partitions read at different paces and',
      'gateway clocks minutes apart are counted in full. The view and the detectors are saved every',
      'minute and on shutdown; the consumer offsets are committed only once a snapshot holds them.',
    ].join('\n'))
    .action(async (opts: Omit<WorkerOptions, 'snapshotEveryMs' | 'sourceIdleMs'> & { snapshotEvery: string; sourceIdle: string }) => {
      const { snapshotEvery, sourceIdle, ...rest } = opts;
      runUntilSignal(await startAnalyticsWorker({ ...rest, snapshotEveryMs: msOption('--snapshot-every', snapshotEvery), sourceIdleMs: msOption('--source-idle', sourceIdle) }));
    });
}
