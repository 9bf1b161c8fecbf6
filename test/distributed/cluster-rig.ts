// The processes of the multi-process cluster (issue 5), shared by the cluster test and
// bench:distributed: `gatehouse control-plane`, Kafka-fed gateways (gateway-child.ts, or the
// `gatehouse gateway` CLI), `gatehouse traffic-manager`, each a child process on the real broker
// with the topic prefix of its cluster; plus the hammer that drives a throttle tier through
// several gateways at once.
import { spawn, type ChildProcess } from 'node:child_process';
import { createInterface } from 'node:readline';

const root = new URL('../../', import.meta.url).pathname;

export interface Proc {
  child: ChildProcess;
  lines: string[];
  url: string;
}

export interface ClusterConfig {
  brokers: string[];
  /** GATEHOUSE_KAFKA_TOPIC_PREFIX of every process, e.g. `gatehouse.test.cluster-1a2b3c4d.` */
  prefix: string;
  issuer: string;
  adminPassword: string;
  /** GATEHOUSE_GATEWAY_COUNT of the gateways: each admits ceil(limit / count) locally (default 2). */
  gatewayCount?: number;
}

/** Every child spawned here and not yet exited: a start that fails half-way leaves none behind (`killAll`). */
const live = new Set<ChildProcess>();

/** SIGKILLs every child this module spawned that is still running, and waits for their exits. */
export async function killAll(): Promise<void> {
  await Promise.all([...live].map((child) => new Promise<void>((resolve) => {
    if (child.exitCode !== null || child.signalCode !== null) return resolve();
    child.once('exit', () => resolve());
    child.kill('SIGKILL');
  })));
}

export function spawnRole(cfg: ClusterConfig, args: string[], env: Record<string, string>, urlOf: (line: string) => string | undefined): Promise<Proc> {
  const child = spawn(process.execPath, ['--import', 'tsx', ...args], {
    cwd: root,
    // MONGODB_URL emptied: each cluster run keeps its view snapshots in its own data dirs, never in a
    // database shared with earlier runs (a fresh log must not meet an older run's snapshot).
    env: { ...process.env, MONGODB_URL: '', KAFKA_BROKERS: cfg.brokers.join(','), GATEHOUSE_KAFKA_TOPIC_PREFIX: cfg.prefix, GATEHOUSE_ISSUER: cfg.issuer, GATEHOUSE_LOG_LEVEL: 'info', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  live.add(child);
  child.once('exit', () => live.delete(child));
  const lines: string[] = [];
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`${args.join(' ')} did not start:\n${lines.slice(-20).join('\n')}`)), 90_000);
    const onLine = (line: string) => {
      lines.push(line);
      if (lines.length > 2000) lines.splice(0, 1000);
      const url = urlOf(line);
      if (url) {
        clearTimeout(timer);
        resolve({ child, lines, url });
      }
    };
    createInterface({ input: child.stdout! }).on('line', onLine);
    createInterface({ input: child.stderr! }).on('line', onLine);
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`${args.join(' ')} exited with ${code}:\n${lines.slice(-20).join('\n')}`));
    });
  });
}

export const startControlPlane = (cfg: ClusterConfig, dataDir: string): Promise<Proc> =>
  spawnRole(cfg, ['cli/main.ts', 'control-plane'], { GATEHOUSE_DATA: dataDir, GATEHOUSE_HTTP_PORT: '0', GATEHOUSE_HOST: '127.0.0.1', GATEHOUSE_ADMIN_PASSWORD: cfg.adminPassword, GATEHOUSE_UI_BUILD: 'never' },
    (l) => /^Gatehouse listening: control plane (\S+?)(?:,|$)/.exec(l)?.[1]);

/** gateway-child.ts: the real gateway composed on Kafka, `localQuotaGateways` = the cluster's gateway count. */
export const startGatewayProc = (cfg: ClusterConfig, id: string): Promise<Proc> =>
  spawnRole(cfg, ['test/distributed/gateway-child.ts'], { GATEWAY_ID: id, GATEHOUSE_GATEWAY_COUNT: String(cfg.gatewayCount ?? 2) }, (l) => /^\{"url":"([^"]+)"\}$/.exec(l)?.[1]);

/** `gatehouse gateway` itself, Kafka-fed because KAFKA_BROKERS is set. */
export const startCliGateway = (cfg: ClusterConfig, id: string, dataDir: string): Promise<Proc> =>
  spawnRole(cfg, ['cli/main.ts', 'gateway', '--data', dataDir, '--port', '0', '--host', '127.0.0.1', '--gateway-id', id, '--gateways', String(cfg.gatewayCount ?? 2)], {},
    (l) => /"msg":"gateway started"/.test(l) ? /"url":"([^"]+)"/.exec(l)?.[1] : undefined);

export const startTrafficManager = (cfg: ClusterConfig): Promise<Proc> =>
  spawnRole(cfg, ['cli/main.ts', 'traffic-manager', '--port', '0', '--host', '127.0.0.1'], {}, (l) => /"msg":"traffic manager started"/.test(l) ? /"url":"([^"]+)"/.exec(l)?.[1] : undefined);

export async function stop(p: Proc | undefined, signal: NodeJS.Signals = 'SIGTERM'): Promise<number | null> {
  if (!p || p.child.exitCode !== null || p.child.signalCode !== null) return p?.child.exitCode ?? null;
  const exited = new Promise<number | null>((r) => p.child.once('exit', (code) => r(code)));
  p.child.kill(signal);
  return exited;
}

export async function status(gateway: Proc, path: string, token?: string): Promise<number> {
  const res = await fetch(`${gateway.url}${path}`, { headers: token ? { authorization: `Bearer ${token}` } : {} });
  await res.arrayBuffer();
  return res.status;
}

/**
 * Waits, when less than `marginMs` is left of the current wall-clock minute, for the next one.
 * Returns the end of the minute window the caller now has at least `marginMs` of.
 */
export async function enterMinuteWindow(marginMs: number): Promise<number> {
  const intoMinute = Date.now() % 60_000;
  if (intoMinute > 60_000 - marginMs) await new Promise((r) => setTimeout(r, 60_000 - intoMinute + 100));
  return Date.now() - (Date.now() % 60_000) + 60_000;
}

export interface HammerResult {
  /** Requests answered 200, per gateway (in the order given). */
  admittedPerGateway: number[];
  /** Count per HTTP status over all requests. */
  statuses: Map<number, number>;
}

/** `perGateway` requests to each gateway, `concurrency` at a time on each, all gateways at once. */
export async function hammer(gateways: Proc[], path: string, token: string, perGateway: number, concurrency: number): Promise<HammerResult> {
  const statuses = new Map<number, number>();
  const admittedPerGateway = gateways.map(() => 0);
  await Promise.all(gateways.flatMap((gw, g) => Array.from({ length: concurrency }, async (_, w) => {
    for (let i = w; i < perGateway; i += concurrency) {
      const s = await status(gw, `${path}${g}-${i}`, token);
      statuses.set(s, (statuses.get(s) ?? 0) + 1);
      if (s === 200) admittedPerGateway[g]!++;
    }
  })));
  return { admittedPerGateway, statuses };
}
