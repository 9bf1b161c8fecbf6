// Users, roles and the key manager's public signing keys.
import { getUser, listSigningKeys, listUsers } from '../../../projections/catalog/queries.ts';
import { catalogOf, type GqlContext } from '../context.ts';
import { badInput, unauthenticated } from '../../errors.ts';
import { requireCaller, requireRole } from '../guards.ts';
import { commandContext, mutate, written } from '../mutations.ts';
import { readCatalog } from '../reads.ts';

type Args = Record<string, unknown>;
const str = (v: unknown): string | null => (typeof v === 'string' ? v : null);

const userAfter = (ctx: GqlContext, username: string) =>
  written(getUser(catalogOf(ctx), username, { now: ctx.deps.clock.now() }), 'User', username);

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
  },  Mutation: {
    /** Public: the new user is the actor of their own registration. */
    async signUp(_: unknown, args: Args, ctx: GqlContext) {
      return userAfter(ctx, (await mutate(ctx, 'signUp', args, { actor: String(args.username) })).id);
    },
    async grantRole(_: unknown, args: Args, ctx: GqlContext) {
      return userAfter(ctx, (await mutate(ctx, 'grantRole', args)).id);
    },
    async revokeRole(_: unknown, args: Args, ctx: GqlContext) {
      return userAfter(ctx, (await mutate(ctx, 'revokeRole', args)).id);
    },
    async changePassword(_: unknown, args: Args, ctx: GqlContext) {
      const caller = requireCaller(ctx);
      const username = typeof args.username === 'string' && args.username !== '' ? args.username : caller.username;
      const own = username.toLowerCase() === caller.username;
      if (own) {
        if (typeof args.currentPassword !== 'string') throw badInput('currentPassword is required to change your own password', { argument: 'currentPassword' });
        const check = await ctx.deps.gatehouse.verifyPassword({ username, password: args.currentPassword }, commandContext(ctx, {}));
        if (!check.ok) throw unauthenticated(check.reason === 'LOCKED' ? `The account is locked until ${check.lockedUntil}` : 'currentPassword is wrong');
      }
      const { currentPassword: _current, ...rest } = args;
      return userAfter(ctx, (await mutate(ctx, 'changePassword', { ...rest, username })).id);
    },
    async rotateSigningKey(_: unknown, args: Args, ctx: GqlContext) {
      const r = await mutate(ctx, 'rotateSigningKey', args);
      return written(catalogOf(ctx).signingKeys.get(r.kid), 'Signing key', r.kid);
    },
  },
};
