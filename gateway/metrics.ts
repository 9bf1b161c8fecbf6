// What the gateway tells Prometheus (`/_gatehouse/metrics`): its state, read at each scrape
// (nothing is counted on the request path). The request stream's own metrics (facts published,
// buffered, dropped — infra/bus/kafka-requests.ts) join them when it registers in the same registry.
import { Gauge, type Registry } from 'prom-client';
import type { Gateway } from './runtime.ts';

export function registerGatewayMetrics(registry: Registry, gateway: Gateway): void {
  const gauge = (name: string, help: string, read: () => number) =>
    new Gauge({ name, help, registers: [registry], collect() { this.set(read()); } });
  gauge('gatehouse_gateway_map_position', 'Log position the gateway map reflects', () => Number(gateway.source.position()));
  gauge('gatehouse_gateway_cached_tokens', 'Verified tokens cached until they expire', () => gateway.tokens.size);
  gauge('gatehouse_gateway_throttle_counters', 'Active local throttle counters (quota windows)', () => gateway.counters.size);
  gauge('gatehouse_gateway_hard_limit_counters', 'Active backend hard limit (maxTps) counters', () => gateway.hardLimits.PRODUCTION.size + gateway.hardLimits.SANDBOX.size);
  gauge('gatehouse_gateway_throttle_decisions', 'Throttle decisions from the traffic manager in force', () => gateway.decisions.size);
  gauge('gatehouse_gateway_request_facts_dropped', 'Request facts the request stream dropped (buffer full or closed)', () => gateway.requestStream.dropped);
}
