import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { createMemoryRequestStream } from '../../infra/bus/memory-request-stream.ts';
import { openMemoryEventStore } from '../../infra/eventstore/memory.ts';
import { openSqliteViewStore } from '../../infra/views/sqlite.ts';
import { createAnalyticsService } from '../../projections/analytics/service.ts';
import { fact, throttled } from '../../projections/analytics/testing/facts.ts';
import { runCli } from '../../test/support/cli.ts';
import { parseDuration, rebuildDocuments, sparkline } from './analytics.ts';

const gatehouse = (...args: string[]) => runCli(['analytics', ...args]);

let dir: string;
const now = Date.now();

before(async () => {
  dir = mkdtempSync(join(tmpdir(), 'gatehouse-analytics-cli-'));
  const viewStore = openSqliteViewStore({ path: join(dir, 'views.db') });
  const requests = createMemoryRequestStream();
  const svc = createAnalyticsService({ requests, store: openMemoryEventStore(), viewStore, clock: { now: () => new Date() }, random: { uuid: randomUUID, token: () => 't' }, snapshotEveryMs: 0 });
  await svc.start();
  // 40 minutes of Orders traffic growing minute by minute, some throttled; a little Billing.
  for (let m = 40; m >= 1; m--) {
    const at = now - m * 60_000;
    for (let i = 0; i < 41 - m; i++) requests.publish(fact({ at: at + i, responseLatencyMs: 20 + (i % 10) }));
    if (m % 10 === 0) requests.publish(throttled({ at: at + 500 }));
    requests.publish(fact({ at: at + 600, apiId: 'api-2', apiName: 'Billing' }));
  }
  await svc.settle();
  await svc.close(); // saves the snapshot
  await viewStore.close();
});
after(() => rmSync(dir, { recursive: true, force: true }));

describe('gatehouse analytics', () => {
  test('prints a sparkline, totals, latency percentiles and the status breakdown of an API by name', () => {
    const r = gatehouse('--api', 'orders', '--since', '1h', '--data', dir);
    assert.equal(r.status, 0, r.stderr);
    assert.match(r.stdout, /^Orders 1\.0\.0 \(api-1\)/);
    const requests = /^requests  (.*)  ([\d,]+) \(/m.exec(r.stdout)!;
    assert.equal(requests[2], String(820 + 4));
    assert.match(requests[1]!, /▁.*█/u, 'a rising sparkline');
    assert.match(r.stdout, /^errors .* 4 \(0\.49 %\), throttled 4$/m);
    assert.match(r.stdout, /^latency\s+2\d\.\d/m);
    assert.match(r.stdout, /^2xx\s+-\s+820$/m);
    assert.match(r.stdout, /^4xx\s+900804\s+4$/m);
  });

  test('--json gives the reports; without --api everything together', () => {
    const r = gatehouse('--since', '2h', '--json', '--data', dir);
    assert.equal(r.status, 0, r.stderr);
    const [report] = JSON.parse(r.stdout) as [{ title: string; totals: { requests: number }; granularity: string }];
    assert.equal(report.title, 'All APIs');
    assert.equal(report.totals.requests, 824 + 40);
    assert.equal(report.granularity, 'MINUTE');
  });

  test('fails with a one-line reason: unknown API, no snapshot', () => {
    const unknown = gatehouse('--api', 'Nope', '--data', dir);
    assert.equal(unknown.status, 1);
    assert.match(unknown.stderr, /^gatehouse: no traffic recorded for an API named or identified 'Nope'\n$/);
    const empty = mkdtempSync(join(tmpdir(), 'gatehouse-analytics-empty-'));
    const none = gatehouse('--data', empty);
    rmSync(empty, { recursive: true, force: true });
    assert.equal(none.status, 1);
    assert.match(none.stderr, /no views\.db/);
  });

  test('--help documents both sources', () => {
    const r = gatehouse('--help');
    assert.equal(r.status, 0);
    assert.match(r.stdout, /views\.db/);
    assert.match(r.stdout, /--url <url>/);
  });
});

test('sparkline and duration helpers', () => {
  assert.equal(sparkline([0, 1, 2, 4, 8]), ' ▂▃▅█');
  assert.equal(sparkline([0, 0]), '  ');
  assert.equal(parseDuration('90m'), 90 * 60_000);
  assert.throws(() => parseDuration('0h'), /duration like 15m/);
  assert.throws(() => parseDuration('soon'), /duration like 15m/);
});

describe('gatehouse analytics --rebuild-documents', () => {
  test('needs MONGODB_URL (the snapshot and the documents live in MongoDB)', async () => {
    await assert.rejects(rebuildDocuments(undefined, false), /--rebuild-documents needs MONGODB_URL/);
  });
});
