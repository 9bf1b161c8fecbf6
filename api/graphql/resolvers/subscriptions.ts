// Subscriptions of applications to APIs. A subscriber sees those of their applications; API
// creators, publishers and admin see every subscription of an API.
import { getApi, getApplication, getSubscription, listSubscriptions } from '../../../projections/catalog/queries.ts';
import type { SubscriptionRecord } from '../../../projections/catalog/view.ts';
import { catalogOf, type GqlContext } from '../context.ts';
import { canSeeApi, hasRole, ownsApplication, requireCaller } from '../guards.ts';
import { ack, mutate, written } from '../mutations.ts';
import { readCatalog } from '../reads.ts';

type Args = Record<string, unknown>;
const str = (v: unknown): string | null => (typeof v === 'string' ? v : null);

const subAfter = (ctx: GqlContext, id: string) => written(getSubscription(catalogOf(ctx), id), 'Subscription', id);

export const resolvers = {
  Query: {
    async subscriptions(_: unknown, args: Args, ctx: GqlContext) {
      const caller = requireCaller(ctx);
      const view = await readCatalog(ctx, str(args.atLeastPosition));
      const all = listSubscriptions(view, { apiId: str(args.apiId), applicationId: str(args.applicationId) });
      if (hasRole(caller, 'creator', 'publisher')) return all;
      return all.filter((s) => {
        const app = getApplication(view, s.applicationId);
        return app !== undefined && ownsApplication(caller, app);
      });
    },
  },
  Mutation: {
    async subscribe(_: unknown, args: Args, ctx: GqlContext) {
      return subAfter(ctx, (await mutate(ctx, 'subscribe', args)).id);
    },
    async changeSubscriptionTier(_: unknown, args: Args, ctx: GqlContext) {
      return subAfter(ctx, (await mutate(ctx, 'changeSubscriptionTier', args)).id);
    },
    async blockSubscription(_: unknown, args: Args, ctx: GqlContext) {
      return subAfter(ctx, (await mutate(ctx, 'blockSubscription', args)).id);
    },
    async unblockSubscription(_: unknown, args: Args, ctx: GqlContext) {
      return subAfter(ctx, (await mutate(ctx, 'unblockSubscription', args)).id);
    },
    async unsubscribe(_: unknown, args: Args, ctx: GqlContext) {
      return ack(await mutate(ctx, 'unsubscribe', args));
    },
  },
  ApiSubscription: {
    api(sub: SubscriptionRecord, _: Args, ctx: GqlContext) {
      const api = getApi(catalogOf(ctx), sub.apiId);
      return api && canSeeApi(ctx.caller, api) ? api : null;
    },
    application(sub: SubscriptionRecord, _: Args, ctx: GqlContext) {
      const app = getApplication(catalogOf(ctx), sub.applicationId);
      return app && ctx.caller && (ownsApplication(ctx.caller, app) || hasRole(ctx.caller, 'creator', 'publisher')) ? app : null;
    },
  },
};
