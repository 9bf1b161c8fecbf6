// One request's state as it moves through the phases. A class with every field set in the
// constructor, so every request object has the same shape (V8 keeps the hot path monomorphic).
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { KeyType } from '../domain/application/events.ts';
import type { ThrottleKeyHit } from '../domain/ports.ts';
import type {
  GatewayMapView,
  MapApi,
  MapApplication,
  MapResource,
  MapSubscription,
} from '../projections/gateway-map/view.ts';
import type { Principal } from './auth/principal.ts';
import type { GatewayError } from './errors.ts';
import type { Upstream } from './proxy/upstreams.ts';
import type { Gateway } from './runtime.ts';

/** A bandwidth-limited counter to charge the request's bytes to once it is done. */
export interface BandwidthCharge {
  key: string;
  start: number;
  end: number;
}

export const NO_KEYS: string[] = [];

export class RequestContext {
  readonly gw: Gateway;
  readonly req: IncomingMessage;
  readonly res: ServerResponse;
  /** Epoch ms at arrival (fixed windows, timestamps). */
  readonly startedAt: number;
  /** performance.now() at arrival (latencies). */
  readonly startMark: number;
  readonly url: string;
  readonly pathEnd: number;
  readonly method: string;
  readonly view: GatewayMapView;
  readonly correlationId: string;
  readonly clientIp: string;

  api: MapApi | null = null;
  /** Where the API's prefix (`/context/version` or `/context`) ends in `url`. */
  prefixEnd = 0;
  resource: MapResource | null = null;
  /** Access-Control-Allow-Origin to send, when the API's CORS policy allows the Origin. */
  corsOrigin: string | null = null;
  corsCredentials = false;
  /** The API key came in the query string (strip it before proxying). */
  apiKeyInQuery = false;
  principal: Principal | null = null;
  application: MapApplication | null = null;
  subscription: MapSubscription | null = null;
  keyType: KeyType | null = null;
  /** Subscription tier the request counts against. */
  tier: string | null = null;
  endpoint: string | null = null;
  throttleKeys: string[] = NO_KEYS;
  /** Counted keys with their limits, for a traffic manager (when the gateway reports them). */
  throttleHits: ThrottleKeyHit[] | null = null;
  bandwidth: BandwidthCharge[] | null = null;

  upstream: Upstream | null = null;
  upstreamPath = '';
  upstreamHeaders: string[] | null = null;
  abortUpstream: ((err: Error) => void) | null = null;

  error: GatewayError | null = null;
  /** Seconds for Retry-After on a 429. */
  retryAfterS = 0;
  targetStatus: number | null = null;
  backendStartMark = 0;
  backendLatencyMs: number | null = null;
  responseBytes = 0;
  requestBytes = 0;

  constructor(
    gw: Gateway,
    req: IncomingMessage,
    res: ServerResponse,
    view: GatewayMapView,
    pathEnd: number,
    correlationId: string,
    clientIp: string,
  ) {
    this.gw = gw;
    this.req = req;
    this.res = res;
    this.startedAt = Date.now();
    this.startMark = performance.now();
    this.url = req.url!;
    this.pathEnd = pathEnd;
    this.method = req.method!;
    this.view = view;
    this.correlationId = correlationId;
    this.clientIp = clientIp;
  }

  /** `/context/version` of the matched API (deny policies, backend JWT). */
  apiPath(): string {
    return this.api === null ? '' : `${this.api.context}/${this.api.version}`;
  }
}
