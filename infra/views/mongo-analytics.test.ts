// The analytics documents without a server: ids, revisions, sealed flags and the retention
// line the writer deletes behind (the writes themselves: mongo-analytics.distributed.test.ts).
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { analytics } from '../../projections/analytics/query.ts';
import { fact } from '../../projections/analytics/testing/facts.ts';
import { HOUR_MS, MINUTE_MS } from '../../projections/analytics/time.ts';
import { applyFacts, createAnalyticsView } from '../../projections/analytics/view.ts';
import { analyticsDocument, bucketSealed, documentId, retentionCutoff, rowRevision } from './mongo-analytics.ts';

const H0 = Date.UTC(2024, 5, 1, 10, 0);

describe('analytics documents', () => {
  test('the _id is the natural key, absent dimensions stay apart from literal values', () => {
    const dims = { apiId: 'a', apiVersion: '', operation: 'GET /x', applicationId: '', userName: 'u', keyType: '', statusClass: '2xx', errorCode: '' };
    assert.equal(documentId(H0, { dims }), JSON.stringify(['2024-06-01T10:00:00.000Z', 'a', '', 'GET /x', '', 'u', '', '2xx', '']));
    assert.notEqual(documentId(H0, { dims }), documentId(H0, { dims: { ...dims, apiVersion: 'null' } }));
    assert.notEqual(documentId(H0, { dims }), documentId(H0 + MINUTE_MS, { dims }));
  });

  test('a document has the query numbers; its revision grows with every change and with sealing', () => {
    const view = createAnalyticsView();
    applyFacts(view, [fact({ at: H0, responseLatencyMs: 12 }), fact({ at: H0 + 1_000, responseLatencyMs: 80, applicationId: null, applicationName: null })]);
    const minute = view.minutes.get(H0)!;
    const rows = [...minute.rows.values()];
    const docs = rows.map((row) => analyticsDocument(view, minute, row));
    const q = analytics(view, { from: H0, to: H0 + MINUTE_MS, granularity: 'MINUTE' });
    assert.equal(docs.reduce((n, d) => n + d.document.requests, 0), q.totals.requests);
    const anonymous = docs.find((d) => d.document.applicationId === null)!;
    assert.equal(anonymous.document.applicationName, null);
    assert.equal(anonymous.document.latency.p99Ms, analytics(view, { from: H0, to: H0 + MINUTE_MS, granularity: 'MINUTE', applicationId: '' }).totals.latency.p99Ms);
    assert.deepEqual(anonymous.document.latency.histogram.map((b) => b.count), [1]);
    assert.equal(anonymous.revision, 2n);

    const row = rows[0]!;
    const before = rowRevision(row, false);
    applyFacts(view, [fact({ at: H0 + 2_000, responseLatencyMs: 12 })]);
    assert.ok(rowRevision(row, false) > before, 'a fact raises the revision');
    assert.equal(bucketSealed(view, minute), false);
    const open = rowRevision(row, false);
    applyFacts(view, [fact({ at: H0 + 3 * MINUTE_MS })]); // seals minute 0
    assert.equal(bucketSealed(view, minute), true);
    assert.equal(analyticsDocument(view, minute, row).revision, open + 1n, 'sealing alone raises it by one');
    const hour = view.hours.get(H0)!;
    assert.equal(bucketSealed(view, hour), false, 'an hour is sealed once all its minutes are');
    applyFacts(view, [fact({ at: H0 + HOUR_MS + 2 * MINUTE_MS })]);
    assert.equal(bucketSealed(view, hour), true);
  });

  test('the retention cutoff is behind the retention line and before every bucket still kept', () => {
    const view = createAnalyticsView({ retention: { minuteMs: 3 * MINUTE_MS } });
    assert.equal(retentionCutoff(view, 'MINUTE'), null, 'no watermark yet');
    applyFacts(view, [fact({ at: H0 }), fact({ at: H0 + 10 * MINUTE_MS })]);
    // Watermark at minute 10: minutes starting at or before minute 6 are gone.
    assert.equal(retentionCutoff(view, 'MINUTE'), H0 + 6 * MINUTE_MS);
    assert.deepEqual([...view.minutes.keys()], [H0 + 10 * MINUTE_MS]);
    // A bucket the view still holds behind the line (retention runs when minutes seal) is never cut.
    view.minutes.set(H0 + 2 * MINUTE_MS, view.minutes.get(H0 + 10 * MINUTE_MS)!);
    assert.equal(retentionCutoff(view, 'MINUTE'), H0 + 2 * MINUTE_MS - 1);
  });
});
