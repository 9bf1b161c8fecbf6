// `gatehouse start`: everything in one process on the embedded store (SPEC "npm start").
import type { Command } from 'commander';
import { configFromEnv, startEmbedded, type Embedded } from '../runtime.ts';

/** Keeps a started runtime until SIGTERM/SIGINT, then closes it (exit 0, or 1 if closing fails). */
export function runUntilSignal(running: Pick<Embedded, 'close' | 'logger'>): void {
  let closing = false;
  const shutdown = (signal: NodeJS.Signals) => {
    if (closing) return;
    closing = true;
    running.logger.info({ signal }, 'shutting down');
    const force = setTimeout(() => process.exit(1), 15_000);
    force.unref();
    running.close().then(
      () => process.exit(0),
      (e: unknown) => {
        running.logger.error({ err: e }, 'shutdown failed');
        process.exit(1);
      },
    );
  };
  process.once('SIGTERM', shutdown);
  process.once('SIGINT', shutdown);
}

export function register(program: Command): void {
  program
    .command('start')
    .description('all-in-one: control plane (:8080) + gateway (:8280) on the embedded store')
    .option('--data <dir>', 'data directory (GATEHOUSE_DATA, default ./data)')
    .option('--http-port <port>', 'control plane port (GATEHOUSE_HTTP_PORT, default 8080)')
    .option('--gateway-port <port>', 'gateway port (GATEHOUSE_GATEWAY_PORT, default 8280)')
    .option('--host <host>', 'listen address (GATEHOUSE_HOST, default 0.0.0.0)')
    .action(async (opts: { data?: string; httpPort?: string; gatewayPort?: string; host?: string }) => {
      // A fresh clone has no ui/dist: build the portals once (GATEHOUSE_UI_BUILD=never skips it).
      if (process.env.GATEHOUSE_UI_BUILD !== 'never') {
        const { ensureUiBuilt } = await import('../../ui/build-if-missing.ts');
        await ensureUiBuilt();
      }
      runUntilSignal(await startEmbedded(configFromEnv(process.env, opts)));
    });
}
