// The API as it stood at a log position: its own stream and its name's versions index (for
// isDefaultVersion) folded up to `position` through the catalog fold, so the shape is getApi's.
import type { EventStore, RecordedEvent } from '../../domain/ports.ts';
import { apiStream, apiVersionsStream } from '../../domain/streams.ts';
import '../../domain/events.ts'; // registers the upcasters `upcast` applies
import { upcast } from '../../domain/upcasting.ts';
import { applyToCatalog } from './projection.ts';
import { createCatalogView, type ApiRecord } from './view.ts';

const upTo = (events: RecordedEvent[], position: bigint): RecordedEvent[] =>
  events.filter((e) => e.globalPosition <= position).map((e) => upcast(e));

/** undefined when the API did not exist at `position` (not created yet, or deleted by then). */
export async function apiAt(store: EventStore, apiId: string, position: bigint): Promise<ApiRecord | undefined> {
  const own = upTo((await store.readStream(apiStream(apiId))).events, position);
  const created = own.find((e) => e.type === 'ApiCreated');
  if (!created) return undefined;
  const name = (created.data as { name: string }).name;
  const index = upTo((await store.readStream(apiVersionsStream(name))).events, position);
  const merged = [...own, ...index].sort((a, b) => (a.globalPosition < b.globalPosition ? -1 : 1));
  const view = createCatalogView();
  for (const e of merged) applyToCatalog(view, e);
  return view.apis.get(apiId);
}
