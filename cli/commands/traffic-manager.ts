// `gatehouse traffic-manager`: the distributed role that sums request facts of every gateway
// (Kafka gatehouse.requests, consumer group `gatehouse-traffic-manager`) into fixed-window
// counters per throttle key and publishes `{throttleKey, throttledUntil}` to gatehouse.throttle
// the moment a key reaches its limit. Instances in one group share the partitions (facts are
// keyed by API), so the role scales by partition. Serves /health, /ready and /metrics.
import type { Command } from 'commander';
import { Counter, Gauge } from 'prom-client';
import { parseBrokers } from '../../infra/bus/kafka-client.ts';
import { createKafkaRequestStream } from '../../infra/bus/kafka-requests.ts';
import { createKafkaThrottleDecisionStream } from '../../infra/bus/kafka-throttle.ts';
import { createTrafficManager, type TrafficManager } from '../../projections/traffic/service.ts';
import { portOf, startOpsServer } from '../ops-server.ts';
import { createLogger } from '../runtime.ts';
import { runUntilSignal } from './start.ts';

export const TRAFFIC_MANAGER_GROUP = 'gatehouse-traffic-manager';

export interface TrafficManagerFlags {
  port?: string;
  host?: string;
  group?: string;
  requestsTopic?: string;
  throttleTopic?: string;
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
  const closers: Array<() => Promise<void>> = [];
  const closeAll = async () => {
    for (const c of closers.splice(0).reverse()) await c().catch((e: unknown) => logger.warn({ err: e }, 'error while closing'));
  };

  try {
    let manager: TrafficManager | undefined;
    let assigned: number[] | null = null;
    const requests = await createKafkaRequestStream({
      kafka: brokers,
      consumerGroup: group,
      ...(flags.requestsTopic ? { topic: flags.requestsTopic } : {}),
      // Counts from before this instance owned a partition would be partial: start at the newest facts.
      fromBeginning: false,
      onAssignment: (partitions) => {
        assigned = partitions;
        logger.info({ partitions }, 'request fact partitions assigned');
        manager?.reset();
      },
      logger: logger.child({ component: 'kafka-requests' }),
    });
    closers.push(() => requests.close());
    const decisions = await createKafkaThrottleDecisionStream({
      kafka: brokers,
      ...(flags.throttleTopic ? { topic: flags.throttleTopic } : {}),
      logger: logger.child({ component: 'kafka-throttle' }),
    });
    closers.push(() => decisions.close());

    manager = createTrafficManager({ requests, decisions, clock: { now: () => new Date() }, logger });
    const registry = requests.registry;
    const decided = new Counter({ name: 'gatehouse_throttle_decisions_total', help: 'Throttle decisions published', registers: [registry] });
    new Gauge({
      name: 'gatehouse_traffic_windows', help: 'Active (throttle key, window) counters', registers: [registry],
      collect() {
        this.set(manager!.status().windows);
      },
    });
    manager.onDecision(() => decided.inc());
    await manager.start();
    closers.push(() => manager!.close()); // stops the consumer: offsets of handled facts are committed

    const ops = await startOpsServer({
      port, host, registry,
      readiness: () => ({ ready: assigned !== null, partitions: assigned ?? [], ...manager!.status() }),
    });
    closers.unshift(() => ops.close());
    const url = ops.url;
    logger.info({ brokers, group, url }, 'traffic manager started');
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
    .addHelpText('after', [
      '',
      'Environment: KAFKA_BROKERS (required), GATEHOUSE_LOG_LEVEL.',
      'Counts the throttleHits of request facts ({key, limit, windowStart, windowEnd}, resolved by the',
      'gateway) and publishes a decision once per key and window when the count reaches the limit.',
      'Counters live in memory: a restarted or rebalanced instance starts the current windows from zero',
      '(gateways still enforce their local counters meanwhile).',
    ].join('\n'))
    .action(async (flags: TrafficManagerFlags) => {
      runUntilSignal(await startTrafficManager(flags));
    });
}
