// `gatehouse gateway` as users run it: a child process on a data dir another process writes.
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { after, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import type { GatehouseEvent } from '../../domain/events.ts';
import { ANY } from '../../domain/ports.ts';
import { openSqliteEventStore } from '../../infra/eventstore/sqlite.ts';
import { apiCreated, apiPublished, operation, streamOf, toNew } from '../../projections/gateway-map/fixtures.ts';

const root = fileURLToPath(new URL('../..', import.meta.url));
const dirs: string[] = [];
after(() => {
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

async function appendTo(path: string, ...events: GatehouseEvent[]): Promise<bigint> {
  const store = openSqliteEventStore({ path });
  let last = 0n;
  for (const e of events) {
    const n = toNew(e);
    n.metadata.eventId = randomUUID();
    last = (await store.appendToStream(streamOf(e), [n], { expectedStreamVersion: ANY })).lastGlobalPosition;
  }
  await store.close();
  return last;
}

test('--admin-port: /_gatehouse/* answers there only; on the public port it is an ordinary (unrouted) path', { timeout: 120_000 }, async () => {
  const data = mkdtempSync(join(tmpdir(), 'gatehouse-cli-gw-admin-'));
  dirs.push(data);
  await appendTo(join(data, 'events.db'), apiCreated({ apiId: 'a', context: '/first', endpoints: { production: 'http://127.0.0.1:1', sandbox: null }, operations: [operation('GET', '/*', { authType: 'NONE' })] }), apiPublished('a'));
  const child = spawn(process.execPath, ['--import', 'tsx', 'cli/main.ts', 'gateway', '--data', data, '--port', '0', '--host', '127.0.0.1', '--admin-port', '0'], {
    cwd: root, env: { ...process.env, GATEHOUSE_LOG_LEVEL: 'info' }, stdio: ['ignore', 'pipe', 'inherit'],
  });
  try {
    const { url, adminUrl } = await new Promise<{ url: string; adminUrl: string }>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error('no "gateway started" line')), 90_000);
      child.once('exit', (code) => reject(new Error(`exited with ${code}`)));
      createInterface({ input: child.stdout! }).on('line', (line) => {
        const entry = JSON.parse(line) as { msg?: string; url?: string; adminUrl?: string };
        if (entry.msg === 'gateway started' && entry.url && entry.adminUrl) {
          clearTimeout(timer);
          resolve({ url: entry.url, adminUrl: entry.adminUrl });
        }
      });
    });
    assert.notEqual(adminUrl, url);
    assert.equal((await fetch(`${adminUrl}/_gatehouse/health`)).status, 200);
    assert.equal((await fetch(`${adminUrl}/_gatehouse/ready`)).status, 200);
    assert.match(await (await fetch(`${adminUrl}/_gatehouse/metrics`)).text(), /^gatehouse_gateway_map_position \d+$/m);
    assert.equal((await fetch(`${adminUrl}/first/1.0.0/x`)).status, 404, 'the admin port proxies nothing');
    const pub = await fetch(`${url}/_gatehouse/stats`);
    assert.equal(pub.status, 404);
    assert.equal(((await pub.json()) as { code: string }).code, '900906', 'on the public port it is a path no API routes');
    assert.equal((await fetch(`${url}/first/1.0.0/x`)).status, 502, 'APIs are served on the public port');
  } finally {
    const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
    child.kill('SIGTERM');
    assert.equal(await exited, 0);
  }
});

test('the gateway alone follows appends another process makes to the data dir, and snapshots on exit', { timeout: 120_000 }, async () => {
  const data = mkdtempSync(join(tmpdir(), 'gatehouse-cli-gw-'));
  dirs.push(data);
  const db = join(data, 'events.db');
  await appendTo(db, apiCreated({ apiId: 'a', context: '/first', endpoints: { production: 'http://127.0.0.1:1', sandbox: null }, operations: [operation('GET', '/*', { authType: 'NONE' })] }), apiPublished('a'));

  const child = spawn(process.execPath, ['--import', 'tsx', 'cli/main.ts', 'gateway', '--data', data, '--port', '0', '--host', '127.0.0.1', '--poll-ms', '10'], {
    cwd: root,
    env: { ...process.env, GATEHOUSE_LOG_LEVEL: 'info' },
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  try {
    const url = await new Promise<string>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error('no "gateway started" line')), 90_000);
      child.once('exit', (code) => reject(new Error(`exited with ${code}`)));
      createInterface({ input: child.stdout! }).on('line', (line) => {
        const entry = JSON.parse(line) as { msg?: string; url?: string };
        if (entry.msg === 'gateway started' && entry.url) {
          clearTimeout(timer);
          resolve(entry.url);
        }
      });
    });
    assert.equal((await fetch(`${url}/first/1.0.0/x`)).status, 502, 'the API of the log is served (its backend is down)');
    assert.equal((await fetch(`${url}/second/1.0.0/x`)).status, 404);

    const position = await appendTo(db, apiCreated({ apiId: 'b', context: '/second', endpoints: { production: 'http://127.0.0.1:1', sandbox: null }, operations: [operation('GET', '/*', { authType: 'NONE' })] }), apiPublished('b'));
    const ready = await fetch(`${url}/_gatehouse/ready?atLeastPosition=${position}&timeoutMs=10000`);
    assert.equal(ready.status, 200);
    assert.equal(ready.headers.get('x-gatehouse-map-position'), String(position));
    assert.equal((await fetch(`${url}/second/1.0.0/x`)).status, 502, 'an API published by another process is routed without restart');
  } finally {
    const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
    child.kill('SIGTERM');
    assert.equal(await exited, 0);
  }
  assert.ok(existsSync(join(data, 'gateway-views.db')), 'the map was snapshotted for the next start');
});

test('a data dir without a log is refused with a one-line reason', { timeout: 60_000 }, () => {
  const data = mkdtempSync(join(tmpdir(), 'gatehouse-cli-gw-empty-'));
  dirs.push(data);
  const r = spawnSync(process.execPath, ['--import', 'tsx', 'cli/main.ts', 'gateway', '--data', data, '--port', '0'], { cwd: root, encoding: 'utf8' });
  assert.notEqual(r.status, 0);
  assert.match(r.stderr, /no event store at .*events\.db/);
});
