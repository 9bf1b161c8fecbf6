// The control plane's HTTP server: composes the feature plugins (operations, key manager,
// GraphQL, portals) on one fastify instance. Correlation ids come from X-Correlation-ID when a
// caller sends a sane one, else a fresh UUID; every log line and response carries it.
import { existsSync } from 'node:fs';
import { randomUUID } from 'node:crypto';
import fastifyStatic from '@fastify/static';
import Fastify, { LogController, type FastifyBaseLogger, type FastifyInstance } from 'fastify';
import type { Logger } from 'pino';
import { graphqlPlugin } from './graphql/index.ts';
import type { GraphQLDeps } from './graphql/context.ts';
import type { KeyManager } from './oauth/key-manager.ts';
import type { KeyRing } from './oauth/keyring.ts';
import { oauthRoutes } from './oauth/routes.ts';
import type { ControlPlaneMetrics } from './ops/metrics.ts';
import { registerOps, type Readiness } from './ops/routes.ts';

export const DEFAULT_BODY_LIMIT = 2 * 1024 * 1024;
const CORRELATION_ID = /^[A-Za-z0-9._:-]{1,128}$/;

export interface ControlPlaneOptions {
  graphql: GraphQLDeps;
  keyManager: KeyManager;
  ring: KeyRing;
  issuer(): string;
  metrics: ControlPlaneMetrics;
  readiness(): Promise<Readiness>;
  logger: Logger;
  /** The portals' built SPA (ui/dist); served at / when the folder exists. */
  uiDir?: string;
  bodyLimit?: number;
}

const UNLOGGED = new Set(['/health', '/ready', '/metrics']);

/** One log line per request (on completion), labelled correlationId; probes are not logged. */
class QuietLogController extends LogController {
  constructor() {
    super({ requestIdLogLabel: 'correlationId', disableRequestLogging: (request) => UNLOGGED.has(request.url) });
  }

  override incomingRequest(request: Parameters<LogController['incomingRequest']>[0]): void {
    request.log.debug({ req: request }, 'incoming request');
  }
}

const LOG_METHODS = new Set(['fatal', 'error', 'warn', 'info', 'debug', 'trace']);
const noop = (): void => {};

/**
 * request.log without a pino child per request: the child (bindings serialised, redaction
 * applied) is made on the first call that would write a line or touch anything else; calls at
 * disabled levels (most of them, at the usual levels) cost nothing. Routes with their own log
 * level get an eager child.
 */
export function lazyChildLogger(parent: FastifyBaseLogger, bindings: Record<string, unknown>, opts: { level?: string }): FastifyBaseLogger {
  if (opts.level !== undefined || typeof (parent as Partial<Logger>).isLevelEnabled !== 'function') return parent.child(bindings, opts);
  const pinoParent = parent as unknown as Logger;
  let real: FastifyBaseLogger | undefined;
  const materialise = (): FastifyBaseLogger => (real ??= parent.child(bindings, opts));
  return new Proxy({} as FastifyBaseLogger, {
    get(_target, prop) {
      if (real === undefined) {
        if (typeof prop === 'string' && LOG_METHODS.has(prop) && !pinoParent.isLevelEnabled(prop)) return noop;
        if (prop === 'child') return (b: Record<string, unknown>, o?: Record<string, unknown>) => materialise().child(b, o);
      }
      const r = materialise();
      const v: unknown = Reflect.get(r, prop, r);
      return typeof v === 'function' ? (v as (...a: unknown[]) => unknown).bind(r) : v;
    },
    set: (_target, prop, value) => Reflect.set(materialise(), prop, value),
    has: (_target, prop) => prop in materialise(),
  });
}

export async function createControlPlane(o: ControlPlaneOptions): Promise<FastifyInstance> {
  const app = Fastify({
    loggerInstance: o.logger as FastifyBaseLogger,
    bodyLimit: o.bodyLimit ?? DEFAULT_BODY_LIMIT,
    logController: new QuietLogController(),
    childLoggerFactory: (logger, bindings, opts) => lazyChildLogger(logger, bindings, opts),
    genReqId(req) {
      const given = req.headers['x-correlation-id'];
      return typeof given === 'string' && CORRELATION_ID.test(given) ? given : randomUUID();
    },
    return503OnClosing: true,
  });
  // Callback-style hooks: an async hook costs a promise and a microtask hop on every request.
  app.addHook('onSend', (request, reply, payload, done) => {
    reply.header('x-correlation-id', request.id);
    done(null, payload);
  });

  registerOps(app, { metrics: o.metrics, readiness: o.readiness });
  await app.register(oauthRoutes, { keyManager: o.keyManager, ring: o.ring, issuer: o.issuer, metrics: o.metrics });
  await app.register(graphqlPlugin, o.graphql);

  if (o.uiDir && existsSync(o.uiDir)) {
    await app.register(fastifyStatic, { root: o.uiDir, prefix: '/', wildcard: false, index: ['index.html'] });
    // Single-page app: unknown GET paths that want HTML get index.html (client-side routing).
    app.setNotFoundHandler((request, reply) => {
      if (request.method === 'GET' && (request.headers.accept ?? '').includes('text/html')) return reply.sendFile('index.html');
      return reply.code(404).send({ error: 'Not Found', message: `No route for ${request.method} ${request.url}` });
    });
  }
  return app;
}
