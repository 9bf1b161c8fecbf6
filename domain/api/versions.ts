// The versions index of one API name (`api-versions-<name>`): which APIs are versions of the
// name, in creation order, and which one is the default (only one per name, WSO2 §1.3).
// All versions of a name share one context, as WSO2's "create new version" does.
import type { Decider } from '../decider.ts';
import { conflict, notFound } from '../errors.ts';
import type { ApiVersionsEvent } from './events.ts';

export interface ApiVersionsState {
  name: string | null;
  context: string | null;
  versions: { apiId: string; version: string }[]; // creation order
  defaultApiId: string | null;
}

export type RegisterApiVersion = {
  type: 'RegisterApiVersion';
  data: { name: string; apiId: string; context: string; version: string; makeDefault: boolean };
};
export type SetDefaultApiVersion = { type: 'SetDefaultApiVersion'; data: { apiId: string } };
/** isDefault=false on the default version: the name has no default any more. */
export type UnsetDefaultApiVersion = { type: 'UnsetDefaultApiVersion'; data: { apiId: string } };
export type DeregisterApiVersion = { type: 'DeregisterApiVersion'; data: { apiId: string } };

export type ApiVersionsCommand = RegisterApiVersion | SetDefaultApiVersion | UnsetDefaultApiVersion | DeregisterApiVersion;

function defaultMoved(state: ApiVersionsState, apiId: string | null, version: string | null): ApiVersionsEvent {
  return {
    type: 'DefaultApiVersionChanged',
    data: { name: state.name!, context: state.context!, apiId, version, previousApiId: state.defaultApiId },
  };
}

function registered(state: ApiVersionsState, apiId: string) {
  const entry = state.versions.find((v) => v.apiId === apiId);
  if (!entry) throw notFound('API version', apiId);
  return entry;
}

function decide(command: ApiVersionsCommand, state: ApiVersionsState): ApiVersionsEvent[] {
  switch (command.type) {
    case 'RegisterApiVersion': {
      const c = command.data;
      if (state.context !== null && state.context !== c.context) {
        throw conflict(`API name "${c.name}" is already used with context ${state.context}`, { name: c.name, context: state.context });
      }
      const existing = state.versions.find((v) => v.apiId === c.apiId);
      const clash = state.versions.find((v) => v.version === c.version && v.apiId !== c.apiId);
      if (clash) throw conflict(`API ${c.name} ${c.version} already exists`, { apiId: clash.apiId });
      const events: ApiVersionsEvent[] = existing
        ? []
        : [{ type: 'ApiVersionRegistered', data: { name: c.name, apiId: c.apiId, context: c.context, version: c.version } }];
      if (c.makeDefault && state.defaultApiId !== c.apiId) {
        events.push(defaultMoved({ ...state, name: state.name ?? c.name, context: c.context }, c.apiId, c.version));
      }
      return events;
    }
    case 'SetDefaultApiVersion': {
      const entry = registered(state, command.data.apiId);
      return state.defaultApiId === entry.apiId ? [] : [defaultMoved(state, entry.apiId, entry.version)];
    }
    case 'UnsetDefaultApiVersion':
      registered(state, command.data.apiId);
      return state.defaultApiId === command.data.apiId ? [defaultMoved(state, null, null)] : [];
    case 'DeregisterApiVersion': {
      const entry = state.versions.find((v) => v.apiId === command.data.apiId);
      if (!entry) return [];
      const events: ApiVersionsEvent[] = [];
      if (state.defaultApiId === entry.apiId) events.push(defaultMoved(state, null, null));
      events.push({ type: 'ApiVersionDeregistered', data: { name: state.name!, apiId: entry.apiId, version: entry.version } });
      return events;
    }
  }
}

function evolve(state: ApiVersionsState, event: ApiVersionsEvent): ApiVersionsState {
  switch (event.type) {
    case 'ApiVersionRegistered':
      return {
        ...state,
        name: state.name ?? event.data.name,
        context: event.data.context,
        versions: [...state.versions, { apiId: event.data.apiId, version: event.data.version }],
      };
    case 'ApiVersionDeregistered': {
      const versions = state.versions.filter((v) => v.apiId !== event.data.apiId);
      // The last version gone frees the name for any context.
      return { ...state, versions, context: versions.length ? state.context : null };
    }
    case 'DefaultApiVersionChanged':
      return { ...state, defaultApiId: event.data.apiId };
  }
}

export const apiVersionsDecider: Decider<ApiVersionsState, ApiVersionsCommand, ApiVersionsEvent> = {
  decide,
  evolve,
  initialState: () => ({ name: null, context: null, versions: [], defaultApiId: null }),
};
