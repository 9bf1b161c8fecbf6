// `gatehouse analytics-worker`: the distributed analytics role. Consumes request facts from
// Kafka (gatehouse.requests, consumer group `gatehouse-analytics`), folds them into the
// analytics view, runs the alert detectors and appends their events to the log of record, and
// saves view + detectors as a snapshot: in MongoDB when MONGODB_URL is set (the control plane
// then serves them in follow mode), else in <data>/views.db.
// In the embedded deployment (`gatehouse start`) the same service runs in-process instead.
import { randomBytes, randomUUID } from 'node:crypto';
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import type { Command } from 'commander';
import type { Clock, RequestStream } from '../../domain/ports.ts';
import { parseBrokers } from '../../infra/bus/kafka-client.ts';
import { createKafkaRequestStream } from '../../infra/bus/kafka-requests.ts';
import { openConfiguredEventStore } from '../../infra/eventstore/open.ts';
import { openSqliteViewStore } from '../../infra/views/sqlite.ts';
import type { ViewStore } from '../../projections/projection.ts';
import { createAnalyticsService, type AnalyticsService } from '../../projections/analytics/service.ts';
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

export interface RunningWorker {
  service: AnalyticsService;
  logger: ReturnType<typeof createLogger>;
  close(): Promise<void>;
}

export async function startAnalyticsWorker(options: WorkerOptions, env: NodeJS.ProcessEnv = process.env): Promise<RunningWorker> {
  if (!env.KAFKA_BROKERS?.trim()) {
    throw new Error('analytics-worker consumes gatehouse.requests: set KAFKA_BROKERS (embedded analytics run inside `gatehouse start`)');
  }
  const brokers = parseBrokers(env.KAFKA_BROKERS);
  const logger = createLogger(env.GATEHOUSE_LOG_LEVEL ?? 'info').child({ role: 'analytics-worker' });
  const dataDir = dataDirOf(options.data);
  mkdirSync(dataDir, { recursive: true });
  const closers: Array<() => Promise<void>> = [];
  const closeAll = async () => {
    for (const c of closers.splice(0).reverse()) await c().catch((e: unknown) => logger.warn({ err: e }, 'error while closing'));
  };
  try {
    const store = await openConfiguredEventStore(dataDir, env);
    closers.push(() => store.close());
    const viewStore = env.MONGODB_URL ? await openMongoViews(env.MONGODB_URL) : openSqliteViewStore({ path: join(dataDir, 'views.db') });
    closers.push(() => viewStore.close());
    const requests: RequestStream = await createKafkaRequestStream({
      kafka: brokers,
      consumerGroup: options.group,
      ...(options.topic ? { topic: options.topic } : {}),
      fromBeginning: options.fromBeginning ?? true,
      logger: logger.child({ component: 'kafka' }),
    });
    closers.push(() => requests.close());
    const clock: Clock = { now: () => new Date() };
    const service = createAnalyticsService({
      requests,
      store,
      viewStore,
      clock,
      random: { uuid: randomUUID, token: (n) => randomBytes(n).toString('base64url') },
      logger: logger.child({ component: 'analytics' }),
    });
    await service.start();
    closers.push(() => service.close());
    logger.info({ brokers, group: options.group, views: env.MONGODB_URL ? 'mongodb' : 'sqlite', applied: service.status().applied }, 'analytics worker started');
    return { service, logger, close: closeAll };
  } catch (e) {
    await closeAll();
    throw e;
  }
}

export function register(program: Command): void {
  program
    .command('analytics-worker')
    .description('request facts (Kafka gatehouse.requests) → analytics views and alerts (distributed role)')
    .option('--data <dir>', 'data directory: event store (sqlite) and views.db when MONGODB_URL is unset')
    .option('--group <id>', 'Kafka consumer group (workers in one group share the partitions)', ANALYTICS_CONSUMER_GROUP)
    .option('--topic <name>', 'request facts topic (default gatehouse.requests)')
    .option('--no-from-beginning', 'a new consumer group starts at the newest facts instead of the oldest kept')
    .addHelpText('after', [
      '',
      'Environment: KAFKA_BROKERS (required), MONGODB_URL (views in MongoDB), GATEHOUSE_EVENTSTORE /',
      'KURRENTDB_URL (where alert events are appended), GATEHOUSE_LOG_LEVEL.',
      'Facts are deduplicated by requestId within a 5-minute window, so a redelivered batch is not',
      'counted twice; the view and the alert detectors are saved every minute and on shutdown.',
    ].join('\n'))
    .action(async (opts: WorkerOptions) => {
      runUntilSignal(await startAnalyticsWorker(opts));
    });
}
