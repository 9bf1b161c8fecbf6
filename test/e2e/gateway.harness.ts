// What the gateway end-to-end suites share: a SQLite event store in a temp dir (the embedded
// default), a signing key whose public JWK is recorded in the log as the key manager would
// and whose private half the test holds to mint tokens and API keys, the WSO2 default
// policies, a real echo backend in its own process, and the gateway following the store.
import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { exportJWK, generateKeyPair, SignJWT, type CryptoKey, type JWTPayload } from 'jose';
import pino from 'pino';
import { Agent, request as undiciRequest, type Dispatcher } from 'undici';
import type { GatehouseEvent } from '../../domain/events.ts';
import { ANY, type EventStore, type RequestFact } from '../../domain/ports.ts';
import { DEFAULT_POLICIES } from '../../domain/policy/defaults.ts';
import { openSqliteEventStore } from '../../infra/eventstore/sqlite.ts';
import { createMemoryRequestStream } from '../../infra/bus/memory-request-stream.ts';
import { createMemoryThrottleDecisionStream } from '../../infra/bus/memory-throttle-decisions.ts';
import { signingKeyAdded, streamOf, toNew } from '../../projections/gateway-map/fixtures.ts';
import { startGateway, type RunningGateway, type StartGatewayOptions } from '../../gateway/server.ts';
import { startBackend, type BackendEcho, type RunningBackend } from '../support/backend.ts';
import type { ThrottleDecisionStream } from '../../domain/ports.ts';

export const ISSUER = 'http://127.0.0.1:8080';
export const AUDIENCE = 'gatehouse-gateway';
export const KID = 'test-key-1';

export interface GatewayResponse {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  text: string;
  json<T = Record<string, unknown>>(): T;
}

export interface Harness {
  store: EventStore;
  gateway: RunningGateway;
  backend: RunningBackend;
  facts: RequestFact[];
  decisions: ThrottleDecisionStream;
  /** Appends the events (each to its own stream) and returns the last position. */
  append(...events: GatehouseEvent[]): Promise<bigint>;
  /** Appends, then waits until the gateway map has them (via the admin endpoint). */
  publish(...events: GatehouseEvent[]): Promise<bigint>;
  waitForMap(position: bigint): Promise<void>;
  /** Signs a JWT with the recorded key: defaults to a valid client-credentials access token. */
  token(claims?: JWTPayload & Record<string, unknown>, opts?: { expiresIn?: number | null; kid?: string; alg?: string; key?: CryptoKey }): Promise<string>;
  call(path: string, opts?: { method?: Dispatcher.HttpMethod; headers?: Record<string, string>; body?: string | Buffer; localAddress?: string }): Promise<GatewayResponse>;
  /** The request as the backend received it. */
  echo(r: GatewayResponse): BackendEcho;
  signingKey: CryptoKey;
  publicJwk: Record<string, unknown>;
  close(): Promise<void>;
}

export async function startHarness(options: Partial<StartGatewayOptions> = {}, harness: { seed?: boolean } = {}): Promise<Harness> {
  const dir = mkdtempSync(join(tmpdir(), 'gatehouse-gw-'));
  const store = openSqliteEventStore({ path: join(dir, 'events.db') });
  const { publicKey, privateKey } = await generateKeyPair('ES256', { extractable: true });
  const publicJwk = { ...(await exportJWK(publicKey)), kid: KID, alg: 'ES256', use: 'sig' };

  const append = async (...events: GatehouseEvent[]): Promise<bigint> => {
    let last = 0n;
    for (const e of events) {
      const event = toNew(e, new Date().toISOString());
      event.metadata.eventId = randomUUID();
      last = (await store.appendToStream(streamOf(e), [event], { expectedStreamVersion: ANY })).lastGlobalPosition;
    }
    return last;
  };
  // Seeded as the bootstrap would; a suite driving the domain facade bootstraps itself.
  if (harness.seed !== false) await append(signingKeyAdded(KID, publicJwk), ...DEFAULT_POLICIES.map((p): GatehouseEvent => ({ type: 'ThrottlingPolicyCreated', data: { ...p, seeded: true } })));

  const backend = await startBackend();
  const facts: RequestFact[] = [];
  const requestStream = createMemoryRequestStream();
  await requestStream.subscribe((batch) => void facts.push(...batch));
  const decisions = createMemoryThrottleDecisionStream();
  const gateway = await startGateway({
    store,
    port: 0,
    host: '127.0.0.1',
    issuer: ISSUER,
    audience: AUDIENCE,
    requestStream,
    throttleDecisions: decisions,
    logger: pino({ level: process.env.GATEHOUSE_LOG_LEVEL ?? 'silent' }),
    ...options,
  });

  const waitForMap = async (position: bigint): Promise<void> => {
    const r = await undiciRequest(`${gateway.url}/_gatehouse/ready?atLeastPosition=${position}&timeoutMs=5000`);
    const body = await r.body.text();
    if (r.statusCode !== 200) throw new Error(`gateway map did not reach ${position}: ${body}`);
  };

  const call: Harness['call'] = async (path, opts = {}) => {
    const r = await undiciRequest(`${gateway.url}${path}`, {
      method: opts.method ?? 'GET',
      headers: opts.headers ?? {},
      ...(opts.body !== undefined ? { body: opts.body } : {}),
      ...(opts.localAddress ? { dispatcher: localDispatcher(opts.localAddress) } : {}),
    });
    const text = await r.body.text();
    return { status: r.statusCode, headers: r.headers, text, json: <T>() => JSON.parse(text) as T };
  };

  const token: Harness['token'] = async (claims = {}, opts = {}) => {
    const jwt = new SignJWT({ scope: 'default', aut: 'APPLICATION', ...claims })
      .setProtectedHeader({ alg: opts.alg ?? 'ES256', kid: opts.kid ?? KID, typ: 'at+jwt' })
      .setIssuer(ISSUER)
      .setAudience(AUDIENCE)
      .setIssuedAt()
      .setJti(typeof claims.jti === 'string' ? claims.jti : crypto.randomUUID());
    if (!('sub' in claims)) jwt.setSubject('alice');
    const expiresIn = opts.expiresIn === undefined ? 3600 : opts.expiresIn;
    if (expiresIn !== null) jwt.setExpirationTime(Math.floor(Date.now() / 1000) + expiresIn);
    return jwt.sign(opts.key ?? privateKey);
  };

  return {
    store,
    gateway,
    backend,
    facts,
    decisions,
    append,
    publish: async (...events) => {
      const p = await append(...events);
      await waitForMap(p);
      return p;
    },
    waitForMap,
    token,
    call,
    echo: (r) => {
      if (r.headers['x-backend'] !== 'echo') throw new Error(`not a backend answer: ${r.status} ${r.text}`);
      return r.json<BackendEcho>();
    },
    signingKey: privateKey,
    publicJwk,
    close: async () => {
      await gateway.close();
      await backend.close();
      await store.close();
      for (const d of dispatchers.values()) await d.close();
      dispatchers.clear();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

const dispatchers = new Map<string, Dispatcher>();

/** Requests from another loopback address (127.0.0.0/8 all reach the gateway): per-IP rules. */
function localDispatcher(localAddress: string): Dispatcher {
  let d = dispatchers.get(localAddress);
  if (!d) {
    d = new Agent({ localAddress });
    dispatchers.set(localAddress, d);
  }
  return d;
}

export interface PropagationSample {
  publishMs: number[];
  revokeMs: number[];
}

/**
 * Sends a probe request every millisecond (without waiting for the previous one) until one
 * comes back enforced; resolves with the earliest send time, relative to `since`, of an
 * enforced probe: from then on a request is enforced. The resolution is ~1 ms.
 */
async function firstEnforced(probe: () => Promise<boolean>, since: number, timeoutMs = 10_000): Promise<number> {
  let earliest = Number.POSITIVE_INFINITY;
  const inFlight = new Set<Promise<void>>();
  while (earliest === Number.POSITIVE_INFINITY) {
    if (performance.now() - since > timeoutMs) throw new Error(`not enforced within ${timeoutMs} ms`);
    const sentAt = performance.now() - since;
    const p: Promise<void> = probe().then((enforced) => {
      if (enforced && sentAt < earliest) earliest = sentAt;
      inFlight.delete(p);
    });
    inFlight.add(p);
    await new Promise((r) => setTimeout(r, 1));
  }
  await Promise.all(inFlight);
  return earliest;
}

/**
 * Time from an append returning (what a command returning means) to the gateway enforcing
 * it: an API published → requests get 200; a token revoked → requests get 401. Three
 * warm-up rounds are not counted.
 */
export async function measurePropagation(h: Harness, rounds: number, prefix = 'prop'): Promise<PropagationSample> {
  const { apiCreated, apiPublished, applicationCreated, keysGenerated, subscriptionCreated, operation, tokenRevoked } = await import('../../projections/gateway-map/fixtures.ts');
  const publishMs: number[] = [];
  const revokeMs: number[] = [];
  await h.publish(applicationCreated({ applicationId: `${prefix}-app` }), keysGenerated(`${prefix}-app`, `${prefix}-ck`));
  const warmUp = 3;
  for (let i = 0; i < rounds + warmUp; i++) {
    const apiId = `${prefix}-api-${i}`;
    const path = `/${prefix}${i}/1.0.0/x`;
    await h.publish(
      apiCreated({ apiId, context: `/${prefix}${i}`, endpoints: { production: h.backend.url, sandbox: null }, operations: [operation('GET', '/x')] }),
      subscriptionCreated(`${prefix}-sub-${i}`, `${prefix}-app`, apiId),
    );
    const jti = `${prefix}-jti-${i}`;
    const auth = { authorization: `Bearer ${await h.token({ azp: `${prefix}-ck`, jti })}` };
    if ((await h.call(path, { headers: auth })).status !== 404) throw new Error('API routed before it was published');
    await h.append(apiPublished(apiId));
    const published = performance.now();
    const toPublish = await firstEnforced(async () => (await h.call(path, { headers: auth })).status === 200, published);

    await h.append(tokenRevoked(jti, Math.floor(Date.now() / 1000) + 3600));
    const revoked = performance.now();
    const toRevoke = await firstEnforced(async () => (await h.call(path, { headers: auth })).status === 401, revoked);
    if (i >= warmUp) {
      publishMs.push(toPublish);
      revokeMs.push(toRevoke);
    }
  }
  return { publishMs, revokeMs };
}

export function percentile(values: number[], p: number): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)] ?? 0;
}
