// Bucket boundaries in UTC. Time always comes from the facts' timestamps, never the clock.
export type Granularity = 'MINUTE' | 'HOUR' | 'DAY';

export const MINUTE_MS = 60_000;
export const HOUR_MS = 3_600_000;
export const DAY_MS = 86_400_000;

export const GRANULARITY_MS: Record<Granularity, number> = { MINUTE: MINUTE_MS, HOUR: HOUR_MS, DAY: DAY_MS };

export const floorTo = (ms: number, size: number): number => ms - (((ms % size) + size) % size);

export const iso = (ms: number): string => new Date(ms).toISOString();
