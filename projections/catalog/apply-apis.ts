// API events (api-<uuid>) and the API-name index (api-versions-<name>) into the catalog.
import type { ApiDefinition, ApiDocument, ApiEvent, ApiVersionsEvent } from '../../domain/api/events.ts';
import type { RecordedEvent } from '../../domain/ports.ts';
import { indexApi, unindexApi } from './indexing.ts';
import { copyApiRecord, type ApiRecord, type CatalogView, type DocumentRecord } from './view.ts';

/** The definition's fields copied onto a record being built (the event's arrays are not shared). */
function setDefinition(api: ApiRecord, d: ApiDefinition): void {
  api.description = d.description;
  api.endpoints = { production: d.endpoints.production, sandbox: d.endpoints.sandbox };
  api.operations = d.operations.map((o) => ({ ...o, scopes: [...o.scopes] }));
  api.subscriptionPolicies = [...d.subscriptionPolicies];
  api.apiThrottlingPolicy = d.apiThrottlingPolicy;
  api.securitySchemes = [...d.securitySchemes];
  api.scopes = d.scopes.map((s) => ({ ...s, roles: [...s.roles] }));
  api.backendJwt = d.backendJwt;
  api.cors = { ...d.cors };
  api.tags = [...d.tags];
  api.visibility = d.visibility;
  api.visibleRoles = [...(d.visibleRoles ?? [])];
  api.maxTps = d.maxTps === undefined ? null : { ...d.maxTps };
}

const toDocument = ({ documentId, apiId: _apiId, ...rest }: ApiDocument & { apiId: string }): DocumentRecord => ({
  id: documentId,
  ...rest,
});

/** Replaces the record (never mutates it) and keeps the index in step. */
function put(view: CatalogView, next: ApiRecord, previous?: ApiRecord): void {
  view.apis.set(next.id, next);
  indexApi(view, next, previous);
}

/** A new record from the current one, edited by `edit` before anyone can see it. */
function change(view: CatalogView, apiId: string, event: RecordedEvent, edit: (next: ApiRecord, current: ApiRecord) => void): void {
  const api = view.apis.get(apiId);
  if (!api) return;
  const next = copyApiRecord(api);
  edit(next, api);
  next.streamVersion = event.streamVersion;
  next.position = event.globalPosition;
  next.updatedAt = event.metadata.recordedAt;
  put(view, next, api);
}

export function applyApiEvent(view: CatalogView, e: ApiEvent, event: RecordedEvent): void {
  switch (e.type) {
    case 'ApiCreated': {
      const d = e.data;
      // The event's fields first, then own copies of the definition's arrays and objects.
      const api = copyApiRecord({
        id: d.apiId,
        name: d.name,
        context: d.context,
        version: d.version,
        provider: d.provider,
        lifecycleStatus: d.lifecycleStatus,
        isDefaultVersion: view.defaultVersions.get(d.name.toLowerCase()) === d.apiId,
        description: d.description,
        endpoints: d.endpoints,
        operations: d.operations,
        subscriptionPolicies: d.subscriptionPolicies,
        apiThrottlingPolicy: d.apiThrottlingPolicy,
        securitySchemes: d.securitySchemes,
        scopes: d.scopes,
        backendJwt: d.backendJwt,
        cors: d.cors,
        tags: d.tags,
        visibility: d.visibility,
        visibleRoles: d.visibleRoles,
        maxTps: null,
        documents: [],
        lifecycleHistory: [],
        copiedFrom: d.copiedFrom ? { ...d.copiedFrom } : null,
        createdAt: event.metadata.recordedAt,
        updatedAt: event.metadata.recordedAt,
        streamVersion: event.streamVersion,
        position: event.globalPosition,
      });
      setDefinition(api, d);
      put(view, api, view.apis.get(d.apiId));
      return;
    }
    case 'ApiUpdated':
      return change(view, e.data.apiId, event, (next) => setDefinition(next, e.data));
    case 'ApiLifecycleChanged':
      return change(view, e.data.apiId, event, (next, api) => {
        next.lifecycleStatus = e.data.to;
        next.lifecycleHistory = [
          ...api.lifecycleHistory,
          { from: e.data.from, to: e.data.to, action: e.data.action, actor: event.metadata.actor, at: event.metadata.recordedAt, position: event.globalPosition },
        ];
      });
    case 'ApiDeleted': {
      const api = view.apis.get(e.data.apiId);
      if (!api) return;
      view.apis.delete(api.id);
      unindexApi(view, api);
      return;
    }
    case 'ApiDocumentAdded':
      return change(view, e.data.apiId, event, (next, api) => {
        next.documents = [...api.documents, toDocument(e.data)];
      });
    case 'ApiDocumentUpdated':
      return change(view, e.data.apiId, event, (next, api) => {
        next.documents = api.documents.map((doc) => (doc.id === e.data.documentId ? toDocument(e.data) : doc));
      });
    case 'ApiDocumentRemoved':
      return change(view, e.data.apiId, event, (next, api) => {
        next.documents = api.documents.filter((doc) => doc.id !== e.data.documentId);
      });
  }
}

/**
 * Only the default-version move changes records (registration follows from ApiCreated and
 * ApiDeleted). Every version of the name is re-flagged, so one default per name holds even if
 * previousApiId were stale. The move counts as a change of the records it touches (position).
 */
export function applyApiVersionsEvent(view: CatalogView, e: ApiVersionsEvent, event: RecordedEvent): void {
  if (e.type !== 'DefaultApiVersionChanged') return;
  const name = e.data.name.toLowerCase();
  if (e.data.apiId) view.defaultVersions.set(name, e.data.apiId);
  else view.defaultVersions.delete(name);
  for (const id of [...(view.index.apisByName.get(name) ?? [])]) {
    const api = view.apis.get(id)!;
    const isDefaultVersion = id === e.data.apiId;
    if (api.isDefaultVersion === isDefaultVersion) continue;
    const next = copyApiRecord(api);
    next.isDefaultVersion = isDefaultVersion;
    next.position = event.globalPosition;
    put(view, next, api);
  }
}
