// Polls a dev server until it answers a real protocol request (not just an open port):
//   node infra/dev/ready.mjs kafka 127.0.0.1:9092 [pid] [timeoutSeconds]
//   node infra/dev/ready.mjs mongo mongodb://127.0.0.1:27017/gatehouse [pid] [timeoutSeconds]
// Exits 0 once ready, 1 when the timeout passes or the server process `pid` has died.
import { createRequire } from 'node:module';

const require = createRequire(new URL('../../package.json', import.meta.url));
const [kind, target, pidArg, timeoutArg] = process.argv.slice(2);
const deadline = Date.now() + Number(timeoutArg ?? 120) * 1000;
const pid = pidArg ? Number(pidArg) : undefined;
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

function alive() {
  if (!pid) return true;
  try { process.kill(pid, 0); return true; } catch { return false; }
}

async function kafkaReady() {
  const { Kafka, logLevel } = require('kafkajs');
  const admin = new Kafka({ clientId: 'gatehouse-dev-ready', brokers: [target], logLevel: logLevel.NOTHING,
    retry: { retries: 0 }, connectionTimeout: 1000, requestTimeout: 3000 }).admin();
  try {
    await admin.connect();
    const cluster = await admin.describeCluster();
    // A controller id means the KRaft quorum has a leader: topic creation will work.
    return cluster.brokers.length > 0 && cluster.controller !== null && cluster.controller !== -1;
  } finally { await admin.disconnect().catch(() => {}); }
}

async function mongoReady() {
  const { MongoClient } = require('mongodb');
  const client = new MongoClient(target, { serverSelectionTimeoutMS: 1000, connectTimeoutMS: 1000 });
  try {
    await client.connect();
    const r = await client.db('admin').command({ ping: 1 });
    return r.ok === 1;
  } finally { await client.close().catch(() => {}); }
}

const probe = kind === 'kafka' ? kafkaReady : kind === 'mongo' ? mongoReady : null;
if (!probe) { console.error(`unknown kind ${kind}`); process.exit(2); }
let last = 'no answer yet';
while (Date.now() < deadline) {
  if (!alive()) { console.error(`${kind}: process ${pid} exited before it was ready`); process.exit(1); }
  try { if (await probe()) process.exit(0); last = 'not ready'; } catch (e) { last = e instanceof Error ? e.message : String(e); }
  await sleep(250);
}
console.error(`${kind} at ${target} not ready in time: ${last}`);
process.exit(1);
