// The gateway map: everything a gateway needs to decide a request, keyed for O(1) lookups
// (reference §5.4 SubscriptionDataStore). Built only by apply.ts from the log; read by the
// gateway through query.ts. Compiled resource matchers are a cache, never serialised.
import type { AuthType, Cors, Endpoints, HttpVerb, LifecycleStatus, MaxTps, SecurityScheme } from '../../domain/api/events.ts';
import type { KeyType } from '../../domain/application/events.ts';
import type { BlockingType } from '../../domain/blocking/events.ts';
import type { ConditionalGroup, DataUnit, LimitType, PolicyLevel, TimeUnit } from '../../domain/policy/events.ts';
import type { SubscriptionStatus } from '../../domain/subscription/events.ts';
import type { CompiledTemplate } from './uri-template.ts';

export interface MapOperation {
  verb: HttpVerb;
  target: string;
  authType: AuthType;
  scopes: string[];
  throttlingPolicy: string | null;
}

/** One operation ready for matching (built lazily from MapApi.operations). */
export interface MapResource extends MapOperation {
  readonly compiled: CompiledTemplate;
  /** `{context}/{version}{template}:{VERB}`: the resource-level throttle key stem (§4.1). */
  readonly resourceKey: string;
  /** `{resourceKey}_default`, built once. */
  readonly resourceDefaultKey: string;
}

export interface MapApi {
  id: string;
  name: string;
  context: string;
  version: string;
  provider: string;
  lifecycleStatus: LifecycleStatus;
  endpoints: Endpoints;
  operations: MapOperation[];
  subscriptionPolicies: string[];
  apiThrottlingPolicy: string | null;
  securitySchemes: SecurityScheme[];
  backendJwt: boolean;
  cors: Cors;
  /** Backend hard limit per key type (requests per second, node-local); null = none. */
  maxTps: MaxTps | null;
  /** Lazily compiled from `operations`, per verb, most specific first; reset on update. */
  resources: Map<string, MapResource[]> | null;
  /** Cache, never serialised: `{context}:{version}`, the API-level throttle key stem. */
  throttleKey?: string;
}

export interface MapApplication {
  id: string;
  name: string;
  owner: string;
  throttlingPolicy: string;
  consumerKeys: string[];
}

export interface MapConsumerKey {
  applicationId: string;
  keyType: KeyType;
}

export interface MapSubscription {
  id: string;
  applicationId: string;
  apiId: string;
  tier: string;
  status: SubscriptionStatus;
  /** Cache, never serialised: the subscription-level throttle key `{appId}:{context}:{version}`. */
  throttleKey?: string;
}

export interface MapPolicy {
  level: PolicyLevel;
  name: string;
  limitType: LimitType;
  /** null = unlimited. */
  requestCount: number | null;
  dataAmount: number | null;
  dataUnit: DataUnit | null;
  unitTime: number;
  timeUnit: TimeUnit;
  /** Burst control (spike arrest), subscription level; null = none. */
  burstLimit: number | null;
  burstTimeUnit: 'SEC' | 'MIN' | null;
  stopOnQuotaReach: boolean;
  /** Advanced policies: groups of conditions with their own limit (keys `_condition_{n}`). */
  conditionalGroups: ConditionalGroup[];
}

export interface MapBlockingCondition {
  id: string;
  type: BlockingType;
  value: string;
  enabled: boolean;
  invert: boolean;
}

export interface MapSigningKey {
  kid: string;
  alg: string;
  publicJwk: Record<string, unknown>;
}

export interface GatewayMapView {
  /** Global position of the last event applied. */
  position: bigint;
  apis: Map<string, MapApi>;
  /** `/{context}/{version}` → apiId. */
  versionRoutes: Map<string, string>;
  /** `/{context}` → apiId of the default version. */
  defaultRoutes: Map<string, string>;
  /** Most `/`-separated segments in any route key: bounds the prefix search. */
  maxRouteDepth: number;
  applications: Map<string, MapApplication>;
  consumerKeys: Map<string, MapConsumerKey>;
  /** applicationId → apiId → subscription (nested: a lookup builds no composite key). */
  subscriptions: Map<string, Map<string, MapSubscription>>;
  subscriptionCount: number;
  /** level → name → policy. */
  policies: Record<PolicyLevel, Map<string, MapPolicy>>;
  blocking: Map<string, MapBlockingCondition>;
  /** Bumped on every change of `blocking`, so the gateway rebuilds its deny matcher. */
  blockingVersion: number;
  /** Current and previous public signing keys by kid. */
  signingKeys: Map<string, MapSigningKey>;
  currentKid: string | null;
  /** Bumped on every change of `signingKeys`, so the gateway re-imports keys. */
  keysVersion: number;
  /** Revoked token / API-key jti → exp (epoch s, null = never expires). */
  revokedJtis: Map<string, number | null>;
  /** Size of revokedJtis after the last sweep of expired entries. */
  revokedSweepSize: number;
}


export function emptyGatewayMap(): GatewayMapView {
  return {
    position: 0n,
    apis: new Map(),
    versionRoutes: new Map(),
    defaultRoutes: new Map(),
    maxRouteDepth: 0,
    applications: new Map(),
    consumerKeys: new Map(),
    subscriptions: new Map(),
    subscriptionCount: 0,
    policies: { SUBSCRIPTION: new Map(), APPLICATION: new Map(), ADVANCED: new Map() },
    blocking: new Map(),
    blockingVersion: 0,
    signingKeys: new Map(),
    currentKid: null,
    keysVersion: 0,
    revokedJtis: new Map(),
    revokedSweepSize: 0,
  };
}
