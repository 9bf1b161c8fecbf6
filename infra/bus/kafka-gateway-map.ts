// The gateway map as a compacted changelog (gatehouse.gateway-map). The control plane turns
// its gateway-map view into entity entries (one per API, application, consumer key,
// subscription, policy, deny policy, signing key, revoked token, plus the few scalars) and
// publishes what changed; a new gateway rebuilds the view from the latest entries instead of
// replaying history. The entries are cut from the projection's own deterministic snapshot
// format (serializeGatewayMap), so the changelog follows the projection without a copy of it.
import type { GatewayMapView } from '../../projections/gateway-map/view.ts';
import { gatewayMapProjection } from '../../projections/gateway-map/projection.ts';
import { errorMessage, kafkaOf, silentLogger, type BusLogger, type KafkaSource } from './kafka-client.ts';
import { createChangelogWriter, readChangelog, type ChangelogEntry, type ChangelogWriter } from './kafka-changelog.ts';
import type { TopicSpec } from './kafka-topics.ts';

/** Entry key holding which snapshot fields are entity maps and which are scalars. */
export const SCHEMA_KEY = '$schema';

interface Schema {
  projection: string;
  version: number;
  /** Snapshot fields in their order, each an entity map or a scalar. */
  fields: { name: string; map: boolean }[];
}

/** Entity key → JSON value, from the serialized snapshot (`position` travels on the markers). */
export function snapshotEntries(serialized: string, projection = gatewayMapProjection): Map<string, string> {
  const snapshot = JSON.parse(serialized) as Record<string, unknown>;
  const out = new Map<string, string>();
  const schema: Schema = { projection: projection.name, version: projection.version, fields: [] };
  for (const [field, value] of Object.entries(snapshot)) {
    if (field === 'position') continue;
    schema.fields.push({ name: field, map: Array.isArray(value) });
    if (Array.isArray(value)) {
      for (const pair of value as unknown[]) {
        if (!Array.isArray(pair) || pair.length !== 2 || typeof pair[0] !== 'string') {
          throw new Error(`snapshot field ${field} is not a list of [key, value] pairs`);
        }
        out.set(`${field}/${pair[0]}`, JSON.stringify(pair[1]));
      }
    } else {
      out.set(`$${field}`, JSON.stringify(value));
    }
  }
  out.set(SCHEMA_KEY, JSON.stringify(schema));
  return out;
}

/**
 * The serialized snapshot again (same field order, maps sorted by key, as the projection
 * writes them). Values are JSON already: they are spliced in, not parsed and re-serialized.
 */
export function snapshotFromEntries(entries: Map<string, string | Buffer>, position: bigint): { serialized: string; projection: string; version: number } {
  const text = (v: string | Buffer): string => (typeof v === 'string' ? v : v.toString('utf8'));
  const schemaValue = entries.get(SCHEMA_KEY);
  if (schemaValue === undefined) throw new Error('changelog has no schema entry');
  const schema = JSON.parse(text(schemaValue)) as Schema;
  const maps = new Map<string, [string, string][]>(schema.fields.filter((f) => f.map).map((f) => [f.name, []]));
  const scalars = new Map<string, string>();
  for (const [key, value] of entries) {
    if (key === SCHEMA_KEY) continue;
    if (key.startsWith('$')) {
      scalars.set(key.slice(1), text(value));
      continue;
    }
    const slash = key.indexOf('/');
    const list = maps.get(key.slice(0, slash));
    if (slash < 0 || !list) throw new Error(`changelog key ${key} belongs to no map of the schema`);
    list.push([key.slice(slash + 1), text(value)]);
  }
  const parts: string[] = [`{"position":${JSON.stringify(position.toString())}`];
  for (const f of schema.fields) {
    if (f.map) {
      const list = maps.get(f.name)!.sort((a, b) => (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0));
      parts.push(`,${JSON.stringify(f.name)}:[${list.map(([k, v]) => `[${JSON.stringify(k)},${v}]`).join(',')}]`);
    } else if (scalars.has(f.name)) {
      parts.push(`,${JSON.stringify(f.name)}:${scalars.get(f.name)}`);
    }
  }
  parts.push('}');
  return { serialized: parts.join(''), projection: schema.projection, version: schema.version };
}

/** The entries to publish to go from `previous` to `next` (tombstones for keys that went away). */
export function diffEntries(previous: ReadonlyMap<string, string>, next: ReadonlyMap<string, string>, position: bigint): ChangelogEntry[] {
  const out: ChangelogEntry[] = [];
  for (const [key, value] of next) if (previous.get(key) !== value) out.push({ key, value, position });
  for (const key of previous.keys()) if (!next.has(key)) out.push({ key, value: null, position });
  return out;
}

/** What the publisher needs from the control plane's projection runner. */
export interface GatewayMapSourceForChangelog {
  view(): GatewayMapView;
  position(): bigint;
  /** recordedAt of the event at position() (lets a new gateway seek gatehouse.events by time). */
  recordedAt(): string | null;
}

export interface GatewayMapPublisherOptions {
  kafka: KafkaSource;
  source: GatewayMapSourceForChangelog;
  topic?: string;
  logger?: BusLogger;
  /** How often a changed map is published (default 1 s). */
  intervalMs?: number;
  topicSpec?: Partial<TopicSpec>;
}

export interface GatewayMapPublisher {
  /** Position of the last published marker. */
  readonly publishedPosition: bigint;
  /** Publishes the current map if it moved; resolves when acknowledged. */
  publishNow(): Promise<void>;
  /** Publishes a last time, then disconnects. */
  stop(): Promise<void>;
}

/**
 * Publishes the map's changes every `intervalMs`. Starts by reading the changelog as it is, so
 * entities deleted while no publisher ran are tombstoned.
 */
export async function startGatewayMapPublisher(options: GatewayMapPublisherOptions): Promise<GatewayMapPublisher> {
  const logger = options.logger ?? silentLogger;
  const kafka = kafkaOf(options.kafka, { clientId: 'gatehouse-gateway-map-publisher', logger });
  const writer: ChangelogWriter = await createChangelogWriter({ kafka, logger, ...(options.topic ? { topic: options.topic } : {}), ...(options.topicSpec ? { topicSpec: options.topicSpec } : {}) });
  const existing = await readChangelog({ kafka, logger, ...(options.topic ? { topic: options.topic } : {}) });
  let published = new Map<string, string>([...existing.snapshot.entries].map(([k, v]) => [k, v.value.toString('utf8')]));
  let publishedPosition = existing.snapshot.position;
  let running: Promise<void> | null = null;
  let stopped = false;

  async function publish(): Promise<void> {
    const position = options.source.position();
    if (position === publishedPosition && published.size > 0) return;
    const next = snapshotEntries(gatewayMapProjection.serialize(options.source.view()) as string);
    const changes = diffEntries(published, next, position);
    await writer.publishChangelog(changes, { position, recordedAt: options.source.recordedAt() });
    published = next;
    publishedPosition = position;
    if (changes.length > 0) logger.debug({ position: position.toString(), changes: changes.length }, 'gateway map changelog published');
  }

  const publishNow = (): Promise<void> => {
    running ??= publish().finally(() => (running = null));
    return running;
  };

  const timer = setInterval(() => {
    publishNow().catch((e: unknown) => logger.warn({ err: errorMessage(e) }, 'gateway map changelog publish failed; retrying'));
  }, options.intervalMs ?? 1000);
  timer.unref();

  return {
    get publishedPosition() {
      return publishedPosition;
    },
    publishNow,
    async stop() {
      if (stopped) return;
      stopped = true;
      clearInterval(timer);
      await running?.catch(() => {});
      await publishNow().catch((e: unknown) => logger.warn({ err: errorMessage(e) }, 'last gateway map publish failed'));
      await writer.close();
    },
  };
}

export interface LoadedGatewayMap {
  view: GatewayMapView;
  /** Position the map reflects: follow gatehouse.events after it. */
  position: bigint;
  recordedAt: string | null;
  /** The serialized snapshot (a ViewStore's data). */
  serialized: string;
  records: number;
  complete: boolean;
}

/** A gateway's cold start: the current map from the changelog, or undefined when there is none (or of another projection version). */
export async function loadGatewayMapFromChangelog(options: { kafka: KafkaSource; topic?: string; logger?: BusLogger }): Promise<LoadedGatewayMap | undefined> {
  const logger = options.logger ?? silentLogger;
  const { snapshot } = await readChangelog({ kafka: options.kafka, logger, ...(options.topic ? { topic: options.topic } : {}) });
  if (snapshot.entries.size === 0) return undefined;
  const entries = new Map([...snapshot.entries].map(([k, v]) => [k, v.value]));
  const { serialized, projection, version } = snapshotFromEntries(entries, snapshot.position);
  if (projection !== gatewayMapProjection.name || version !== gatewayMapProjection.version) {
    logger.warn({ projection, version, expected: gatewayMapProjection.version }, 'changelog holds another version of the gateway map; ignoring it');
    return undefined;
  }
  return {
    view: gatewayMapProjection.deserialize(serialized),
    position: snapshot.position,
    recordedAt: snapshot.recordedAt,
    serialized,
    records: snapshot.records,
    complete: snapshot.complete,
  };
}
