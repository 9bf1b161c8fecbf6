// Throttling policies (readable by every signed-in user: tiers are chosen when subscribing)
// and deny policies (admin).
import type { PolicyLevel } from '../../../domain/policy/events.ts';
import { getBlockingCondition, getPolicy, listBlockingConditions, listPolicies } from '../../../projections/catalog/queries.ts';
import { catalogOf, type GqlContext } from '../context.ts';
import { requireRole } from '../guards.ts';
import { ack, mutate, written } from '../mutations.ts';
import { readCatalog } from '../reads.ts';

type Args = Record<string, unknown>;
const str = (v: unknown): string | null => (typeof v === 'string' ? v : null);

/** The facade names a policy `LEVEL:name`, the catalog's key. */
const policyAfter = (ctx: GqlContext, id: string) => written(catalogOf(ctx).policies.get(id), 'Throttling policy', id);
const conditionAfter = (ctx: GqlContext, id: string) => written(getBlockingCondition(catalogOf(ctx), id), 'Blocking condition', id);

export const resolvers = {
  Query: {
    async throttlingPolicies(_: unknown, args: Args, ctx: GqlContext) {
      const view = await readCatalog(ctx, str(args.atLeastPosition));
      return listPolicies(view, str(args.level) as PolicyLevel | null);
    },
    async throttlingPolicy(_: unknown, args: Args, ctx: GqlContext) {
      const view = await readCatalog(ctx, str(args.atLeastPosition));
      return getPolicy(view, String(args.level) as PolicyLevel, String(args.name)) ?? null;
    },
    async blockingConditions(_: unknown, args: Args, ctx: GqlContext) {
      requireRole(ctx, 'admin');
      return listBlockingConditions(await readCatalog(ctx, str(args.atLeastPosition)));
    },
  },  Mutation: {
    async createThrottlingPolicy(_: unknown, args: Args, ctx: GqlContext) {
      return policyAfter(ctx, (await mutate(ctx, 'createThrottlingPolicy', args)).id);
    },
    async updateThrottlingPolicy(_: unknown, args: Args, ctx: GqlContext) {
      return policyAfter(ctx, (await mutate(ctx, 'updateThrottlingPolicy', args)).id);
    },
    async deleteThrottlingPolicy(_: unknown, args: Args, ctx: GqlContext) {
      return ack(await mutate(ctx, 'deleteThrottlingPolicy', args));
    },
    async addBlockingCondition(_: unknown, args: Args, ctx: GqlContext) {
      return conditionAfter(ctx, (await mutate(ctx, 'addBlockingCondition', args)).id);
    },
    async setBlockingConditionEnabled(_: unknown, args: Args, ctx: GqlContext) {
      return conditionAfter(ctx, (await mutate(ctx, 'setBlockingConditionEnabled', args)).id);
    },
    async removeBlockingCondition(_: unknown, args: Args, ctx: GqlContext) {
      return ack(await mutate(ctx, 'removeBlockingCondition', args));
    },
  },
};
