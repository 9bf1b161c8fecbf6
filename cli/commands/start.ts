// `gatehouse start`: everything in one process on the embedded store (SPEC "npm start").
import type { Command } from 'commander';
import { configFromEnv, startEmbedded, type Embedded } from '../runtime.ts';

type Running = Pick<Embedded, 'close' | 'logger'>;

/** Time a signalled process gets to settle its startup and close before it exits 1. */
const SHUTDOWN_GRACE_MS = 15_000;

/**
 * Runs a role until SIGTERM/SIGINT. The handlers are installed before `start` runs, so a
 * signal during startup is not the default death (exit 143): startup settles, then the role
 * closes in order and the process exits 0 (1 if closing fails or takes too long). `start`
 * may look at `stopping()` between its steps and return null to start nothing.
 */
export async function serveUntilSignal(start: (stopping: () => boolean) => Promise<Running | null>): Promise<void> {
  let signal: NodeJS.Signals | null = null;
  let running: Running | null = null;
  let closing = false;
  const close = () => {
    if (closing || signal === null) return;
    closing = true;
    if (!running) return process.exit(0); // signalled before anything was started
    const r = running;
    r.logger.info({ signal }, 'shutting down');
    r.close().then(
      () => process.exit(0),
      (e: unknown) => {
        r.logger.error({ err: e }, 'shutdown failed');
        process.exit(1);
      },
    );
  };
  const onSignal = (s: NodeJS.Signals) => {
    if (signal !== null) return;
    signal = s;
    const force = setTimeout(() => process.exit(1), SHUTDOWN_GRACE_MS);
    force.unref();
    if (running) close(); // else: once startup settles
  };
  process.once('SIGTERM', onSignal);
  process.once('SIGINT', onSignal);
  try {
    running = await start(() => signal !== null);
  } catch (e) {
    process.off('SIGTERM', onSignal);
    process.off('SIGINT', onSignal);
    throw e;
  }
  if (signal !== null) {
    running?.logger.info({ signal }, 'signal received during startup');
    close();
  }
}

/** Keeps an already started runtime until SIGTERM/SIGINT, then closes it (see serveUntilSignal). */
export function runUntilSignal(running: Running): void {
  void serveUntilSignal(async () => running);
}

export function register(program: Command): void {
  program
    .command('start')
    .description('all-in-one: control plane (:8080) + gateway (:8280) on the embedded store')
    .option('--data <dir>', 'data directory (GATEHOUSE_DATA, default ./data)')
    .option('--http-port <port>', 'control plane port (GATEHOUSE_HTTP_PORT, default 8080)')
    .option('--gateway-port <port>', 'gateway port (GATEHOUSE_GATEWAY_PORT, default 8280)')
    .option('--host <host>', 'listen address (GATEHOUSE_HOST, default 0.0.0.0)')
    .action((opts: { data?: string; httpPort?: string; gatewayPort?: string; host?: string }) =>
      serveUntilSignal(async (stopping) => {
        // A fresh clone has no ui/dist: build the portals once (GATEHOUSE_UI_BUILD=never skips it).
        if (process.env.GATEHOUSE_UI_BUILD !== 'never') {
          const { ensureUiBuilt } = await import('../../ui/build-if-missing.ts');
          await ensureUiBuilt();
        }
        return stopping() ? null : startEmbedded(configFromEnv(process.env, opts));
      }));
}
