// What a distributed gateway follows instead of the log: an EventStore that only subscribes
// (gatehouse.events through the events source) and a ViewStore that only loads (the gateway
// map rebuilt from the gatehouse.gateway-map changelog). Handed to the gateway's usual
// projection runner, a new gateway starts from the changelog's state and tails the events
// after its position: cold start costs the number of entities, not the length of history.
import type { AppendResult, EventStore, ReadStreamResult, RecordedEvent, Subscription } from '../../domain/ports.ts';
import type { ViewSnapshot, ViewStore } from '../../projections/projection.ts';
import { gatewayMapProjection } from '../../projections/gateway-map/projection.ts';
import { compileFilter } from '../eventstore/filter.ts';
import { TOPICS, errorMessage, kafkaOf, silentLogger, type BusLogger, type KafkaSource } from './kafka-client.ts';
import { startKafkaEventsSource } from './kafka-events-source.ts';
import { loadGatewayMapFromChangelog } from './kafka-gateway-map.ts';
import { lastRelayedPosition } from './kafka-relay.ts';
import { ensureTopics, topicSpecs } from './kafka-topics.ts';

export interface KafkaGatewayFeedOptions {
  kafka: KafkaSource;
  eventsTopic?: string;
  changelogTopic?: string;
  logger?: BusLogger;
}

export interface KafkaGatewayFeed {
  /** Read-only: subscribe() and headPosition(); the rest throws. */
  store: EventStore;
  /** Load-only: the gateway map from the changelog; saves are ignored (the control plane writes it). */
  viewStore: ViewStore;
}

class ReadOnlyFollowerError extends Error {
  constructor(what: string) {
    super(`${what} is not available on a Kafka follower of the log (gatehouse.events is read-only here)`);
    this.name = 'ReadOnlyFollowerError';
  }
}

/** Creates the two topics when missing (a gateway may start before the control plane). */
export async function createKafkaGatewayFeed(options: KafkaGatewayFeedOptions): Promise<KafkaGatewayFeed> {
  const logger = options.logger ?? silentLogger;
  const kafka = kafkaOf(options.kafka, { clientId: 'gatehouse-gateway-feed', logger });
  const eventsTopic = options.eventsTopic ?? TOPICS.events;
  const changelogTopic = options.changelogTopic ?? TOPICS.gatewayMap;
  await ensureTopics(kafka, [topicSpecs.events({ topic: eventsTopic }), topicSpecs.gatewayMap({ topic: changelogTopic })]);
  // recordedAt of loaded snapshot positions: lets the subscription seek gatehouse.events by time.
  const timeOf = new Map<bigint, number>();
  let loadedPosition = 0n;

  const store: EventStore = {
    async appendToStream(): Promise<AppendResult> {
      throw new ReadOnlyFollowerError('appendToStream');
    },
    async readStream(): Promise<ReadStreamResult> {
      throw new ReadOnlyFollowerError('readStream');
    },
    async readAll(): Promise<RecordedEvent[]> {
      throw new ReadOnlyFollowerError('readAll');
    },
    subscribe(handler, subscribeOptions = {}): Subscription {
      const after = subscribeOptions.after ?? 0n;
      const matches = compileFilter(subscribeOptions.filter);
      let failed: ((e: Error) => void) | undefined;
      const failure = new Promise<never>((_, reject) => (failed = reject));
      failure.catch(() => {});
      const at = timeOf.get(after);
      const started = startKafkaEventsSource({
        kafka, topic: eventsTopic, logger, after,
        ...(at !== undefined ? { afterTimestamp: at } : {}),
        handler: (event) => (matches && !matches(event) ? undefined : handler(event)),
        onError: (e) => {
          process.emitWarning(`gatehouse.events follower stopped: ${e.message}`);
          failed?.(e);
        },
      });
      const caughtUp = Promise.race([started.then((s) => s.caughtUp), failure]);
      caughtUp.catch(() => {});
      return {
        caughtUp,
        async stop() {
          await (await started).stop();
        },
      };
    },
    async headPosition() {
      // The changelog can be ahead of the relay (or the events topic younger than the map): its
      // last marker's position is in the log all the same. Both topics carry positions in the
      // same header, and a changelog batch always ends with its marker.
      const [relayed, mapped] = await Promise.all([
        lastRelayedPosition(kafka, eventsTopic, logger),
        lastRelayedPosition(kafka, changelogTopic, logger),
      ]);
      const head = relayed > mapped ? relayed : mapped;
      return head > loadedPosition ? head : loadedPosition;
    },
    async close() {},
  };

  const viewStore: ViewStore = {
    async load(name, version): Promise<ViewSnapshot | undefined> {
      if (name !== gatewayMapProjection.name || version !== gatewayMapProjection.version) return undefined;
      try {
        const loaded = await loadGatewayMapFromChangelog({ kafka, logger, topic: changelogTopic });
        if (!loaded) return undefined;
        loadedPosition = loaded.position;
        const at = loaded.recordedAt ? Date.parse(loaded.recordedAt) : NaN;
        if (Number.isFinite(at)) timeOf.set(loaded.position, at);
        logger.info({ position: loaded.position.toString(), records: loaded.records, complete: loaded.complete }, 'gateway map loaded from the changelog');
        return { position: loaded.position, data: loaded.data };
      } catch (e) {
        // Without a usable changelog the map is rebuilt from gatehouse.events: slower, still right.
        logger.warn({ err: errorMessage(e) }, 'gateway map changelog unreadable; rebuilding from the events');
        return undefined;
      }
    },
    async save() {},
    async drop() {},
    async close() {},
  };

  return { store, viewStore };
}
