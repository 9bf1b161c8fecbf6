// Applications, their keys (never a secret here) and API keys: owners see their own, admin all.
import { applicationSubscriptionCount, getApplication, listApplications, listSubscriptions } from '../../../projections/catalog/queries.ts';
import type { ApplicationRecord } from '../../../projections/catalog/view.ts';
import { catalogOf, type GqlContext } from '../context.ts';
import { isAdmin, ownsApplication, requireCaller } from '../guards.ts';
import { readCatalog } from '../reads.ts';

type Args = Record<string, unknown>;
const str = (v: unknown): string | null => (typeof v === 'string' ? v : null);

export const resolvers = {
  Query: {
    async applications(_: unknown, args: Args, ctx: GqlContext) {
      const caller = requireCaller(ctx);
      const view = await readCatalog(ctx, str(args.atLeastPosition));
      const owner = isAdmin(caller) ? str(args.owner) : caller.username;
      return listApplications(view, { owner });
    },
    async application(_: unknown, args: Args, ctx: GqlContext) {
      const caller = requireCaller(ctx);
      const view = await readCatalog(ctx, str(args.atLeastPosition));
      const app = getApplication(view, String(args.id));
      return app && ownsApplication(caller, app) ? app : null;
    },
  },
  Application: {
    subscriptions: (app: ApplicationRecord, _: Args, ctx: GqlContext) => listSubscriptions(catalogOf(ctx), { applicationId: app.id }),
    subscriptionCount: (app: ApplicationRecord, _: Args, ctx: GqlContext) => applicationSubscriptionCount(catalogOf(ctx), app.id),
  },
};
