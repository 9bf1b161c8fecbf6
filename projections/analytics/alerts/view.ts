// The alerts as the log tells them: AlertRaised / AlertCleared folded into alert records, and
// each user's AlertSubscriptionConfigured. A projection like any other (`alertsProjection`),
// bounded: past `MAX_ALERTS` the oldest cleared alerts are forgotten (they stay in the log).
import type { RecordedEvent } from '../../../domain/ports.ts';
import type { Projection } from '../../projection.ts';
import type { AlertClearedData, AlertRaisedData, AlertSubscriptionConfiguredData } from './events.ts';

export interface AlertRecord extends AlertRaisedData {
  status: 'ACTIVE' | 'CLEARED';
  clearedAt: string | null;
  streamId: string;
  /** Log position of the alert's latest event. */
  position: bigint;
}

export interface AlertSubscriptionRecord extends AlertSubscriptionConfiguredData {
  position: bigint;
}

export interface AlertsView {
  position: bigint;
  /** By alertId, in the order raised. */
  alerts: Map<string, AlertRecord>;
  subscriptions: Map<string, AlertSubscriptionRecord>;
}

export const MAX_ALERTS = 10_000;

export const emptyAlertsView = (): AlertsView => ({ position: 0n, alerts: new Map(), subscriptions: new Map() });

/** Applies one event (others are ignored); returns the record it changed, if any. */
export function applyAlertEvent(view: AlertsView, e: RecordedEvent): AlertRecord | undefined {
  if (e.globalPosition > view.position) view.position = e.globalPosition;
  if (e.type === 'AlertRaised') {
    const d = e.data as AlertRaisedData;
    if (view.alerts.has(d.alertId)) return undefined;
    const record: AlertRecord = { ...d, status: 'ACTIVE', clearedAt: null, streamId: e.streamId, position: e.globalPosition };
    view.alerts.set(d.alertId, record);
    if (view.alerts.size > MAX_ALERTS) forgetOldestCleared(view);
    return record;
  }
  if (e.type === 'AlertCleared') {
    const d = e.data as AlertClearedData;
    const record = view.alerts.get(d.alertId);
    if (!record || record.status === 'CLEARED') return undefined;
    record.status = 'CLEARED';
    record.clearedAt = d.clearedAt;
    record.position = e.globalPosition;
    return record;
  }
  if (e.type === 'AlertSubscriptionConfigured') {
    const d = e.data as AlertSubscriptionConfiguredData;
    view.subscriptions.set(d.userName, { ...d, position: e.globalPosition });
  }
  return undefined;
}

function forgetOldestCleared(view: AlertsView): void {
  for (const [id, a] of view.alerts) {
    if (a.status === 'CLEARED') {
      view.alerts.delete(id);
      return;
    }
  }
}

const replacer = (_k: string, v: unknown) => (typeof v === 'bigint' ? `${v}n` : v);
const reviver = (_k: string, v: unknown) => (typeof v === 'string' && /^\d+n$/.test(v) ? BigInt(v.slice(0, -1)) : v);

export const alertsProjection: Projection<AlertsView> = {
  name: 'alerts',
  version: 1,
  initialView: emptyAlertsView,
  apply(view, event) {
    applyAlertEvent(view, event);
    return view;
  },
  // Alerts keep log order (it decides which are forgotten first); subscriptions are sorted.
  serialize: (view) => JSON.stringify({
    position: view.position,
    alerts: [...view.alerts.values()],
    subscriptions: [...view.subscriptions.values()].sort((a, b) => (a.userName < b.userName ? -1 : 1)),
  }, replacer),
  deserialize(data) {
    const j = JSON.parse(data.toString(), reviver) as { position: bigint; alerts: AlertRecord[]; subscriptions: AlertSubscriptionRecord[] };
    return {
      position: j.position,
      alerts: new Map(j.alerts.map((a) => [a.alertId, a])),
      subscriptions: new Map(j.subscriptions.map((s) => [s.userName, s])),
    };
  },
};
