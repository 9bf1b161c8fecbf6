// Starts Gatehouse the way users do (`node --import tsx cli/main.ts start`) on ephemeral ports
// with a temp data dir, and hands tests the URLs. The child's log tells us the bound ports.
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('../..', import.meta.url));

export interface RunningServer {
  /** http://127.0.0.1:<port> of the control plane; also the token issuer. */
  baseUrl: string;
  gatewayUrl: string | null;
  adminPassword: string;
  dataDir: string;
  /** Every stdout/stderr line so far (for assertions on logs and for debugging failures). */
  logs: string[];
  child: ChildProcess;
  /** SIGTERM, waits for exit; returns the exit code. Removes the data dir unless keepData. */
  stop(opts?: { keepData?: boolean; signal?: NodeJS.Signals }): Promise<number | null>;
}

export interface StartOptions {
  dataDir?: string;
  adminPassword?: string | null; // null: let the server generate one (and parse it)
  env?: Record<string, string>;
  timeoutMs?: number;
  /** The role to run (default `start`: control plane and gateway). */
  command?: 'start' | 'control-plane';
}

export async function startServer(options: StartOptions = {}): Promise<RunningServer> {
  const dataDir = options.dataDir ?? mkdtempSync(join(tmpdir(), 'gatehouse-e2e-'));
  const adminPassword = options.adminPassword === null ? undefined : (options.adminPassword ?? 'admin-Pa55word!');
  const env: Record<string, string> = {
    ...(process.env as Record<string, string>),
    GATEHOUSE_DATA: dataDir,
    GATEHOUSE_HTTP_PORT: '0',
    GATEHOUSE_GATEWAY_PORT: '0',
    GATEHOUSE_HOST: '127.0.0.1',
    GATEHOUSE_LOG_LEVEL: process.env.GATEHOUSE_LOG_LEVEL ?? 'info',
    GATEHOUSE_UI_BUILD: 'never', // the portals' build is the browser suites' concern, not startup's
    ...options.env,
  };
  delete env.GATEHOUSE_ADMIN_PASSWORD;
  delete env.GATEHOUSE_ISSUER;
  if (adminPassword !== undefined) env.GATEHOUSE_ADMIN_PASSWORD = adminPassword;
  if (options.env?.GATEHOUSE_ISSUER) env.GATEHOUSE_ISSUER = options.env.GATEHOUSE_ISSUER;

  const child = spawn(process.execPath, ['--import', 'tsx', join(root, 'cli/main.ts'), options.command ?? 'start'], {
    cwd: root,
    env,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const logs: string[] = [];
  let baseUrl: string | undefined;
  let gatewayUrl: string | null = null;
  let generatedPassword: string | undefined;

  const ready = new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`server did not start within ${options.timeoutMs ?? 30000} ms:\n${logs.join('\n')}`)), options.timeoutMs ?? 30000);
    const onLine = (line: string) => {
      logs.push(line);
      const pw = /admin password: (\S+)/i.exec(line);
      if (pw) generatedPassword = pw[1];
      const listening = /^Gatehouse listening: control plane (\S+?)(?:, gateway (\S+))?$/.exec(line);
      if (listening) {
        baseUrl = listening[1];
        gatewayUrl = listening[2] ?? null;
        clearTimeout(timer);
        resolve();
        return;
      }
    };
    createInterface({ input: child.stdout! }).on('line', onLine);
    createInterface({ input: child.stderr! }).on('line', onLine);
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`server exited with ${code} before starting:\n${logs.join('\n')}`));
    });
  });
  try {
    await ready;
  } catch (e) {
    if (child.exitCode === null) child.kill('SIGKILL'); // never leave a half-started server behind
    if (!options.dataDir) rmSync(dataDir, { recursive: true, force: true });
    throw e;
  }

  const exited = new Promise<number | null>((resolve) => {
    if (child.exitCode !== null) resolve(child.exitCode);
    else child.once('exit', (code) => resolve(code));
  });

  return {
    baseUrl: baseUrl!,
    gatewayUrl,
    adminPassword: adminPassword ?? generatedPassword ?? '',
    dataDir,
    logs,
    child,
    async stop(opts = {}) {
      if (child.exitCode === null) child.kill(opts.signal ?? 'SIGTERM');
      const killer = setTimeout(() => child.kill('SIGKILL'), 10_000);
      const code = await exited;
      clearTimeout(killer);
      if (!opts.keepData && !options.dataDir) rmSync(dataDir, { recursive: true, force: true });
      return code;
    },
  };
}

/** In-process start for suites that are not about startup (faster; same composition root). */
export async function startInProcess(options: { dataDir?: string; adminPassword?: string; gateway?: boolean } = {}) {
  const { startEmbedded } = await import('../../cli/runtime.ts');
  const { pino } = await import('pino');
  const dataDir = options.dataDir ?? mkdtempSync(join(tmpdir(), 'gatehouse-inproc-'));
  const adminPassword = options.adminPassword ?? 'admin-Pa55word!';
  const running = await startEmbedded({
    dataDir,
    httpPort: 0,
    gatewayPort: 0,
    host: '127.0.0.1',
    adminPassword,
    gateway: options.gateway ?? false,
    logger: pino({ level: process.env.GATEHOUSE_TEST_LOG ?? 'silent' }),
    scryptCost: 1024,
    announce: () => {},
  });
  return {
    ...running,
    baseUrl: running.url,
    adminPassword,
    dataDir,
    async stop() {
      await running.close();
      if (!options.dataDir) rmSync(dataDir, { recursive: true, force: true });
    },
  };
}
