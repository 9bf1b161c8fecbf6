// bench:gateway — the gateway's throughput and latency against baselines measured in the same
// run, on the same cores: the backend direct, a bare node:http + undici proxy (bare-proxy.ts),
// nginx as a plain reverse proxy (installed with apt when missing; skipped if that fails), and
// the Gatehouse gateway with the full pipeline (JWT + subscription + three throttling counters
// + request facts). Each target runs in its own process; the load comes from wrk (autocannon
// when wrk is absent). Then the latency the gateway adds at half its load (paced by vegeta,
// built with `go install` into .cache/bin when missing; a Node generator otherwise), how fast a
// publish / a revocation reaches enforcement, and the map figures (bench/map.ts). Prints
// `name=value` lines. BENCH_QUICK=1: one short round per target (< 60 s in all).
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import * as hdr from 'hdr-histogram-js';
import { Pool } from 'undici';

const QUICK = process.env.BENCH_QUICK === '1';
const DURATION_S = QUICK ? 4 : 6;
/** Targets are measured in interleaved rounds (machines drift); the median round counts. */
const ROUNDS = QUICK ? 1 : 3;
const CONNECTIONS = 50;
const here = fileURLToPath(new URL('.', import.meta.url));
const root = join(here, '..');
const children: ChildProcess[] = [];

interface LoadResult {
  rps: number;
  p50: number;
  p99: number;
  /** CPU time the target process spent per request (user + system), µs; NaN when unknown. */
  cpuUsPerRequest?: number;
}

/** utime + stime of a process in ms (Linux /proc), or NaN elsewhere. */
function cpuMs(pid: number | undefined): number {
  if (pid === undefined) return Number.NaN;
  try {
    const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]!.split(' ');
    return ((Number(fields[11]) + Number(fields[12])) * 1000) / 100; // clock ticks at 100 Hz
  } catch {
    return Number.NaN;
  }
}

/** Runs the load and charges the target process's CPU time to the requests it served. */
async function measure(url: string, headers: Record<string, string>, pid: number | undefined): Promise<LoadResult> {
  const before = cpuMs(pid);
  const r = await (haveWrk() ? loadWrk : loadAutocannon)(url, headers);
  const used = cpuMs(pid) - before;
  return { ...r, cpuUsPerRequest: (used * 1000) / (r.rps * DURATION_S) };
}

function log(msg: string): void {
  process.stderr.write(`[bench:gateway] ${msg}\n`);
}

type Child<T> = T & { pid: number | undefined; /** Writes a command line to its stdin; resolves with its next stdout line. */ ask(cmd: string): Promise<string> };

/** Starts a child that prints one JSON line (its port and whatever else) once listening. */
async function child<T extends { port: number }>(args: string[], what: string): Promise<Child<T>> {
  const c = spawn(process.execPath, args, { cwd: root, stdio: ['pipe', 'pipe', 'inherit'], env: { ...process.env, GATEHOUSE_LOG_LEVEL: 'warn' } });
  children.push(c);
  const lines = createInterface({ input: c.stdout! });
  const nextLine = () => new Promise<string>((r) => lines.once('line', r));
  const ask = (cmd: string) => {
    const answer = nextLine();
    c.stdin!.write(`${cmd}\n`);
    return answer;
  };
  return new Promise<Child<T>>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`${what} did not start`)), 60_000);
    c.once('exit', (code) => reject(new Error(`${what} exited with ${code}`)));
    void nextLine().then((line) => {
      clearTimeout(timer);
      resolve({ ...(JSON.parse(line) as T), pid: c.pid, ask });
    });
  });
}

const BACKEND = `
const http = require('http');
const body = Buffer.from(JSON.stringify({ id: 1, name: 'gatehouse', items: [1, 2, 3], ok: true, note: 'about one hundred bytes of JSON' }));
const s = http.createServer((req, res) => { req.resume(); res.writeHead(200, { 'content-type': 'application/json', 'content-length': body.length }); res.end(body); });
s.keepAliveTimeout = 30000;
s.listen(0, '127.0.0.1', () => console.log(JSON.stringify({ port: s.address().port })));
`;

function haveWrk(): boolean {
  return spawnSync('wrk', ['--version']).error === undefined;
}

function parseWrkLatency(v: string, unit: string): number {
  const n = Number(v);
  return unit === 'us' ? n / 1000 : unit === 's' ? n * 1000 : n;
}

async function loadWrk(url: string, headers: Record<string, string>): Promise<LoadResult> {
  const args = ['-t1', `-c${CONNECTIONS}`, `-d${DURATION_S}s`, '--latency', ...Object.entries(headers).flatMap(([k, v]) => ['-H', `${k}: ${v}`]), url];
  const r = await new Promise<string>((resolve, reject) => {
    const c = spawn('wrk', args, { stdio: ['ignore', 'pipe', 'inherit'] });
    let out = '';
    c.stdout.on('data', (d: Buffer) => (out += d.toString()));
    c.once('exit', (code) => (code === 0 ? resolve(out) : reject(new Error(`wrk exited ${code}`))));
  });
  const rps = Number(/Requests\/sec:\s+([\d.]+)/.exec(r)?.[1] ?? 0);
  const p = (q: string) => {
    const m = new RegExp(`\\s${q}%\\s+([\\d.]+)(us|ms|s)`).exec(r);
    return m ? parseWrkLatency(m[1]!, m[2]!) : Number.NaN;
  };
  const non2xx = Number(/Non-2xx or 3xx responses:\s+(\d+)/.exec(r)?.[1] ?? 0);
  if (non2xx > 0) log(`warning: ${non2xx} non-2xx responses from ${url}`);
  return { rps, p50: p('50'), p99: p('99') };
}

async function loadAutocannon(url: string, headers: Record<string, string>): Promise<LoadResult> {
  const bin = join(root, 'node_modules/autocannon/autocannon.js');
  const args = [bin, '-c', String(CONNECTIONS), '-d', String(DURATION_S), '-j', ...Object.entries(headers).flatMap(([k, v]) => ['-H', `${k}=${v}`]), url];
  const out = spawnSync(process.execPath, args, { encoding: 'utf8', maxBuffer: 64 * 1024 * 1024 });
  const j = JSON.parse(out.stdout) as { requests: { average: number }; latency: { p50: number; p99: number }; non2xx: number };
  if (j.non2xx > 0) log(`warning: ${j.non2xx} non-2xx responses from ${url}`);
  return { rps: j.requests.average, p50: j.latency.p50, p99: j.latency.p99 };
}

const VEGETA_VERSION = 'v12.12.0';

/**
 * vegeta (Go, open loop, nanosecond latencies): the paced load generator, far lighter on the
 * shared cores than a Node one. Found on PATH or in .cache/bin; built there with `go install`
 * when Go is present. Null when neither works: the Node generator below is used instead.
 */
function vegetaBinary(): string | null {
  if (spawnSync('vegeta', ['--version']).error === undefined) return 'vegeta';
  const cached = join(root, '.cache', 'bin', 'vegeta');
  if (spawnSync(cached, ['--version']).error === undefined) return cached;
  if (spawnSync('go', ['version']).error !== undefined) return null;
  log(`building vegeta ${VEGETA_VERSION} with go install (first run only)`);
  const gopath = join(root, '.cache', 'go');
  const r = spawnSync('go', ['install', `github.com/tsenart/vegeta/v12@${VEGETA_VERSION}`], {
    stdio: 'ignore', timeout: 300_000, env: { ...process.env, GOPATH: gopath, GOBIN: join(root, '.cache', 'bin'), GOFLAGS: '-modcacherw' },
  });
  return r.status === 0 && spawnSync(cached, ['--version']).error === undefined ? cached : null;
}

let vegeta: string | null | undefined;

/** Open-loop load at a fixed rate: vegeta when available, else the Node generator. */
async function paced(url: string, headers: Record<string, string>, rate: number, seconds: number): Promise<{ p50: number; p99: number; errors: number }> {
  vegeta ??= vegetaBinary();
  if (vegeta === null) return pacedNode(url, headers, rate, seconds);
  const target = `GET ${url}\n${Object.entries(headers).map(([k, v]) => `${k}: ${v}`).join('\n')}\n`;
  const attack = spawnSync(vegeta, ['attack', `-rate=${rate}/s`, `-duration=${seconds}s`, '-keepalive=true', '-connections=64', '-timeout=10s'], { input: target, maxBuffer: 512 * 1024 * 1024 });
  const report = spawnSync(vegeta, ['report', '-type=json'], { input: attack.stdout, encoding: 'utf8', maxBuffer: 64 * 1024 * 1024 });
  const j = JSON.parse(report.stdout) as { latencies: { '50th': number; '99th': number }; status_codes: Record<string, number>; requests: number };
  const errors = j.requests - (j.status_codes['200'] ?? 0);
  return { p50: j.latencies['50th'] / 1e6, p99: j.latencies['99th'] / 1e6, errors };
}

/**
 * Open-loop load at a fixed rate with microsecond latencies (wrk cannot pace, autocannon
 * records whole milliseconds): used to compare p99 of two targets at the same rate.
 */
async function pacedNode(url: string, headers: Record<string, string>, rate: number, seconds: number): Promise<{ p50: number; p99: number; errors: number }> {
  const u = new URL(url);
  const pool = new Pool(u.origin, { connections: 64, pipelining: 1 });
  const histogram = hdr.build({ lowestDiscernibleValue: 1, highestTrackableValue: 10_000_000, numberOfSignificantValueDigits: 3 });
  let errors = 0;
  let sent = 0;
  const perTick = rate / 1000;
  const start = performance.now();
  const inFlight = new Set<Promise<void>>();
  const warmupUntil = start + Math.min(1000, (seconds * 1000) / 4);
  while (performance.now() - start < seconds * 1000) {
    const due = Math.floor(((performance.now() - start) * perTick));
    while (sent < due) {
      sent++;
      const t0 = performance.now();
      const p = pool
        .request({ path: u.pathname + u.search, method: 'GET', headers })
        .then(async (r) => {
          await r.body.dump();
          if (r.statusCode !== 200) errors++;
          if (t0 > warmupUntil) histogram.recordValue(Math.round((performance.now() - t0) * 1000));
        })
        .catch(() => void errors++)
        .finally(() => inFlight.delete(p));
      inFlight.add(p);
    }
    await new Promise((r) => setImmediate(r));
  }
  await Promise.all(inFlight);
  await pool.close();
  const result = { p50: histogram.getValueAtPercentile(50) / 1000, p99: histogram.getValueAtPercentile(99) / 1000, errors };
  histogram.destroy();
  return result;
}

function nginxConfig(dir: string, backendPort: number, port: number): string {
  const conf = `
worker_processes 1;
daemon off;
pid ${dir}/nginx.pid;
error_log ${dir}/error.log warn;
events { worker_connections 4096; }
http {
  access_log off;
  client_body_temp_path ${dir}/body;
  proxy_temp_path ${dir}/proxy;
  fastcgi_temp_path ${dir}/fastcgi;
  uwsgi_temp_path ${dir}/uwsgi;
  scgi_temp_path ${dir}/scgi;
  upstream backend { server 127.0.0.1:${backendPort}; keepalive 64; }
  server {
    listen 127.0.0.1:${port};
    location / { proxy_pass http://backend; proxy_http_version 1.1; proxy_set_header Connection ""; }
  }
}`;
  const path = join(dir, 'nginx.conf');
  writeFileSync(path, conf);
  return path;
}

/** nginx as a plain reverse proxy on a free port; null when nginx is absent and apt cannot install it. */
async function startNginx(backendPort: number): Promise<{ port: number; pid: number | undefined; stop(): void } | null> {
  if (spawnSync('nginx', ['-v']).error !== undefined) {
    if (process.platform !== 'linux') return null;
    log('nginx missing: apt-get install -y nginx');
    const r = spawnSync('apt-get', ['install', '-y', 'nginx'], { stdio: 'ignore', timeout: 180_000 });
    if (r.status !== 0 || spawnSync('nginx', ['-v']).error !== undefined) return null;
  }
  const { createServer } = await import('node:net');
  const port = await new Promise<number>((resolve) => {
    const s = createServer().listen(0, '127.0.0.1', () => {
      const p = (s.address() as { port: number }).port;
      s.close(() => resolve(p));
    });
  });
  const dir = mkdtempSync(join(tmpdir(), 'gatehouse-nginx-'));
  const c = spawn('nginx', ['-c', nginxConfig(dir, backendPort, port), '-p', dir], { stdio: ['ignore', 'ignore', 'pipe'] });
  let stderr = '';
  c.stderr!.on('data', (d: Buffer) => (stderr += d.toString()));
  children.push(c);
  for (let i = 0; i < 50; i++) {
    if (c.exitCode !== null) {
      log(`nginx failed to start: ${stderr.trim()}`);
      return null;
    }
    const ok = await fetch(`http://127.0.0.1:${port}/`).then((r) => r.ok, () => false);
    if (ok) {
      // nginx -g 'daemon off' with one worker: the master forks the worker that serves.
      const worker = Number(spawnSync('pgrep', ['-P', String(c.pid)], { encoding: 'utf8' }).stdout.trim().split('\n')[0]) || undefined;
      return { port, pid: worker, stop: () => (c.kill('SIGTERM'), rmSync(dir, { recursive: true, force: true })) };
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  log('nginx did not answer');
  c.kill('SIGTERM');
  return null;
}

// ------------------------------------------------------------------ the gateway under test

/** Child mode: a gateway with one API, one subscribed application and a token; prints {port, token}. */
async function serveGateway(backendOrigin: string): Promise<void> {
  const { generateKeyPair, exportJWK, SignJWT } = await import('jose');
  const pino = (await import('pino')).default;
  const { openMemoryEventStore } = await import('../infra/eventstore/memory.ts');
  const { createMemoryRequestStream } = await import('../infra/bus/memory-request-stream.ts');
  const { startGateway } = await import('../gateway/server.ts');
  const f = await import('../projections/gateway-map/fixtures.ts');
  const { ANY } = await import('../domain/ports.ts');

  const store = openMemoryEventStore();
  const { publicKey, privateKey } = await generateKeyPair('ES256', { extractable: true });
  const jwk = { ...(await exportJWK(publicKey)), kid: 'bench', alg: 'ES256' };
  const events = [
    f.signingKeyAdded('bench', jwk),
    f.policyCreated({ level: 'SUBSCRIPTION', name: 'Huge', requestCount: 1_000_000_000, burstLimit: 1_000_000, burstTimeUnit: 'SEC' }),
    f.policyCreated({ level: 'APPLICATION', name: 'Huge', requestCount: 1_000_000_000 }),
    f.policyCreated({ level: 'ADVANCED', name: 'Huge', requestCount: 1_000_000_000 }),
    f.apiCreated({ apiId: 'bench-api', context: '/bench', endpoints: { production: backendOrigin, sandbox: null }, operations: [f.operation('GET', '/items/{id}')], apiThrottlingPolicy: 'Huge' }),
    f.apiPublished('bench-api'),
    f.applicationCreated({ applicationId: 'bench-app', throttlingPolicy: 'Huge' }),
    f.keysGenerated('bench-app', 'bench-ck'),
    f.subscriptionCreated('bench-sub', 'bench-app', 'bench-api', 'Huge'),
  ];
  for (const e of events) await store.appendToStream(f.streamOf(e), [f.toNew(e)], { expectedStreamVersion: ANY });
  const requestStream = createMemoryRequestStream();
  let facts = 0;
  // The gateway's own time per request, from its request facts: total minus backend latency
  // (routing, JWT, subscription, throttling, mediation, and writing the response out).
  const own = hdr.build({ lowestDiscernibleValue: 1, highestTrackableValue: 10_000_000, numberOfSignificantValueDigits: 3 });
  await requestStream.subscribe((batch) => {
    facts += batch.length;
    for (const f of batch) if (f.backendLatencyMs !== null) own.recordValue(Math.max(1, Math.round((f.responseLatencyMs - f.backendLatencyMs) * 1000)));
  });
  // Commands on stdin from the bench: "reset" the histogram, "report" it as one JSON line.
  createInterface({ input: process.stdin }).on('line', (cmd) => {
    if (cmd === 'reset') own.reset();
    const at = (p: number) => own.getValueAtPercentile(p) / 1000;
    console.log(JSON.stringify({ count: own.totalCount, p50: at(50), p99: at(99) }));
  });
  const gw = await startGateway({ store, port: 0, host: '127.0.0.1', issuer: 'http://bench', requestStream, logger: pino({ level: 'warn' }) });
  const token = await new SignJWT({ azp: 'bench-ck', scope: 'default', aut: 'APPLICATION' })
    .setProtectedHeader({ alg: 'ES256', kid: 'bench' })
    .setIssuer('http://bench')
    .setAudience('gatehouse-gateway')
    .setSubject('bench-user')
    .setIssuedAt()
    .setExpirationTime('2h')
    .setJti('bench-jti')
    .sign(privateKey);
  console.log(JSON.stringify({ port: gw.port, token }));
  process.on('SIGTERM', () => {
    process.stderr.write(`[gateway] request facts emitted: ${facts}, dropped: ${requestStream.dropped}\n`);
    void gw.close().then(() => process.exit(0));
  });
}

async function propagation(): Promise<{ publish: number; revoke: number }> {
  const { startHarness, measurePropagation, percentile } = await import('../test/e2e/gateway.harness.ts');
  const h = await startHarness();
  try {
    const { publishMs, revokeMs } = await measurePropagation(h, QUICK ? 10 : 40, 'bench');
    return { publish: percentile(publishMs, 99), revoke: percentile(revokeMs, 99) };
  } finally {
    await h.close();
  }
}

async function main(): Promise<void> {
  const started = Date.now();
  mkdirSync(join(root, '.cache'), { recursive: true });
  log(`load generator: ${haveWrk() ? 'wrk' : 'autocannon'}, ${CONNECTIONS} connections, ${DURATION_S}s per target`);
  const backend = await child<{ port: number }>(['-e', BACKEND], 'backend');
  const origin = `http://127.0.0.1:${backend.port}`;
  const bare = await child<{ port: number }>(['--import', 'tsx', join(here, 'bare-proxy.ts'), origin], 'bare proxy');
  const gateway = await child<{ port: number; token: string }>(['--import', 'tsx', fileURLToPath(import.meta.url), '--serve-gateway', origin], 'gateway');
  const nginx = await startNginx(backend.port);
  const auth = { authorization: `Bearer ${gateway.token}` };
  const gwUrl = `http://127.0.0.1:${gateway.port}/bench/1.0.0/items/1`;

  // Warm up the JITs and pools of every target.
  for (const [url, h] of [[`${origin}/items/1`, {}], [`http://127.0.0.1:${bare.port}/items/1`, {}], [gwUrl, auth]] as const) await paced(url, h, 2000, 1);

  const targets: { name: string; url: string; headers: Record<string, string>; pid: number | undefined }[] = [
    { name: 'backend', url: `${origin}/items/1`, headers: {}, pid: backend.pid },
    { name: 'bare', url: `http://127.0.0.1:${bare.port}/items/1`, headers: {}, pid: bare.pid },
    ...(nginx ? [{ name: 'nginx', url: `http://127.0.0.1:${nginx.port}/items/1`, headers: {}, pid: nginx.pid }] : []),
    { name: 'gateway', url: gwUrl, headers: auth, pid: gateway.pid },
  ];
  const samples = new Map<string, LoadResult[]>(targets.map((t) => [t.name, []]));
  for (let round = 0; round < ROUNDS; round++) {
    for (const t of targets) samples.get(t.name)!.push(await measure(t.url, t.headers, t.pid));
  }
  const results: Record<string, LoadResult> = {};
  for (const [name, runs] of samples) results[name] = [...runs].sort((a, b) => a.rps - b.rps)[Math.floor(runs.length / 2)]!;
  for (const [name, r] of Object.entries(results)) {
    console.log(`${name}_rps=${r.rps.toFixed(0)}`);
    console.log(`${name}_p50_ms=${r.p50.toFixed(2)}`);
    console.log(`${name}_p99_ms=${r.p99.toFixed(2)}`);
    if (Number.isFinite(r.cpuUsPerRequest)) console.log(`${name}_cpu_us_per_request=${r.cpuUsPerRequest!.toFixed(1)}`);
  }
  if (!nginx) log('nginx unavailable: gateway_vs_nginx_rps_ratio skipped');

  // Added latency at half the gateway's load: short paced windows, direct, through the bare
  // proxy and through the gateway in turn (drift hits all alike); median p99 of each. Against
  // the direct path this is the whole extra hop; against the bare proxy, the pipeline's share.
  const rate = Math.max(500, Math.round(results.gateway!.rps / 2));
  const pairs = QUICK ? 1 : 5;
  const p99s = { direct: [] as number[], bare: [] as number[], gateway: [] as number[] };
  let errorsAtHalfLoad = 0;
  await gateway.ask('reset');
  for (let i = 0; i < pairs; i++) {
    for (const [side, url, headers] of [['direct', `${origin}/items/1`, {}], ['bare', `http://127.0.0.1:${bare.port}/items/1`, {}], ['gateway', gwUrl, auth]] as const) {
      const r = await paced(url, headers, rate, 2);
      p99s[side].push(r.p99);
      errorsAtHalfLoad += r.errors;
    }
  }
  const inside = JSON.parse(await gateway.ask('report')) as { count: number; p50: number; p99: number };
  if (errorsAtHalfLoad > 0) log(`warning: ${errorsAtHalfLoad} errors at half load`);
  const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
  const direct = { p99: median(p99s.direct) };
  const viaBare = { p99: median(p99s.bare) };
  const through = { p99: median(p99s.gateway) };

  const prop = await propagation();

  console.log(`half_load_rps=${rate}`);
  console.log(`half_load_direct_p99_ms=${direct.p99.toFixed(3)}`);
  console.log(`half_load_bare_proxy_p99_ms=${viaBare.p99.toFixed(3)}`);
  console.log(`half_load_gateway_p99_ms=${through.p99.toFixed(3)}`);
  console.log(`gateway_vs_bare_proxy_rps_ratio=${(results.gateway!.rps / results.bare!.rps).toFixed(3)}`);
  if (Number.isFinite(results.gateway!.cpuUsPerRequest) && Number.isFinite(results.bare!.cpuUsPerRequest)) {
    console.log(`gateway_vs_bare_proxy_cpu_ratio=${(results.gateway!.cpuUsPerRequest! / results.bare!.cpuUsPerRequest!).toFixed(3)}`);
  }
  if (nginx) console.log(`gateway_vs_nginx_rps_ratio=${(results.gateway!.rps / results.nginx!.rps).toFixed(3)}`);
  console.log(`gateway_added_p99_ms=${(through.p99 - direct.p99).toFixed(3)}`);
  console.log(`gateway_vs_bare_proxy_added_p99_ms=${(through.p99 - viaBare.p99).toFixed(3)}`);
  // Measured inside the gateway, so the loopback hop and the load generator's queueing drop out.
  console.log(`gateway_own_time_p50_ms=${inside.p50.toFixed(3)}`);
  console.log(`gateway_own_time_p99_ms=${inside.p99.toFixed(3)}`);
  console.log(`gateway_own_time_requests=${inside.count}`);
  console.log(`publish_to_enforced_p99_ms=${prop.publish.toFixed(2)}`);
  console.log(`revoke_to_enforced_p99_ms=${prop.revoke.toFixed(2)}`);
  nginx?.stop();
  mapFigures();
  log(`done in ${((Date.now() - started) / 1000).toFixed(1)} s`);
}

/**
 * The map figures (bench/map.ts) in the same report. Its log takes a while to write the first
 * time; a quick run includes them only once that log is cached.
 */
function mapFigures(): void {
  const cached = readdirSync(join(root, '.cache'), { withFileTypes: true }).some((e) => e.name.startsWith('bench-map-') && e.name.endsWith('.db'));
  if (QUICK && !cached) {
    log('map figures skipped in a quick run until bench/map.ts has written its log once (node --import tsx bench/map.ts)');
    return;
  }
  const r = spawnSync(process.execPath, ['--import', 'tsx', join(here, 'map.ts')], { cwd: root, encoding: 'utf8', stdio: ['ignore', 'pipe', 'inherit'], env: process.env });
  process.stdout.write(r.stdout);
}

function stopChildren(): void {
  for (const c of children) if (c.exitCode === null) c.kill('SIGTERM');
}

if (process.argv[2] === '--serve-gateway') {
  await serveGateway(process.argv[3]!);
} else {
  try {
    await main();
  } finally {
    stopChildren();
  }
}
