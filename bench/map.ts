// bench:map (part of the gateway figures) — how long a gateway takes to build its map from the
// log and how much memory the map holds: 10k published APIs (5 operations each), 10k
// applications with production keys, 100k subscriptions. The log is written to a SQLite file
// first (and kept in .cache/ for later runs); a fresh child process then builds the map through the projection runner, exactly as
// a gateway's cold start does, and reports time and RSS. Baseline in the same run: the raw
// scan of the same log (read + JSON.parse, no projection). Prints `name=value` lines.
// BENCH_QUICK=1 keeps the sizes (they are the target) and skips the repeat.
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, renameSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { GatehouseEvent } from '../domain/events.ts';
import { ANY, type EventStore } from '../domain/ports.ts';
import { openSqliteEventStore } from '../infra/eventstore/sqlite.ts';
import * as f from '../projections/gateway-map/fixtures.ts';
import { gatewayMapProjection } from '../projections/gateway-map/projection.ts';

const APIS = Number(process.env.MAP_APIS ?? 10_000);
const APPS = Number(process.env.MAP_APPS ?? 10_000);
const SUBSCRIPTIONS = Number(process.env.MAP_SUBSCRIPTIONS ?? 100_000);
const QUICK = process.env.BENCH_QUICK === '1';

function log(msg: string): void {
  process.stderr.write(`[bench:map] ${msg}\n`);
}

async function writeLog(store: EventStore): Promise<number> {
  let n = 0;
  /** Events of one stream in one append, as the command handler writes them. */
  const add = async (...events: GatehouseEvent[]) => {
    const batch = events.map((e) => {
      const event = f.toNew(e);
      event.metadata.eventId = `bench-${n++}`;
      return event;
    });
    await store.appendToStream(f.streamOf(events[0]!), batch, { expectedStreamVersion: ANY });
  };
  for (const level of ['SUBSCRIPTION', 'APPLICATION', 'ADVANCED'] as const) await add(f.policyCreated({ level, name: 'Unlimited' }));
  for (let i = 0; i < APIS; i++) {
    await add(
      f.apiCreated({
        apiId: `api-${i}`,
        context: `/service${i}`,
        endpoints: { production: `http://backend-${i % 50}.internal:8080/v1`, sandbox: `http://sandbox-${i % 50}.internal:8080/v1` },
        operations: [f.operation('GET', '/items'), f.operation('GET', '/items/{id}'), f.operation('POST', '/items'), f.operation('PUT', '/items/{id}', { scopes: ['write'] }), f.operation('DELETE', '/items/{id}', { scopes: ['admin'] })],
        subscriptionPolicies: ['Gold', 'Silver', 'Unlimited'],
      }),
      f.apiPublished(`api-${i}`),
    );
  }
  for (let i = 0; i < APPS; i++) {
    await add(f.applicationCreated({ applicationId: `app-${i}`, name: `Application ${i}`, owner: `user${i % 1000}` }), f.keysGenerated(`app-${i}`, `consumer-key-${i}`));
  }
  const perApp = Math.ceil(SUBSCRIPTIONS / APPS);
  for (let s = 0; s < SUBSCRIPTIONS; s++) {
    const app = s % APPS;
    const api = (app * perApp + Math.floor(s / APPS) * 7919) % APIS;
    await add(f.subscriptionCreated(`sub-${s}`, `app-${app}`, `api-${api}`, 'Gold'));
  }
  return n;
}

/** Child mode: build the map from the log, report seconds and memory once caught up. */
async function build(path: string): Promise<void> {
  const { followStore } = await import('../gateway/map-source.ts');
  const store = openSqliteEventStore({ path });
  const rssBefore = process.memoryUsage().rss;
  const cpu0 = process.cpuUsage();
  const t0 = performance.now();
  const source = await followStore({ store });
  const seconds = (performance.now() - t0) / 1000;
  const cpu = process.cpuUsage(cpu0);
  const view = source.view();
  global.gc?.();
  const mem = process.memoryUsage();
  console.log(
    JSON.stringify({
      seconds,
      cpuSeconds: (cpu.user + cpu.system) / 1e6,
      rssMb: mem.rss / 2 ** 20,
      rssBeforeMb: rssBefore / 2 ** 20,
      heapMb: mem.heapUsed / 2 ** 20,
      apis: view.apis.size,
      subscriptions: view.subscriptionCount,
      applications: view.applications.size,
      position: view.position.toString(),
    }),
  );
  await source.close();
  await store.close();
}

/** Child mode: the same log scanned and parsed, nothing applied (the floor of any projection). */
async function scan(path: string): Promise<void> {
  const store = openSqliteEventStore({ path });
  const t0 = performance.now();
  const cpu0 = process.cpuUsage();
  let after = 0n;
  let n = 0;
  for (;;) {
    const page = await store.readAll({ after, limit: 5000 });
    if (page.length === 0) break;
    n += page.length;
    after = page[page.length - 1]!.globalPosition;
  }
  const cpu = process.cpuUsage(cpu0);
  console.log(JSON.stringify({ seconds: (performance.now() - t0) / 1000, cpuSeconds: (cpu.user + cpu.system) / 1e6, events: n }));
  await store.close();
}

function inChild<T>(mode: string, path: string): T {
  const r = spawnSync(process.execPath, ['--expose-gc', '--import', 'tsx', fileURLToPath(import.meta.url), mode, path], { encoding: 'utf8', maxBuffer: 1 << 24 });
  if (r.status !== 0) throw new Error(`${mode} child failed: ${r.stderr}`);
  return JSON.parse(r.stdout.trim().split('\n').pop()!) as T;
}

async function main(): Promise<void> {
  // The log is input, not what is measured: it is kept under .cache/ and reused by later runs.
  const cacheDir = join(fileURLToPath(new URL('..', import.meta.url)), '.cache');
  mkdirSync(cacheDir, { recursive: true });
  const path = join(cacheDir, `bench-map-${APIS}-${APPS}-${SUBSCRIPTIONS}-v${gatewayMapProjection.version}.db`);
  {
    let events: number;
    if (existsSync(path)) {
      const store = openSqliteEventStore({ path });
      events = Number(await store.headPosition());
      await store.close();
      log(`reusing the log at ${path} (${events} events)`);
    } else {
      const partial = `${path}.partial`;
      rmSync(partial, { force: true });
      const store = openSqliteEventStore({ path: partial });
      const t0 = performance.now();
      events = await writeLog(store);
      await store.close();
      renameSync(partial, path);
      log(`log written: ${events} events in ${((performance.now() - t0) / 1000).toFixed(1)} s`);
    }

    const runs = QUICK ? 1 : 3;
    const builds = Array.from({ length: runs }, () => inChild<{ seconds: number; cpuSeconds: number; rssMb: number; rssBeforeMb: number; heapMb: number; apis: number; subscriptions: number }>('--build', path));
    const scans = Array.from({ length: runs }, () => inChild<{ seconds: number; cpuSeconds: number }>('--scan', path));
    const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
    const best = builds.sort((a, b) => a.seconds - b.seconds)[Math.floor(builds.length / 2)]!;
    if (best.apis !== APIS || best.subscriptions !== SUBSCRIPTIONS) throw new Error(`map holds ${best.apis} APIs / ${best.subscriptions} subscriptions`);
    console.log(`map_events=${events}`);
    console.log(`map_raw_scan_s=${median(scans.map((s) => s.seconds)).toFixed(3)}`);
    console.log(`map_build_10k_apis_s=${best.seconds.toFixed(3)}`);
    console.log(`map_build_cpu_s=${best.cpuSeconds.toFixed(3)}`);
    console.log(`map_raw_scan_cpu_s=${median(scans.map((s) => s.cpuSeconds)).toFixed(3)}`);
    console.log(`map_rss_mb=${best.rssMb.toFixed(1)}`);
    console.log(`map_rss_before_build_mb=${best.rssBeforeMb.toFixed(1)}`);
    console.log(`map_heap_mb=${best.heapMb.toFixed(1)}`);
    console.log(`map_build_vs_raw_scan_ratio=${(best.seconds / median(scans.map((s) => s.seconds))).toFixed(2)}`);
  }
}

if (process.argv[2] === '--build') await build(process.argv[3]!);
else if (process.argv[2] === '--scan') await scan(process.argv[3]!);
else await main();
