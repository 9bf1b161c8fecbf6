// `gatehouse traffic-manager`: the distributed role that sums request facts of every gateway
// (Kafka gatehouse.requests, consumer group `gatehouse-traffic-manager`) into fixed-window
// counters per throttle key and publishes `{throttleKey, throttledUntil}` to gatehouse.throttle
// the moment a key reaches its limit. Instances in one group share the partitions (facts are
// keyed by API), so the role scales by partition. The counters survive restarts and rebalances
// without a data directory: each partition's share is saved to the compacted topic
// gatehouse.traffic-state every second and on SIGTERM, and the consumer offsets are committed
// only once a save holds them. Serves /health, /ready and /metrics.
import type { Command } from 'commander';
import { Counter, Gauge } from 'prom-client';
import { parseBrokers } from '../../infra/bus/kafka-client.ts';
import { createKafkaRequestStream } from '../../infra/bus/kafka-requests.ts';
import { createKafkaThrottleDecisionStream } from '../../infra/bus/kafka-throttle.ts';
import { createKafkaTrafficStateStore } from '../../infra/bus/kafka-traffic-state.ts';
import { createTrafficManager, type TrafficManager } from '../../projections/traffic/service.ts';
import { portOf, startOpsServer } from '../ops-server.ts';
import { msOption } from './analytics-worker.ts';
import { createLogger } from '../runtime.ts';
import { runUntilSignal } from './start.ts';

export const TRAFFIC_MANAGER_GROUP = 'gatehouse-traffic-manager';

export interface TrafficManagerFlags {
  port?: string;
  host?: string;
  group?: string;
  requestsTopic?: string;
  throttleTopic?: string;
  stateTopic?: string;
  /** How often the counters are saved and the offsets committed, ms (default 1000; 0 = on shutdown only). */
  snapshotEvery?: string;
}

export interface RunningTrafficManager {
  manager: TrafficManager;
  url: string;
  logger: ReturnType<typeof createLogger>;
  close(): Promise<void>;
}

export async function startTrafficManager(flags: TrafficManagerFlags, env: NodeJS.ProcessEnv = process.env): Promise<RunningTrafficManager> {
  if (!env.KAFKA_BROKERS?.trim()) throw new Error('traffic-manager reads gatehouse.requests: set KAFKA_BROKERS');
  const brokers = parseBrokers(env.KAFKA_BROKERS);
  const logger = createLogger(env.GATEHOUSE_LOG_LEVEL ?? 'info').child({ role: 'traffic-manager' });
  const port = portOf(flags.port ?? env.GATEHOUSE_HTTP_PORT ?? '8380');
  const host = flags.host ?? env.GATEHOUSE_HOST ?? '0.0.0.0';
  const group = flags.group ?? TRAFFIC_MANAGER_GROUP;
  const snapshotEveryMs = msOption('--snapshot-every', flags.snapshotEvery ?? '1000');
  const closers: Array<() => Promise<void>> = [];
  const closeAll = async () => {
    for (const c of closers.splice(0).reverse()) await c().catch((e: unknown) => logger.warn({ err: e }, 'error while closing'));
  };

  try {
    let assigned: number[] | null = null;
    const requests = await createKafkaRequestStream({
      kafka: brokers,
      consumerGroup: group,
      ...(flags.requestsTopic ? { topic: flags.requestsTopic } : {}),
      // A group without committed offsets (its first start) counts from the newest facts; after
      // that, each partition resumes at the offset its saved state covers.
      fromBeginning: false,
      onAssignment: (partitions) => void (assigned = partitions),
      logger: logger.child({ component: 'kafka-requests' }),
    });
    closers.push(() => requests.close());
    const decisions = await createKafkaThrottleDecisionStream({
      kafka: brokers,
      ...(flags.throttleTopic ? { topic: flags.throttleTopic } : {}),
      logger: logger.child({ component: 'kafka-throttle' }),
    });
    closers.push(() => decisions.close());
    const state = await createKafkaTrafficStateStore({
      kafka: brokers,
      group,
      ...(flags.stateTopic ? { topic: flags.stateTopic } : {}),
      logger: logger.child({ component: 'kafka-traffic-state' }),
    });
    closers.push(() => state.close());

    const manager = createTrafficManager({ requests, decisions, state, snapshotEveryMs, clock: { now: () => new Date() }, logger });
    const registry = requests.registry;
    const decided = new Counter({ name: 'gatehouse_throttle_decisions_total', help: 'Throttle decisions published', registers: [registry] });
    new Gauge({
      name: 'gatehouse_traffic_windows', help: 'Active (throttle key, window) counters', registers: [registry],
      collect() {
        this.set(manager.status().windows);
      },
    });
    manager.onDecision(() => decided.inc());
    await manager.start();
    closers.push(() => manager.close()); // saves the counters, commits their offsets, then leaves the group

    const ops = await startOpsServer({
      port, host, registry,
      // Ready once it owns partitions and their saved counts are back (before that it would decide late).
      readiness: () => {
        const st = manager.status();
        return { ready: assigned !== null && st.restoring === 0, partitions: assigned ?? [], ...st };
      },
    });
    closers.unshift(() => ops.close());
    const url = ops.url;
    logger.info({ brokers, group, stateTopic: state.topic, snapshotEveryMs, url }, 'traffic manager started');
    return { manager, url, logger, close: closeAll };
  } catch (e) {
    await closeAll();
    throw e;
  }
}

export function register(program: Command): void {
  program
    .command('traffic-manager')
    .description('cluster-wide throttle counters → throttle decisions (Kafka)')
    .option('--port <port>', 'HTTP port of /health, /ready, /metrics (GATEHOUSE_HTTP_PORT, default 8380)')
    .option('--host <host>', 'listen address (GATEHOUSE_HOST, default 0.0.0.0)')
    .option('--group <id>', 'Kafka consumer group (instances in one group share the partitions)', TRAFFIC_MANAGER_GROUP)
    .option('--requests-topic <name>', 'request facts topic (default gatehouse.requests)')
    .option('--throttle-topic <name>', 'throttle decisions topic (default gatehouse.throttle)')
    .option('--state-topic <name>', 'compacted topic of the saved counters (default gatehouse.traffic-state)')
    .option('--snapshot-every <ms>', 'how often the counters are saved and the Kafka offsets committed (0 = on shutdown only)', '1000')
    .addHelpText('after', [
      '',
      'Environment: KAFKA_BROKERS (required), GATEHOUSE_KAFKA_TOPIC_PREFIX, GATEHOUSE_LOG_LEVEL.',
      'Counts the throttleHits of request facts ({key, limit, windowStart, windowEnd}, resolved by the',
      'gateway) and publishes a decision once per key and window when the count reaches the limit.',
      'Each request partition\'s share of the open windows is saved with the offset it covers to the',
      'state topic (keyed <group>/<topic>:<partition>) every --snapshot-every ms and on SIGTERM; the',
      'consumer offsets are committed only after that save. An instance that gets a partition (start or',
      'rebalance) restores its saved counts first and re-reads the facts after them, so counts survive',
      'restarts, rebalances and kill -9 exactly. A decision made before a restart may be published',
      'again when the restored count is at the limit: gateways take it as the same decision.',
    ].join('\n'))
    .action(async (flags: TrafficManagerFlags) => {
      runUntilSignal(await startTrafficManager(flags));
    });
}
