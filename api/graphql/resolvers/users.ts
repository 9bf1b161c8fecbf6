// Users, roles and the key manager's public signing keys.
import { getUser, listSigningKeys, listUsers } from '../../../projections/catalog/queries.ts';
import type { GqlContext } from '../context.ts';
import { requireRole } from '../guards.ts';
import { readCatalog } from '../reads.ts';

type Args = Record<string, unknown>;
const str = (v: unknown): string | null => (typeof v === 'string' ? v : null);

export const resolvers = {
  Query: {
    async me(_: unknown, _args: Args, ctx: GqlContext) {
      if (!ctx.caller) return null;
      return getUser(await readCatalog(ctx), ctx.caller.username, { now: ctx.deps.clock.now() }) ?? null;
    },
    async users(_: unknown, args: Args, ctx: GqlContext) {
      requireRole(ctx, 'admin');
      return listUsers(await readCatalog(ctx, str(args.atLeastPosition)), { now: ctx.deps.clock.now() });
    },
    async signingKeys(_: unknown, args: Args, ctx: GqlContext) {
      return listSigningKeys(await readCatalog(ctx, str(args.atLeastPosition)));
    },
  },
};
