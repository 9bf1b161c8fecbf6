// Folds one domain event into the gateway map, in place. Pure: the only notion of time is
// the event's own recordedAt (used to forget revocations whose tokens have expired).
import type { ApiDefinition } from '../../domain/api/events.ts';
import type { GatehouseEvent } from '../../domain/events.ts';
import type { RecordedEvent } from '../../domain/ports.ts';
import {
  type GatewayMapView,
  type MapApi,
  type MapSubscription,
} from './view.ts';

const depthOf = (route: string): number => {
  let n = 0;
  for (let i = 0; i < route.length; i++) if (route.charCodeAt(i) === 47 /* / */) n++;
  return n;
};

function addRoute(view: GatewayMapView, routes: Map<string, string>, route: string, apiId: string): void {
  routes.set(route, apiId);
  const depth = depthOf(route);
  if (depth > view.maxRouteDepth) view.maxRouteDepth = depth;
}

function defineApi(api: MapApi, def: ApiDefinition): void {
  api.endpoints = { production: def.endpoints.production, sandbox: def.endpoints.sandbox };
  api.operations = def.operations.map((o) => ({
    verb: o.verb,
    target: o.target,
    authType: o.authType,
    scopes: [...o.scopes],
    throttlingPolicy: o.throttlingPolicy,
  }));
  api.subscriptionPolicies = [...def.subscriptionPolicies];
  api.apiThrottlingPolicy = def.apiThrottlingPolicy;
  api.securitySchemes = [...def.securitySchemes];
  api.backendJwt = def.backendJwt;
  api.cors = { ...def.cors };
  api.maxTps = def.maxTps === undefined ? null : { production: def.maxTps.production, sandbox: def.maxTps.sandbox };
  api.resources = null;
}

/** Drops revocations of tokens that expired before `nowSec`, once the set has doubled since the last sweep. */
function sweepRevoked(view: GatewayMapView, nowSec: number): void {
  if (view.revokedJtis.size < Math.max(1024, view.revokedSweepSize * 2)) return;
  for (const [jti, exp] of view.revokedJtis) if (exp !== null && exp < nowSec) view.revokedJtis.delete(jti);
  view.revokedSweepSize = view.revokedJtis.size;
}

function revoke(view: GatewayMapView, jti: string, exp: number | null, recordedAt: string): void {
  view.revokedJtis.set(jti, exp);
  const nowSec = Math.floor(Date.parse(recordedAt) / 1000);
  if (Number.isFinite(nowSec)) sweepRevoked(view, nowSec);
}

function setSubscription(view: GatewayMapView, sub: MapSubscription): void {
  let ofApp = view.subscriptions.get(sub.applicationId);
  if (ofApp === undefined) view.subscriptions.set(sub.applicationId, (ofApp = new Map()));
  if (!ofApp.has(sub.apiId)) view.subscriptionCount++;
  ofApp.set(sub.apiId, sub);
}

function deleteSubscription(view: GatewayMapView, applicationId: string, apiId: string, subscriptionId: string): void {
  const ofApp = view.subscriptions.get(applicationId);
  if (ofApp?.get(apiId)?.id !== subscriptionId) return;
  ofApp.delete(apiId);
  view.subscriptionCount--;
  if (ofApp.size === 0) view.subscriptions.delete(applicationId);
}

export function applyToGatewayMap(view: GatewayMapView, recorded: RecordedEvent): GatewayMapView {
  view.position = recorded.globalPosition;
  const event = recorded as unknown as GatehouseEvent;
  switch (event.type) {
    case 'ApiCreated': {
      const d = event.data;
      const api: MapApi = {
        id: d.apiId,
        name: d.name,
        context: d.context,
        version: d.version,
        provider: d.provider,
        lifecycleStatus: d.lifecycleStatus,
        endpoints: { production: null, sandbox: null },
        operations: [],
        subscriptionPolicies: [],
        apiThrottlingPolicy: null,
        securitySchemes: [],
        backendJwt: false,
        cors: { enabled: false, allowOrigins: [], allowCredentials: false, allowHeaders: [], allowMethods: [] },
        maxTps: null,
        resources: null,
      };
      defineApi(api, d);
      view.apis.set(api.id, api);
      addRoute(view, view.versionRoutes, `${d.context}/${d.version}`, api.id);
      break;
    }
    case 'ApiUpdated': {
      const api = view.apis.get(event.data.apiId);
      if (api) defineApi(api, event.data);
      break;
    }
    case 'ApiLifecycleChanged': {
      const api = view.apis.get(event.data.apiId);
      if (api) api.lifecycleStatus = event.data.to;
      break;
    }
    case 'ApiDeleted': {
      const d = event.data;
      view.apis.delete(d.apiId);
      const versioned = `${d.context}/${d.version}`;
      if (view.versionRoutes.get(versioned) === d.apiId) view.versionRoutes.delete(versioned);
      if (view.defaultRoutes.get(d.context) === d.apiId) view.defaultRoutes.delete(d.context);
      break;
    }
    case 'DefaultApiVersionChanged': {
      // Keyed by context alone, so the order of this event and ApiCreated does not matter.
      const d = event.data;
      if (d.previousApiId && view.defaultRoutes.get(d.context) === d.previousApiId) view.defaultRoutes.delete(d.context);
      if (d.apiId) addRoute(view, view.defaultRoutes, d.context, d.apiId);
      else view.defaultRoutes.delete(d.context);
      break;
    }

    case 'ApplicationCreated': {
      const d = event.data;
      view.applications.set(d.applicationId, {
        id: d.applicationId,
        name: d.name,
        owner: d.owner,
        throttlingPolicy: d.throttlingPolicy,
        consumerKeys: [],
      });
      break;
    }
    case 'ApplicationUpdated': {
      const app = view.applications.get(event.data.applicationId);
      if (app) {
        app.name = event.data.name;
        app.throttlingPolicy = event.data.throttlingPolicy;
      }
      break;
    }
    case 'ApplicationDeleted': {
      const app = view.applications.get(event.data.applicationId);
      if (app) for (const ck of app.consumerKeys) view.consumerKeys.delete(ck);
      view.applications.delete(event.data.applicationId);
      break;
    }
    case 'ApplicationKeysGenerated':
    case 'ApplicationSecretRegenerated': {
      const d = event.data;
      const app = view.applications.get(d.applicationId);
      if (!app) break;
      view.consumerKeys.set(d.consumerKey, { applicationId: d.applicationId, keyType: d.keyType });
      if (!app.consumerKeys.includes(d.consumerKey)) app.consumerKeys.push(d.consumerKey);
      break;
    }
    case 'ApiKeyRevoked':
      revoke(view, event.data.jti, event.data.exp, recorded.metadata.recordedAt);
      break;
    case 'TokenRevoked':
      revoke(view, event.data.jti, event.data.exp, recorded.metadata.recordedAt);
      break;

    case 'SubscriptionCreated': {
      const d = event.data;
      setSubscription(view, { id: d.subscriptionId, applicationId: d.applicationId, apiId: d.apiId, tier: d.throttlingPolicy, status: d.status });
      break;
    }
    case 'SubscriptionTierChanged':
    case 'SubscriptionBlocked':
    case 'SubscriptionUnblocked': {
      const d = event.data;
      const sub = view.subscriptions.get(d.applicationId)?.get(d.apiId);
      if (!sub || sub.id !== d.subscriptionId) break;
      if (event.type === 'SubscriptionTierChanged') sub.tier = event.data.to;
      else sub.status = event.data.status;
      break;
    }
    case 'SubscriptionDeleted': {
      const d = event.data;
      deleteSubscription(view, d.applicationId, d.apiId, d.subscriptionId);
      break;
    }

    case 'ThrottlingPolicyCreated':
    case 'ThrottlingPolicyUpdated': {
      const d = event.data;
      view.policies[d.level].set(d.name, {
        level: d.level,
        name: d.name,
        limitType: d.limitType,
        requestCount: d.requestCount,
        dataAmount: d.dataAmount,
        dataUnit: d.dataUnit,
        unitTime: d.unitTime,
        timeUnit: d.timeUnit,
        burstLimit: d.burstLimit,
        burstTimeUnit: d.burstTimeUnit,
        stopOnQuotaReach: d.stopOnQuotaReach,
        conditionalGroups: d.conditionalGroups.map((g) => ({ ...g, conditions: g.conditions.map((c) => ({ ...c })) })),
      });
      break;
    }
    case 'ThrottlingPolicyDeleted':
      view.policies[event.data.level].delete(event.data.name);
      break;

    case 'BlockingConditionAdded': {
      const d = event.data;
      view.blocking.set(d.conditionId, { id: d.conditionId, type: d.type, value: d.value, enabled: d.enabled, invert: d.invert });
      view.blockingVersion++;
      break;
    }
    case 'BlockingConditionEnabled':
    case 'BlockingConditionDisabled': {
      const c = view.blocking.get(event.data.conditionId);
      if (c) {
        c.enabled = event.type === 'BlockingConditionEnabled';
        view.blockingVersion++;
      }
      break;
    }
    case 'BlockingConditionRemoved':
      if (view.blocking.delete(event.data.conditionId)) view.blockingVersion++;
      break;

    case 'SigningKeyAdded': {
      const d = event.data;
      view.signingKeys.set(d.kid, { kid: d.kid, alg: d.alg, publicJwk: d.publicJwk });
      view.currentKid = d.kid;
      view.keysVersion++;
      break;
    }
    case 'SigningKeyRotated': {
      // The new key signs; the previous one still verifies; the retired one leaves (as the JWKS does).
      const d = event.data;
      if (d.retiredKid) view.signingKeys.delete(d.retiredKid);
      view.signingKeys.set(d.kid, { kid: d.kid, alg: d.alg, publicJwk: d.publicJwk });
      view.currentKid = d.kid;
      view.keysVersion++;
      break;
    }
    default:
      break;
  }
  return view;
}
