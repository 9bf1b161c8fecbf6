// Picks the API's resource: the most specific URI template matching the rest of the path for
// the request's verb (HEAD falls back to GET). No API or no resource → 404/900906.
import { findResource } from '../../projections/gateway-map/query.ts';
import { errors } from '../errors.ts';
import type { Phase } from '../phase.ts';

export const route: Phase = {
  name: 'route',
  run(ctx) {
    if (ctx.api === null) return errors.noMatchingResource;
    ctx.resource = findResource(ctx.api, ctx.method, ctx.url, ctx.prefixEnd) ?? null;
    return ctx.resource === null ? errors.noMatchingResource : undefined;
  },
};
