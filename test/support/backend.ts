// A real backend for gateway tests, in its own process: it answers every request with a JSON
// echo of what it received (method, URL, headers, body), so a test sees exactly what crossed
// the gateway. Query parameters steer it: `delayMs` (wait before answering), `status`,
// `bytes` (stream that many bytes instead of the echo), `hang` (never answer).
// Run directly (`node --import tsx test/support/backend.ts`) it serves and prints its port.
import { spawn, type ChildProcess } from 'node:child_process';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';

export interface BackendEcho {
  method: string;
  url: string;
  headers: Record<string, string | string[] | undefined>;
  body: string;
}

export interface RunningBackend {
  /** http://127.0.0.1:<port> */
  url: string;
  port: number;
  close(): Promise<void>;
}

const MAX_ECHO_BODY = 1024 * 1024;

function serve(req: IncomingMessage, res: ServerResponse): void {
  const query = new URL(req.url ?? '/', 'http://backend').searchParams;
  const chunks: Buffer[] = [];
  let size = 0;
  req.on('data', (c: Buffer) => {
    size += c.length;
    if (size <= MAX_ECHO_BODY) chunks.push(c);
  });
  req.on('end', () => {
    if (query.has('hang')) return;
    const answer = () => {
      const status = Number(query.get('status') ?? 200);
      const bytes = query.get('bytes');
      if (bytes !== null) {
        res.writeHead(status, { 'content-type': 'application/octet-stream', 'content-length': bytes });
        let left = Number(bytes);
        const block = Buffer.alloc(64 * 1024, 120);
        const pump = () => {
          while (left > 0) {
            const n = Math.min(left, block.length);
            left -= n;
            if (!res.write(n === block.length ? block : block.subarray(0, n))) return void res.once('drain', pump);
          }
          res.end();
        };
        return pump();
      }
      const echo: BackendEcho = { method: req.method ?? '', url: req.url ?? '', headers: req.headers, body: Buffer.concat(chunks).toString('utf8') };
      const body = JSON.stringify(echo);
      res.writeHead(status, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body), 'x-backend': 'echo', connection: 'keep-alive', 'keep-alive': 'timeout=5' });
      res.end(body);
    };
    const delay = Number(query.get('delayMs') ?? 0);
    if (delay > 0) setTimeout(answer, delay);
    else answer();
  });
}

/** Starts the echo backend in a child process on an ephemeral port of 127.0.0.1. */
export async function startBackend(): Promise<RunningBackend> {
  const child: ChildProcess = spawn(process.execPath, ['--import', 'tsx', fileURLToPath(import.meta.url)], {
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  const port = await new Promise<number>((resolve, reject) => {
    const lines = createInterface({ input: child.stdout! });
    const timer = setTimeout(() => reject(new Error('backend did not start within 20 s')), 20_000);
    child.once('exit', (code) => reject(new Error(`backend exited with ${code}`)));
    lines.once('line', (line) => {
      clearTimeout(timer);
      resolve((JSON.parse(line) as { port: number }).port);
    });
  });
  return {
    url: `http://127.0.0.1:${port}`,
    port,
    close: () =>
      new Promise<void>((resolve) => {
        if (child.exitCode !== null) return resolve();
        child.once('exit', () => resolve());
        child.kill('SIGTERM');
      }),
  };
}

/** The same server in this process (for benchmarks that want no extra process). */
export function createEchoServer() {
  return createServer({ keepAliveTimeout: 30_000 }, serve);
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const server = createEchoServer();
  server.listen(Number(process.env.BACKEND_PORT ?? 0), '127.0.0.1', () => {
    const address = server.address();
    process.stdout.write(`${JSON.stringify({ port: typeof address === 'object' && address ? address.port : 0 })}\n`);
  });
  process.on('SIGTERM', () => {
    server.closeAllConnections();
    server.close(() => process.exit(0));
  });
}
