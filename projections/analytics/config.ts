// Tuning of the analytics projection: retention per granularity, when a minute is rolled up,
// the request-id dedupe window and the caps that bound memory. Validated once at creation.
import { invalidInput } from '../../domain/errors.ts';

export interface AnalyticsConfig {
  /** How long each granularity is kept, measured back from the watermark. */
  retention: { minuteMs: number; hourMs: number; dayMs: number };
  /** A minute is sealed (rolled into its hour and day) once the watermark is this far past its end. */
  sealAfterMs: number;
  /** Facts this much older than the watermark cannot be told from redeliveries: they are dropped (counted). */
  dedupeWindowMs: number;
  /**
   * Longest a source (partition × gateway) running behind the others holds the watermark back,
   * measured from the newest fact: beyond it, its facts are late. Bounds the minutes kept open.
   */
  maxSourceLagMs: number;
  /** Cap on remembered request ids; beyond it the oldest minutes are forgotten and the window shrinks. */
  maxDedupeIds: number;
  /** Rows (dimension combinations) per bucket before high-cardinality dimensions fold into "(other)". */
  maxRowsPerBucket: number;
  /** Distinct client IPs / user agents / platforms counted per bucket before the rarest fold into "other". */
  maxTopEntries: number;
}

const MINUTE = 60_000;
const HOUR = 60 * MINUTE;
const DAY = 24 * HOUR;

export const DEFAULT_ANALYTICS_CONFIG: AnalyticsConfig = {
  retention: { minuteMs: 3 * HOUR, hourMs: 7 * DAY, dayMs: 90 * DAY },
  sealAfterMs: MINUTE,
  dedupeWindowMs: 5 * MINUTE,
  maxSourceLagMs: 30 * MINUTE,
  maxDedupeIds: 1_000_000,
  maxRowsPerBucket: 1_000,
  maxTopEntries: 1_000,
};

export type AnalyticsConfigInput = Partial<Omit<AnalyticsConfig, 'retention'>> & {
  retention?: Partial<AnalyticsConfig['retention']>;
};

export function analyticsConfig(input: AnalyticsConfigInput = {}): AnalyticsConfig {
  const c: AnalyticsConfig = {
    ...DEFAULT_ANALYTICS_CONFIG,
    ...input,
    retention: { ...DEFAULT_ANALYTICS_CONFIG.retention, ...input.retention },
  };
  const positive = (name: string, v: number) => {
    if (!Number.isFinite(v) || v < 0) throw invalidInput(`analytics ${name} must be a non-negative number`, { [name]: v });
  };
  positive('sealAfterMs', c.sealAfterMs);
  positive('dedupeWindowMs', c.dedupeWindowMs);
  positive('maxSourceLagMs', c.maxSourceLagMs);
  for (const [k, v] of Object.entries(c.retention)) positive(`retention.${k}`, v);
  for (const k of ['maxDedupeIds', 'maxRowsPerBucket', 'maxTopEntries'] as const) {
    if (!Number.isInteger(c[k]) || c[k] < 1) throw invalidInput(`analytics ${k} must be a positive integer`, { [k]: c[k] });
  }
  // Hours and days are filled when minutes seal: a minute must live until it is sealed.
  if (c.retention.minuteMs < c.sealAfterMs + MINUTE) {
    throw invalidInput('analytics minute retention must cover sealAfterMs plus one minute', { ...c.retention, sealAfterMs: c.sealAfterMs });
  }
  return c;
}
