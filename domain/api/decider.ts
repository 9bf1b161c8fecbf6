// The API aggregate (`api-<uuid>`): definition, lifecycle (WSO2 §1.2 table) and documents.
// Cross-aggregate effects (context reservation, versions index, subscription copies,
// deprecating older versions) are orchestrated by services/gatehouse.ts.
import './upcasters.ts';
import type { Decider } from '../decider.ts';
import { conflict, invalidInput, invalidTransition, notFound } from '../errors.ts';
import {
  DEFAULT_DEFINITION,
  applyDefinition,
  validateApiName,
  validateContext,
  validateDocuments,
  validateVersion,
  type ApiDefinitionInput,
  type DocumentInput,
  type KnownTiers,
} from './definition.ts';
import type { ApiDefinition, ApiDocument, ApiEvent, LifecycleAction, LifecycleStatus } from './events.ts';
import { CHECK_ITEM_STATES, allowedActions, nextStatus } from './lifecycle.ts';

export interface ApiSnapshot {
  apiId: string;
  name: string;
  context: string;
  version: string;
  provider: string;
  lifecycleStatus: LifecycleStatus;
  definition: ApiDefinition;
  documents: ApiDocument[];
  copiedFrom: { apiId: string; version: string } | null;
}

export type ApiState =
  | { status: 'NONE' }
  | { status: 'ACTIVE'; api: ApiSnapshot }
  | { status: 'DELETED'; api: ApiSnapshot };

export type CreateApi = {
  type: 'CreateApi';
  data: {
    apiId: string;
    name: string;
    context: string;
    version: string;
    provider: string;
    definition: ApiDefinitionInput;
    documents: DocumentInput[];
    copiedFrom: { apiId: string; version: string } | null;
    knownTiers: KnownTiers;
  };
};

export type UpdateApi = {
  type: 'UpdateApi';
  data: {
    apiId: string;
    /** The name cannot change (it keys the versions index); giving the same name is fine. */
    name?: string | null;
    definition: ApiDefinitionInput;
    /** When given, replaces the whole document list. */
    documents?: DocumentInput[] | null;
    knownTiers: KnownTiers;
  };
};

export type ChangeApiLifecycle = {
  type: 'ChangeApiLifecycle';
  data: {
    apiId: string;
    action: LifecycleAction;
    deprecateOldVersions?: boolean | null;
    requireResubscription?: boolean | null;
    causedBy?: { apiId: string; version: string } | null;
  };
};

export type DeleteApi = {
  type: 'DeleteApi';
  data: { apiId: string; activeSubscriptions: number };
};

export type ApiCommand = CreateApi | UpdateApi | ChangeApiLifecycle | DeleteApi;

const active = (state: ApiState, apiId: string): ApiSnapshot => {
  if (state.status !== 'ACTIVE') throw notFound('API', apiId);
  return state.api;
};

function documentEvents(apiId: string, current: readonly ApiDocument[], input: readonly DocumentInput[]): ApiEvent[] {
  for (const d of input) {
    if (!d.isNew && !current.some((c) => c.documentId === d.documentId)) throw notFound('Document', d.documentId);
  }
  const next = validateDocuments(input);
  const events: ApiEvent[] = [];
  for (const c of current) {
    if (!next.some((n) => n.documentId === c.documentId)) events.push({ type: 'ApiDocumentRemoved', data: { apiId, documentId: c.documentId } });
  }
  for (const n of next) {
    const before = current.find((c) => c.documentId === n.documentId);
    if (!before) events.push({ type: 'ApiDocumentAdded', data: { apiId, ...n } });
    else if (JSON.stringify(before) !== JSON.stringify(n)) events.push({ type: 'ApiDocumentUpdated', data: { apiId, ...n } });
  }
  return events;
}

function decide(command: ApiCommand, state: ApiState): ApiEvent[] {
  switch (command.type) {
    case 'CreateApi': {
      const c = command.data;
      if (state.status !== 'NONE') throw conflict(`API ${c.apiId} already exists`, { apiId: c.apiId });
      const definition = applyDefinition(DEFAULT_DEFINITION, c.definition, c.knownTiers);
      const created: ApiEvent = {
        type: 'ApiCreated',
        data: {
          apiId: c.apiId,
          name: validateApiName(c.name),
          context: validateContext(c.context),
          version: validateVersion(c.version),
          provider: c.provider,
          lifecycleStatus: 'CREATED',
          ...definition,
          copiedFrom: c.copiedFrom,
        },
      };
      return [created, ...documentEvents(c.apiId, [], c.documents)];
    }
    case 'UpdateApi': {
      const c = command.data;
      const api = active(state, c.apiId);
      if (api.lifecycleStatus === 'RETIRED') throw invalidTransition('a RETIRED API cannot be edited', { apiId: c.apiId });
      if (c.name && c.name.trim() !== api.name) throw invalidInput('name: an API cannot be renamed; create a new API instead', { field: 'name' });
      const definition = applyDefinition(api.definition, c.definition, c.knownTiers);
      const events: ApiEvent[] = [];
      if (JSON.stringify(definition) !== JSON.stringify(api.definition)) {
        events.push({ type: 'ApiUpdated', data: { apiId: c.apiId, ...definition } });
      }
      if (c.documents) events.push(...documentEvents(c.apiId, api.documents, c.documents));
      return events;
    }
    case 'ChangeApiLifecycle': {
      const c = command.data;
      const api = active(state, c.apiId);
      const from = api.lifecycleStatus;
      const to = nextStatus(from, c.action);
      if (!to) {
        throw invalidTransition(`${c.action} is not allowed from ${from} (allowed: ${allowedActions(from).join(', ') || 'none'})`, {
          apiId: c.apiId,
          from,
          action: c.action,
        });
      }
      if (to === 'PUBLISHED' && !api.definition.endpoints.production && !api.definition.endpoints.sandbox) {
        throw invalidTransition('an API needs a production or sandbox endpoint before it is published', { apiId: c.apiId });
      }
      const checklist = c.action === 'PUBLISH' && CHECK_ITEM_STATES.includes(from)
        ? { deprecateOldVersions: c.deprecateOldVersions ?? false, requireResubscription: c.requireResubscription ?? false }
        : null;
      return [{ type: 'ApiLifecycleChanged', data: { apiId: c.apiId, action: c.action, from, to, checklist, causedBy: c.causedBy ?? null } }];
    }
    case 'DeleteApi': {
      const c = command.data;
      const api = active(state, c.apiId);
      if (c.activeSubscriptions > 0) {
        throw conflict(`API ${api.name} ${api.version} has ${c.activeSubscriptions} subscription(s); remove them first`, {
          apiId: c.apiId,
          subscriptions: c.activeSubscriptions,
        });
      }
      return [{ type: 'ApiDeleted', data: { apiId: c.apiId, name: api.name, context: api.context, version: api.version } }];
    }
  }
}

function evolve(state: ApiState, event: ApiEvent): ApiState {
  if (event.type === 'ApiCreated') {
    const { apiId, name, context, version, provider, lifecycleStatus, copiedFrom, ...definition } = event.data;
    return { status: 'ACTIVE', api: { apiId, name, context, version, provider, lifecycleStatus, definition, documents: [], copiedFrom } };
  }
  if (state.status !== 'ACTIVE') return state;
  const api = state.api;
  switch (event.type) {
    case 'ApiUpdated': {
      const { apiId: _id, ...definition } = event.data;
      return { status: 'ACTIVE', api: { ...api, definition } };
    }
    case 'ApiLifecycleChanged':
      return { status: 'ACTIVE', api: { ...api, lifecycleStatus: event.data.to } };
    case 'ApiDeleted':
      return { status: 'DELETED', api };
    case 'ApiDocumentAdded': {
      const { apiId: _id, ...doc } = event.data;
      return { status: 'ACTIVE', api: { ...api, documents: [...api.documents, doc] } };
    }
    case 'ApiDocumentUpdated': {
      const { apiId: _id, ...doc } = event.data;
      return { status: 'ACTIVE', api: { ...api, documents: api.documents.map((d) => (d.documentId === doc.documentId ? doc : d)) } };
    }
    case 'ApiDocumentRemoved':
      return { status: 'ACTIVE', api: { ...api, documents: api.documents.filter((d) => d.documentId !== event.data.documentId) } };
  }
}

export const apiDecider: Decider<ApiState, ApiCommand, ApiEvent> = {
  decide,
  evolve,
  initialState: () => ({ status: 'NONE' }),
};
