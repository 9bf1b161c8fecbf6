// Deny policies (`blocking-<uuid>`, WSO2 §4.3): block an API, an application, a user, an IP or
// an IP range; enable/disable; optional invert (block everything that does not match).
import type { Decider } from '../decider.ts';
import { conflict, notFound } from '../errors.ts';
import { normalizeIpSpec } from '../ip.ts';
import { validateContext, validateVersion } from '../api/definition.ts';
import { fail, requireOneOf, requireText } from '../validate.ts';
import type { BlockingEvent, BlockingType } from './events.ts';

export const BLOCKING_TYPES: readonly BlockingType[] = ['API', 'APPLICATION', 'IP', 'IP_RANGE', 'USER'];

export type BlockingState =
  | { status: 'NONE' }
  | { status: 'ACTIVE'; type: BlockingType; value: string; enabled: boolean }
  | { status: 'REMOVED' };

export type AddBlockingCondition = {
  type: 'AddBlockingCondition';
  data: { conditionId: string; type: string; value: string; invert?: boolean | null; enabled?: boolean | null };
};
export type SetBlockingConditionEnabled = { type: 'SetBlockingConditionEnabled'; data: { conditionId: string; enabled: boolean } };
export type RemoveBlockingCondition = { type: 'RemoveBlockingCondition'; data: { conditionId: string } };

export type BlockingCommand = AddBlockingCondition | SetBlockingConditionEnabled | RemoveBlockingCondition;

/** Checks and normalises a condition value for its type (see BlockingConditionAdded.value). */
export function normalizeBlockingValue(type: BlockingType, value: string): string {
  const v = (value ?? '').trim();
  switch (type) {
    case 'IP':
      return normalizeIpSpec(v, { cidr: false, range: false }) ?? fail('value', `"${value}" is not an IP address`);
    case 'IP_RANGE':
      return normalizeIpSpec(v, { cidr: true, range: true }) ?? fail('value', `"${value}" is not an IP range (start-end or CIDR)`);
    case 'API': {
      const cut = v.lastIndexOf('/');
      if (cut <= 0) fail('value', 'an API condition is /context/version');
      return `${validateContext(v.slice(0, cut))}/${validateVersion(v.slice(cut + 1))}`;
    }
    case 'APPLICATION': {
      const cut = v.indexOf(':');
      if (cut <= 0 || cut === v.length - 1) fail('value', 'an APPLICATION condition is owner:applicationName');
      return v;
    }
    case 'USER':
      return requireText('value', v, 100);
  }
}

function decide(command: BlockingCommand, state: BlockingState): BlockingEvent[] {
  switch (command.type) {
    case 'AddBlockingCondition': {
      const c = command.data;
      if (state.status !== 'NONE') throw conflict(`Blocking condition ${c.conditionId} already exists`, { conditionId: c.conditionId });
      const type = requireOneOf('type', c.type, BLOCKING_TYPES);
      return [{
        type: 'BlockingConditionAdded',
        data: { conditionId: c.conditionId, type, value: normalizeBlockingValue(type, c.value), enabled: c.enabled ?? true, invert: c.invert ?? false },
      }];
    }
    case 'SetBlockingConditionEnabled': {
      const { conditionId, enabled } = command.data;
      if (state.status !== 'ACTIVE') throw notFound('Blocking condition', conditionId);
      if (state.enabled === enabled) return [];
      return [enabled ? { type: 'BlockingConditionEnabled', data: { conditionId } } : { type: 'BlockingConditionDisabled', data: { conditionId } }];
    }
    case 'RemoveBlockingCondition': {
      const { conditionId } = command.data;
      if (state.status !== 'ACTIVE') throw notFound('Blocking condition', conditionId);
      return [{ type: 'BlockingConditionRemoved', data: { conditionId } }];
    }
  }
}

function evolve(state: BlockingState, event: BlockingEvent): BlockingState {
  switch (event.type) {
    case 'BlockingConditionAdded':
      return { status: 'ACTIVE', type: event.data.type, value: event.data.value, enabled: event.data.enabled };
    case 'BlockingConditionEnabled':
    case 'BlockingConditionDisabled':
      return state.status === 'ACTIVE' ? { ...state, enabled: event.type === 'BlockingConditionEnabled' } : state;
    case 'BlockingConditionRemoved':
      return { status: 'REMOVED' };
  }
}

export const blockingDecider: Decider<BlockingState, BlockingCommand, BlockingEvent> = {
  decide,
  evolve,
  initialState: () => ({ status: 'NONE' }),
};
