// Alerts are domain events: the analytics detectors append AlertRaised / AlertCleared to the
// log (stream `alerts-<apiId>` or `alerts-app-<applicationId>`), and users choose which alerts
// they get with AlertSubscriptionConfigured (stream `alert-subscription-<user>`).
// Kinds follow WSO2's alert types (reference §6.3).
import { escapePart } from '../../../domain/streams.ts';

export type AlertKind =
  | 'ABNORMAL_RESPONSE_TIME'
  | 'ABNORMAL_BACKEND_TIME'
  | 'ABNORMAL_REQUEST_RATE'
  | 'FREQUENT_TIER_LIMIT_HITTING'
  | 'UNUSUAL_IP_ACCESS'
  | 'API_HEALTH';

export const ALERT_KINDS: readonly AlertKind[] = [
  'ABNORMAL_RESPONSE_TIME', 'ABNORMAL_BACKEND_TIME', 'ABNORMAL_REQUEST_RATE',
  'FREQUENT_TIER_LIMIT_HITTING', 'UNUSUAL_IP_ACCESS', 'API_HEALTH',
];

/** Publisher-side alerts (about an API's behaviour); the others concern an application's traffic. */
export const API_ALERT_KINDS: ReadonlySet<AlertKind> = new Set(['ABNORMAL_RESPONSE_TIME', 'ABNORMAL_BACKEND_TIME', 'API_HEALTH']);

export type AlertSeverity = 'WARNING' | 'CRITICAL';

/** What an alert is about. Unused parts are null. */
export interface AlertScope {
  apiId: string | null;
  apiName: string | null;
  applicationId: string | null;
  applicationName: string | null;
  clientIp: string | null;
}

export interface AlertRaisedData extends AlertScope {
  /** Deterministic: kind, scope and the minute it was raised for (re-evaluation appends nothing new). */
  alertId: string;
  kind: AlertKind;
  severity: AlertSeverity;
  message: string;
  /** The measured value (ms, requests, ratio …) and the threshold it crossed. */
  observed: number;
  threshold: number;
  baseline: number | null;
  /** The minute of traffic that raised it (ISO-8601, from the facts' timestamps). */
  windowStart: string;
  windowEnd: string;
  raisedAt: string;
}

export interface AlertClearedData extends AlertScope {
  alertId: string;
  kind: AlertKind;
  message: string;
  clearedAt: string;
}

export interface AlertSubscriptionConfiguredData {
  userName: string;
  /** Kinds the user gets (queries and live subscription); [] = none. */
  kinds: AlertKind[];
  /** Restrict to these APIs / applications; null = every one the user may see. */
  apiIds: string[] | null;
  applicationIds: string[] | null;
}

export type AlertRaised = { type: 'AlertRaised'; data: AlertRaisedData };
export type AlertCleared = { type: 'AlertCleared'; data: AlertClearedData };
export type AlertSubscriptionConfigured = { type: 'AlertSubscriptionConfigured'; data: AlertSubscriptionConfiguredData };
export type AlertEvent = AlertRaised | AlertCleared;
export type AlertingEvent = AlertEvent | AlertSubscriptionConfigured;

export const ALERT_EVENT_TYPES = ['AlertRaised', 'AlertCleared', 'AlertSubscriptionConfigured'] as const;

/** Stream of an alert: per API when it has one, else per application. */
export const alertStream = (scope: Pick<AlertScope, 'apiId' | 'applicationId'>): string =>
  scope.apiId ? `alerts-${scope.apiId}` : `alerts-app-${scope.applicationId ?? 'none'}`;

export const alertSubscriptionStream = (userName: string): string => `alert-subscription-${escapePart(userName)}`;
