// The gateway map as a compacted changelog (gatehouse.gateway-map). The control plane cuts
// its gateway-map view into bucket records (kafka-gateway-map-format.ts) and publishes the
// buckets that changed; a new gateway rebuilds the view from the latest records instead of
// replaying history. The records are the projection's own deterministic snapshot format
// (serializeGatewayMap), cut whole on the first publish and then kept up to date from the keys
// that changed (kafka-gateway-map-incremental.ts).
import type { GatewayMapView } from '../../projections/gateway-map/view.ts';
import { gatewayMapProjection } from '../../projections/gateway-map/projection.ts';
import { errorMessage, kafkaOf, silentLogger, type BusLogger, type KafkaSource } from './kafka-client.ts';
import { createChangelogWriter, readChangelog, type ChangelogWriter } from './kafka-changelog.ts';
import { ChangelogFormatError, layoutOf, snapshotOfChangelog, type ChangelogLayout } from './kafka-gateway-map-format.ts';
import { createGatewayMapCutter } from './kafka-gateway-map-incremental.ts';
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
  /** false: re-cut the whole map on every publish instead of only the changed buckets (default true). */
  incremental?: boolean;
}

/** What the last publish did. */
export interface GatewayMapPublishReport {
  mode: 'full' | 'incremental';
  /** Why the whole map was cut. */
  reason?: string;
  records: number;
  position: bigint;
}

export interface GatewayMapPublisher {
  /** Position of the last published marker. */
  readonly publishedPosition: bigint;
  /** The last publish that found the map moved, or null before the first. */
  readonly lastPublish: GatewayMapPublishReport | null;
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
  const published = new Map<string, string>([...existing.snapshot.entries].map(([k, v]) => [k, v.value.toString('utf8')]));
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
  let lastPublish: GatewayMapPublishReport | null = null;
  const cutter = createGatewayMapCutter({ projection: gatewayMapProjection, logger, ...(options.incremental === false ? { incremental: false } : {}) });

  async function publish(): Promise<void> {
    const position = options.source.position();
    if (!rewrite && position === publishedPosition && published.size > 0) return;
    const next = cutter.cut(options.source.view(), published, layout, rewrite ? 'the changelog holds another format or version' : undefined);
    const changes = [...next.changes].map(([key, value]) => ({ key, value, position }));
    try {
      await writer.publishChangelog(changes, { position, recordedAt: options.source.recordedAt() });
    } catch (e) {
      cutter.invalidate(); // `published` is what the changelog held before: the next cut starts over from it
      throw e;
    }
    for (const [key, value] of next.changes) {
      if (value === null) published.delete(key);
      else published.set(key, value);
    }
    layout = next.layout;
    publishedPosition = position;
    rewrite = false;
    lastPublish = { mode: next.mode, ...(next.reason === undefined ? {} : { reason: next.reason }), records: changes.length, position };
    if (changes.length > 0 || next.mode === 'full') logger.debug({ position: position.toString(), changes: changes.length, mode: next.mode, reason: next.reason }, 'gateway map changelog published');
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
    get lastPublish() {
      return lastPublish;
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
