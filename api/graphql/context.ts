// What every resolver receives: the caller (from the Bearer token, roles read from the catalog
// so a role change applies at once), a correlation id, and the control plane's dependencies.
import type { Clock, EventStore, Randomness } from '../../domain/ports.ts';
import type { CatalogView } from '../../projections/catalog/view.ts';
import type { AnalyticsService } from '../../projections/analytics/service.ts';
import type { ProjectionRunner } from '../../projections/runner.ts';
import type { KeyManager } from '../oauth/key-manager.ts';
import type { ControlPlaneMetrics } from '../ops/metrics.ts';
import type { Gatehouse } from './facade.ts';
import type { PublicConfigSource, RequestOrigin } from './public-config.ts';

export interface Caller {
  username: string;
  roles: ReadonlySet<string>;
}

export interface GraphQLDeps {
  gatehouse: Gatehouse;
  runner: ProjectionRunner;
  store: EventStore;
  clock: Clock;
  random: Randomness;
  keyManager: KeyManager;
  metrics: ControlPlaneMetrics;
  /** Bound on atLeastPosition waits and on the read-your-writes wait after a mutation. */
  viewWaitMs: number;
  /** Request analytics and alerts (absent in processes that do not run them). */
  analytics?: AnalyticsService;
  /** What the public `config` query tells clients (gateway URL, issuer, version). */
  publicConfig: PublicConfigSource;
}

export interface GqlContext {
  deps: GraphQLDeps;
  caller: Caller | null;
  /** Set when a token was sent but refused (expired, revoked, forged). */
  authError: string | null;
  correlationId: string;
  /** Scheme and host the HTTP request came to (absent on WebSocket subscriptions). */
  origin?: RequestOrigin;
}

export const CATALOG = 'catalog';
export const AUDIT = 'audit';

export const catalogOf = (ctx: GqlContext): CatalogView => ctx.deps.runner.view<CatalogView>(CATALOG);

/** Resolves the caller of a request from its Authorization header value. */
export async function callerFrom(deps: GraphQLDeps, authorization: string | undefined): Promise<{ caller: Caller | null; authError: string | null }> {
  if (!authorization) return { caller: null, authError: null };
  const m = /^Bearer\s+(\S+)$/i.exec(authorization.trim());
  if (!m) return { caller: null, authError: 'Authorization must be "Bearer <access token>"' };
  const user = await deps.keyManager.authenticateUser(m[1]!);
  if (!user) return { caller: null, authError: 'The access token is invalid, expired or revoked' };
  const record = deps.runner.view<CatalogView>(CATALOG).users.get(user.username);
  if (!record) return { caller: null, authError: 'The token\'s user no longer exists' };
  return { caller: { username: record.username, roles: new Set(record.roles) }, authError: null };
}
