// Throttling with WSO2 semantics and order (§4.2): deny policies (900805), then the backend
// hard limit (maxTps of the key type, node-local, 1 s windows: 900801 / 503), then the API-level
// advanced policy (900800) or, when the API has none, the resource's (900802), then the
// subscription tier with burst control first (900807, 900804), then the application tier per
// user (900803), then custom-policy keys (900806). Keys are WSO2's (§4.1). A level refuses when
// a traffic-manager decision holds its key or its local fixed-window counter is full (unless
// stopOnQuotaReach is false: then it only counts; with localQuotaGateways > 1 the local share
// of a cluster-wide limit). Requests are counted only once every level admitted them; the
// counted keys with their limits and windows go to the request fact as throttleHits.
import type { ThrottleKeyHit } from '../../domain/ports.ts';
import type { MapPolicy } from '../../projections/gateway-map/view.ts';
import { policyOf } from '../../projections/gateway-map/query.ts';
import type { RequestContext } from '../context.ts';
import { errors, type GatewayError } from '../errors.ts';
import { queryParam } from '../http/query.ts';
import type { Phase } from '../phase.ts';
import { matchingGroup, type ConditionInput } from '../throttle/conditions.ts';
import { expandKeyTemplate } from '../throttle/custom-keys.ts';
import type { WindowCounters } from '../throttle/counters.ts';
import { windowAt, type Window } from '../throttle/windows.ts';

const UNAUTHENTICATED_TIER = 'Unauthenticated';
const BYTES: Record<string, number> = { KB: 1024, MB: 1024 * 1024, GB: 1024 * 1024 * 1024 };

/** Hits to report once the request is admitted (reused like `pending`). */
let hits: ThrottleKeyHit[] = [];

/** Counters to add one to once the request is admitted (reused: the phase is synchronous). */
const pending: { counters: WindowCounters; key: string; start: number; end: number }[] = [];
let pendingCount = 0;
const window: Window = { start: 0, end: 0 };

function queue(counters: WindowCounters, key: string, w: Window): void {
  const slot = pending[pendingCount];
  if (slot === undefined) pending.push({ counters, key, start: w.start, end: w.end });
  else {
    slot.counters = counters;
    slot.key = key;
    slot.start = w.start;
    slot.end = w.end;
  }
  pendingCount++;
}

function refuse(ctx: RequestContext, e: GatewayError, until: number): GatewayError {
  ctx.retryAfterS = Math.ceil((until - ctx.startedAt) / 1000);
  return e;
}

interface Limit {
  requestCount: number | null;
  dataAmount: number | null;
  dataUnit: string | null;
  timeUnit: MapPolicy['timeUnit'];
  unitTime: number;
}

/** A traffic-manager decision on the key refuses the request whatever the local policy says. */
function decided(ctx: RequestContext, key: string, e: GatewayError): GatewayError | undefined {
  const until = ctx.gw.decisions.throttledUntil(key, ctx.startedAt);
  return until > 0 ? refuse(ctx, e, until) : undefined;
}

/** Checks one level's local counter and queues its count. Returns the error when the level refuses. */
function checkLevel(ctx: RequestContext, key: string, limit: Limit, bandwidth: boolean, stopOnQuotaReach: boolean, e: GatewayError): GatewayError | undefined {
  const gw = ctx.gw;
  const max = bandwidth ? (limit.dataAmount === null ? null : limit.dataAmount * (BYTES[limit.dataUnit ?? 'KB'] ?? 1024)) : limit.requestCount;
  if (max === null) return undefined; // unlimited: the key is still reported in the request fact
  windowAt(limit.timeUnit, limit.unitTime, ctx.startedAt, window);
  const shared = gw.config.localQuotaGateways;
  const local = shared > 1 ? Math.ceil(max / shared) : max;
  if (stopOnQuotaReach && gw.counters.used(key, window.start) >= local) return refuse(ctx, e, window.end);
  if (bandwidth) (ctx.bandwidth ??= []).push({ key, start: window.start, end: window.end });
  else {
    queue(gw.counters, key, window);
    if (stopOnQuotaReach && gw.config.reportThrottleHits) hits.push({ key, limit: max, windowStart: window.start, windowEnd: window.end });
  }
  return undefined;
}

function conditionInput(ctx: RequestContext): ConditionInput {
  return {
    clientIp: ctx.clientIp,
    header: (name) => {
      const v = ctx.req.headers[name];
      return Array.isArray(v) ? v.join(', ') : v;
    },
    query: (name) => queryParam(ctx.url, ctx.pathEnd, name),
    claim: (name) => ctx.principal?.claims[name],
  };
}

/** Backend hard limit (WSO2 maxTps): per API and key type; no key type (auth NONE) counts as production. */
function hardLimit(ctx: RequestContext): GatewayError | undefined {
  const api = ctx.api!;
  const maxTps = api.maxTps;
  if (maxTps === null) return undefined;
  const keyType = ctx.keyType ?? 'PRODUCTION';
  const limit = keyType === 'SANDBOX' ? maxTps.sandbox : maxTps.production;
  if (limit === null) return undefined;
  const counters = ctx.gw.hardLimits[keyType];
  windowAt('SEC', 1, ctx.startedAt, window);
  if (counters.used(api.id, window.start) >= limit) return refuse(ctx, errors.hardLimitExceeded, window.end);
  queue(counters, api.id, window);
  return undefined;
}

function advancedLevel(ctx: RequestContext, keys: string[]): GatewayError | undefined {
  const api = ctx.api!;
  const resource = ctx.resource!;
  const apiLevel = api.apiThrottlingPolicy !== null;
  const name = apiLevel ? api.apiThrottlingPolicy : resource.throttlingPolicy;
  if (name === null) return undefined;
  const policy = policyOf(ctx.view, 'ADVANCED', name);
  if (policy === undefined) return undefined;
  const group = policy.conditionalGroups.length > 0 ? matchingGroup(policy, conditionInput(ctx)) : undefined;
  const base = apiLevel ? (api.throttleKey ??= `${api.context}:${api.version}`) : resource.resourceKey;
  const key = group !== undefined ? `${base}_condition_${group.index}` : apiLevel ? `${base}_default` : resource.resourceDefaultKey;
  keys.push(key);
  const e = apiLevel ? errors.apiThrottled : errors.resourceThrottled;
  const refused = decided(ctx, key, e);
  if (refused) return refused;
  const limit: Limit = group === undefined ? policy : group.group;
  const bandwidth = group === undefined ? policy.limitType === 'BANDWIDTH' : group.group.requestCount === null && group.group.dataAmount !== null;
  return checkLevel(ctx, key, limit, bandwidth, policy.stopOnQuotaReach, e);
}

function subscriptionLevel(ctx: RequestContext, keys: string[]): GatewayError | undefined {
  const api = ctx.api!;
  const sub = ctx.subscription;
  // Cached on the subscription: a steady client hashes no new key string per request.
  const key = sub !== null ? (sub.throttleKey ??= `${sub.applicationId}:${api.context}:${api.version}`) : `${ctx.clientIp}:${api.context}:${api.version}`;
  keys.push(key);
  const refused = decided(ctx, key, errors.subscriptionThrottled);
  if (refused) return refused;
  const policy = policyOf(ctx.view, 'SUBSCRIPTION', ctx.tier ?? UNAUTHENTICATED_TIER);
  if (policy === undefined) return undefined;
  if (policy.burstLimit !== null && policy.burstLimit > 0 && policy.burstTimeUnit !== null) {
    // Spike arrest is node-local (§4.4) and always stops.
    windowAt(policy.burstTimeUnit, 1, ctx.startedAt, window);
    if (ctx.gw.burst.used(key, window.start) >= policy.burstLimit) return refuse(ctx, errors.burstThrottled, window.end);
    queue(ctx.gw.burst, key, window);
  }
  return checkLevel(ctx, key, policy, policy.limitType === 'BANDWIDTH', policy.stopOnQuotaReach, errors.subscriptionThrottled);
}

function applicationLevel(ctx: RequestContext, keys: string[]): GatewayError | undefined {
  const app = ctx.application;
  if (app === null) return undefined;
  const p = ctx.principal;
  let key: string;
  if (p === null) key = `${app.id}:`;
  else if (p.appThrottleKeyFor === app.id) key = p.appThrottleKey!;
  else {
    key = p.appThrottleKey = `${app.id}:${p.subject}`;
    p.appThrottleKeyFor = app.id;
  }
  keys.push(key);
  const refused = decided(ctx, key, errors.applicationThrottled);
  if (refused) return refused;
  const policy = policyOf(ctx.view, 'APPLICATION', app.throttlingPolicy);
  if (policy === undefined) return undefined;
  return checkLevel(ctx, key, policy, policy.limitType === 'BANDWIDTH', policy.stopOnQuotaReach, errors.applicationThrottled);
}

function customLevel(ctx: RequestContext, keys: string[]): GatewayError | undefined {
  const templates = ctx.gw.config.customKeyTemplates;
  for (let i = 0; i < templates.length; i++) {
    const key = expandKeyTemplate(templates[i]!, ctx);
    keys.push(key);
    const refused = decided(ctx, key, errors.customThrottled);
    if (refused) return refused;
  }
  return undefined;
}

export const throttle: Phase = {
  name: 'throttle',
  run(ctx) {
    const gw = ctx.gw;
    const app = ctx.application;
    if (
      !gw.deny.empty &&
      gw.deny.blocks({
        apiPath: ctx.apiPath(),
        application: app === null ? null : `${app.owner}:${app.name}`,
        user: ctx.principal?.subject ?? null,
        clientIp: ctx.clientIp,
      })
    ) {
      return errors.blockedByDenyPolicy;
    }
    const keys: string[] = [];
    ctx.throttleKeys = keys;
    pendingCount = 0;
    if (hits.length > 0) hits = [];
    const refused = hardLimit(ctx) ?? advancedLevel(ctx, keys) ?? subscriptionLevel(ctx, keys) ?? applicationLevel(ctx, keys) ?? customLevel(ctx, keys);
    if (refused !== undefined) {
      ctx.bandwidth = null;
      return refused;
    }
    for (let i = 0; i < pendingCount; i++) {
      const p = pending[i]!;
      p.counters.add(p.key, p.start, p.end, 1);
    }
    if (hits.length > 0) {
      ctx.throttleHits = hits;
      hits = [];
    }
    return undefined;
  },

  complete(ctx) {
    const charges = ctx.bandwidth;
    if (charges === null) return;
    const bytes = ctx.requestBytes + ctx.responseBytes;
    for (const c of charges) ctx.gw.counters.add(c.key, c.start, c.end, bytes);
  },
};
