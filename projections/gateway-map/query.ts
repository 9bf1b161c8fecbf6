// The read side of the gateway map: the lookups the gateway pipeline makes per request.
// Written for the hot path: no allocation beyond the prefix strings used as Map keys.
import type { HttpVerb, LifecycleStatus } from '../../domain/api/events.ts';
import type { PolicyLevel } from '../../domain/policy/events.ts';
import { compileTemplate, matchesAt } from './uri-template.ts';
import {
  type GatewayMapView,
  type MapApi,
  type MapPolicy,
  type MapResource,
  type MapSubscription,
} from './view.ts';

/** Lifecycle states the gateway serves (BLOCKED is served with 700700). */
export const isDeployed = (status: LifecycleStatus): boolean =>
  status === 'PUBLISHED' || status === 'DEPRECATED' || status === 'BLOCKED' || status === 'PROTOTYPED';

/** Where an API prefix ends in the URL; written by findApi. */
export interface PrefixOut {
  prefixEnd: number;
}

const MAX_DEPTH = 32;
const boundaries = new Int32Array(MAX_DEPTH + 1);

/**
 * The deployed API whose `/{context}/{version}` or default-version `/{context}` is the longest
 * prefix of the path (`url` up to `pathEnd`, the index of `?` or the URL's length).
 */
export function findApi(view: GatewayMapView, url: string, pathEnd: number, out: PrefixOut): MapApi | undefined {
  const depth = Math.min(view.maxRouteDepth, MAX_DEPTH);
  let n = 0;
  for (let i = 1; i < pathEnd && n < depth; i++) if (url.charCodeAt(i) === 47) boundaries[n++] = i;
  if (n < depth) boundaries[n++] = pathEnd;
  for (let k = n - 1; k >= 0; k--) {
    const end = boundaries[k]!;
    const key = url.slice(0, end);
    const id = view.versionRoutes.get(key) ?? view.defaultRoutes.get(key);
    if (id === undefined) continue;
    const api = view.apis.get(id);
    if (api && isDeployed(api.lifecycleStatus)) {
      out.prefixEnd = end;
      return api;
    }
  }
  return undefined;
}

/** The API's operations compiled for matching, per verb, most specific first. */
export function resourcesOf(api: MapApi): Map<string, MapResource[]> {
  if (api.resources) return api.resources;
  const byVerb = new Map<string, MapResource[]>();
  for (const op of api.operations) {
    const compiled = compileTemplate(op.target);
    const resourceKey = `${api.context}/${api.version}${compiled.template}:${op.verb}`;
    const resource: MapResource = { ...op, compiled, resourceKey, resourceDefaultKey: `${resourceKey}_default` };
    const list = byVerb.get(op.verb) ?? [];
    list.push(resource);
    byVerb.set(op.verb, list);
  }
  for (const list of byVerb.values()) {
    list.sort((a, b) => b.compiled.specificity - a.compiled.specificity || (a.compiled.template < b.compiled.template ? -1 : 1));
  }
  api.resources = byVerb;
  return byVerb;
}

/** The most specific resource for the verb whose template matches the URL from `start`. HEAD falls back to GET. */
export function findResource(api: MapApi, verb: string, url: string, start: number): MapResource | undefined {
  const resources = resourcesOf(api);
  const found = matchIn(resources.get(verb), url, start);
  if (found || verb !== 'HEAD') return found;
  return matchIn(resources.get('GET' satisfies HttpVerb), url, start);
}

function matchIn(list: MapResource[] | undefined, url: string, start: number): MapResource | undefined {
  if (!list) return undefined;
  for (let i = 0; i < list.length; i++) if (matchesAt(list[i]!.compiled, url, start)) return list[i];
  return undefined;
}

/** Verbs with a resource matching the path (CORS preflight answers with these). */
export function verbsMatching(api: MapApi, url: string, start: number): string[] {
  const verbs: string[] = [];
  for (const [verb, list] of resourcesOf(api)) if (matchIn(list, url, start)) verbs.push(verb);
  return verbs;
}

export const subscriptionOf = (view: GatewayMapView, applicationId: string, apiId: string): MapSubscription | undefined =>
  view.subscriptions.get(applicationId)?.get(apiId);

export const policyOf = (view: GatewayMapView, level: PolicyLevel, name: string): MapPolicy | undefined =>
  view.policies[level].get(name);

export const isRevoked = (view: GatewayMapView, jti: string): boolean => view.revokedJtis.has(jti);
