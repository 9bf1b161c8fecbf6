// Prometheus metrics of the control plane (prom-client, one registry per server so several
// servers in one process, as in tests, do not collide): HTTP latency, commands, projection lag.
import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';

export interface LagSource {
  headPosition(): Promise<bigint>;
  projections(): Array<{ name: string; position: bigint }>;
}

export interface ControlPlaneMetrics {
  readonly registry: Registry;
  readonly httpDuration: Histogram<'method' | 'route' | 'status_code'>;
  readonly commands: Counter<'command' | 'outcome'>;
  readonly tokens: Counter<'grant_type' | 'outcome'>;
  /** Plugs the projection lag gauge into a source once the runner exists. */
  setLagSource(source: LagSource): void;
}

export function createMetrics(): ControlPlaneMetrics {
  const registry = new Registry();
  collectDefaultMetrics({ register: registry, prefix: 'gatehouse_' });
  let lagSource: LagSource | undefined;

  const httpDuration = new Histogram({
    name: 'gatehouse_http_request_duration_seconds',
    help: 'Control plane HTTP request latency',
    labelNames: ['method', 'route', 'status_code'] as const,
    buckets: [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5],
    registers: [registry],
  });
  const commands = new Counter({
    name: 'gatehouse_commands_total',
    help: 'Management commands by mutation and outcome (ok, deduplicated, or the error code)',
    labelNames: ['command', 'outcome'] as const,
    registers: [registry],
  });
  const tokens = new Counter({
    name: 'gatehouse_oauth_token_requests_total',
    help: 'Token endpoint requests by grant type and outcome (issued or the OAuth error)',
    labelNames: ['grant_type', 'outcome'] as const,
    registers: [registry],
  });
  new Gauge({
    name: 'gatehouse_projection_lag_events',
    help: 'Log head position minus the position each projection has applied',
    labelNames: ['projection'] as const,
    registers: [registry],
    async collect() {
      if (!lagSource) return;
      const head = await lagSource.headPosition();
      for (const p of lagSource.projections()) this.set({ projection: p.name }, Number(head - p.position));
    },
  });
  new Gauge({
    name: 'gatehouse_log_head_position',
    help: 'Global position of the latest event in the log',
    registers: [registry],
    async collect() {
      if (lagSource) this.set(Number(await lagSource.headPosition()));
    },
  });

  return {
    registry,
    httpDuration,
    commands,
    tokens,
    setLagSource(source) {
      lagSource = source;
    },
  };
}
