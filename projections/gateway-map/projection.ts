// The gateway-map projection as the runner sees it (projections/projection.ts), with a
// deterministic snapshot format: every map is written sorted by key, caches are left out.
import type { Projection } from '../projection.ts';
import { applyToGatewayMap } from './apply.ts';
import {
  emptyGatewayMap,
  type GatewayMapView,
  type MapApi,
  type MapApplication,
  type MapBlockingCondition,
  type MapConsumerKey,
  type MapPolicy,
  type MapSigningKey,
  type MapSubscription,
} from './view.ts';

export const GATEWAY_MAP_PROJECTION = 'gateway-map';

interface Snapshot {
  position: string;
  apis: [string, Omit<MapApi, 'resources' | 'throttleKey'>][];
  versionRoutes: [string, string][];
  defaultRoutes: [string, string][];
  applications: [string, MapApplication][];
  consumerKeys: [string, MapConsumerKey][];
  /** By `{applicationId} {apiId}`. */
  subscriptions: [string, MapSubscription][];
  /** By `{level}:{name}`. */
  policies: [string, MapPolicy][];
  blocking: [string, MapBlockingCondition][];
  signingKeys: [string, MapSigningKey][];
  currentKid: string | null;
  revokedJtis: [string, number | null][];
  revokedSweepSize: number;
}

const POLICY_LEVELS = ['SUBSCRIPTION', 'APPLICATION', 'ADVANCED'] as const;

const sorted = <V>(entries: [string, V][]): [string, V][] => entries.sort((a, b) => (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0));
const byKey = <V>(m: Map<string, V>): [string, V][] => sorted([...m.entries()]);

function flatten<V>(nested: Map<string, Map<string, V>>, key: (outer: string, inner: string) => string): [string, V][] {
  const out: [string, V][] = [];
  for (const [outer, m] of nested) for (const [inner, v] of m) out.push([key(outer, inner), v]);
  return out;
}

export function serializeGatewayMap(view: GatewayMapView): string {
  const snapshot: Snapshot = {
    position: view.position.toString(),
    apis: byKey(view.apis).map(([id, { resources: _compiled, throttleKey: _cached, ...api }]) => [id, api]),
    versionRoutes: byKey(view.versionRoutes),
    defaultRoutes: byKey(view.defaultRoutes),
    applications: byKey(view.applications),
    consumerKeys: byKey(view.consumerKeys),
    subscriptions: sorted(flatten(view.subscriptions, (appId, apiId) => `${appId} ${apiId}`)).map(([k, { throttleKey: _cached, ...sub }]) => [k, sub]),
    policies: sorted(POLICY_LEVELS.flatMap((level) => [...view.policies[level]].map(([name, p]): [string, MapPolicy] => [`${level}:${name}`, p]))),
    blocking: byKey(view.blocking),
    signingKeys: byKey(view.signingKeys),
    currentKid: view.currentKid,
    revokedJtis: byKey(view.revokedJtis),
    revokedSweepSize: view.revokedSweepSize,
  };
  return JSON.stringify(snapshot);
}

export function deserializeGatewayMap(data: string | Buffer): GatewayMapView {
  const s = JSON.parse(typeof data === 'string' ? data : data.toString('utf8')) as Snapshot;
  const view = emptyGatewayMap();
  view.position = BigInt(s.position);
  for (const [id, api] of s.apis) view.apis.set(id, { ...api, resources: null });
  view.versionRoutes = new Map(s.versionRoutes);
  view.defaultRoutes = new Map(s.defaultRoutes);
  for (const route of [...view.versionRoutes.keys(), ...view.defaultRoutes.keys()]) {
    view.maxRouteDepth = Math.max(view.maxRouteDepth, route.split('/').length - 1);
  }
  view.applications = new Map(s.applications);
  view.consumerKeys = new Map(s.consumerKeys);
  for (const [, sub] of s.subscriptions) {
    let ofApp = view.subscriptions.get(sub.applicationId);
    if (ofApp === undefined) view.subscriptions.set(sub.applicationId, (ofApp = new Map()));
    ofApp.set(sub.apiId, sub);
  }
  view.subscriptionCount = s.subscriptions.length;
  for (const [, p] of s.policies) view.policies[p.level].set(p.name, p);
  view.blocking = new Map(s.blocking);
  view.blockingVersion = 1;
  view.signingKeys = new Map(s.signingKeys);
  view.currentKid = s.currentKid;
  view.keysVersion = 1;
  view.revokedJtis = new Map(s.revokedJtis);
  view.revokedSweepSize = s.revokedSweepSize;
  return view;
}

export const gatewayMapProjection: Projection<GatewayMapView> = {
  name: GATEWAY_MAP_PROJECTION,
  // 2: MapApi.maxTps (backend hard limit).
  version: 2,
  initialView: emptyGatewayMap,
  apply: applyToGatewayMap,
  serialize: serializeGatewayMap,
  deserialize: deserializeGatewayMap,
};
