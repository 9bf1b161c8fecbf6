// `gatehouse start` while it starts: /ready says READY only once the gateway listens with its
// map at the log head, and SIGTERM during startup is an orderly close (exit 0), not a kill.
import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { startServer } from '../support/server.ts';
import { gqlOk } from '../support/gql.ts';

const root = fileURLToPath(new URL('../..', import.meta.url));
const dirs: string[] = [];
after(() => dirs.forEach((d) => rmSync(d, { recursive: true, force: true })));

/** A port that was free a moment ago (the gateway's must be known before it announces it). */
async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

interface Child { child: ChildProcess; lines: string[]; exited: Promise<number | null>; line(re: RegExp, timeoutMs?: number): Promise<string> }

function gatehouseStart(dataDir: string, ports: { http: number; gateway: number }): Child {
  const child = spawn(process.execPath, ['--import', 'tsx', join(root, 'cli/main.ts'), 'start'], {
    cwd: root,
    env: {
      ...process.env,
      GATEHOUSE_DATA: dataDir,
      GATEHOUSE_HTTP_PORT: String(ports.http),
      GATEHOUSE_GATEWAY_PORT: String(ports.gateway),
      GATEHOUSE_HOST: '127.0.0.1',
      GATEHOUSE_ADMIN_PASSWORD: 'admin-Pa55word!',
      GATEHOUSE_LOG_LEVEL: 'info',
      GATEHOUSE_UI_BUILD: 'never',
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const lines: string[] = [];
  const waiters: Array<{ re: RegExp; resolve(l: string): void }> = [];
  const onLine = (l: string) => {
    lines.push(l);
    for (const w of waiters.splice(0)) (w.re.test(l) ? w.resolve(l) : waiters.push(w));
  };
  createInterface({ input: child.stdout! }).on('line', onLine);
  createInterface({ input: child.stderr! }).on('line', onLine);
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  return {
    child,
    lines,
    exited,
    line(re, timeoutMs = 30_000) {
      const seen = lines.find((l) => re.test(l));
      if (seen) return Promise.resolve(seen);
      return new Promise((resolve, reject) => {
        const timer = setTimeout(() => reject(new Error(`no line ${re} within ${timeoutMs} ms:\n${lines.join('\n')}`)), timeoutMs);
        waiters.push({ re, resolve: (l) => { clearTimeout(timer); resolve(l); } });
      });
    },
  };
}

interface ReadyBody { status: string; headPosition: string; gateway?: { listening: boolean; mapPosition: string | null } }

test('/ready is READY only once the gateway listens with its map at the log head', async () => {
  const dataDir = mkdtempSync(join(tmpdir(), 'gatehouse-ready-'));
  dirs.push(dataDir);
  const ports = { http: await freePort(), gateway: await freePort() };
  const g = gatehouseStart(dataDir, ports);
  try {
    const seen: Array<{ status: number; body: ReadyBody }> = [];
    let ready: ReadyBody | undefined;
    const deadline = Date.now() + 30_000;
    while (!ready && Date.now() < deadline && g.child.exitCode === null) {
      try {
        const r = await fetch(`http://127.0.0.1:${ports.http}/ready`);
        const body = await r.json() as ReadyBody;
        seen.push({ status: r.status, body });
        if (r.status === 200) ready = body;
      } catch {
        await new Promise((r) => setTimeout(r, 10)); // the control plane does not listen yet
        continue;
      }
      if (ready) {
        // At this very moment the gateway must answer (it refuses connections until it listens).
        const probe = await fetch(`http://127.0.0.1:${ports.gateway}/_gatehouse/health`).then((r) => r.status, (e: Error) => (e.cause as Error | undefined)?.message ?? e.message);
        assert.equal(probe, 200, 'READY while the gateway does not answer');
      }
      if (!ready) await new Promise((r) => setTimeout(r, 10));
    }
    assert.ok(ready, `never READY:\n${g.lines.join('\n')}`);
    assert.deepEqual(ready.gateway, { listening: true, mapPosition: ready.headPosition });
    for (const s of seen.filter((x) => x.status !== 200)) assert.deepEqual([s.status, s.body.status], [503, 'NOT_READY']);
  } finally {
    g.child.kill('SIGTERM');
    await g.exited;
  }
  assert.equal(g.child.exitCode, 0);
});

test('SIGTERM during startup: startup settles, then an orderly close with exit 0; the data dir starts again', async () => {
  const dataDir = mkdtempSync(join(tmpdir(), 'gatehouse-sigterm-'));
  dirs.push(dataDir);
  const g = gatehouseStart(dataDir, { http: 0, gateway: 0 });
  // The control plane listens before the gateway starts: the middle of startup.
  await g.line(/"msg":"Server listening at http:\/\/127\.0\.0\.1:\d+"/);
  assert.equal(g.lines.some((l) => l.startsWith('Gatehouse listening')), false, 'still starting when signalled');
  g.child.kill('SIGTERM');
  assert.equal(await g.exited, 0, g.lines.join('\n'));
  assert.ok(g.lines.some((l) => l.includes('"msg":"signal received during startup"')), g.lines.join('\n'));
  assert.ok(g.lines.some((l) => l.includes('"msg":"shutting down"')));

  const again = await startServer({ dataDir });
  try {
    assert.match((await gqlOk(again.baseUrl, '{ config { version } }')).config.version, /^\d+\.\d+\.\d+/);
  } finally {
    assert.equal(await again.stop({ keepData: true }), 0);
  }
});
