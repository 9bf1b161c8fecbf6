import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { RecordedEvent } from '../../../domain/ports.ts';
import type { AlertingEvent, AlertRaisedData } from './events.ts';
import { listAlerts, subscriptionOf, type AlertAudience } from './queries.ts';
import { alertsProjection, emptyAlertsView } from './view.ts';

let position = 0n;
function recorded(e: AlertingEvent, streamId = 'alerts-api-1'): RecordedEvent {
  position++;
  return {
    ...e,
    streamId,
    streamVersion: 1n,
    globalPosition: position,
    metadata: { eventId: `e${position}`, actor: 'gatehouse-analytics', correlationId: 'c', causationId: null, recordedAt: '2024-01-01T00:00:00.000Z', schemaVersion: 1 },
  };
}

const raised = (alertId: string, over: Partial<AlertRaisedData> = {}): AlertingEvent => ({
  type: 'AlertRaised',
  data: {
    alertId, kind: 'API_HEALTH', severity: 'CRITICAL', message: 'm', observed: 1, threshold: 0.5, baseline: null,
    windowStart: '2024-01-01T00:00:00.000Z', windowEnd: '2024-01-01T00:01:00.000Z', raisedAt: `2024-01-01T00:0${alertId.length % 10}:00.000Z`,
    apiId: 'api-1', apiName: 'Orders', applicationId: null, applicationName: null, clientIp: null, ...over,
  },
});

const audience = (over: Partial<AlertAudience> = {}): AlertAudience => ({
  all: false, apiIds: new Set(), applicationIds: new Set(), subscription: null, ...over,
});

test('raised then cleared alerts fold into records; a repeated raise is ignored', () => {
  const view = emptyAlertsView();
  for (const e of [
    raised('a1'),
    raised('a1'),
    raised('a2', { kind: 'ABNORMAL_REQUEST_RATE', applicationId: 'app-9', apiId: 'api-2' }),
    { type: 'AlertCleared', data: { alertId: 'a1', kind: 'API_HEALTH', message: 'ok', clearedAt: '2024-01-01T00:05:00.000Z', apiId: 'api-1', apiName: 'Orders', applicationId: null, applicationName: null, clientIp: null } } as const,
  ]) alertsProjection.apply(view, recorded(e));
  assert.equal(view.alerts.size, 2);
  assert.equal(view.alerts.get('a1')!.status, 'CLEARED');
  assert.equal(view.alerts.get('a1')!.clearedAt, '2024-01-01T00:05:00.000Z');
  assert.equal(view.alerts.get('a2')!.status, 'ACTIVE');

  const bytes = alertsProjection.serialize(view);
  assert.equal(alertsProjection.serialize(alertsProjection.deserialize(bytes)), bytes);

  assert.deepEqual(listAlerts(view, {}, audience({ all: true })).map((a) => a.alertId), ['a2', 'a1']);
  assert.deepEqual(listAlerts(view, {}, audience({ apiIds: new Set(['api-1']) })).map((a) => a.alertId), ['a1']);
  assert.deepEqual(listAlerts(view, {}, audience({ applicationIds: new Set(['app-9']) })).map((a) => a.alertId), ['a2']);
  assert.deepEqual(listAlerts(view, {}, audience()).length, 0);
  assert.deepEqual(listAlerts(view, { activeOnly: true }, audience({ all: true })).map((a) => a.alertId), ['a2']);
});

test('a user\'s alert subscription narrows the kinds they get', () => {
  const view = emptyAlertsView();
  alertsProjection.apply(view, recorded(raised('h1')));
  alertsProjection.apply(view, recorded(raised('r1', { kind: 'ABNORMAL_REQUEST_RATE' })));
  alertsProjection.apply(view, recorded({ type: 'AlertSubscriptionConfigured', data: { userName: 'pub', kinds: ['API_HEALTH'], apiIds: null, applicationIds: null } }, 'alert-subscription-pub'));
  const who = audience({ apiIds: new Set(['api-1']), subscription: subscriptionOf(view, 'pub') });
  assert.deepEqual(listAlerts(view, {}, who).map((a) => a.alertId), ['h1']);
  assert.equal(subscriptionOf(view, 'nobody').kinds.length, 6);
});
