// Keeps the catalog's derived lookups (view.index) in step with its records. The API order is
// a sorted array maintained by binary insertion, so listing never sorts.
import {
  appApiKey,
  contextVersionKey,
  emptyIndex,
  type ApiRecord,
  type ApplicationRecord,
  type CatalogView,
  type SubscriptionRecord,
} from './view.ts';

export const apiSortKey = (api: Pick<ApiRecord, 'name' | 'version' | 'id'>): string =>
  `${api.name.toLowerCase()}\u0000${api.version}\u0000${api.id}`;

export const idOfSortKey = (key: string): string => key.slice(key.lastIndexOf('\u0000') + 1);

/** First index whose key is >= key (or > key when `strict`). */
export function lowerBound(sorted: readonly string[], key: string, strict = false): number {
  let lo = 0;
  let hi = sorted.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    const k = sorted[mid]!;
    if (k < key || (strict && k === key)) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

const addTo = (m: Map<string, Set<string>>, key: string, id: string): void => {
  const set = m.get(key);
  if (set) set.add(id);
  else m.set(key, new Set([id]));
};

const removeFrom = (m: Map<string, Set<string>>, key: string, id: string): void => {
  const set = m.get(key);
  if (!set) return;
  set.delete(id);
  if (set.size === 0) m.delete(key);
};

export function unindexApi(view: CatalogView, api: ApiRecord, keepInOrder = false): void {
  const ix = view.index;
  const key = ix.apiSortKey.get(api.id);
  if (key !== undefined && !keepInOrder) {
    const at = lowerBound(ix.apiOrder, key);
    if (ix.apiOrder[at] === key) ix.apiOrder.splice(at, 1);
    ix.apiSortKey.delete(api.id);
  }
  ix.apiText.delete(api.id);
  removeFrom(ix.apisByName, api.name.toLowerCase(), api.id);
  const cv = contextVersionKey(api.context, api.version);
  if (ix.apiByContextVersion.get(cv) === api.id) ix.apiByContextVersion.delete(cv);
  for (const scope of api.scopes) {
    const byApi = ix.scopeRoles.get(scope.name);
    byApi?.delete(api.id);
    if (byApi?.size === 0) ix.scopeRoles.delete(scope.name);
  }
}

/** (Re)indexes an API record; `previous` is the record it replaces, if any. */
export function indexApi(view: CatalogView, api: ApiRecord, previous?: ApiRecord, keepOrder = true): void {
  const ix = view.index;
  const key = apiSortKey(api);
  const sameKey = previous !== undefined && ix.apiSortKey.get(previous.id) === key;
  if (previous) unindexApi(view, previous, sameKey);
  if (keepOrder && !sameKey) ix.apiOrder.splice(lowerBound(ix.apiOrder, key), 0, key);
  ix.apiSortKey.set(api.id, key);
  ix.apiText.set(api.id, {
    name: api.name.toLowerCase(),
    context: api.context.toLowerCase(),
    version: api.version.toLowerCase(),
    description: (api.description ?? '').toLowerCase(),
    provider: api.provider.toLowerCase(),
    status: api.lifecycleStatus,
    tags: api.tags.map((t) => t.toLowerCase()),
  });
  addTo(ix.apisByName, api.name.toLowerCase(), api.id);
  ix.apiByContextVersion.set(contextVersionKey(api.context, api.version), api.id);
  for (const scope of api.scopes) {
    let byApi = ix.scopeRoles.get(scope.name);
    if (!byApi) ix.scopeRoles.set(scope.name, (byApi = new Map()));
    byApi.set(api.id, scope.roles);
  }
}

export function indexApplication(view: CatalogView, app: ApplicationRecord): void {
  addTo(view.index.appsByOwner, app.owner, app.id);
}

export function unindexApplication(view: CatalogView, app: ApplicationRecord): void {
  removeFrom(view.index.appsByOwner, app.owner, app.id);
}

export function indexSubscription(view: CatalogView, sub: SubscriptionRecord): void {
  addTo(view.index.subsByApi, sub.apiId, sub.id);
  addTo(view.index.subsByApp, sub.applicationId, sub.id);
  view.index.subByAppApi.set(appApiKey(sub.applicationId, sub.apiId), sub.id);
}

export function unindexSubscription(view: CatalogView, sub: SubscriptionRecord): void {
  removeFrom(view.index.subsByApi, sub.apiId, sub.id);
  removeFrom(view.index.subsByApp, sub.applicationId, sub.id);
  const k = appApiKey(sub.applicationId, sub.apiId);
  if (view.index.subByAppApi.get(k) === sub.id) view.index.subByAppApi.delete(k);
}

/** Rebuilds every derived lookup from the records (after loading a snapshot). */
export function rebuildIndex(view: CatalogView): void {
  view.index = emptyIndex();
  for (const api of view.apis.values()) indexApi(view, api, undefined, false);
  // One sort for a whole load instead of n binary insertions; same order.
  view.index.apiOrder = [...view.index.apiSortKey.values()].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
  for (const app of view.applications.values()) indexApplication(view, app);
  for (const sub of view.subscriptions.values()) indexSubscription(view, sub);
}
