// The gateway process on node:http (no framework on the hot path): edge limits, the admin
// endpoints under /_gatehouse/, then the pipeline. Fed only by its in-memory map.
import { randomUUID } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { Socket } from 'node:net';
import { hostname } from 'node:os';
import pino, { type Logger } from 'pino';
import { Registry } from 'prom-client';
import type { EventStore, RequestStream, ThrottleDecisionStream } from '../domain/ports.ts';
import type { GatewayMapView } from '../projections/gateway-map/view.ts';
import type { ViewStore } from '../projections/projection.ts';
import type { ProjectionRunner } from '../projections/runner.ts';
import { createMemoryRequestStream } from '../infra/bus/memory-request-stream.ts';
import { RequestContext } from './context.ts';
import { errors, rawErrorResponse, type GatewayError } from './errors.ts';
import { normaliseRemoteAddress } from './http/ip.ts';
import { checkRequestTarget } from './http/path.ts';
import { registerGatewayMetrics } from './metrics.ts';
import { followStore, mapSourceFromRunner, type GatewayMapSource } from './map-source.ts';
import { BackendJwtSigner, type BackendJwtOptions } from './mediation/backend-jwt.ts';
import { rejectEarly, runPipeline } from './pipeline.ts';
import { Upstreams, type UpstreamOptions } from './proxy/upstreams.ts';
import { compileKeyTemplate } from './throttle/custom-keys.ts';
import { sendJson } from './respond.ts';
import { Gateway, type GatewayConfig } from './runtime.ts';

/** `aud` the key manager puts in tokens meant for the gateway (api/oauth/constants.ts). */
export const DEFAULT_GATEWAY_AUDIENCE = 'gatehouse-gateway';
export const ADMIN_PREFIX = '/_gatehouse/';
export const MAP_POSITION_HEADER = 'x-gatehouse-map-position';

export interface GatewayLimits {
  maxHeaderBytes: number;
  maxUrlLength: number;
  maxBodyBytes: number;
  maxTokenLength: number;
  /** Time to receive the request headers (slow-loris guard). */
  headersTimeoutMs: number;
  /** Time to receive the whole request. */
  requestTimeoutMs: number;
  keepAliveTimeoutMs: number;
}

export const DEFAULT_LIMITS: GatewayLimits = {
  maxHeaderBytes: 16 * 1024,
  maxUrlLength: 8 * 1024,
  maxBodyBytes: 10 * 1024 * 1024,
  maxTokenLength: 8 * 1024,
  headersTimeoutMs: 10_000,
  requestTimeoutMs: 60_000,
  keepAliveTimeoutMs: 30_000,
};

export const DEFAULT_BACKEND: UpstreamOptions = {
  connections: 256,
  connectTimeoutMs: 5_000,
  headersTimeoutMs: 30_000,
  bodyTimeoutMs: 30_000,
  keepAliveTimeoutMs: 4_000,
};

export interface StartGatewayOptions {
  /** Embedded: follow this store with a runner of the gateway map alone. */
  store?: EventStore;
  /** Snapshots for that runner (faster cold start). */
  viewStore?: ViewStore;
  /** Or: a runner that already runs the gateway-map projection (the composition root's). */
  runner?: ProjectionRunner;
  /** Or: any map source (tests, benchmarks, the distributed changelog). */
  mapSource?: GatewayMapSource;
  port?: number;
  host?: string;
  /**
   * A port of their own for the `/_gatehouse/*` endpoints (health, readiness, metrics, stats,
   * JWKS), so they stay off the public port: there those paths are ordinary API paths.
   * Unset: they share the public port.
   */
  adminPort?: number;
  /** Listen address of the admin port (default: `host`). */
  adminHost?: string;
  /** Where request facts go (default: an in-memory stream nobody reads). */
  requestStream?: RequestStream;
  throttleDecisions?: ThrottleDecisionStream;
  /** `iss` of the key manager's tokens. */
  issuer: string;
  audience?: string | string[];
  logger?: Logger;
  gatewayId?: string;
  clockToleranceS?: number;
  trustForwardedFor?: boolean;
  /** WSO2 custom-policy key templates, e.g. `$userId` or `$apiContext:$apiVersion:$userId`. */
  customKeyTemplates?: string[];
  /** Attach throttleHits to request facts (default: when throttleDecisions is given). */
  reportThrottleHits?: boolean;
  /** Gateways sharing each cluster-wide limit (default 1: this gateway enforces it whole). */
  localQuotaGateways?: number;
  limits?: Partial<GatewayLimits>;
  /** Served at /_gatehouse/metrics with the gateway's gauges added (default: a registry of its own). */
  metrics?: Registry;
  backend?: Partial<UpstreamOptions>;
  backendJwt?: Partial<BackendJwtOptions> & { header?: string };
}

export interface RunningGateway {
  port: number;
  host: string;
  /** http://host:port */
  url: string;
  /** Where `/_gatehouse/*` answers: `url`, or the admin port's when one is set. */
  adminUrl: string;
  /** The live gateway map. */
  readonly map: GatewayMapView;
  /** Log position the map reflects. */
  position(): bigint;
  /** Resolves once the map applied `position` (rejects after timeoutMs). */
  waitForPosition(position: bigint, timeoutMs?: number): Promise<void>;
  readonly gateway: Gateway;
  close(): Promise<void>;
}

const CORRELATION_ID = /^[A-Za-z0-9._:-]{1,128}$/;

function clientIpOf(req: IncomingMessage, trustForwardedFor: boolean): string {
  if (trustForwardedFor) {
    const xff = req.headers['x-forwarded-for'];
    if (typeof xff === 'string' && xff.length > 0) {
      const comma = xff.indexOf(',');
      return (comma < 0 ? xff : xff.slice(0, comma)).trim();
    }
  }
  return normaliseRemoteAddress(req.socket.remoteAddress);
}

function correlationIdOf(req: IncomingMessage): string {
  const given = req.headers['x-correlation-id'];
  return typeof given === 'string' && CORRELATION_ID.test(given) ? given : randomUUID();
}

function clientErrorResponse(err: Error & { code?: string }): GatewayError | null {
  switch (err.code) {
    case 'HPE_HEADER_OVERFLOW':
      return errors.headersTooLarge;
    case 'ERR_HTTP_REQUEST_TIMEOUT':
      return errors.requestTimeout;
    case 'ECONNRESET':
    case 'EPIPE':
      return null;
    default:
      return errors.badRequest;
  }
}

async function adminRequest(req: IncomingMessage, res: ServerResponse, gateway: Gateway, source: GatewayMapSource, metrics: Registry): Promise<void> {
  const url = new URL(req.url ?? '/', 'http://gateway');
  const positionHeader = () => [MAP_POSITION_HEADER, source.position().toString()];
  switch (url.pathname) {
    case `${ADMIN_PREFIX}ready`: {
      const wanted = url.searchParams.get('atLeastPosition');
      if (wanted !== null) {
        let target: bigint;
        try {
          target = BigInt(wanted);
        } catch {
          return sendJson(res, 400, { code: errors.badRequest.code, message: 'atLeastPosition must be an integer', description: wanted });
        }
        const timeoutMs = Math.min(Number(url.searchParams.get('timeoutMs') ?? 5_000) || 5_000, 30_000);
        try {
          await source.waitForPosition(target, timeoutMs);
        } catch {
          return sendJson(res, 503, { ready: false, position: source.position().toString() }, positionHeader());
        }
      }
      return sendJson(res, 200, { ready: true, position: source.position().toString() }, positionHeader());
    }
    case `${ADMIN_PREFIX}health`:
      return sendJson(res, 200, { status: 'UP', gatewayId: gateway.config.gatewayId }, positionHeader());
    case `${ADMIN_PREFIX}metrics`: {
      const text = await metrics.metrics();
      res.writeHead(200, { 'content-type': metrics.contentType });
      res.end(text);
      return;
    }
    case `${ADMIN_PREFIX}jwks`:
      return sendJson(res, 200, gateway.backendJwt.jwks());
    case `${ADMIN_PREFIX}stats`:
      return sendJson(
        res,
        200,
        {
          position: source.position().toString(),
          cachedTokens: gateway.tokens.size,
          counters: gateway.counters.size,
          hardLimitCounters: gateway.hardLimits.PRODUCTION.size + gateway.hardLimits.SANDBOX.size,
          throttleDecisions: gateway.decisions.size,
          droppedRequestFacts: gateway.requestStream.dropped,
        },
        positionHeader(),
      );
    default:
      return sendJson(res, 404, { code: errors.noMatchingResource.code, message: errors.noMatchingResource.message, description: url.pathname });
  }
}

async function resolveSource(opts: StartGatewayOptions, logger: Logger): Promise<{ source: GatewayMapSource; owned: boolean }> {
  if (opts.mapSource) return { source: opts.mapSource, owned: false };
  if (opts.runner) return { source: mapSourceFromRunner(opts.runner), owned: false };
  if (opts.store) {
    const source = await followStore({ store: opts.store, ...(opts.viewStore ? { viewStore: opts.viewStore } : {}), logger });
    return { source, owned: true };
  }
  throw new Error('startGateway needs a store, a runner or a mapSource');
}

export async function startGateway(opts: StartGatewayOptions): Promise<RunningGateway> {
  const logger = opts.logger ?? pino({ name: 'gateway', level: process.env.GATEHOUSE_LOG_LEVEL ?? 'info' });
  const limits: GatewayLimits = { ...DEFAULT_LIMITS, ...opts.limits };
  const host = opts.host ?? '0.0.0.0';
  const { source, owned } = await resolveSource(opts, logger);
  const requestStream = opts.requestStream ?? createMemoryRequestStream();
  const config: GatewayConfig = {
    gatewayId: opts.gatewayId ?? `${hostname()}:${process.pid}`,
    issuer: opts.issuer,
    audience: opts.audience ?? DEFAULT_GATEWAY_AUDIENCE,
    clockToleranceS: opts.clockToleranceS ?? 30,
    maxTokenLength: limits.maxTokenLength,
    maxUrlLength: limits.maxUrlLength,
    maxBodyBytes: limits.maxBodyBytes,
    trustForwardedFor: opts.trustForwardedFor ?? false,
    backendJwtHeader: (opts.backendJwt?.header ?? 'X-JWT-Assertion').toLowerCase(),
    customKeyTemplates: (opts.customKeyTemplates ?? []).map(compileKeyTemplate),
    reportThrottleHits: opts.reportThrottleHits ?? opts.throttleDecisions !== undefined,
    localQuotaGateways: Math.max(1, Math.floor(opts.localQuotaGateways ?? 1)),
  };
  const gateway = new Gateway({
    config,
    source,
    requestStream,
    upstreams: new Upstreams({ ...DEFAULT_BACKEND, ...opts.backend }),
    backendJwt: new BackendJwtSigner({
      issuer: opts.backendJwt?.issuer ?? 'wso2.org/products/am',
      ttlSeconds: opts.backendJwt?.ttlSeconds ?? 900,
      ...(opts.backendJwt?.privateKey ? { privateKey: opts.backendJwt.privateKey } : {}),
      ...(opts.backendJwt?.kid ? { kid: opts.backendJwt.kid } : {}),
    }),
    logger,
  });
  const metrics = opts.metrics ?? new Registry();
  registerGatewayMetrics(metrics, gateway);
  const decisions = opts.throttleDecisions ? await opts.throttleDecisions.subscribe((d) => gateway.decisions.apply(d)) : null;

  const admin = (req: IncomingMessage, res: ServerResponse): void => {
    adminRequest(req, res, gateway, source, metrics).catch((e: unknown) => {
      logger.error({ err: e instanceof Error ? e.message : String(e) }, 'admin request failed');
      if (!res.headersSent) sendJson(res, 500, { code: errors.internalError.code, message: errors.internalError.message, description: '' });
    });
  };
  const separateAdmin = opts.adminPort !== undefined;
  const handle = (req: IncomingMessage, res: ServerResponse): void => {
    const url = req.url ?? '/';
    if (!separateAdmin && url.startsWith(ADMIN_PREFIX)) return admin(req, res);
    const pathEnd = url.length > limits.maxUrlLength ? -2 : checkRequestTarget(url);
    const ctx = new RequestContext(gateway, req, res, gateway.currentView(), pathEnd < 0 ? url.length : pathEnd, correlationIdOf(req), clientIpOf(req, config.trustForwardedFor));
    if (pathEnd === -2) return rejectEarly(ctx, errors.uriTooLong);
    if (pathEnd === -1) return rejectEarly(ctx, errors.badRequest);
    const length = req.headers['content-length'];
    if (length !== undefined && Number(length) > limits.maxBodyBytes) return rejectEarly(ctx, errors.payloadTooLarge);
    runPipeline(ctx);
  };

  const server: Server = createServer(
    {
      maxHeaderSize: limits.maxHeaderBytes,
      headersTimeout: limits.headersTimeoutMs,
      requestTimeout: limits.requestTimeoutMs,
      keepAliveTimeout: limits.keepAliveTimeoutMs,
      connectionsCheckingInterval: Math.min(1_000, limits.headersTimeoutMs),
    },
    handle,
  );
  server.on('clientError', (err: Error & { code?: string }, socket: Socket) => {
    const e = clientErrorResponse(err);
    if (e === null || !socket.writable) {
      socket.destroy();
      return;
    }
    socket.end(rawErrorResponse(e));
  });

  const sweep = setInterval(() => {
    const now = Date.now();
    gateway.counters.sweep(now);
    gateway.burst.sweep(now);
    gateway.hardLimits.PRODUCTION.sweep(now);
    gateway.hardLimits.SANDBOX.sweep(now);
    gateway.decisions.sweep(now);
  }, 30_000);
  sweep.unref();

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(opts.port ?? 8280, host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  const address = server.address();
  const port = typeof address === 'object' && address !== null ? address.port : (opts.port ?? 8280);
  const shown = (h: string) => (h === '0.0.0.0' || h === '::' ? '127.0.0.1' : h);
  const url = `http://${shown(host)}:${port}`;
  let adminServer: Server | null = null;
  let adminUrl = url;
  if (separateAdmin) {
    const adminHost = opts.adminHost ?? host;
    const s = createServer({ headersTimeout: limits.headersTimeoutMs, requestTimeout: limits.requestTimeoutMs }, (req, res) => {
      if ((req.url ?? '/').startsWith(ADMIN_PREFIX)) return admin(req, res);
      sendJson(res, 404, { code: errors.noMatchingResource.code, message: errors.noMatchingResource.message, description: 'the admin port serves /_gatehouse/* only' });
    });
    try {
      await new Promise<void>((resolve, reject) => {
        s.once('error', reject);
        s.listen(opts.adminPort, adminHost, () => {
          s.off('error', reject);
          resolve();
        });
      });
    } catch (e) {
      clearInterval(sweep);
      await decisions?.stop();
      await new Promise<void>((r) => server.close(() => r()));
      throw e;
    }
    adminServer = s;
    const a = s.address();
    adminUrl = `http://${shown(adminHost)}:${typeof a === 'object' && a !== null ? a.port : opts.adminPort}`;
  }
  logger.info({ port, host, adminUrl, gatewayId: config.gatewayId, position: source.position().toString() }, 'gateway listening');

  let closing: Promise<void> | null = null;
  return {
    port,
    host,
    url,
    adminUrl,
    get map() {
      return source.view();
    },
    position: () => source.position(),
    waitForPosition: (p, t = 5_000) => source.waitForPosition(p, t),
    gateway,
    close() {
      closing ??= (async () => {
        clearInterval(sweep);
        const closed = new Promise<void>((resolve) => server.close(() => resolve()));
        const adminClosed = adminServer ? new Promise<void>((resolve) => adminServer!.close(() => resolve())) : null;
        adminServer?.closeAllConnections();
        server.closeIdleConnections();
        const force = setTimeout(() => server.closeAllConnections(), 2_000);
        force.unref();
        await closed;
        await adminClosed;
        clearTimeout(force);
        await decisions?.stop();
        await gateway.upstreams.close();
        if (owned) await source.close();
        if (!opts.requestStream) await requestStream.close();
      })();
      return closing;
    },
  };
}
