// The operations endpoints of the roles that serve no other HTTP (traffic-manager,
// analytics-worker): `/health` (the process is up), `/ready` (200 once the role does its job,
// 503 before, with its status either way) and `/metrics` (Prometheus text of the role's registry).
import { createServer } from 'node:http';
import { InvalidArgumentError } from 'commander';
import type { Registry } from 'prom-client';

export interface OpsServerOptions {
  port: number;
  host: string;
  registry: Registry;
  /** What `/ready` answers: `ready` picks 200 or 503, the rest is shown as is. */
  readiness(): { ready: boolean } & Record<string, unknown>;
}

export interface OpsServer {
  /** http://host:port as bound (127.0.0.1 when listening on every address). */
  url: string;
  close(): Promise<void>;
}

/** A port number from a flag or the environment (0 = any free port). */
export function portOf(value: string): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 0 || n > 65535) throw new InvalidArgumentError(`a port is 0-65535, not ${value}`);
  return n;
}

export async function startOpsServer(options: OpsServerOptions): Promise<OpsServer> {
  const server = createServer((req, res) => {
    const send = (status: number, body: unknown, type = 'application/json') => {
      res.writeHead(status, { 'content-type': type });
      res.end(typeof body === 'string' ? body : JSON.stringify(body));
    };
    const path = (req.url ?? '/').split('?')[0];
    if (path === '/health') send(200, { status: 'UP' });
    else if (path === '/ready') {
      const r = options.readiness();
      send(r.ready ? 200 : 503, r);
    } else if (path === '/metrics') {
      options.registry.metrics().then((m) => send(200, m, options.registry.contentType), (e: unknown) => send(500, { error: String(e) }));
    } else send(404, { error: 'not found' });
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port, options.host, () => resolve());
  });
  const address = server.address();
  const port = typeof address === 'object' && address ? address.port : options.port;
  return {
    url: `http://${options.host === '0.0.0.0' ? '127.0.0.1' : options.host}:${port}`,
    close: () => new Promise<void>((r) => server.close(() => r())),
  };
}
