// Finds the deployed API whose `/{context}/{version}` (or default-version `/{context}`) is the
// longest prefix of the path. No API is not an error yet: CORS and route decide what to answer.
import { findApi } from '../../projections/gateway-map/query.ts';
import type { Phase } from '../phase.ts';

export const locate: Phase = {
  name: 'locate',
  run(ctx) {
    ctx.api = findApi(ctx.view, ctx.url, ctx.pathEnd, ctx) ?? null;
    return undefined;
  },
};
