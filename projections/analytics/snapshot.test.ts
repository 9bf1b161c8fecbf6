import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { analytics } from './query.ts';
import { restoreAnalytics, serializeAnalytics } from './snapshot.ts';
import { fact, throttled } from './testing/facts.ts';
import { MINUTE_MS } from './time.ts';
import { applyFacts, createAnalyticsView } from './view.ts';

const T0 = Date.UTC(2024, 2, 3, 8, 0, 0);
const traffic = (from: number, n: number) =>
  Array.from({ length: n }, (_, i) =>
    i % 9 === 0 ? throttled({ at: from + i * 997 }) : fact({ at: from + i * 997, responseLatencyMs: 1 + (i % 40) * 3.3, userIp: `10.0.0.${i % 7}` }));

describe('analytics snapshot', () => {
  test('restore then serialize gives the same bytes, open minutes included', () => {
    const view = createAnalyticsView();
    applyFacts(view, traffic(T0, 500));
    assert.ok(view.open.size > 0, 'the newest minutes are still open');
    const bytes = serializeAnalytics(view);
    assert.equal(serializeAnalytics(restoreAnalytics(bytes)), bytes);
  });

  test('a restored view goes on exactly like the live one (dedupe window and open minutes kept)', () => {
    const live = createAnalyticsView();
    const first = traffic(T0, 400);
    applyFacts(live, first);
    const restored = restoreAnalytics(serializeAnalytics(live));
    const more = [...first.slice(-50), ...traffic(T0 + 400 * 997, 400)]; // 50 redelivered, then new
    applyFacts(live, more);
    applyFacts(restored, more);
    assert.equal(restored.counters.duplicates, 50);
    assert.equal(serializeAnalytics(restored), serializeAnalytics(live));
    const q = { from: T0, to: T0 + 20 * MINUTE_MS, granularity: 'MINUTE' as const };
    assert.deepEqual(analytics(restored, q, ['apiId']), analytics(live, q, ['apiId']));
  });

  test('an unknown snapshot version is refused', () => {
    const bytes = serializeAnalytics(createAnalyticsView()).replace('"version":1', '"version":99');
    assert.throws(() => restoreAnalytics(bytes), /version 99/);
  });

  test('a config override (e.g. a longer retention) applies to the restored view', () => {
    const view = restoreAnalytics(serializeAnalytics(createAnalyticsView()), { retention: { minuteMs: 3 * 3_600_000, hourMs: 1, dayMs: 1 } });
    assert.equal(view.config.retention.minuteMs, 3 * 3_600_000);
  });
});
