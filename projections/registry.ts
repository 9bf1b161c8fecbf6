// Every projection of the log, by name: what `gatehouse replay` rebuilds and what the control
// plane runs. A new projection is one line here.
import { alertsProjection } from './analytics/alerts/view.ts';
import { auditProjection } from './audit/projection.ts';
import { catalogProjection } from './catalog/projection.ts';
import { gatewayMapProjection } from './gateway-map/projection.ts';
import type { AnyProjection } from './projection.ts';
import { UnknownProjectionError } from './runner-errors.ts';

export const PROJECTIONS: readonly AnyProjection[] = [
  catalogProjection,
  auditProjection,
  gatewayMapProjection,
  alertsProjection,
];

export const projectionNames = (): string[] => PROJECTIONS.map((p) => p.name);

/** One projection by name; throws UnknownProjectionError naming the known ones. */
export function projectionByName(name: string): AnyProjection {
  const found = PROJECTIONS.find((p) => p.name === name);
  if (!found) throw new UnknownProjectionError(name, projectionNames());
  return found;
}

/** The named projection, or all of them. */
export const selectProjections = (name?: string): AnyProjection[] => (name === undefined ? [...PROJECTIONS] : [projectionByName(name)]);
