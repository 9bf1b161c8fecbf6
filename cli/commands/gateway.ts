// `gatehouse gateway`: the data plane alone. Embedded: on the same data dir as a running
// control plane, following the log with its own runner (snapshots in gateway-views.db so a
// restart does not replay the whole history). Distributed (KAFKA_BROKERS set): fed by the
// gateway-map changelog + gatehouse.events, request facts to gatehouse.requests, decisions
// from gatehouse.throttle. Either way it never calls the control plane.
import { hostname } from 'node:os';
import { join } from 'node:path';
import { InvalidArgumentError, type Command } from 'commander';
import type { Logger } from 'pino';
import { Registry } from 'prom-client';
import type { EventStore } from '../../domain/ports.ts';
import { eventStoreKind, openConfiguredEventStore } from '../../infra/eventstore/open.ts';
import { openSqliteViewStore } from '../../infra/views/sqlite.ts';
import { startGateway, DEFAULT_GATEWAY_AUDIENCE, type StartGatewayOptions } from '../../gateway/server.ts';
import { createLogger } from '../runtime.ts';
import { DATA_OPTION_HELP, dataDirOf, openLog } from './events.ts';

interface GatewayFlags {
  data?: string;
  port?: string;
  host?: string;
  adminPort?: string;
  adminHost?: string;
  issuer?: string;
  audience?: string;
  pollMs?: string;
  gatewayId?: string;
  gateways?: string;
}

interface Wiring {
  options: Pick<StartGatewayOptions, 'store' | 'viewStore' | 'requestStream' | 'throttleDecisions' | 'metrics'>;
  close(): Promise<void>;
}

/** The embedded wiring: the SQLite log of the data dir (polled: another process appends). */
async function embedded(dataDir: string, pollMs: number, env: NodeJS.ProcessEnv): Promise<Wiring> {
  const store: EventStore = eventStoreKind(env) === 'sqlite' ? openLog(dataDir, pollMs) : await openConfiguredEventStore(dataDir, env);
  const viewStore = openSqliteViewStore({ path: join(dataDir, 'gateway-views.db') });
  return {
    options: { store, viewStore },
    close: async () => {
      await viewStore.close();
      await store.close();
    },
  };
}

/** The distributed wiring, as infra/bus composes it (Kafka clients load only here). */
async function kafkaFed(brokers: string, gatewayId: string, logger: Logger): Promise<Wiring> {
  const { createKafka, parseBrokers } = await import('../../infra/bus/kafka-client.ts');
  const { createKafkaGatewayFeed } = await import('../../infra/bus/kafka-gateway-feed.ts');
  const { createKafkaRequestStream } = await import('../../infra/bus/kafka-requests.ts');
  const { createKafkaThrottleDecisionStream } = await import('../../infra/bus/kafka-throttle.ts');
  const kafka = createKafka(parseBrokers(brokers), { clientId: `gatehouse-gateway-${gatewayId}`, logger });
  const feed = await createKafkaGatewayFeed({ kafka, logger });
  // One registry: the stream's published/buffered/dropped facts beside the gateway's gauges.
  const metrics = new Registry();
  const requestStream = await createKafkaRequestStream({ kafka, logger, registry: metrics });
  const throttleDecisions = await createKafkaThrottleDecisionStream({ kafka, logger });
  return {
    options: { ...feed, requestStream, throttleDecisions, metrics },
    close: async () => {
      await requestStream.close();
      await throttleDecisions.close();
    },
  };
}

function portOf(value: string): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 0 || n > 65535) throw new InvalidArgumentError(`a port is 0-65535, not ${value}`);
  return n;
}

export function register(program: Command): void {
  program
    .command('gateway')
    .description('the data plane alone: follows the log of the data dir, or Kafka when KAFKA_BROKERS is set')
    .option('--data <dir>', DATA_OPTION_HELP)
    .option('--port <port>', 'listen port (GATEHOUSE_GATEWAY_PORT, default 8280)')
    .option('--host <host>', 'listen address (GATEHOUSE_HOST, default 0.0.0.0)')
    .option('--admin-port <port>', '/_gatehouse/* (health, ready, metrics, stats, jwks) on a port of their own, off the public one (GATEHOUSE_GATEWAY_ADMIN_PORT; default: shared)')
    .option('--admin-host <host>', 'listen address of the admin port (default: --host)')
    .option('--issuer <url>', 'iss of the key manager tokens (GATEHOUSE_ISSUER, default http://localhost:8080)')
    .option('--audience <aud>', `aud the tokens must carry (default ${DEFAULT_GATEWAY_AUDIENCE})`)
    .option('--poll-ms <ms>', 'embedded: how often to look for appends by the control plane process (default 20)')
    .option('--gateway-id <id>', 'name in request facts and logs (GATEHOUSE_GATEWAY_ID, default host:pid)')
    .option('--gateways <n>', 'gateways sharing each cluster-wide limit: local quota = limit / n (GATEHOUSE_GATEWAY_COUNT, default 1)')
    .action(async (flags: GatewayFlags) => {
      const env = process.env;
      const dataDir = dataDirOf(flags.data);
      const port = portOf(flags.port ?? env.GATEHOUSE_GATEWAY_PORT ?? '8280');
      const logger = createLogger(env.GATEHOUSE_LOG_LEVEL ?? 'info');
      const pollMs = Number(flags.pollMs ?? 20);
      if (!Number.isInteger(pollMs) || pollMs < 1) throw new InvalidArgumentError('--poll-ms must be a positive integer');
      const gateways = Number(flags.gateways ?? env.GATEHOUSE_GATEWAY_COUNT ?? 1);
      if (!Number.isInteger(gateways) || gateways < 1) throw new InvalidArgumentError('--gateways must be a positive integer');
      const gatewayId = flags.gatewayId ?? env.GATEHOUSE_GATEWAY_ID ?? `${hostname()}:${process.pid}`;
      const wiring = env.KAFKA_BROKERS ? await kafkaFed(env.KAFKA_BROKERS, gatewayId, logger) : await embedded(dataDir, pollMs, env);
      const adminPort = flags.adminPort ?? env.GATEHOUSE_GATEWAY_ADMIN_PORT;
      const gateway = await startGateway({
        ...wiring.options,
        port,
        ...(adminPort !== undefined && adminPort !== '' ? { adminPort: portOf(adminPort) } : {}),
        ...(flags.adminHost ? { adminHost: flags.adminHost } : {}),
        host: flags.host ?? env.GATEHOUSE_HOST ?? '0.0.0.0',
        issuer: (flags.issuer ?? env.GATEHOUSE_ISSUER ?? 'http://localhost:8080').replace(/\/+$/, ''),
        audience: flags.audience ?? DEFAULT_GATEWAY_AUDIENCE,
        gatewayId,
        localQuotaGateways: gateways,
        logger: logger.child({ component: 'gateway' }),
      });
      logger.info({ url: gateway.url, adminUrl: gateway.adminUrl, dataDir, kafka: Boolean(env.KAFKA_BROKERS), position: gateway.position().toString() }, 'gateway started');

      let closing = false;
      const shutdown = (signal: NodeJS.Signals) => {
        if (closing) return;
        closing = true;
        logger.info({ signal }, 'shutting down');
        const force = setTimeout(() => process.exit(1), 10_000);
        force.unref();
        gateway
          .close()
          .then(() => wiring.close())
          .then(
            () => process.exit(0),
            (e: unknown) => {
              logger.error({ err: e }, 'shutdown failed');
              process.exit(1);
            },
          );
      };
      process.once('SIGTERM', shutdown);
      process.once('SIGINT', shutdown);
    });
}
