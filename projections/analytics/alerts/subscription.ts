// Which alerts a user gets: one aggregate per user (`alert-subscription-<user>`). Configuring
// the same choice again appends nothing.
import type { Decider } from '../../../domain/decider.ts';
import { invalidInput } from '../../../domain/errors.ts';
import { ALERT_KINDS, type AlertKind, type AlertSubscriptionConfigured, type AlertSubscriptionConfiguredData } from './events.ts';

export type ConfigureAlerts = { type: 'ConfigureAlerts'; data: AlertSubscriptionConfiguredData };

export interface AlertSubscriptionState {
  current: AlertSubscriptionConfiguredData | null;
}

const MAX_IDS = 200;

function normalizeIds(ids: string[] | null, what: string): string[] | null {
  if (ids === null) return null;
  if (ids.length > MAX_IDS) throw invalidInput(`at most ${MAX_IDS} ${what} per alert subscription`);
  return [...new Set(ids)].sort();
}

const same = (a: AlertSubscriptionConfiguredData, b: AlertSubscriptionConfiguredData) => JSON.stringify(a) === JSON.stringify(b);

export const alertSubscriptionDecider: Decider<AlertSubscriptionState, ConfigureAlerts, AlertSubscriptionConfigured> = {
  initialState: () => ({ current: null }),
  decide(command, state) {
    const { userName, kinds, apiIds, applicationIds } = command.data;
    if (!userName) throw invalidInput('an alert subscription needs a user');
    for (const k of kinds) if (!ALERT_KINDS.includes(k)) throw invalidInput(`unknown alert kind ${k}`, { kind: k });
    const data: AlertSubscriptionConfiguredData = {
      userName,
      kinds: ALERT_KINDS.filter((k: AlertKind) => kinds.includes(k)),
      apiIds: normalizeIds(apiIds, 'APIs'),
      applicationIds: normalizeIds(applicationIds, 'applications'),
    };
    if (state.current && same(state.current, data)) return [];
    return [{ type: 'AlertSubscriptionConfigured', data }];
  },
  evolve: (_state, event) => ({ current: event.data }),
};
