// The ports the domain and projections depend on. infra/ implements them; cli/ picks adapters.
// Versions and positions are bigint: a stream's version is the count of its events (0n = no
// stream), an event's streamVersion is the version the stream reached with it (1n = first).

export const STREAM_DOES_NOT_EXIST = 'STREAM_DOES_NOT_EXIST' as const;
export const STREAM_EXISTS = 'STREAM_EXISTS' as const;
export const ANY = 'ANY' as const;
/** Position before the first event: read or subscribe "after" it to get everything. */
export const START = 0n;

export type ExpectedStreamVersion =
  | bigint
  | typeof STREAM_DOES_NOT_EXIST
  | typeof STREAM_EXISTS
  | typeof ANY;

/** Metadata carried by every event (ARCHITECTURE rule 2). */
export interface EventMetadata {
  eventId: string;
  actor: string;
  correlationId: string;
  causationId: string | null;
  recordedAt: string; // ISO-8601
  schemaVersion: number;
  idempotencyKey?: string;
}

/** A domain event as deciders produce it: a past-tense type and a JSON-serialisable payload. */
export interface DomainEvent<Type extends string = string, Data = unknown> {
  type: Type;
  data: Data;
}

/** An event ready to append: the domain event plus its metadata. */
export interface NewEvent<E extends DomainEvent = DomainEvent> {
  type: E['type'];
  data: E['data'];
  metadata: EventMetadata;
}

/** An event as the store returns it. */
export interface RecordedEvent<E extends DomainEvent = DomainEvent> extends NewEvent<E> {
  streamId: string;
  streamVersion: bigint;
  globalPosition: bigint;
}

export interface AppendOptions {
  expectedStreamVersion?: ExpectedStreamVersion;
  /** Same key again → the first append's result, nothing appended. Scoped to the whole store. */
  idempotencyKey?: string;
}

export interface AppendResult {
  nextExpectedStreamVersion: bigint;
  /** Global position of each appended event, in order (of the first append when deduplicated). */
  globalPositions: bigint[];
  lastGlobalPosition: bigint;
  /** true when the idempotency key had been seen: nothing was appended this time. */
  deduplicated: boolean;
}

export interface ReadStreamResult<E extends DomainEvent = DomainEvent> {
  currentStreamVersion: bigint; // 0n when the stream does not exist
  events: RecordedEvent<E>[];
}

export interface ReadAllFilter {
  streamIds?: string[];
  streamPrefixes?: string[];
  types?: string[];
  actor?: string;
}

export interface ReadAllOptions {
  /** Exclusive: events with globalPosition > after. */
  after?: bigint;
  limit?: number;
  filter?: ReadAllFilter;
}

export interface SubscribeOptions {
  after?: bigint;
  filter?: ReadAllFilter;
}

/** A live subscription: catches up from `after`, then tails new events in order. */
export interface Subscription {
  /** Resolves once the subscription has delivered everything present when it started. */
  readonly caughtUp: Promise<void>;
  stop(): Promise<void>;
}

export type EventHandler = (event: RecordedEvent) => void | Promise<void>;

export interface EventStore {
  appendToStream(
    streamId: string,
    events: NewEvent[],
    options?: AppendOptions,
  ): Promise<AppendResult>;
  readStream(streamId: string, options?: { from?: bigint; maxCount?: number }): Promise<ReadStreamResult>;
  readAll(options?: ReadAllOptions): Promise<RecordedEvent[]>;
  /** Handler is awaited: events are delivered one at a time, in global order. */
  subscribe(handler: EventHandler, options?: SubscribeOptions): Subscription;
  /** The position of the latest event (0n when empty). */
  headPosition(): Promise<bigint>;
  close(): Promise<void>;
}

/** Time comes in through a port so deciders and projections stay pure. */
export interface Clock {
  now(): Date;
}

/** Ids and random secrets come in through a port for the same reason. */
export interface Randomness {
  uuid(): string;
  /** base64url of `bytes` random bytes. */
  token(bytes: number): string;
}

/** Private signing keys live here, never in the log (ARCHITECTURE rule 5). */
export interface KeyStore {
  putPrivateKey(kid: string, privateJwk: Record<string, unknown>): Promise<void>;
  getPrivateKey(kid: string): Promise<Record<string, unknown> | undefined>;
}

/** Password hashes live beside the log, never in it: the export must carry none. */
export interface CredentialStore {
  setPasswordHash(username: string, hash: string): Promise<void>;
  getPasswordHash(username: string): Promise<string | undefined>;
  deletePasswordHash(username: string): Promise<void>;
}

/**
 * A request fact: what the gateway observed about one request (WSO2 analytics fields).
 * Telemetry, not an artifact event: it flows on the request stream, never into the log.
 */
export interface RequestFact {
  requestId: string; // = correlation id
  timestamp: string; // ISO-8601, when the request arrived
  gatewayId: string;
  apiId: string | null;
  apiName: string | null;
  apiVersion: string | null;
  apiContext: string | null;
  apiMethod: string;
  apiResourceTemplate: string | null;
  applicationId: string | null;
  applicationName: string | null;
  applicationOwner: string | null;
  subscriptionTier: string | null;
  keyType: 'PRODUCTION' | 'SANDBOX' | null;
  userName: string | null;
  userIp: string;
  userAgent: string | null;
  destination: string | null;
  targetResponseCode: number | null; // status from the backend, null when not reached
  proxyResponseCode: number; // status sent to the client
  backendLatencyMs: number | null;
  responseLatencyMs: number;
  requestSize: number;
  responseSize: number;
  errorType: 'AUTH_FAILURE' | 'THROTTLED' | 'BLOCKED' | 'TARGET_CONNECTIVITY' | 'RESOURCE_NOT_FOUND' | 'OTHER' | null;
  errorCode: string | null; // WSO2 code, e.g. "900804"
  /** Throttle keys this request counted against (traffic manager input). */
  throttleKeys: string[];
  /**
   * The keys an admitted request counted against with a limit that stops (stopOnQuotaReach),
   * each with the cluster-wide limit and the fixed window the gateway resolved: what a traffic
   * manager sums without any policy lookup. Absent when the gateway does not report them.
   */
  throttleHits?: ThrottleKeyHit[];
}

/** One counted throttle key of a request fact: `[windowStart, windowEnd)` in epoch ms. */
export interface ThrottleKeyHit {
  key: string;
  limit: number;
  windowStart: number;
  windowEnd: number;
}

/** A cluster-wide throttle decision from the traffic manager. */
export interface ThrottleDecision {
  throttleKey: string;
  throttledUntil: number; // epoch ms; 0 = lifted
}

/** Where gateways send request facts; where the analytics and traffic manager read them. */
export interface RequestStream {
  publish(fact: RequestFact): void; // never blocks the response; drops are counted
  subscribe(handler: (facts: RequestFact[]) => void | Promise<void>): Promise<{ stop(): Promise<void> }>;
  readonly dropped: number;
  close(): Promise<void>;
}

export interface ThrottleDecisionStream {
  publish(decision: ThrottleDecision): Promise<void>;
  subscribe(handler: (decision: ThrottleDecision) => void): Promise<{ stop(): Promise<void> }>;
  close(): Promise<void>;
}
