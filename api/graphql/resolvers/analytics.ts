// Analytics and alerts over GraphQL. The analytics service (projections/analytics/service.ts)
// is reached through `ctx.deps.analytics`; visibility: admins see everything, everyone else the
// traffic and alerts of the APIs they provide and of the applications they own.
import { handleCommand } from '../../../domain/command-handler.ts';
import type { AlertKind } from '../../../projections/analytics/alerts/events.ts';
import { ALERT_KINDS, alertSubscriptionStream } from '../../../projections/analytics/alerts/events.ts';
import { listAlerts, subscriptionOf, wantsAlert, type AlertAudience } from '../../../projections/analytics/alerts/queries.ts';
import { alertSubscriptionDecider } from '../../../projections/analytics/alerts/subscription.ts';
import type { AlertRecord } from '../../../projections/analytics/alerts/view.ts';
import type { Dimension } from '../../../projections/analytics/dimensions.ts';
import { liveFeed } from '../../../projections/analytics/live-feed.ts';
import {
  analytics, topApis, topApplications, topClients, topUsers, type AnalyticsFilter, type AnalyticsResult,
  type SeriesPoint, type VisibilityScope,
} from '../../../projections/analytics/query.ts';
import type { AlertChange, AnalyticsService, RequestStats } from '../../../projections/analytics/service.ts';
import { iso, type Granularity } from '../../../projections/analytics/time.ts';
import { ApiError, badInput, forbidden } from '../../errors.ts';
import { catalogOf, type Caller, type GqlContext, type GraphQLDeps } from '../context.ts';
import { isAdmin, requireCaller } from '../guards.ts';
import { commandContext } from '../mutations.ts';

type Args = Record<string, unknown>;

const DIMENSION: Record<string, Dimension> = {
  API: 'apiId', API_VERSION: 'apiVersion', OPERATION: 'operation', APPLICATION: 'applicationId',
  USER: 'userName', KEY_TYPE: 'keyType', STATUS_CLASS: 'statusClass', ERROR_CODE: 'errorCode',
};
const CLIENT = { IP: 'ips', USER_AGENT: 'agents', PLATFORM: 'platforms' } as const;
const GRANULARITIES: readonly Granularity[] = ['MINUTE', 'HOUR', 'DAY'];
const MAX_LIMIT = 1_000;

function analyticsOf(ctx: GqlContext): AnalyticsService {
  const svc = (ctx.deps as GraphQLDeps & { analytics?: AnalyticsService }).analytics;
  if (!svc) throw new ApiError('INTERNAL', 'Analytics are not running in this process');
  return svc;
}

/** What the caller may see; undefined = everything (admin). */
function scopeOf(ctx: GqlContext, caller: Caller): VisibilityScope | undefined {
  if (isAdmin(caller)) return undefined;
  const catalog = catalogOf(ctx);
  const apiIds = new Set<string>();
  for (const api of catalog.apis.values()) if (api.provider === caller.username) apiIds.add(api.id);
  const applicationIds = new Set<string>();
  for (const app of catalog.applications.values()) if (app.owner === caller.username) applicationIds.add(app.id);
  return { apiIds, applicationIds };
}

function audienceOf(ctx: GqlContext, caller: Caller): AlertAudience {
  const scope = scopeOf(ctx, caller);
  const subscription = analyticsOf(ctx).alerts().subscriptions.get(caller.username) ?? null;
  return { all: scope === undefined, apiIds: scope?.apiIds ?? new Set(), applicationIds: scope?.applicationIds ?? new Set(), subscription };
}

function time(v: unknown, argument: string): number {
  const t = typeof v === 'string' ? Date.parse(v) : NaN;
  if (Number.isNaN(t)) throw badInput(`${argument} must be an ISO-8601 date-time`, { argument });
  return t;
}

const optionalString = (v: unknown): string | undefined => (typeof v === 'string' ? v : undefined);

function limitOf(v: unknown, fallback: number): number {
  const n = typeof v === 'number' ? v : fallback;
  if (!Number.isInteger(n) || n < 1 || n > MAX_LIMIT) throw badInput(`limit must be between 1 and ${MAX_LIMIT}`, { argument: 'limit' });
  return n;
}

/** The analytics filter from the `filter` input (or the first draft's top-level arguments). */
function filterOf(ctx: GqlContext, caller: Caller, args: Args): AnalyticsFilter {
  const f = (args.filter ?? {}) as Args;
  const now = ctx.deps.clock.now().getTime();
  const fromRaw = f.from ?? args.from;
  const to = f.to ?? args.to;
  const granularity = (f.granularity ?? args.granularity) as string | undefined | null;
  if (granularity != null && !GRANULARITIES.includes(granularity as Granularity)) {
    throw badInput('granularity must be MINUTE, HOUR or DAY', { argument: 'granularity' });
  }
  const filter: AnalyticsFilter = {
    from: fromRaw == null ? now - 3_600_000 : time(fromRaw, 'from'),
    to: to == null ? now : time(to, 'to'),
    ...(granularity != null ? { granularity: granularity as Granularity } : {}),
    scope: scopeOf(ctx, caller),
  };
  const apiId = optionalString(f.apiId ?? args.apiId);
  if (apiId !== undefined) filter.apiId = apiId;
  for (const k of ['apiVersion', 'operation', 'applicationId', 'userName', 'keyType'] as const) {
    const v = optionalString(f[k]);
    if (v !== undefined) filter[k] = v;
  }
  return filter;
}

const point = (p: SeriesPoint) => ({ start: iso(p.start), stats: p.stats });

function report(r: AnalyticsResult, apiId: string | undefined) {
  const series = r.series.map(point);
  const groups = r.groups.map((g) => ({ key: g.key, totals: g.totals, series: g.series.map(point) }));
  return {
    from: iso(r.from),
    to: iso(r.to),
    granularity: r.granularity,
    totals: r.totals,
    series,
    groups,
    apiId: apiId ?? null,
    totalRequests: r.totals.requests,
    errorCount: r.totals.errors,
  };
}

const alertToGraphQL = (a: AlertRecord) => ({ ...a, id: a.alertId, type: a.kind });

export const resolvers = {
  Query: {
    analytics(_: unknown, args: Args, ctx: GqlContext) {
      const caller = requireCaller(ctx);
      const filter = filterOf(ctx, caller, args);
      const groupBy = ((args.groupBy as string[] | null) ?? []).map((d) => DIMENSION[d]!);
      const view = analyticsOf(ctx).view();
      const out = report(analytics(view, filter, groupBy, { maxGroups: limitOf(args.maxGroups, 100) }), filter.apiId);
      return {
        ...out,
        // The first draft's JSON shape, computed only when selected (graphql-js calls a function field).
        buckets: () => ({
          granularity: out.granularity,
          totals: out.totals,
          series: out.series,
          errorsByCode: analytics(view, filter, ['errorCode'], { maxGroups: 20 }).groups.map((g) => ({ key: g.key, totals: g.totals })),
          topApis: topApis(view, filter, 10).map((g) => ({ key: g.key, totals: g.stats })),
          topApplications: topApplications(view, filter, 10).map((g) => ({ key: g.key, totals: g.stats })),
        }),
      };
    },
    topApis(_: unknown, args: Args, ctx: GqlContext) {
      const caller = requireCaller(ctx);
      return topApis(analyticsOf(ctx).view(), filterOf(ctx, caller, args), limitOf(args.limit, 10));
    },
    topApplications(_: unknown, args: Args, ctx: GqlContext) {
      const caller = requireCaller(ctx);
      return topApplications(analyticsOf(ctx).view(), filterOf(ctx, caller, args), limitOf(args.limit, 10));
    },
    topUsers(_: unknown, args: Args, ctx: GqlContext) {
      const caller = requireCaller(ctx);
      return topUsers(analyticsOf(ctx).view(), filterOf(ctx, caller, args), limitOf(args.limit, 10));
    },
    topClients(_: unknown, args: Args, ctx: GqlContext) {
      const caller = requireCaller(ctx);
      const by = CLIENT[args.by as keyof typeof CLIENT];
      return topClients(analyticsOf(ctx).view(), filterOf(ctx, caller, args), by, limitOf(args.limit, 10));
    },
    alerts(_: unknown, args: Args, ctx: GqlContext) {
      const caller = requireCaller(ctx);
      const since = args.since == null ? undefined : iso(time(args.since, 'since'));
      const kinds = (args.kinds as AlertKind[] | null) ?? undefined;
      return listAlerts(analyticsOf(ctx).alerts(), {
        ...(optionalString(args.apiId) !== undefined ? { apiId: optionalString(args.apiId)! } : {}),
        ...(optionalString(args.applicationId) !== undefined ? { applicationId: optionalString(args.applicationId)! } : {}),
        ...(kinds ? { kinds } : {}),
        ...(args.activeOnly === true ? { activeOnly: true } : {}),
        ...(since !== undefined ? { since } : {}),
        limit: limitOf(args.limit, 100),
      }, audienceOf(ctx, caller)).map(alertToGraphQL);
    },
    alertSubscription(_: unknown, _args: Args, ctx: GqlContext) {
      const caller = requireCaller(ctx);
      return subscriptionOf(analyticsOf(ctx).alerts(), caller.username);
    },
  },
  Mutation: {
    async configureAlerts(_: unknown, args: Args, ctx: GqlContext) {
      const caller = requireCaller(ctx);
      const svc = analyticsOf(ctx);
      const kinds = (args.kinds as AlertKind[]).filter((k) => ALERT_KINDS.includes(k));
      const ids = (v: unknown) => (Array.isArray(v) ? (v as string[]) : null);
      const { store, clock, random, viewWaitMs } = ctx.deps;
      const result = await handleCommand({ store, clock, random }, alertSubscriptionDecider, alertSubscriptionStream(caller.username), {
        type: 'ConfigureAlerts',
        data: { userName: caller.username, kinds, apiIds: ids(args.apiIds), applicationIds: ids(args.applicationIds) },
      }, commandContext(ctx, args));
      await svc.waitForAlerts(result.position, viewWaitMs);
      return subscriptionOf(svc.alerts(), caller.username);
    },
  },
  Subscription: {
    requestStats: {
      subscribe(_: unknown, args: Args, ctx: GqlContext) {
        const caller = requireCaller(ctx);
        const apiId = String(args.apiId);
        const scope = scopeOf(ctx, caller);
        if (scope && !scope.apiIds.has(apiId)) throw forbidden('Live statistics are for admins and the API\'s provider');
        const svc = analyticsOf(ctx);
        return liveFeed<{ requestStats: RequestStats }>((push) => svc.onRequestStats(apiId, (s) => push({ requestStats: s })));
      },
    },
    alerts: {
      subscribe(_: unknown, args: Args, ctx: GqlContext) {
        const caller = requireCaller(ctx);
        const apiId = optionalString(args.apiId);
        const applicationId = optionalString(args.applicationId);
        const svc = analyticsOf(ctx);
        return liveFeed<{ alerts: { change: AlertChange; alert: ReturnType<typeof alertToGraphQL> } }>((push) =>
          svc.onAlert((alert, change) => {
            if (apiId !== undefined && alert.apiId !== apiId) return;
            if (applicationId !== undefined && alert.applicationId !== applicationId) return;
            // Read per alert: an ownership or alert-subscription change applies at once.
            if (!wantsAlert(audienceOf(ctx, caller), alert)) return;
            push({ alerts: { change, alert: alertToGraphQL(alert) } });
          }));
      },
    },
  },
};
