// Creates the gatehouse topics with the configs their users rely on (compaction for the
// gateway-map changelog, one partition where global order matters) and refuses to run on an
// existing topic whose cleanup policy would silently lose data or order.
import kafkajs, { type Admin, type Kafka } from 'kafkajs';
import { TOPICS } from './kafka-client.ts';

// kafkajs is CommonJS; Node's named-export detection misses this one.
const { ConfigResourceTypes } = kafkajs;

export interface TopicSpec {
  topic: string;
  numPartitions: number;
  configs: Record<string, string>;
}

const MB = 1024 * 1024;
const HOUR = 3_600_000;

/** Defaults of each topic; `overrides` replaces partitions or individual configs. */
export const topicSpecs = {
  /** Every event, global order = offset order: one partition. A copy of the log: kept forever. */
  events: (o: Partial<TopicSpec> = {}): TopicSpec => spec(TOPICS.events, 1, {
    'cleanup.policy': 'delete', 'retention.ms': '-1', 'max.message.bytes': String(8 * MB),
  }, o),
  /** Latest value per gateway-map entity: compacted, one partition (batch markers need order). */
  gatewayMap: (o: Partial<TopicSpec> = {}): TopicSpec => spec(TOPICS.gatewayMap, 1, {
    'cleanup.policy': 'compact', 'max.message.bytes': String(8 * MB),
    'segment.ms': String(HOUR), 'min.cleanable.dirty.ratio': '0.5', 'delete.retention.ms': String(24 * HOUR),
  }, o),
  /** Request facts, keyed by API: partitions are the unit of traffic-manager scale-out. */
  requests: (o: Partial<TopicSpec> = {}): TopicSpec => spec(TOPICS.requests, 6, {
    'cleanup.policy': 'delete', 'retention.ms': String(24 * HOUR),
  }, o),
  /** Throttle decisions: few, read by every gateway; kept a day so day-long windows survive a gateway start. */
  throttle: (o: Partial<TopicSpec> = {}): TopicSpec => spec(TOPICS.throttle, 1, {
    'cleanup.policy': 'delete', 'retention.ms': String(25 * HOUR),
  }, o),
  /**
   * The traffic manager's counters, latest value per request partition: compacted, one
   * partition. Written every second, so segments roll often to keep a restart's read short.
   */
  trafficState: (o: Partial<TopicSpec> = {}): TopicSpec => spec(TOPICS.trafficState, 1, {
    'cleanup.policy': 'compact', 'max.message.bytes': String(8 * MB),
    'segment.ms': String(HOUR / 6), 'min.cleanable.dirty.ratio': '0.5', 'delete.retention.ms': String(HOUR),
  }, o),
};

function spec(topic: string, numPartitions: number, configs: Record<string, string>, o: Partial<TopicSpec>): TopicSpec {
  return { topic: o.topic ?? topic, numPartitions: o.numPartitions ?? numPartitions, configs: { ...configs, ...o.configs } };
}

export class TopicConfigError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'TopicConfigError';
  }
}

/**
 * Creates the topics that do not exist yet (waiting for their leaders) and checks the cleanup
 * policy of those that did: a compacted topic where a log is expected (or the reverse) throws.
 */
const LEADER_WAIT_MS = 30_000;

/** Polls topic metadata until every partition of every topic has a leader (bounded). */
async function awaitLeaders(admin: Admin, topics: string[]): Promise<void> {
  const deadline = Date.now() + LEADER_WAIT_MS;
  for (;;) {
    try {
      const { topics: meta } = await admin.fetchTopicMetadata({ topics });
      const ready = meta.length === topics.length && meta.every((t) => t.partitions.length > 0 && t.partitions.every((p) => p.leader >= 0));
      if (ready) return;
    } catch (e) {
      if (Date.now() >= deadline) throw e;
    }
    if (Date.now() >= deadline) throw new Error(`topics ${topics.join(', ')} have no leader after ${LEADER_WAIT_MS / 1000} s`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

export async function ensureTopics(kafka: Kafka, specs: readonly TopicSpec[]): Promise<void> {
  const admin = kafka.admin();
  await admin.connect();
  try {
    const existing = new Set(await admin.listTopics());
    const missing = specs.filter((s) => !existing.has(s.topic));
    if (missing.length > 0) {
      try {
        await admin.createTopics({
          // kafkajs' own wait retries LEADER_NOT_AVAILABLE only; a freshly started broker may
          // also answer UNKNOWN_TOPIC_OR_PARTITION for a moment: awaitLeaders tolerates both.
          waitForLeaders: false,
          topics: missing.map((s) => ({
            topic: s.topic,
            numPartitions: s.numPartitions,
            replicationFactor: -1, // the broker's default.replication.factor
            configEntries: Object.entries(s.configs).map(([name, value]) => ({ name, value })),
          })),
        });
      } catch (e) {
        // Another process created it between listTopics and createTopics: checked below.
        if (!/already exists/i.test(String((e as Error).message))) throw e;
      }
      await awaitLeaders(admin, missing.map((s) => s.topic));
    }
    const present = specs.filter((s) => existing.has(s.topic));
    if (present.length === 0) return;
    const described = await admin.describeConfigs({
      includeSynonyms: false,
      resources: present.map((s) => ({ type: ConfigResourceTypes.TOPIC, name: s.topic, configNames: ['cleanup.policy'] })),
    });
    for (const r of described.resources) {
      const want = present.find((s) => s.topic === r.resourceName)?.configs['cleanup.policy'];
      const have = r.configEntries.find((c) => c.configName === 'cleanup.policy')?.configValue;
      if (want && have && want !== have) {
        throw new TopicConfigError(`topic ${r.resourceName} has cleanup.policy=${have}, expected ${want}`);
      }
    }
  } finally {
    await admin.disconnect();
  }
}
