// API events (api-<uuid>) and the API-name index (api-versions-<name>) into the catalog.
import type { ApiDefinition, ApiDocument, ApiEvent, ApiVersionsEvent } from '../../domain/api/events.ts';
import type { RecordedEvent } from '../../domain/ports.ts';
import { indexApi, unindexApi } from './indexing.ts';
import type { ApiRecord, CatalogView, DocumentRecord } from './view.ts';

const definitionFields = (d: ApiDefinition) => ({
  description: d.description,
  endpoints: { production: d.endpoints.production, sandbox: d.endpoints.sandbox },
  operations: d.operations.map((o) => ({ ...o, scopes: [...o.scopes] })),
  subscriptionPolicies: [...d.subscriptionPolicies],
  apiThrottlingPolicy: d.apiThrottlingPolicy,
  securitySchemes: [...d.securitySchemes],
  scopes: d.scopes.map((s) => ({ ...s, roles: [...s.roles] })),
  backendJwt: d.backendJwt,
  cors: { ...d.cors },
  tags: [...d.tags],
  visibility: d.visibility,
  visibleRoles: [...(d.visibleRoles ?? [])],
});

const toDocument = ({ documentId, apiId: _apiId, ...rest }: ApiDocument & { apiId: string }): DocumentRecord => ({
  id: documentId,
  ...rest,
});

/** Replaces the record (never mutates it) and keeps the index in step. */
function put(view: CatalogView, next: ApiRecord, previous?: ApiRecord): void {
  view.apis.set(next.id, next);
  indexApi(view, next, previous);
}

function change(view: CatalogView, apiId: string, event: RecordedEvent, patch: (api: ApiRecord) => Partial<ApiRecord>): void {
  const api = view.apis.get(apiId);
  if (!api) return;
  put(
    view,
    { ...api, ...patch(api), streamVersion: event.streamVersion, position: event.globalPosition, updatedAt: event.metadata.recordedAt },
    api,
  );
}

export function applyApiEvent(view: CatalogView, e: ApiEvent, event: RecordedEvent): void {
  switch (e.type) {
    case 'ApiCreated': {
      const d = e.data;
      put(view, {
        id: d.apiId,
        name: d.name,
        context: d.context,
        version: d.version,
        provider: d.provider,
        lifecycleStatus: d.lifecycleStatus,
        isDefaultVersion: view.defaultVersions.get(d.name.toLowerCase()) === d.apiId,
        ...definitionFields(d),
        documents: [],
        lifecycleHistory: [],
        copiedFrom: d.copiedFrom ? { ...d.copiedFrom } : null,
        createdAt: event.metadata.recordedAt,
        updatedAt: event.metadata.recordedAt,
        streamVersion: event.streamVersion,
        position: event.globalPosition,
      });
      return;
    }
    case 'ApiUpdated':
      return change(view, e.data.apiId, event, () => definitionFields(e.data));
    case 'ApiLifecycleChanged':
      return change(view, e.data.apiId, event, (api) => ({
        lifecycleStatus: e.data.to,
        lifecycleHistory: [
          ...api.lifecycleHistory,
          { from: e.data.from, to: e.data.to, action: e.data.action, actor: event.metadata.actor, at: event.metadata.recordedAt, position: event.globalPosition },
        ],
      }));
    case 'ApiDeleted': {
      const api = view.apis.get(e.data.apiId);
      if (!api) return;
      view.apis.delete(api.id);
      unindexApi(view, api);
      return;
    }
    case 'ApiDocumentAdded':
      return change(view, e.data.apiId, event, (api) => ({ documents: [...api.documents, toDocument(e.data)] }));
    case 'ApiDocumentUpdated':
      return change(view, e.data.apiId, event, (api) => ({
        documents: api.documents.map((doc) => (doc.id === e.data.documentId ? toDocument(e.data) : doc)),
      }));
    case 'ApiDocumentRemoved':
      return change(view, e.data.apiId, event, (api) => ({ documents: api.documents.filter((doc) => doc.id !== e.data.documentId) }));
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
    if (api.isDefaultVersion !== isDefaultVersion) put(view, { ...api, isDefaultVersion, position: event.globalPosition }, api);
  }
}
