// Where the gateway's map comes from. Embedded: a projection runner following the event store
// in process (the composition root's, or one the gateway starts for itself). The gateway only
// reads `view()` per request and reports `position()`.
import type { EventStore } from '../domain/ports.ts';
import type { ViewStore } from '../projections/projection.ts';
import { GATEWAY_MAP_PROJECTION, gatewayMapProjection } from '../projections/gateway-map/projection.ts';
import type { GatewayMapView } from '../projections/gateway-map/view.ts';
import { createProjectionRunner, type ProjectionRunner, type RunnerLogger } from '../projections/runner.ts';

export interface GatewayMapSource {
  /** The live map (the same object between changes; may be replaced wholesale on a rebuild). */
  view(): GatewayMapView;
  /** Log position the map reflects. */
  position(): bigint;
  /** Resolves once the map has applied `position`; rejects after `timeoutMs`. */
  waitForPosition(position: bigint, timeoutMs: number): Promise<void>;
  close(): Promise<void>;
}

/** A source over a runner someone else owns (closing the source leaves the runner running). */
export function mapSourceFromRunner(runner: ProjectionRunner): GatewayMapSource {
  return {
    view: () => runner.view<GatewayMapView>(GATEWAY_MAP_PROJECTION),
    position: () => runner.position(GATEWAY_MAP_PROJECTION),
    waitForPosition: (p, t) => runner.waitForPosition(p, t, GATEWAY_MAP_PROJECTION),
    close: async () => {},
  };
}

/** Starts a runner with only the gateway map, following `store`; resolves once caught up. */
export async function followStore(opts: { store: EventStore; viewStore?: ViewStore; logger?: RunnerLogger }): Promise<GatewayMapSource> {
  const runner = createProjectionRunner({
    store: opts.store,
    projections: [gatewayMapProjection],
    ...(opts.viewStore ? { viewStore: opts.viewStore } : {}),
    ...(opts.logger ? { logger: opts.logger } : {}),
  });
  await runner.start();
  return { ...mapSourceFromRunner(runner), close: () => runner.close() };
}

/** A fixed view (unit tests, benchmarks): nothing follows the log. */
export function staticMapSource(view: GatewayMapView): GatewayMapSource {
  return {
    view: () => view,
    position: () => view.position,
    waitForPosition: async (p) => {
      if (view.position < p) throw new Error(`static map is at ${view.position}, not ${p}`);
    },
    close: async () => {},
  };
}
