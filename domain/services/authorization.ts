// Who may do what (SPEC roles): creator edits APIs, publisher changes lifecycle and blocks
// subscriptions, subscriber owns applications/subscriptions/keys, admin everything.
// The facade calls `authorize`; the GraphQL layer may call `can` to shape what it shows.
import { DomainError, forbidden } from '../errors.ts';
import type { Role } from '../identity/events.ts';

export type Action =
  | 'createApi' | 'importOpenApi' | 'updateApi' | 'createNewVersion' | 'deleteApi'
  | 'changeLifecycle' | 'blockSubscription' | 'unblockSubscription'
  | 'createApplication' | 'updateApplication' | 'deleteApplication'
  | 'generateKeys' | 'updateKeys' | 'regenerateSecret' | 'generateApiKey' | 'revokeApiKey'
  | 'subscribe' | 'changeSubscriptionTier' | 'unsubscribe'
  | 'createThrottlingPolicy' | 'updateThrottlingPolicy' | 'deleteThrottlingPolicy'
  | 'addBlockingCondition' | 'setBlockingConditionEnabled' | 'removeBlockingCondition'
  | 'grantRole' | 'revokeRole' | 'rotateSigningKey' | 'changePassword';

interface Rule {
  /** Roles that may act (admin always may). */
  roles: readonly Role[];
  /** Only on what the actor owns (applications and their subscriptions and keys; own password). */
  ownerOnly?: true;
}

export const RULES: Readonly<Record<Action, Rule>> = {
  createApi: { roles: ['creator'] },
  importOpenApi: { roles: ['creator'] },
  updateApi: { roles: ['creator'] },
  createNewVersion: { roles: ['creator'] },
  deleteApi: { roles: ['creator', 'publisher'] },
  changeLifecycle: { roles: ['publisher'] },
  blockSubscription: { roles: ['publisher'] },
  unblockSubscription: { roles: ['publisher'] },
  createApplication: { roles: ['subscriber'], ownerOnly: true },
  updateApplication: { roles: ['subscriber'], ownerOnly: true },
  deleteApplication: { roles: ['subscriber'], ownerOnly: true },
  generateKeys: { roles: ['subscriber'], ownerOnly: true },
  updateKeys: { roles: ['subscriber'], ownerOnly: true },
  regenerateSecret: { roles: ['subscriber'], ownerOnly: true },
  generateApiKey: { roles: ['subscriber'], ownerOnly: true },
  revokeApiKey: { roles: ['subscriber'], ownerOnly: true },
  subscribe: { roles: ['subscriber'], ownerOnly: true },
  changeSubscriptionTier: { roles: ['subscriber'], ownerOnly: true },
  unsubscribe: { roles: ['subscriber'], ownerOnly: true },
  createThrottlingPolicy: { roles: [] },
  updateThrottlingPolicy: { roles: [] },
  deleteThrottlingPolicy: { roles: [] },
  addBlockingCondition: { roles: [] },
  setBlockingConditionEnabled: { roles: [] },
  removeBlockingCondition: { roles: [] },
  grantRole: { roles: [] },
  revokeRole: { roles: [] },
  rotateSigningKey: { roles: [] },
  changePassword: { roles: ['admin', 'publisher', 'creator', 'subscriber'], ownerOnly: true },
};

/** Whether roles allow the action; `owner` (when the action has one) must be the actor unless admin. */
export function can(actor: string, roles: readonly Role[], action: Action, owner?: string): boolean {
  if (roles.includes('admin')) return true;
  const rule = RULES[action];
  if (!rule.roles.some((r) => roles.includes(r))) return false;
  return !rule.ownerOnly || owner === undefined || owner === actor;
}

/** Throws UNAUTHENTICATED for an unknown actor, FORBIDDEN when the roles or ownership do not allow. */
export function authorize(actor: string, roles: readonly Role[] | undefined, action: Action, owner?: string): void {
  if (!roles) throw new DomainError('UNAUTHENTICATED', 'sign in first');
  if (can(actor, roles, action, owner)) return;
  const rule = RULES[action];
  if (rule.roles.some((r) => roles.includes(r))) throw forbidden(`${action}: only the owner (${owner}) or an admin may do this`);
  throw forbidden(`${action} needs the role ${[...rule.roles, 'admin'].join(' or ')}`);
}
