// Who may do what. Role names are WSO2's; admin may do everything.
import type { ApiRecord, ApplicationRecord } from '../../projections/catalog/view.ts';
import type { RecordedEvent } from '../../domain/ports.ts';
import { forbidden, notFound, unauthenticated } from '../errors.ts';
import type { Caller, GqlContext } from './context.ts';

export type RoleName = 'admin' | 'publisher' | 'creator' | 'subscriber';

export function requireCaller(ctx: GqlContext): Caller {
  if (!ctx.caller) throw unauthenticated(ctx.authError ?? undefined);
  return ctx.caller;
}

export const hasRole = (caller: Caller | null, ...roles: RoleName[]): boolean =>
  caller !== null && (caller.roles.has('admin') || roles.some((r) => caller.roles.has(r)));

export function requireRole(ctx: GqlContext, ...roles: RoleName[]): Caller {
  const caller = requireCaller(ctx);
  if (!hasRole(caller, ...roles)) throw forbidden(`This needs the ${roles.length ? roles.join(' or ') : 'admin'} role`);
  return caller;
}

export const isAdmin = (caller: Caller | null): boolean => caller !== null && caller.roles.has('admin');

/** Statuses the Developer Portal lists (WSO2 shows blocked APIs, not invocable). */
const PORTAL_STATUSES = new Set(['PUBLISHED', 'PROTOTYPED', 'DEPRECATED', 'BLOCKED']);

/** Publisher-side roles see every API; everyone else sees what the Developer Portal shows. */
export function canSeeApi(caller: Caller | null, api: ApiRecord): boolean {
  if (hasRole(caller, 'creator', 'publisher')) return true;
  if (!PORTAL_STATUSES.has(api.lifecycleStatus)) return false;
  if (api.visibility === 'PUBLIC') return true;
  if (api.visibility === 'PRIVATE') return caller !== null;
  return caller !== null && api.visibleRoles.some((r) => caller.roles.has(r));
}

export const ownsApplication = (caller: Caller, app: ApplicationRecord): boolean =>
  caller.username === app.owner || isAdmin(caller);

/** The application if the caller owns it (admin: any); NOT_FOUND otherwise, so ids do not leak. */
export function ownedApplication(ctx: GqlContext, app: ApplicationRecord | undefined, id: string): ApplicationRecord {
  const caller = requireCaller(ctx);
  if (!app || !ownsApplication(caller, app)) throw notFound('Application', id);
  return app;
}

/** Admin reads the whole log; others the events they caused. */
export const canSeeEvent = (caller: Caller, event: RecordedEvent): boolean =>
  isAdmin(caller) || event.metadata.actor === caller.username;
