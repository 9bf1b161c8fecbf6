// The gateway's shared state: configuration, the map source, and everything derived from the
// map that is worth building once (imported keys, compiled deny policies), plus the local
// caches and counters. Phases read it through ctx.gw.
import type { Logger } from 'pino';
import type { KeyType } from '../domain/application/events.ts';
import type { RequestStream, ThrottleDecisionStream } from '../domain/ports.ts';
import type { GatewayMapView } from '../projections/gateway-map/view.ts';
import { VerificationKeys } from './auth/keys.ts';
import { TokenCache } from './auth/token-cache.ts';
import type { GatewayMapSource } from './map-source.ts';
import { BackendJwtSigner } from './mediation/backend-jwt.ts';
import { Upstreams } from './proxy/upstreams.ts';
import { WindowCounters } from './throttle/counters.ts';
import { ThrottleDecisions } from './throttle/decisions.ts';
import type { CompiledKeyTemplate } from './throttle/custom-keys.ts';
import { DenyPolicies } from './throttle/deny.ts';

export interface GatewayConfig {
  gatewayId: string;
  /** `iss` of access tokens and API keys (the key manager's issuer). */
  issuer: string;
  /** Accepted `aud` values. */
  audience: string | string[];
  clockToleranceS: number;
  maxTokenLength: number;
  maxUrlLength: number;
  maxBodyBytes: number;
  /** Take the client IP from the first X-Forwarded-For entry (only behind a trusted proxy). */
  trustForwardedFor: boolean;
  backendJwtHeader: string;
  /** Custom-policy key templates whose traffic-manager decisions the gateway honours (900806). */
  customKeyTemplates: CompiledKeyTemplate[];
  /** Attach throttleHits to request facts (a traffic manager sums them). */
  reportThrottleHits: boolean;
  /**
   * Gateways sharing each cluster-wide limit: locally a gateway admits limit ÷ this until the
   * traffic manager decides (WSO2's hybrid mode). 1 = the gateway enforces the whole limit.
   */
  localQuotaGateways: number;
}

export interface GatewayDeps {
  config: GatewayConfig;
  source: GatewayMapSource;
  requestStream: RequestStream;
  throttleDecisions?: ThrottleDecisionStream;
  upstreams: Upstreams;
  backendJwt: BackendJwtSigner;
  logger: Logger;
}

export class Gateway {
  readonly config: GatewayConfig;
  readonly source: GatewayMapSource;
  readonly requestStream: RequestStream;
  readonly upstreams: Upstreams;
  readonly backendJwt: BackendJwtSigner;
  readonly logger: Logger;
  readonly keys = new VerificationKeys();
  readonly tokens = new TokenCache();
  readonly counters = new WindowCounters();
  readonly burst = new WindowCounters();
  /** Backend hard limits (maxTps), node-local like burst control: one counter per API id, per key type. */
  readonly hardLimits: Readonly<Record<KeyType, WindowCounters>> = { PRODUCTION: new WindowCounters(), SANDBOX: new WindowCounters() };
  readonly decisions = new ThrottleDecisions();
  deny = new DenyPolicies([]);

  private lastView: GatewayMapView | null = null;
  private lastBlockingVersion = -1;
  private lastKeyGeneration = 0;

  constructor(deps: GatewayDeps) {
    this.config = deps.config;
    this.source = deps.source;
    this.requestStream = deps.requestStream;
    this.upstreams = deps.upstreams;
    this.backendJwt = deps.backendJwt;
    this.logger = deps.logger;
  }

  /** The map for this request, with derived state brought up to date when the map changed. */
  currentView(): GatewayMapView {
    const view = this.source.view();
    if (view !== this.lastView || view.blockingVersion !== this.lastBlockingVersion) this.refresh(view);
    else this.keys.sync(view, this.onKeyError);
    if (this.keys.generation !== this.lastKeyGeneration) {
      // A key left (or arrived): cached verifications and refusals may no longer hold.
      this.tokens.clear();
      this.lastKeyGeneration = this.keys.generation;
    }
    return view;
  }

  private refresh(view: GatewayMapView): void {
    this.keys.sync(view, this.onKeyError);
    if (view !== this.lastView || view.blockingVersion !== this.lastBlockingVersion) {
      this.deny = new DenyPolicies(view.blocking.values());
      this.lastBlockingVersion = view.blockingVersion;
    }
    this.lastView = view;
  }

  private readonly onKeyError = (kid: string, e: unknown): void => {
    this.logger.warn({ kid, err: e instanceof Error ? e.message : String(e) }, 'signing key from the map could not be imported');
  };
}
