// `gatehouse control-plane`: the management API, key manager and projections without the
// gateway (distributed role). With KAFKA_BROKERS set it relays the log to gatehouse.events,
// where `gatehouse gateway` processes on other machines follow it.
import type { Command } from 'commander';
import { configFromEnv, startEmbedded } from '../runtime.ts';
import { serveUntilSignal } from './start.ts';

export function register(program: Command): void {
  program
    .command('control-plane')
    .description('GraphQL, key manager, projections and the Kafka relay (distributed role)')
    .option('--data <dir>', 'data directory (GATEHOUSE_DATA, default ./data)')
    .option('--http-port <port>', 'control plane port (GATEHOUSE_HTTP_PORT, default 8080)')
    .option('--host <host>', 'listen address (GATEHOUSE_HOST, default 0.0.0.0)')
    .action((opts: { data?: string; httpPort?: string; host?: string }) =>
      serveUntilSignal(async () => startEmbedded({ ...configFromEnv(process.env, opts), gateway: false })));
}
