// Keeps the catalog's derived lookups (view.index) in step with its records. The API order is
// a SortedKeys (chunked sorted array), so listing never sorts and an insert costs O(log n + B).
// Re-indexing a replaced record only touches the lookups whose inputs changed: most events
// (updates, lifecycle moves) leave name, context, version and scopes as they were.
import { SortedKeys } from './sorted-keys.ts';
import {
  appApiKey,
  contextVersionKey,
  emptyIndex,
  type ApiRecord,
  type ApiSearchText,
  type ApplicationRecord,
  type CatalogView,
  type SubscriptionRecord,
} from './view.ts';

export const apiSortKey = (api: Pick<ApiRecord, 'name' | 'version' | 'id'>): string =>
  `${api.name.toLowerCase()}\u0000${api.version}\u0000${api.id}`;

export const idOfSortKey = (key: string): string => key.slice(key.lastIndexOf('\u0000') + 1);

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

const addToList = (m: Map<string, string[]>, key: string, id: string): void => {
  const list = m.get(key);
  if (!list) m.set(key, [id]);
  else if (!list.includes(id)) list.push(id);
};

const removeFromList = (m: Map<string, string[]>, key: string, id: string): void => {
  const list = m.get(key);
  const at = list ? list.indexOf(id) : -1;
  if (at < 0) return;
  if (list!.length === 1) m.delete(key);
  else list!.splice(at, 1);
};

const sameStrings = (a: readonly string[], b: readonly string[]): boolean => {
  if (a === b) return true;
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
};

const sameScopes = (a: ApiRecord['scopes'], b: ApiRecord['scopes']): boolean => {
  if (a === b) return true;
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i]!.name !== b[i]!.name || !sameStrings(a[i]!.roles, b[i]!.roles)) return false;
  return true;
};

/** Search text of `api`, reusing the lower-cased parts of `previous` whose source did not change. */
function searchText(api: ApiRecord, previous?: ApiRecord, text?: ApiSearchText): ApiSearchText {
  const reuse = previous !== undefined && text !== undefined;
  return {
    name: reuse && previous.name === api.name ? text.name : api.name.toLowerCase(),
    context: reuse && previous.context === api.context ? text.context : api.context.toLowerCase(),
    version: reuse && previous.version === api.version ? text.version : api.version.toLowerCase(),
    description: reuse && previous.description === api.description ? text.description : (api.description ?? '').toLowerCase(),
    provider: reuse && previous.provider === api.provider ? text.provider : api.provider.toLowerCase(),
    status: api.lifecycleStatus,
    tags: reuse && sameStrings(previous.tags, api.tags) ? text.tags : api.tags.map((t) => t.toLowerCase()),
  };
}

function unindexScopes(view: CatalogView, api: ApiRecord): void {
  for (const scope of api.scopes) {
    const byApi = view.index.scopeRoles.get(scope.name);
    byApi?.delete(api.id);
    if (byApi?.size === 0) view.index.scopeRoles.delete(scope.name);
  }
}

function indexScopes(view: CatalogView, api: ApiRecord): void {
  for (const scope of api.scopes) {
    let byApi = view.index.scopeRoles.get(scope.name);
    if (!byApi) view.index.scopeRoles.set(scope.name, (byApi = new Map()));
    byApi.set(api.id, scope.roles);
  }
}

export function unindexApi(view: CatalogView, api: ApiRecord): void {
  const ix = view.index;
  ix.apiOrder.delete(apiSortKey(api));
  ix.apiText.delete(api.id);
  removeFromList(ix.apisByName, api.name.toLowerCase(), api.id);
  const cv = contextVersionKey(api.context, api.version);
  if (ix.apiByContextVersion.get(cv) === api.id) ix.apiByContextVersion.delete(cv);
  unindexScopes(view, api);
}

/**
 * (Re)indexes an API record; `previous` is the record it replaces, if any. With `keepOrder`
 * false apiOrder is left to the caller (a bulk load sorts once).
 */
export function indexApi(view: CatalogView, api: ApiRecord, previous?: ApiRecord, keepOrder = true): void {
  const ix = view.index;
  if (previous !== undefined && previous.id !== api.id) {
    unindexApi(view, previous);
    previous = undefined;
  }
  if (keepOrder && (previous === undefined || previous.name !== api.name || previous.version !== api.version)) {
    if (previous !== undefined) ix.apiOrder.delete(apiSortKey(previous));
    ix.apiOrder.add(apiSortKey(api));
  }
  ix.apiText.set(api.id, searchText(api, previous, ix.apiText.get(api.id)));

  if (previous === undefined || previous.name.toLowerCase() !== api.name.toLowerCase()) {
    if (previous !== undefined) removeFromList(ix.apisByName, previous.name.toLowerCase(), api.id);
    addToList(ix.apisByName, api.name.toLowerCase(), api.id);
  }
  if (previous === undefined || previous.context !== api.context || previous.version !== api.version) {
    if (previous !== undefined) {
      const oldCv = contextVersionKey(previous.context, previous.version);
      if (ix.apiByContextVersion.get(oldCv) === api.id) ix.apiByContextVersion.delete(oldCv);
    }
    ix.apiByContextVersion.set(contextVersionKey(api.context, api.version), api.id);
  }
  if (previous === undefined || !sameScopes(previous.scopes, api.scopes)) {
    if (previous !== undefined) unindexScopes(view, previous);
    indexScopes(view, api);
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
  // One sort for a whole load instead of n insertions; same order.
  view.index.apiOrder = SortedKeys.fromSorted([...view.apis.values()].map(apiSortKey).sort((a, b) => (a < b ? -1 : a > b ? 1 : 0)));
  for (const app of view.applications.values()) indexApplication(view, app);
  for (const sub of view.subscriptions.values()) indexSubscription(view, sub);
}
