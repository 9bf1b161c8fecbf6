// The gateway map as a compacted changelog (gatehouse.gateway-map). The control plane cuts
// its gateway-map view into bucket records (kafka-gateway-map-format.ts) and publishes the
// buckets that changed; a new gateway rebuilds the view from the latest records instead of
// replaying history. The records are cut from the projection's own deterministic snapshot
// format (serializeGatewayMap), so the changelog follows the projection without a copy of it.
import type { GatewayMapView } from '../../projections/gateway-map/view.ts';
import { gatewayMapProjection } from '../../projections/gateway-map/projection.ts';
import { errorMessage, kafkaOf, silentLogger, type BusLogger, type KafkaSource } from './kafka-client.ts';
import { createChangelogWriter, readChangelog, type ChangelogWriter } from './kafka-changelog.ts';
import { ChangelogFormatError, changelogOfSnapshot, diffEntries, layoutOf, snapshotOfChangelog, type ChangelogLayout } from './kafka-gateway-map-format.ts';
import type { TopicSpec } from './kafka-topics.ts';

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
  let layout: ChangelogLayout | undefined;
  // A changelog of another format or projection version is rewritten even if the position did
  // not move: the diff against `published` tombstones every record the new layout lacks.
  let rewrite = false;
  if (published.size > 0) {
    try {
      layout = layoutOf(published);
      rewrite = layout.projection !== gatewayMapProjection.name || layout.version !== gatewayMapProjection.version;
    } catch (e) {
      logger.warn({ err: errorMessage(e), records: published.size }, 'gateway map changelog in another format: rewriting it');
      rewrite = true;
    }
  }
  let running: Promise<void> | null = null;
  let stopped = false;

  async function publish(): Promise<void> {
    const position = options.source.position();
    if (!rewrite && position === publishedPosition && published.size > 0) return;
    const next = changelogOfSnapshot(gatewayMapProjection.serialize(options.source.view()) as string, gatewayMapProjection, layout);
    const changes = diffEntries(published, next.entries, position);
    await writer.publishChangelog(changes, { position, recordedAt: options.source.recordedAt() });
    published = next.entries;
    layout = next.layout;
    publishedPosition = position;
    rewrite = false;
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
  /** Position the map reflects: follow gatehouse.events after it. */
  position: bigint;
  recordedAt: string | null;
  /** The serialized snapshot (a ViewStore's data, for gatewayMapProjection.deserialize). */
  data: Buffer;
  records: number;
  complete: boolean;
}

/**
 * A gateway's cold start: the current map's snapshot bytes from the changelog, or undefined when
 * there is none, or it holds another projection version or record format (then the map is
 * rebuilt from gatehouse.events, and the control plane rewrites the changelog).
 */
export async function loadGatewayMapFromChangelog(options: { kafka: KafkaSource; topic?: string; logger?: BusLogger }): Promise<LoadedGatewayMap | undefined> {
  const logger = options.logger ?? silentLogger;
  const { snapshot } = await readChangelog({ kafka: options.kafka, logger, ...(options.topic ? { topic: options.topic } : {}) });
  if (snapshot.entries.size === 0) return undefined;
  const entries = new Map<string, Buffer>();
  for (const [k, v] of snapshot.entries) entries.set(k, v.value);
  let restored: ReturnType<typeof snapshotOfChangelog>;
  try {
    restored = snapshotOfChangelog(entries, snapshot.position);
  } catch (e) {
    if (!(e instanceof ChangelogFormatError)) throw e;
    logger.warn({ err: e.message }, 'gateway map changelog not readable by this version; ignoring it');
    return undefined;
  }
  const { projection, version } = restored.layout;
  if (projection !== gatewayMapProjection.name || version !== gatewayMapProjection.version) {
    logger.warn({ projection, version, expected: gatewayMapProjection.version }, 'changelog holds another version of the gateway map; ignoring it');
    return undefined;
  }
  return { position: snapshot.position, recordedAt: snapshot.recordedAt, data: restored.data, records: snapshot.records, complete: snapshot.complete };
}
