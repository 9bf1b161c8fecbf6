// The entity maps of the gateway map's snapshot (serializeGatewayMap), one entity at a time: what
// lets a consumer that follows a few changed keys (the changelog publisher) write the very pairs
// the full snapshot would, without serializing the whole map. Keep in step with projection.ts;
// infra/bus/kafka-gateway-map-incremental.test.ts checks both give the same bytes.
import type { PolicyLevel } from '../../domain/policy/events.ts';
import type { GatewayMapView, MapApi } from './view.ts';

/** A map of the view a snapshot field is cut from: `holder[property]`. */
export interface SnapshotSource {
  holder: Record<string, unknown>;
  property: string;
  /** The group (see SnapshotEntityField.entries) a key of this map stands for. */
  group(mapKey: string): string;
}

export interface SnapshotEntityField {
  /** The snapshot field (a list of [key, value] pairs sorted by key). */
  readonly name: string;
  /** The view's maps the field's pairs come from; an entity changes only through them. */
  sources(view: GatewayMapView): SnapshotSource[];
  /** Whether a group holds several keys (a nested map: subscriptions by application); if not, a group is its key. */
  readonly grouped: boolean;
  /** The group of a snapshot key. */
  groupOf(key: string): string;
  /** The snapshot's pairs of a group now, as serializeGatewayMap writes them (caches left out). */
  entries(view: GatewayMapView, group: string): [string, unknown][];
  /** How many pairs the field has. */
  size(view: GatewayMapView): number;
}

const POLICY_LEVELS: readonly PolicyLevel[] = ['SUBSCRIPTION', 'APPLICATION', 'ADVANCED'];
const same = (key: string): string => key;

type FlatField = 'apis' | 'versionRoutes' | 'defaultRoutes' | 'applications' | 'consumerKeys' | 'blocking' | 'signingKeys' | 'revokedJtis';

function flat(name: FlatField, value: (v: never) => unknown = (v) => v): SnapshotEntityField {
  return {
    name,
    sources: (view) => [{ holder: view as unknown as Record<string, unknown>, property: name, group: same }],
    grouped: false,
    groupOf: same,
    entries(view, key) {
      const map = view[name] as Map<string, unknown>;
      return map.has(key) ? [[key, value(map.get(key) as never)]] : [];
    },
    size: (view) => view[name].size,
  };
}

/** In the order serializeGatewayMap writes them. */
export const SNAPSHOT_ENTITY_FIELDS: readonly SnapshotEntityField[] = [
  flat('apis', ({ resources: _compiled, throttleKey: _cached, ...api }: MapApi) => api),
  flat('versionRoutes'),
  flat('defaultRoutes'),
  flat('applications'),
  flat('consumerKeys'),
  {
    name: 'subscriptions',
    sources: (view) => [{ holder: view as unknown as Record<string, unknown>, property: 'subscriptions', group: same }],
    grouped: true,
    groupOf: (key) => key.slice(0, key.indexOf(' ')),
    entries(view, applicationId) {
      const ofApp = view.subscriptions.get(applicationId);
      if (ofApp === undefined) return [];
      return [...ofApp].map(([apiId, { throttleKey: _cached, ...sub }]) => [`${applicationId} ${apiId}`, sub]);
    },
    size: (view) => view.subscriptionCount,
  },
  {
    name: 'policies',
    sources: (view) => POLICY_LEVELS.map((level) => ({ holder: view.policies as unknown as Record<string, unknown>, property: level, group: (name: string) => `${level}:${name}` })),
    grouped: false,
    groupOf: same,
    entries(view, key) {
      const colon = key.indexOf(':');
      const level = key.slice(0, colon) as PolicyLevel;
      const policy = POLICY_LEVELS.includes(level) ? view.policies[level].get(key.slice(colon + 1)) : undefined;
      return policy === undefined ? [] : [[key, policy]];
    },
    size: (view) => POLICY_LEVELS.reduce((n, level) => n + view.policies[level].size, 0),
  },
  flat('blocking'),
  flat('signingKeys'),
  flat('revokedJtis'),
];

/** The snapshot's scalar fields (besides `position`), in the order serializeGatewayMap writes them. */
export function snapshotScalars(view: GatewayMapView): Record<string, unknown> {
  return { currentKid: view.currentKid, revokedSweepSize: view.revokedSweepSize };
}
