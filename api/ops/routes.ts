// Operations endpoints: liveness, readiness (the views, and the in-process gateway when there is
// one, have caught up with the log), metrics.
import type { FastifyInstance } from 'fastify';
import type { ControlPlaneMetrics } from './metrics.ts';

export interface Readiness {
  ready: boolean;
  headPosition: string;
  viewPosition: string;
  failed: string[];
  /** Where this process runs a gateway: whether it listens yet, and the log position of its map. */
  gateway?: { listening: boolean; mapPosition: string | null };
}

export interface OpsDeps {
  metrics: ControlPlaneMetrics;
  readiness(): Promise<Readiness>;
}

export function registerOps(app: FastifyInstance, deps: OpsDeps): void {
  app.addHook('onResponse', (request, reply, done) => {
    deps.metrics.httpDuration.observe(
      { method: request.method, route: request.routeOptions.url ?? 'unmatched', status_code: String(reply.statusCode) },
      reply.elapsedTime / 1000,
    );
    done();
  });

  app.get('/health', async () => ({ status: 'UP' }));

  app.get('/ready', async (_request, reply) => {
    const r = await deps.readiness();
    return reply.code(r.ready ? 200 : 503).send({ status: r.ready ? 'READY' : 'NOT_READY', ...r });
  });

  app.get('/metrics', async (_request, reply) => {
    const body = await deps.metrics.registry.metrics();
    return reply.header('content-type', deps.metrics.registry.contentType).send(body);
  });
}
