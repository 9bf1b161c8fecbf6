// What the analytics service saves in the ViewStore under `analytics`: the view and the alert
// engine side by side in one JSON document, so they are always restored together.
import type { AlertConfigInput } from './alerts/config.ts';
import type { AlertEngine } from './alerts/engine.ts';
import { restoreAlertEngine, serializeAlertEngine } from './alerts/engine-snapshot.ts';
import type { AnalyticsConfigInput } from './config.ts';
import { restoreAnalytics, serializeAnalytics } from './snapshot.ts';
import type { AnalyticsView } from './view.ts';

export const ANALYTICS_VIEW_NAME = 'analytics';

const HEAD = '{"analytics":';
const MIDDLE = ',"alerts":';

export const encodeAnalyticsSnapshot = (view: AnalyticsView, engine: AlertEngine): Buffer =>
  Buffer.from(`${HEAD}${serializeAnalytics(view)}${MIDDLE}${serializeAlertEngine(engine)}}`, 'utf8');

/** Splits on the marker between the two parts (the engine's JSON never contains it before its end). */
export function decodeAnalyticsSnapshot(
  data: Buffer | string,
  tuning: { config?: AnalyticsConfigInput; alerts?: AlertConfigInput } = {},
): { view: AnalyticsView; engine: AlertEngine } {
  const text = data.toString();
  const at = text.lastIndexOf(MIDDLE);
  if (!text.startsWith(HEAD) || at < 0) throw new Error('not an analytics snapshot');
  return {
    view: restoreAnalytics(text.slice(HEAD.length, at), tuning.config),
    engine: restoreAlertEngine(text.slice(at + MIDDLE.length, -1), tuning.alerts),
  };
}
