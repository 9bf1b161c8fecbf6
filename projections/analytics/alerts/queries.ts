// Reading alerts for a user: who may see an alert (the same rule as analytics: the owner of
// its API or of its application; admins all) and which ones they chose to get.
import { ALERT_KINDS, type AlertKind } from './events.ts';
import type { AlertRecord, AlertSubscriptionRecord, AlertsView } from './view.ts';

export interface AlertAudience {
  /** Admins see every alert. */
  all: boolean;
  apiIds: ReadonlySet<string>;
  applicationIds: ReadonlySet<string>;
  /** The user's configuration; null = every kind, every API and application they may see. */
  subscription: AlertSubscriptionRecord | null;
}

export interface AlertQuery {
  apiId?: string;
  applicationId?: string;
  kinds?: readonly AlertKind[];
  activeOnly?: boolean;
  /** ISO-8601: alerts raised at or after. */
  since?: string;
  limit?: number;
}

export const canSeeAlert = (audience: AlertAudience, a: Pick<AlertRecord, 'apiId' | 'applicationId'>): boolean =>
  audience.all
  || (a.apiId !== null && audience.apiIds.has(a.apiId))
  || (a.applicationId !== null && audience.applicationIds.has(a.applicationId));

/** Visible and wanted: the user's subscription (when configured) narrows kinds, APIs and applications. */
export function wantsAlert(audience: AlertAudience, a: Pick<AlertRecord, 'apiId' | 'applicationId' | 'kind'>): boolean {
  if (!canSeeAlert(audience, a)) return false;
  const s = audience.subscription;
  if (!s) return true;
  if (!s.kinds.includes(a.kind)) return false;
  if (s.apiIds && a.apiId !== null && !s.apiIds.includes(a.apiId)) return false;
  if (s.applicationIds && a.applicationId !== null && !s.applicationIds.includes(a.applicationId)) return false;
  return true;
}

/** Newest first. */
export function listAlerts(view: AlertsView, query: AlertQuery, audience: AlertAudience): AlertRecord[] {
  const limit = query.limit ?? 100;
  const kinds = query.kinds?.length ? new Set(query.kinds) : null;
  const out: AlertRecord[] = [];
  const all = [...view.alerts.values()];
  for (let i = all.length - 1; i >= 0 && out.length < limit; i--) {
    const a = all[i]!;
    if (query.apiId !== undefined && a.apiId !== query.apiId) continue;
    if (query.applicationId !== undefined && a.applicationId !== query.applicationId) continue;
    if (kinds && !kinds.has(a.kind)) continue;
    if (query.activeOnly && a.status !== 'ACTIVE') continue;
    if (query.since !== undefined && a.raisedAt < query.since) continue;
    if (wantsAlert(audience, a)) out.push(a);
  }
  return out;
}

/** The user's configuration, or the default (every kind, no restriction). */
export const subscriptionOf = (view: AlertsView, userName: string) =>
  view.subscriptions.get(userName) ?? { userName, kinds: [...ALERT_KINDS], apiIds: null, applicationIds: null, position: 0n };
