// APIs: listing, reading (also as of a log position) and the Publisher's mutations.
import { apiAt } from '../../../projections/catalog/api-at.ts';
import { apiVersions, getApi, listApis } from '../../../projections/catalog/queries.ts';
import type { ApiRecord } from '../../../projections/catalog/view.ts';
import { catalogOf, type GqlContext } from '../context.ts';
import { canSeeApi, hasRole } from '../guards.ts';
import { parsePosition } from '../positions.ts';
import { readCatalog } from '../reads.ts';

type Args = Record<string, unknown>;
const str = (v: unknown): string | null => (typeof v === 'string' ? v : null);

export const resolvers = {
  Query: {
    async apis(_: unknown, args: Args, ctx: GqlContext) {
      const view = await readCatalog(ctx, str(args.atLeastPosition));
      const caller = ctx.caller;
      return listApis(view, {
        search: str(args.search),
        status: (str(args.status) as ApiRecord['lifecycleStatus'] | null),
        first: typeof args.first === 'number' ? args.first : null,
        after: str(args.after),
        ...(hasRole(caller, 'creator', 'publisher') ? {} : { filter: (api: ApiRecord) => canSeeApi(caller, api) }),
      });
    },
    async api(_: unknown, args: Args, ctx: GqlContext) {
      const view = await readCatalog(ctx, str(args.atLeastPosition));
      const api = getApi(view, String(args.id));
      return api && canSeeApi(ctx.caller, api) ? api : null;
    },
    async apiAt(_: unknown, args: Args, ctx: GqlContext) {
      const position = parsePosition(args.position, 'position');
      const api = await apiAt(ctx.deps.store, String(args.id), position);
      return api && canSeeApi(ctx.caller, api) ? api : null;
    },
  },
  Api: {
    versions: (api: ApiRecord, _: Args, ctx: GqlContext) =>
      apiVersions(catalogOf(ctx), api.id).filter((v) => {
        const other = getApi(catalogOf(ctx), v.id);
        return other !== undefined && canSeeApi(ctx.caller, other);
      }),
    documents: (api: ApiRecord, _: Args, ctx: GqlContext) =>
      api.documents.filter((d) => d.visibility === 'API_LEVEL' || ctx.caller?.username === api.provider || ctx.caller?.roles.has('admin')),
  },
};
