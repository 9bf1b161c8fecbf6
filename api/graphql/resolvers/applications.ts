// Applications, their keys (never a secret here) and API keys: owners see their own, admin all.
import { applicationSubscriptionCount, getApplication, listApplications, listSubscriptions } from '../../../projections/catalog/queries.ts';
import type { ApplicationRecord } from '../../../projections/catalog/view.ts';
import { catalogOf, type GqlContext } from '../context.ts';
import { isAdmin, ownsApplication, requireCaller } from '../guards.ts';
import { ack, mutate, written } from '../mutations.ts';
import { readCatalog } from '../reads.ts';

type Args = Record<string, unknown>;
const str = (v: unknown): string | null => (typeof v === 'string' ? v : null);

const appAfter = (ctx: GqlContext, id: string) => written(getApplication(catalogOf(ctx), id), 'Application', id);

/** Keys and API keys come straight from the facade: the secret exists only in this response. */
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
  Mutation: {
    async createApplication(_: unknown, args: Args, ctx: GqlContext) {
      return appAfter(ctx, (await mutate(ctx, 'createApplication', args)).id);
    },
    async updateApplication(_: unknown, args: Args, ctx: GqlContext) {
      return appAfter(ctx, (await mutate(ctx, 'updateApplication', args)).id);
    },
    async deleteApplication(_: unknown, args: Args, ctx: GqlContext) {
      return ack(await mutate(ctx, 'deleteApplication', args));
    },
    generateKeys: (_: unknown, args: Args, ctx: GqlContext) => mutate(ctx, 'generateKeys', args),
    updateKeys: (_: unknown, args: Args, ctx: GqlContext) => mutate(ctx, 'updateKeys', args),
    regenerateSecret: (_: unknown, args: Args, ctx: GqlContext) => mutate(ctx, 'regenerateSecret', args),
    generateApiKey: (_: unknown, args: Args, ctx: GqlContext) => mutate(ctx, 'generateApiKey', args),
    async revokeApiKey(_: unknown, args: Args, ctx: GqlContext) {
      return ack(await mutate(ctx, 'revokeApiKey', args));
    },
  },
  Application: {
    subscriptions: (app: ApplicationRecord, _: Args, ctx: GqlContext) => listSubscriptions(catalogOf(ctx), { applicationId: app.id }),
    subscriptionCount: (app: ApplicationRecord, _: Args, ctx: GqlContext) => applicationSubscriptionCount(catalogOf(ctx), app.id),
  },
};
