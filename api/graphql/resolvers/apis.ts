// APIs: listing, reading (also as of a log position) and the Publisher's mutations.
import { apiAt } from '../../../projections/catalog/api-at.ts';
import { apiVersions, getApi, listApis } from '../../../projections/catalog/queries.ts';
import type { ApiRecord } from '../../../projections/catalog/view.ts';
import { catalogOf, type GqlContext } from '../context.ts';
import { canSeeApi, hasRole } from '../guards.ts';
import { parsePosition } from '../positions.ts';
import { ack, mutate, written } from '../mutations.ts';
import { readCatalog } from '../reads.ts';

type Args = Record<string, unknown>;

const apiAfter = (ctx: GqlContext, id: string) => written(getApi(catalogOf(ctx), id), 'API', id);
const str = (v: unknown): string | null => (typeof v === 'string' ? v : null);

/**
 * Pages are cached per view position and visibility class: records are immutable snapshots and
 * any event moves the position, so an entry is never stale; the portal's landing page (the same
 * anonymous query again and again) then costs a map lookup instead of a visibility scan.
 */
const PAGE_CACHE_SIZE = 256;
const pageCache = new Map<string, ReturnType<typeof listApis>>();

function visibilityClass(caller: GqlContext['caller']): string {
  if (hasRole(caller, 'creator', 'publisher')) return 'all';
  return caller ? `user:${[...caller.roles].sort().join(',')}` : 'anonymous';
}

function cachedPage(view: ReturnType<typeof catalogOf>, caller: GqlContext['caller'], options: Parameters<typeof listApis>[1] & object) {
  const cls = visibilityClass(caller);
  const key = JSON.stringify([view.position.toString(), cls, options.search, options.status, options.first, options.after]);
  const hit = pageCache.get(key);
  if (hit) return hit;
  const page = listApis(view, cls === 'all' ? options : { ...options, filter: (api: ApiRecord) => canSeeApi(caller, api) });
  if (pageCache.size >= PAGE_CACHE_SIZE) pageCache.delete(pageCache.keys().next().value!);
  pageCache.set(key, page);
  return page;
}

/** A mutation that answers with the API it wrote, read back once the views hold the write. */
const apiMutation = (name: 'createApi' | 'importOpenApi' | 'updateApi' | 'changeLifecycle' | 'createNewVersion') =>
  async (_: unknown, args: Args, ctx: GqlContext) => apiAfter(ctx, (await mutate(ctx, name, args)).id);

export const resolvers = {
  Query: {
    async apis(_: unknown, args: Args, ctx: GqlContext) {
      const view = await readCatalog(ctx, str(args.atLeastPosition));
      return cachedPage(view, ctx.caller, {
        search: str(args.search),
        status: str(args.status) as ApiRecord['lifecycleStatus'] | null,
        first: typeof args.first === 'number' ? args.first : null,
        after: str(args.after),
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
  Mutation: {
    createApi: apiMutation('createApi'),
    importOpenApi: apiMutation('importOpenApi'),
    updateApi: apiMutation('updateApi'),
    changeLifecycle: apiMutation('changeLifecycle'),
    createNewVersion: apiMutation('createNewVersion'),
    async deleteApi(_: unknown, args: Args, ctx: GqlContext) {
      return ack(await mutate(ctx, 'deleteApi', args));
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
