#!/usr/bin/env node
// Runs every *.test.ts under the project with node's test runner (tsx for TypeScript).
// Suites that need a system component say so loudly when it is absent instead of failing:
//   *.distributed.test.ts  need KAFKA_BROKERS and/or MONGODB_URL (infra/dev/up starts both)
//   *.browser.test.ts      need Chromium at /usr/bin/chromium
// Usage: npm test [-- <path filter>...]   npm run test:distributed
import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';

const root = new URL('..', import.meta.url).pathname;
const args = process.argv.slice(2);
const distributedOnly = args.includes('--distributed');
const filters = args.filter((a) => !a.startsWith('--'));
const skip = new Set(['node_modules', '.git', 'data', 'ui', '.cache']);

function walk(dir, out = []) {
  for (const name of readdirSync(dir)) {
    if (skip.has(name) || name.startsWith('.data')) continue;
    const p = join(dir, name);
    if (statSync(p).isDirectory()) walk(p, out);
    else if (name.endsWith('.test.ts')) out.push(relative(root, p));
  }
  return out;
}

const all = walk(root).sort();
const env = process.env;
// What a distributed suite needs, by its name: KurrentDB suites need KURRENTDB_URL (CI here cannot
// start KurrentDB); Mongo suites need MONGODB_URL; every other distributed suite needs Kafka.
function missingFor(f) {
  if (f.includes('kurrentdb')) return env.KURRENTDB_URL ? null : 'KURRENTDB_URL unset (no KurrentDB can run here; point it at yours)';
  if (f.includes('mongo')) return env.MONGODB_URL ? null : 'MONGODB_URL unset (run infra/dev/up)';
  return env.KAFKA_BROKERS ? null : 'KAFKA_BROKERS unset (run infra/dev/up)';
}
const hasBrowser = existsSync(process.env.CHROMIUM_PATH ?? '/usr/bin/chromium');
const skipped = [];
const files = all.filter((f) => {
  if (filters.length && !filters.some((x) => f.includes(x))) return false;
  const distributed = f.endsWith('.distributed.test.ts');
  if (distributedOnly && !distributed) return false;
  const missing = distributed ? missingFor(f) : null;
  if (missing) { skipped.push([f, missing]); return false; }
  if (f.endsWith('.browser.test.ts') && !hasBrowser) { skipped.push([f, 'no Chromium at /usr/bin/chromium (apt-get install chromium)']); return false; }
  return true;
});

if (skipped.length) {
  console.log('\n' + '!'.repeat(78));
  console.log(`SKIPPED ${skipped.length} suite(s): a system component they need is absent`);
  for (const [f, why] of skipped) console.log(`  - ${f}: ${why}`);
  console.log('!'.repeat(78) + '\n');
}
if (files.length === 0) { console.error('no test files matched'); process.exit(1); }

// Embedded suites test the embedded default: they must not see the distributed servers' variables
// (a spawned `gatehouse start` would otherwise relay into the shared Kafka topics). Distributed
// suites run after them, with the variables.
const DISTRIBUTED_ENV = ['KAFKA_BROKERS', 'MONGODB_URL', 'KURRENTDB_URL', 'GATEHOUSE_EVENTSTORE', 'GATEHOUSE_KAFKA_TOPIC_PREFIX'];
const embeddedEnv = { ...process.env, NODE_ENV: 'test' };
for (const k of DISTRIBUTED_ENV) delete embeddedEnv[k];
const groups = [
  { name: 'embedded', files: files.filter((f) => !f.endsWith('.distributed.test.ts')), env: embeddedEnv },
  { name: 'distributed', files: files.filter((f) => f.endsWith('.distributed.test.ts')), env: { ...process.env, NODE_ENV: 'test' } },
].filter((g) => g.files.length > 0);

let status = 0;
for (const g of groups) {
  if (groups.length > 1) console.log(`\n==== ${g.name} suites (${g.files.length} files) ====`);
  const r = spawnSync(process.execPath, ['--import', 'tsx', '--test', '--test-concurrency=2', '--test-timeout=300000', ...g.files], {
    cwd: root, stdio: 'inherit', env: g.env,
  });
  if (r.status !== 0) status = r.status ?? 1;
}
if (skipped.length) console.log(`\nSKIPPED ${skipped.length} suite(s); see the list at the top of this run.`);
process.exit(status);
