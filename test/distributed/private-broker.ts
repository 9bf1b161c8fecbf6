// A Kafka broker of a test's own (same jars as infra/dev/up, its own ports and data dir), for
// fault tests that stop and restart the broker without disturbing the shared one.
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Kafka, logLevel } from 'kafkajs';

const root = new URL('../../', import.meta.url).pathname;

async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const { port } = s.address() as { port: number };
      s.close(() => resolve(port));
    });
  });
}

export interface PrivateBroker {
  readonly brokers: string[];
  /** Starts (or restarts) the broker and waits until it answers metadata requests. */
  start(): Promise<void>;
  /** SIGTERM (clean shutdown) and wait for the exit. */
  stop(): Promise<void>;
  /** stop() and delete the data. */
  destroy(): Promise<void>;
}

export async function privateBroker(): Promise<PrivateBroker> {
  const dir = mkdtempSync(join(tmpdir(), 'gatehouse-kafka-'));
  const port = await freePort();
  let cport = await freePort();
  while (cport === port) cport = await freePort();
  const brokers = [`127.0.0.1:${port}`];
  let child: ChildProcess | null = null;

  async function ready(deadline: number): Promise<void> {
    while (Date.now() < deadline) {
      if (child?.exitCode !== null) throw new Error(`private broker exited (${child?.exitCode}); see ${dir}/logs`);
      const admin = new Kafka({ brokers, logLevel: logLevel.NOTHING, retry: { retries: 0 }, connectionTimeout: 500 }).admin();
      try {
        await admin.connect();
        const c = await admin.describeCluster();
        if (c.controller !== null && c.controller >= 0) return;
      } catch {
        // not yet
      } finally {
        await admin.disconnect().catch(() => {});
      }
      await new Promise((r) => setTimeout(r, 200));
    }
    throw new Error('private broker did not become ready in time');
  }

  const broker: PrivateBroker = {
    brokers,
    async start() {
      if (child && child.exitCode === null) return;
      child = spawn(join(root, 'infra/dev/kafka/broker'), [dir, String(port), String(cport)], {
        stdio: 'ignore', env: { ...process.env, KAFKA_HEAP: '384m' },
      });
      await ready(Date.now() + 90_000);
    },
    async stop() {
      const c = child;
      if (!c || c.exitCode !== null) return;
      const exited = new Promise((r) => c.once('exit', r));
      c.kill('SIGTERM');
      const t = setTimeout(() => c.kill('SIGKILL'), 30_000);
      await exited;
      clearTimeout(t);
    },
    async destroy() {
      await broker.stop();
      rmSync(dir, { recursive: true, force: true });
    },
  };
  return broker;
}
