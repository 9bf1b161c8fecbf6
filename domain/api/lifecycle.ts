// The WSO2 default API lifecycle (reference §1.2) as data: state × action → next state.
import type { LifecycleAction, LifecycleStatus } from './events.ts';

export const LIFECYCLE: Readonly<Record<LifecycleStatus, Readonly<Partial<Record<LifecycleAction, LifecycleStatus>>>>> = {
  CREATED: { PUBLISH: 'PUBLISHED', DEPLOY_AS_PROTOTYPE: 'PROTOTYPED' },
  PROTOTYPED: { PUBLISH: 'PUBLISHED', DEMOTE_TO_CREATED: 'CREATED', DEPLOY_AS_PROTOTYPE: 'PROTOTYPED' },
  PUBLISHED: {
    BLOCK: 'BLOCKED',
    DEPLOY_AS_PROTOTYPE: 'PROTOTYPED',
    DEMOTE_TO_CREATED: 'CREATED',
    DEPRECATE: 'DEPRECATED',
    PUBLISH: 'PUBLISHED',
  },
  BLOCKED: { DEPRECATE: 'DEPRECATED', REPUBLISH: 'PUBLISHED' },
  DEPRECATED: { RETIRE: 'RETIRED' },
  RETIRED: {},
};

/** States whose PUBLISH carries the check items deprecateOldVersions / requireResubscription. */
export const CHECK_ITEM_STATES: readonly LifecycleStatus[] = ['CREATED', 'PROTOTYPED'];

/** States that accept new subscriptions (DEPRECATED keeps existing ones only). */
export const SUBSCRIBABLE_STATES: readonly LifecycleStatus[] = ['PUBLISHED', 'PROTOTYPED'];

export const nextStatus = (from: LifecycleStatus, action: LifecycleAction): LifecycleStatus | undefined =>
  LIFECYCLE[from][action];

export const allowedActions = (from: LifecycleStatus): LifecycleAction[] =>
  Object.keys(LIFECYCLE[from]) as LifecycleAction[];
