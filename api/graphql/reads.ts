// Reading the views with read-your-writes: `atLeastPosition` waits (bounded) for the views.
import { badInput } from '../errors.ts';
import type { CatalogView } from '../../projections/catalog/view.ts';
import { CATALOG, catalogOf, type GqlContext } from './context.ts';
import { optionalPosition } from './positions.ts';

export async function waitForViews(ctx: GqlContext, position: bigint, projection: string | undefined = CATALOG): Promise<void> {
  const { runner, store, viewWaitMs } = ctx.deps;
  if (runner.position(projection) >= position) return;
  const head = await store.headPosition();
  if (position > head) throw badInput(`Position ${position} is beyond the head of the log (${head})`, { argument: 'atLeastPosition', headPosition: head.toString() });
  await runner.waitForPosition(position, viewWaitMs, projection);
}

/** The catalog, once it has applied `atLeastPosition` (when given). */
export async function readCatalog(ctx: GqlContext, atLeastPosition?: string | null): Promise<CatalogView> {
  const position = optionalPosition(atLeastPosition, 'atLeastPosition');
  if (position !== undefined) await waitForViews(ctx, position);
  return catalogOf(ctx);
}
