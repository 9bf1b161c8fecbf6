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
const hasDistributed = Boolean(process.env.KAFKA_BROKERS || process.env.MONGODB_URL || process.env.KURRENTDB_URL);
const hasBrowser = existsSync(process.env.CHROMIUM_PATH ?? '/usr/bin/chromium');
const skipped = [];
const files = all.filter((f) => {
  if (filters.length && !filters.some((x) => f.includes(x))) return false;
  const distributed = f.endsWith('.distributed.test.ts');
  if (distributedOnly && !distributed) return false;
  if (distributed && !hasDistributed) { skipped.push([f, 'KAFKA_BROKERS / MONGODB_URL / KURRENTDB_URL unset (run infra/dev/up)']); return false; }
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

const r = spawnSync(process.execPath, ['--import', 'tsx', '--test', '--test-concurrency=2', '--test-timeout=180000', ...files], {
  cwd: root, stdio: 'inherit', env: { ...process.env, NODE_ENV: 'test' },
});
if (skipped.length) console.log(`\nSKIPPED ${skipped.length} suite(s); see the list at the top of this run.`);
process.exit(r.status ?? 1);
