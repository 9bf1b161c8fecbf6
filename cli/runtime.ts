// The embedded composition root (`gatehouse start`): one process, the SQLite log, projections
// in memory with snapshots in views.db, the control plane on :8080 and the gateway on :8280.
// It picks adapters from configuration and wires the ports; nothing else lives here.
import { randomBytes, randomUUID } from 'node:crypto';
import { mkdirSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { FastifyInstance } from 'fastify';
import type { RunningGateway } from '../gateway/server.ts';
import { pino, type Logger } from 'pino';
import { invalidInput } from '../domain/errors.ts';
import type { Clock, EventStore, Randomness, RequestStream } from '../domain/ports.ts';
import { createGatehouse, type Gatehouse } from '../domain/services/gatehouse.ts';
import { parseBrokers } from '../infra/bus/kafka-client.ts';
import { createMemoryRequestStream } from '../infra/bus/memory-request-stream.ts';
import { openConfiguredEventStore } from '../infra/eventstore/open.ts';
import { openFileKeyStore } from '../infra/keystore/file.ts';
import { openSqliteCredentialStore } from '../infra/keystore/credentials.ts';
import { openSqliteViewStore } from '../infra/views/sqlite.ts';
import { catalogLookup } from '../projections/catalog/lookup.ts';
import { findClientByConsumerKey, isTokenRevoked, scopeRoles } from '../projections/catalog/queries.ts';
import type { CatalogView } from '../projections/catalog/view.ts';
import { createAnalyticsService, type AnalyticsService } from '../projections/analytics/service.ts';
import type { ViewStore } from '../projections/projection.ts';
import type { MongoViewStore } from '../infra/views/mongo.ts';
import type { CatalogMirror } from '../infra/views/mongo-catalog.ts';
import type { AnalyticsDocumentWriter } from '../infra/views/mongo-analytics.ts';
import { PROJECTIONS } from '../projections/registry.ts';
import { createProjectionRunner, type ProjectionRunner } from '../projections/runner.ts';
import { GATEWAY_AUDIENCE } from '../api/oauth/constants.ts';
import { createKeyManager, type KeyManager } from '../api/oauth/key-manager.ts';
import { keyManagerCommands, loadRefreshFamily } from '../api/oauth/commands.ts';
import { createKeyRing, type KeyRing } from '../api/oauth/keyring.ts';
import { createTokenSigner } from '../api/oauth/signer.ts';
import { createMetrics } from '../api/ops/metrics.ts';
import { createControlPlane } from '../api/server.ts';
import { bootstrap } from './bootstrap.ts';

export interface EmbeddedConfig {
  dataDir: string;
  httpPort: number;
  gatewayPort: number;
  host: string;
  /** Bootstrap admin password; random (printed once) when unset. */
  adminPassword?: string;
  /** `iss` of issued tokens; default http://localhost:<http port> (or the bound host when specific). */
  issuer?: string;
  /** GATEHOUSE_GATEWAY_URL: where clients reach the gateway (the `config` query); default where it listens. */
  gatewayUrl?: string;
  logLevel?: string;
  logger?: Logger;
  /** Start the gateway too (default true). */
  gateway?: boolean;
  /** The portals' build (default ui/dist beside the sources). */
  uiDir?: string;
  /** Bound of read-your-writes waits (ms). */
  viewWaitMs?: number;
  /** Passed to the event store opener (GATEHOUSE_EVENTSTORE, KURRENTDB_URL). */
  env?: NodeJS.ProcessEnv;
  /** scrypt cost for password hashes (tests lower it). */
  scryptCost?: number;
  /** KAFKA_BROKERS: relay the log to gatehouse.events for gateways in other processes. */
  kafkaBrokers?: string[];
  /** MONGODB_URL: projection and analytics snapshots in MongoDB instead of <data>/views.db. */
  mongoUrl?: string;
  /** Where console lines go (the listening line, a generated admin password); default stdout. */
  announce?: (text: string) => void;
}

export interface Embedded {
  url: string;
  gatewayUrl: string | null;
  issuer: string;
  logger: Logger;
  store: EventStore;
  runner: ProjectionRunner;
  gatehouse: Gatehouse;
  analytics: AnalyticsService;
  keyManager: KeyManager;
  ring: KeyRing;
  app: FastifyInstance;
  close(): Promise<void>;
}

const root = fileURLToPath(new URL('..', import.meta.url));
const VERSION = (JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as { version: string }).version;

/** An absolute http(s) URL without trailing slashes (GATEHOUSE_ISSUER, GATEHOUSE_GATEWAY_URL). */
function baseUrl(value: string, name: string): string {
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    throw invalidInput(`${name} must be an absolute http(s) URL, not ${value}`);
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') throw invalidInput(`${name} must be an absolute http(s) URL, not ${value}`);
  return value.replace(/\/+$/, '');
}

function port(value: string | undefined, fallback: number, name: string): number {
  if (value === undefined || value === '') return fallback;
  const n = Number(value);
  if (!Number.isInteger(n) || n < 0 || n > 65535) throw invalidInput(`${name} must be a port number (0-65535), not ${value}`);
  return n;
}

/** SPEC configuration: environment first, command-line flags over it. */
export function configFromEnv(
  env: NodeJS.ProcessEnv,
  flags: { data?: string; httpPort?: string; gatewayPort?: string; host?: string } = {},
): EmbeddedConfig {
  return {
    dataDir: resolve(flags.data ?? env.GATEHOUSE_DATA ?? './data'),
    httpPort: port(flags.httpPort ?? env.GATEHOUSE_HTTP_PORT, 8080, 'GATEHOUSE_HTTP_PORT'),
    gatewayPort: port(flags.gatewayPort ?? env.GATEHOUSE_GATEWAY_PORT, 8280, 'GATEHOUSE_GATEWAY_PORT'),
    host: flags.host ?? env.GATEHOUSE_HOST ?? '0.0.0.0',
    ...(env.GATEHOUSE_ADMIN_PASSWORD ? { adminPassword: env.GATEHOUSE_ADMIN_PASSWORD } : {}),
    ...(env.GATEHOUSE_ISSUER ? { issuer: env.GATEHOUSE_ISSUER.replace(/\/+$/, '') } : {}),
    ...(env.GATEHOUSE_GATEWAY_URL ? { gatewayUrl: baseUrl(env.GATEHOUSE_GATEWAY_URL, 'GATEHOUSE_GATEWAY_URL') } : {}),
    ...(env.KAFKA_BROKERS ? { kafkaBrokers: parseBrokers(env.KAFKA_BROKERS) } : {}),
    ...(env.MONGODB_URL ? { mongoUrl: env.MONGODB_URL } : {}),
    logLevel: env.GATEHOUSE_LOG_LEVEL ?? 'info',
    env,
  };
}

/** Never log a secret: these paths are censored wherever they appear. */
export const REDACT = [
  'req.headers.authorization',
  'req.headers.apikey',
  'req.headers.cookie',
  '*.password',
  '*.client_secret',
  '*.consumerSecret',
  '*.refresh_token',
  '*.access_token',
  '*.apiKey',
  '*.token',
];

export function createLogger(level = 'info'): Logger {
  return pino({ level, base: { service: 'gatehouse' }, redact: { paths: REDACT, censor: '[redacted]' } });
}

/** Longest a readiness check waits for views (or the gateway map) to reach the log head. */
const READY_WAIT_MS = 1_000;

const displayHost = (host: string) => (host === '0.0.0.0' || host === '::' ? 'localhost' : host.includes(':') ? `[${host}]` : host);

/**
 * Where projection and analytics snapshots live: MongoDB when MONGODB_URL is set (the database
 * named in its path, default "gatehouse"), otherwise <data>/views.db. `replay` picks the same.
 */
export async function openViewStore(config: { dataDir: string; mongoUrl?: string }): Promise<ViewStore> {
  if (!config.mongoUrl) return openSqliteViewStore({ path: join(config.dataDir, 'views.db') });
  const { openMongoViewStore } = await import('../infra/views/mongo.ts');
  return openMongoViewStore({ url: config.mongoUrl });
}

/** The catalog documents' progress as /ready shows it (informative: they do not gate readiness). */
const mirrorStatus = (m: CatalogMirror) => {
  const s = m.status();
  return { position: s.position.toString(), checkpoint: s.checkpoint.toString(), resumedFrom: s.resumedFrom.toString(), conflicts: s.conflicts, retrying: s.retrying };
};

/**
 * Request facts from every gateway (Kafka), for live stats only: a consumer group of this
 * process alone (each control plane sees all facts), starting at the newest.
 */
async function liveRequestStream(brokers: string[], logger: Logger): Promise<RequestStream> {
  const { createKafkaRequestStream } = await import('../infra/bus/kafka-requests.ts');
  return createKafkaRequestStream({
    kafka: brokers, consumerGroup: `gatehouse-control-plane-live-${randomUUID()}`, fromBeginning: false,
    logger: logger.child({ component: 'kafka-requests' }),
  });
}

export async function startEmbedded(config: EmbeddedConfig): Promise<Embedded> {
  const logger = config.logger ?? createLogger(config.logLevel);
  const announce = config.announce ?? ((text: string) => void process.stdout.write(text));
  mkdirSync(config.dataDir, { recursive: true });
  const clock: Clock = { now: () => new Date() };
  const random: Randomness = { uuid: randomUUID, token: (n) => randomBytes(n).toString('base64url') };

  const closers: Array<() => Promise<void>> = [];
  const closeAll = async () => {
    for (const c of closers.splice(0).reverse()) {
      try {
        await c();
      } catch (e) {
        logger.warn({ err: e }, 'error while closing');
      }
    }
  };

  try {
    const store = await openConfiguredEventStore(config.dataDir, config.env ?? process.env);
    closers.push(() => store.close());
    const keyStore = openFileKeyStore({ dataDir: config.dataDir });
    const credentials = openSqliteCredentialStore({ dataDir: config.dataDir });
    closers.push(() => credentials.close());
    const viewStore = await openViewStore(config);
    closers.push(() => viewStore.close());
    logger.info({ views: config.mongoUrl ? 'mongodb' : 'sqlite', ...(config.mongoUrl ? {} : { path: join(config.dataDir, 'views.db') }) }, 'view snapshots store');

    const metrics = createMetrics();
    const runner = createProjectionRunner({ store, projections: PROJECTIONS, viewStore, logger: logger.child({ component: 'projections' }) });
    await runner.start();
    closers.push(() => runner.close());
    // MONGODB_URL: the catalog also as one document per record, kept up to date from the log.
    let catalogDocuments: CatalogMirror | null = null;
    if (config.mongoUrl) {
      const { startCatalogMirror } = await import('../infra/views/mongo-catalog.ts');
      const mirror = await startCatalogMirror({ store, db: (viewStore as MongoViewStore).db, viewStore, logger: logger.child({ component: 'catalog-documents' }) });
      closers.push(() => mirror.stop());
      catalogDocuments = mirror;
    }
    metrics.setLagSource({
      headPosition: () => store.headPosition(),
      projections: () => runner.status().map((s) => ({ name: s.name, position: s.position })),
    });

    // Request facts from the in-process gateway feed the analytics (minute buckets, alerts).
    // The control-plane role over Kafka has no gateway: the analytics worker owns the view
    // there, and this process follows the snapshots it saves (MONGODB_URL, or a shared data
    // dir) and watches gatehouse.requests for the live requestStats only.
    const followsWorker = config.gateway === false && config.kafkaBrokers !== undefined;
    const requests = followsWorker ? await liveRequestStream(config.kafkaBrokers!, logger) : createMemoryRequestStream();
    closers.push(() => requests.close());
    // MONGODB_URL: the buckets also as documents (analytics_minutes/hours/days), written after each snapshot.
    let analyticsDocuments: AnalyticsDocumentWriter | undefined;
    if (config.mongoUrl && !followsWorker) {
      const { createAnalyticsDocumentWriter, openAnalyticsDocuments } = await import('../infra/views/mongo-analytics.ts');
      const writer = createAnalyticsDocumentWriter({ views: await openAnalyticsDocuments((viewStore as MongoViewStore).db), logger: logger.child({ component: 'analytics-documents' }) });
      closers.push(() => writer.close()); // after the analytics' final snapshot (closers run in reverse)
      analyticsDocuments = writer;
    }
    const analytics = createAnalyticsService({
      store, clock, random, requests, viewStore, mode: followsWorker ? 'follow' : 'ingest', logger: logger.child({ component: 'analytics' }),
      ...(analyticsDocuments ? { onSnapshotSaved: analyticsDocuments.saved } : {}),
    });
    await analytics.start();
    closers.push(() => analytics.close());

    const ring = createKeyRing({ store, keyStore, follow: (listener) => runner.onEvent(listener) });
    await ring.ready;
    closers.push(() => ring.stop());

    let issuer = config.issuer ?? `http://${displayHost(config.host)}:${config.httpPort}`;
    const issuerOf = () => issuer;
    const catalog = () => runner.view<CatalogView>('catalog');
    const viewWaitMs = config.viewWaitMs ?? 5_000;

    const gatehouse = createGatehouse({
      store,
      clock,
      random,
      credentials,
      keyStore,
      lookup: catalogLookup(runner, { waitTimeoutMs: viewWaitMs }),
      signer: createTokenSigner({ ring, issuer: issuerOf, clock, random }),
      ...(config.scryptCost ? { scryptCost: config.scryptCost } : {}),
    });

    const boot = await bootstrap({ gatehouse, runner, ring, adminPassword: config.adminPassword, logger });

    const keyManager = createKeyManager({
      issuer: issuerOf,
      ring,
      clock,
      random,
      clients: { byConsumerKey: (k) => findClientByConsumerKey(catalog(), k) },
      isRevoked: (jti) => isTokenRevoked(catalog(), jti),
      userRoles: (u) => catalog().users.get(u)?.roles.slice(),
      scopeRoles: (s) => scopeRoles(catalog(), s),
      refreshFamily: (id) => loadRefreshFamily(store, id),
      commands: keyManagerCommands(gatehouse, (p) => runner.waitForPosition(p, viewWaitMs)),
    });

    // Set once the gateway listens (it starts after the control plane: it needs the bound issuer).
    let gateway: RunningGateway | null = null;
    const withGateway = config.gateway !== false;
    const publicConfig = {
      version: VERSION,
      issuer: issuerOf,
      gatewayUrl: config.gatewayUrl ?? null,
      gatewayListening: () => (gateway ? { host: gateway.host, port: gateway.port } : null),
    };
    /** Waits (bounded) for `reached(head)`, unless it already holds. */
    const caughtUp = async (position: () => bigint, wait: (p: bigint, ms: number) => Promise<void>, head: bigint) =>
      position() >= head || wait(head, READY_WAIT_MS).then(() => true, () => false);

    const app = await createControlPlane({
      graphql: { gatehouse, runner, store, clock, random, keyManager, metrics, viewWaitMs, analytics, publicConfig },
      keyManager,
      ring,
      issuer: issuerOf,
      metrics,
      logger,
      uiDir: config.uiDir ?? join(root, 'ui/dist'),
      // Ready: every view holds the log head as of this check, a signing key exists and, in
      // `start`, the gateway listens with its map at that head too (it is what serves traffic).
      async readiness() {
        const head = await store.headPosition();
        const failed = runner.status().filter((s) => s.failed).map((s) => s.name);
        const viewsReady = failed.length === 0 && await caughtUp(() => runner.position(), (p, ms) => runner.waitForPosition(p, ms), head);
        const gw = gateway;
        const gatewayReady = !withGateway || (gw !== null && await caughtUp(() => gw.position(), (p, ms) => gw.waitForPosition(p, ms), head));
        return {
          ready: viewsReady && gatewayReady && ring.keys().length > 0,
          headPosition: head.toString(),
          viewPosition: runner.position().toString(),
          failed,
          ...(catalogDocuments ? { catalogDocuments: mirrorStatus(catalogDocuments) } : {}),
          ...(withGateway ? { gateway: { listening: gw !== null, mapPosition: gw ? gw.position().toString() : null } } : {}),
        };
      },
    });
    closers.push(() => app.close());
    await app.listen({ port: config.httpPort, host: config.host });
    const address = app.server.address();
    const boundPort = typeof address === 'object' && address ? address.port : config.httpPort;
    if (!config.issuer) issuer = `http://${displayHost(config.host)}:${boundPort}`;
    const url = `http://${displayHost(config.host)}:${boundPort}`;

    if (config.kafkaBrokers) {
      const { startKafkaRelay } = await import('../infra/bus/kafka-relay.ts');
      const relay = await startKafkaRelay({ store, kafka: config.kafkaBrokers, logger: logger.child({ component: 'kafka-relay' }) });
      closers.push(() => relay.stop());
      logger.info({ brokers: config.kafkaBrokers, resumedFrom: relay.resumedFrom.toString() }, 'relaying the log to Kafka');
      // The compacted gatehouse.gateway-map changelog: new gateways start from it instead of history.
      const { startGatewayMapPublisher } = await import('../infra/bus/kafka-gateway-map.ts');
      const { GATEWAY_MAP_PROJECTION } = await import('../projections/gateway-map/index.ts');
      let lastRecordedAt: string | null = null;
      const untrack = runner.onEvent((e) => { lastRecordedAt = e.metadata.recordedAt; });
      const mapPublisher = await startGatewayMapPublisher({
        kafka: config.kafkaBrokers,
        source: {
          view: () => runner.view(GATEWAY_MAP_PROJECTION),
          position: () => runner.position(GATEWAY_MAP_PROJECTION),
          recordedAt: () => lastRecordedAt,
        },
        logger: logger.child({ component: 'gateway-map-changelog' }),
      });
      closers.push(async () => { untrack(); await mapPublisher.stop(); });
    }

    let gatewayUrl: string | null = null;
    if (withGateway) {
      const { startGateway } = await import('../gateway/server.ts');
      const gw = await startGateway({
        runner,
        port: config.gatewayPort,
        host: config.host,
        issuer,
        audience: GATEWAY_AUDIENCE,
        requestStream: requests,
        logger: logger.child({ component: 'gateway' }),
      });
      closers.push(() => gw.close());
      gatewayUrl = gw.url;
      gateway = gw;
    }

    logger.info({ url, gatewayUrl, issuer, dataDir: config.dataDir, position: runner.position().toString() }, 'gatehouse started');
    if (boot.generatedAdminPassword) {
      // SPEC: a random admin password is printed once, to the console, never to the log.
      announce(`\nFirst start: user "admin" created. Admin password: ${boot.generatedAdminPassword}\n(set GATEHOUSE_ADMIN_PASSWORD to choose it; it is not shown again)\n\n`);
    }

    // Whatever the log level, the console says where things are (tools parse this line too).
    announce(`Gatehouse listening: control plane ${url}${gatewayUrl ? `, gateway ${gatewayUrl}` : ''}\n`);

    let closed = false;
    return {
      url,
      gatewayUrl,
      get issuer() {
        return issuer;
      },
      logger,
      store,
      runner,
      gatehouse,
      analytics,
      keyManager,
      ring,
      app,
      async close() {
        if (closed) return;
        closed = true;
        await closeAll();
      },
    };
  } catch (e) {
    await closeAll();
    throw e;
  }
}

