// Throttling policies (readable by every signed-in user: tiers are chosen when subscribing)
// and deny policies (admin).
import type { PolicyLevel } from '../../../domain/policy/events.ts';
import { getPolicy, listBlockingConditions, listPolicies } from '../../../projections/catalog/queries.ts';
import type { GqlContext } from '../context.ts';
import { requireRole } from '../guards.ts';
import { readCatalog } from '../reads.ts';

type Args = Record<string, unknown>;
const str = (v: unknown): string | null => (typeof v === 'string' ? v : null);

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
  },
};
