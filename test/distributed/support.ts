// Helpers of the distributed suites (real Kafka / FerretDB from infra/dev/up): which servers
// are configured, throwaway topic names, an event factory, and waiting for a condition.
import { spawn } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Kafka } from 'kafkajs';
import type { EventStore, NewEvent, RequestFact } from '../../domain/ports.ts';
import { createKafka, parseBrokers } from '../../infra/bus/kafka-client.ts';

export const kafkaBrokers: string[] | null = process.env.KAFKA_BROKERS ? parseBrokers(process.env.KAFKA_BROKERS) : null;
export const mongoUrl: string | null = process.env.MONGODB_URL ?? null;

/** `describe(..., { skip })` value: false when Kafka is configured, the reason otherwise. */
export const skipWithoutKafka: false | string = kafkaBrokers ? false : 'KAFKA_BROKERS unset (run infra/dev/up)';
export const skipWithoutMongo: false | string = mongoUrl ? false : 'MONGODB_URL unset (run infra/dev/up)';

/** MONGODB_URL with `dbName` as its database (a suite's own, dropped afterwards); '' without MongoDB. */
export function mongoUrlFor(dbName: string): string {
  if (!mongoUrl) return '';
  const u = new URL(mongoUrl);
  u.pathname = `/${dbName}`;
  return u.toString();
}

const repoRoot = fileURLToPath(new URL('../..', import.meta.url));

/**
 * `gatehouse replay …` on a data dir as a process: exit code and output. `env` is added to this
 * process's, without KAFKA_BROKERS (no relay into the shared topics).
 */
export function replayProcess(args: string[], dataDir: string, env: Record<string, string>): Promise<{ code: number | null; out: string; err: string }> {
  const childEnv: NodeJS.ProcessEnv = { ...process.env, ...env, GATEHOUSE_DATA: dataDir };
  delete childEnv.KAFKA_BROKERS;
  const child = spawn(process.execPath, ['--import', 'tsx', join(repoRoot, 'cli/main.ts'), 'replay', ...args], { cwd: repoRoot, env: childEnv, stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  let err = '';
  child.stdout.on('data', (d: Buffer) => (out += d.toString()));
  child.stderr.on('data', (d: Buffer) => (err += d.toString()));
  return new Promise((resolve) => child.once('exit', (code) => resolve({ code, out, err })));
}

/** The pino lines among `logs` whose `msg` is `msg`. */
export const loggedLines = (logs: readonly string[], msg: string): Record<string, unknown>[] =>
  logs.flatMap((l) => {
    try {
      const o = JSON.parse(l) as Record<string, unknown>;
      return o.msg === msg ? [o] : [];
    } catch {
      return [];
    }
  });

export function testKafka(clientId = 'gatehouse-test'): Kafka {
  if (!kafkaBrokers) throw new Error('KAFKA_BROKERS unset');
  return createKafka(kafkaBrokers, { clientId });
}

/** A topic name no other test (or earlier run) uses. */
export const uniqueTopic = (what: string): string => `gatehouse.test.${what}.${randomUUID().slice(0, 8)}`;

export async function deleteTopics(kafka: Kafka, topics: string[]): Promise<void> {
  const admin = kafka.admin();
  await admin.connect();
  try {
    const existing = new Set(await admin.listTopics());
    const mine = topics.filter((t) => existing.has(t));
    if (mine.length > 0) await admin.deleteTopics({ topics: mine, timeout: 10_000 });
  } finally {
    await admin.disconnect();
  }
}

let seq = 0;
/** A well-formed event (recordedAt from `at`, default now). */
export function newEvent(type: string, data: unknown, at: Date = new Date()): NewEvent {
  seq++;
  return {
    type,
    data,
    metadata: {
      eventId: randomUUID(),
      actor: 'test',
      correlationId: `c-${seq}`,
      causationId: null,
      recordedAt: at.toISOString(),
      schemaVersion: 1,
    },
  };
}

/** Appends `n` events spread over a few streams; returns the head position. */
export async function appendMany(store: EventStore, n: number, type = 'TestHappened'): Promise<bigint> {
  let head = 0n;
  for (let i = 0; i < n; i++) {
    const r = await store.appendToStream(`test-${i % 7}`, [newEvent(type, { i })]);
    head = r.lastGlobalPosition;
  }
  return head;
}

export async function waitFor(what: string, predicate: () => boolean | Promise<boolean>, timeoutMs = 20_000, everyMs = 50): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (await predicate()) return;
    await new Promise((r) => setTimeout(r, everyMs));
  }
  throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
}

/** A request fact as a gateway would emit it (overrides win). */
export function requestFact(overrides: Partial<RequestFact> = {}): RequestFact {
  seq++;
  return {
    requestId: `req-${seq}-${randomUUID().slice(0, 8)}`,
    timestamp: new Date().toISOString(),
    gatewayId: 'gw-test',
    apiId: 'api-1',
    apiName: 'Pets',
    apiVersion: '1.0.0',
    apiContext: '/pets',
    apiMethod: 'GET',
    apiResourceTemplate: '/*',
    applicationId: 'app-1',
    applicationName: 'App',
    applicationOwner: 'alice',
    subscriptionTier: 'Bronze',
    keyType: 'PRODUCTION',
    userName: 'alice',
    userIp: '127.0.0.1',
    userAgent: 'test',
    destination: 'http://127.0.0.1:1/',
    targetResponseCode: 200,
    proxyResponseCode: 200,
    backendLatencyMs: 1,
    responseLatencyMs: 2,
    requestSize: 0,
    responseSize: 10,
    errorType: null,
    errorCode: null,
    throttleKeys: [],
    ...overrides,
  };
}
