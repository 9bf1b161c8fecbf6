// `gatehouse gateway`: the data plane alone, on the same data dir as a running control plane
// (embedded mode). It follows the log with its own runner (snapshots in gateway-views.db so
// a restart does not replay the whole history), and never calls the control plane.
import { join } from 'node:path';
import { InvalidArgumentError, type Command } from 'commander';
import type { EventStore } from '../../domain/ports.ts';
import { eventStoreKind, openConfiguredEventStore } from '../../infra/eventstore/open.ts';
import { openSqliteViewStore } from '../../infra/views/sqlite.ts';
import { startGateway, DEFAULT_GATEWAY_AUDIENCE } from '../../gateway/server.ts';
import { createLogger } from '../runtime.ts';
import { DATA_OPTION_HELP, dataDirOf, openLog } from './events.ts';

interface GatewayFlags {
  data?: string;
  port?: string;
  host?: string;
  issuer?: string;
  audience?: string;
  pollMs?: string;
}

function portOf(value: string): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 0 || n > 65535) throw new InvalidArgumentError(`a port is 0-65535, not ${value}`);
  return n;
}

export function register(program: Command): void {
  program
    .command('gateway')
    .description('the data plane alone, following the log of the data dir (embedded mode)')
    .option('--data <dir>', DATA_OPTION_HELP)
    .option('--port <port>', 'listen port (GATEHOUSE_GATEWAY_PORT, default 8280)')
    .option('--host <host>', 'listen address (GATEHOUSE_HOST, default 0.0.0.0)')
    .option('--issuer <url>', 'iss of the key manager tokens (GATEHOUSE_ISSUER, default http://localhost:8080)')
    .option('--audience <aud>', `aud the tokens must carry (default ${DEFAULT_GATEWAY_AUDIENCE})`)
    .option('--poll-ms <ms>', 'how often to look for appends by the control plane process (default 20)')
    .action(async (flags: GatewayFlags) => {
      const env = process.env;
      const dataDir = dataDirOf(flags.data);
      const port = portOf(flags.port ?? env.GATEHOUSE_GATEWAY_PORT ?? '8280');
      const logger = createLogger(env.GATEHOUSE_LOG_LEVEL ?? 'info');
      const pollMs = Number(flags.pollMs ?? 20);
      if (!Number.isInteger(pollMs) || pollMs < 1) throw new InvalidArgumentError('--poll-ms must be a positive integer');
      // The control plane appends in another process: SQLite's change is seen by polling.
      const store: EventStore = eventStoreKind(env) === 'sqlite' ? openLog(dataDir, pollMs) : await openConfiguredEventStore(dataDir, env);
      const viewStore = openSqliteViewStore({ path: join(dataDir, 'gateway-views.db') });
      const gateway = await startGateway({
        store,
        viewStore,
        port,
        host: flags.host ?? env.GATEHOUSE_HOST ?? '0.0.0.0',
        issuer: (flags.issuer ?? env.GATEHOUSE_ISSUER ?? 'http://localhost:8080').replace(/\/+$/, ''),
        audience: flags.audience ?? DEFAULT_GATEWAY_AUDIENCE,
        logger: logger.child({ component: 'gateway' }),
      });
      logger.info({ url: gateway.url, dataDir, position: gateway.position().toString() }, 'gateway started');

      let closing = false;
      const shutdown = (signal: NodeJS.Signals) => {
        if (closing) return;
        closing = true;
        logger.info({ signal }, 'shutting down');
        const force = setTimeout(() => process.exit(1), 10_000);
        force.unref();
        gateway
          .close()
          .then(() => viewStore.close())
          .then(() => store.close())
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
