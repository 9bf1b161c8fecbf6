// Shared kafkajs plumbing for the Kafka adapters: the topic names, one client per role with
// kafkajs' own logs routed to a pino-style logger, and broker-list parsing for KAFKA_BROKERS.
import { Kafka, logLevel, type LogEntry, type logCreator } from 'kafkajs';
import { invalidInput } from '../../domain/errors.ts';

/**
 * The topics of the distributed mode (ARCHITECTURE.md, "Two deployments"). Their prefix is
 * `gatehouse.`; GATEHOUSE_KAFKA_TOPIC_PREFIX changes it, for several Gatehouse clusters (or
 * test runs) sharing one broker: every topic belongs to exactly one log.
 */
export function topicsFor(prefix = 'gatehouse.') {
  if (!/^[A-Za-z0-9._-]*$/.test(prefix)) throw invalidInput(`topic prefix "${prefix}" may hold only letters, digits, '.', '_' and '-'`);
  return {
    events: `${prefix}events`,
    gatewayMap: `${prefix}gateway-map`,
    requests: `${prefix}requests`,
    throttle: `${prefix}throttle`,
    trafficState: `${prefix}traffic-state`,
  } as const;
}

export const TOPICS = topicsFor(process.env.GATEHOUSE_KAFKA_TOPIC_PREFIX ?? 'gatehouse.');

/** The subset of a pino logger the adapters use (a pino Logger fits). */
export interface BusLogger {
  debug(obj: object, msg: string): void;
  info(obj: object, msg: string): void;
  warn(obj: object, msg: string): void;
  error(obj: object, msg: string): void;
}

export const silentLogger: BusLogger = { debug() {}, info() {}, warn() {}, error() {} };

/** Adapters take either a ready client (shared by a process) or a broker list. */
export type KafkaSource = Kafka | readonly string[];

/** `KAFKA_BROKERS` → ['host:port', ...]; throws a BAD_USER_INPUT DomainError on a malformed list. */
export function parseBrokers(value: string | undefined): string[] {
  const brokers = (value ?? '').split(',').map((b) => b.trim()).filter((b) => b.length > 0);
  if (brokers.length === 0) throw invalidInput('KAFKA_BROKERS is empty: expected host:port[,host:port...]');
  for (const b of brokers) {
    const m = /^(\[[0-9a-fA-F:.]+\]|[A-Za-z0-9.-]+):(\d{1,5})$/.exec(b);
    if (!m || Number(m[2]) < 1 || Number(m[2]) > 65535) {
      throw invalidInput(`KAFKA_BROKERS entry "${b}" is not host:port`, { entry: b });
    }
  }
  return brokers;
}

// kafkajs logs retriable protocol errors (a coordinator still loading, a leader moving) at
// ERROR; they are warnings for us, and its INFO lines are debug chatter.
function routeLogs(logger: BusLogger): logCreator {
  return () => ({ namespace, level, log }: LogEntry) => {
    const { message, timestamp: _ts, logger: _l, ...fields } = log as LogEntry['log'] & { logger?: string };
    const obj = { kafkajs: namespace, ...fields };
    if (level === logLevel.ERROR || level === logLevel.WARN) logger.warn(obj, message);
    else logger.debug(obj, message);
  };
}

export interface KafkaClientOptions {
  clientId: string;
  logger?: BusLogger;
  /** Per-request timeout (default 10 s); connection timeout is 3 s. */
  requestTimeoutMs?: number;
  /** Retries of a failed request or connection (default 8, backing off up to 5 s each). */
  retries?: number;
}

export function createKafka(brokers: readonly string[], options: KafkaClientOptions): Kafka {
  return new Kafka({
    clientId: options.clientId,
    brokers: [...brokers],
    connectionTimeout: 3000,
    requestTimeout: options.requestTimeoutMs ?? 10_000,
    logLevel: logLevel.WARN,
    logCreator: routeLogs(options.logger ?? silentLogger),
    retry: { initialRetryTime: 200, maxRetryTime: 5000, retries: options.retries ?? 8 },
  });
}

/** A ready client from either form of KafkaSource. */
export function kafkaOf(source: KafkaSource, options: KafkaClientOptions): Kafka {
  return source instanceof Kafka ? source : createKafka(source as readonly string[], options);
}

export const errorMessage = (e: unknown): string => (e instanceof Error ? e.message : String(e));

export const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));
