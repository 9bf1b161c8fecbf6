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
  apis: [string, Omit<MapApi, 'resources'>][];
  versionRoutes: [string, string][];
  defaultRoutes: [string, string][];
  applications: [string, MapApplication][];
  consumerKeys: [string, MapConsumerKey][];
  subscriptions: [string, MapSubscription][];
  policies: [string, MapPolicy][];
  blocking: [string, MapBlockingCondition][];
  signingKeys: [string, MapSigningKey][];
  currentKid: string | null;
  revokedJtis: [string, number | null][];
  revokedSweepSize: number;
}

const byKey = <V>(m: Map<string, V>): [string, V][] =>
  [...m.entries()].sort((a, b) => (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0));

export function serializeGatewayMap(view: GatewayMapView): string {
  const snapshot: Snapshot = {
    position: view.position.toString(),
    apis: byKey(view.apis).map(([id, { resources: _compiled, ...api }]) => [id, api]),
    versionRoutes: byKey(view.versionRoutes),
    defaultRoutes: byKey(view.defaultRoutes),
    applications: byKey(view.applications),
    consumerKeys: byKey(view.consumerKeys),
    subscriptions: byKey(view.subscriptions),
    policies: byKey(view.policies),
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
  view.subscriptions = new Map(s.subscriptions);
  view.policies = new Map(s.policies);
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
  version: 1,
  initialView: emptyGatewayMap,
  apply: applyToGatewayMap,
  serialize: serializeGatewayMap,
  deserialize: deserializeGatewayMap,
};
