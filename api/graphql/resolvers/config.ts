// The public `config` query: where the gateway answers and how to get tokens, for the portals
// and any tool (no token needed; nothing secret).
import type { GqlContext } from '../context.ts';
import { publicConfig } from '../public-config.ts';

export const resolvers = {
  Query: {
    config: (_: unknown, _args: unknown, ctx: GqlContext) => publicConfig(ctx.deps.publicConfig, ctx.origin),
  },
};
