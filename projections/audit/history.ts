// The history of one stream: every event with its actor and time, and what it changed as
// field diffs of the aggregate's state before and after. The state is the catalog's record of
// the aggregate (the fields users see), folded with the catalog's own fold; streams the catalog
// does not model (reservations, tokens, refresh families, the versions index) fall back to the
// accumulated event data.
import type { EventStore, RecordedEvent } from '../../domain/ports.ts';
import { SIGNING_KEYS_STREAM, aggregateOf, userStream } from '../../domain/streams.ts';
import '../../domain/events.ts'; // registers the upcasters `upcast` applies
import { upcast } from '../../domain/upcasting.ts';
import { applyToCatalog } from '../catalog/projection.ts';
import { createCatalogView, type CatalogView } from '../catalog/view.ts';
import { diffFields, redact, type FieldChange } from './diff.ts';

export interface HistoryEntry {
  position: bigint;
  streamVersion: bigint;
  type: string;
  actor: string;
  recordedAt: string;
  correlationId: string;
  changes: FieldChange[];
}

/**
 * Left out of the diffs: fields that change with every event (the entry's own columns say it)
 * and isDefaultVersion, which the API-name index stream decides, not the API's own.
 */
const BOOKKEEPING = new Set(['streamVersion', 'position', 'updatedAt', 'lifecycleHistory', 'isDefaultVersion']);

function withoutBookkeeping(x: unknown): unknown {
  if (typeof x !== 'object' || x === null || Array.isArray(x)) return x;
  return Object.fromEntries(Object.entries(x).filter(([k]) => !BOOKKEEPING.has(k)));
}

const afterPrefix = (streamId: string, prefix: string) => streamId.slice(prefix.length);

/** The catalog's record of the aggregate behind `streamId`, or undefined when it models none. */
function recordOf(view: CatalogView, streamId: string): { modelled: boolean; state: unknown } {
  const kind = aggregateOf(streamId);
  switch (kind) {
    case 'api':
      return { modelled: true, state: view.apis.get(afterPrefix(streamId, 'api-')) };
    case 'application':
      return { modelled: true, state: view.applications.get(afterPrefix(streamId, 'app-')) };
    case 'subscription':
      return { modelled: true, state: view.subscriptions.get(afterPrefix(streamId, 'sub-')) };
    case 'blocking':
      return { modelled: true, state: view.blockingConditions.get(afterPrefix(streamId, 'blocking-')) };
    case 'policy':
      return { modelled: true, state: [...view.policies.values()].find((p) => p.id === streamId) };
    case 'user':
      return { modelled: true, state: [...view.users.entries()].find(([key]) => userStream(key) === streamId)?.[1] };
    case 'signing-keys':
      return { modelled: streamId === SIGNING_KEYS_STREAM, state: Object.fromEntries(view.signingKeys) };
    default:
      return { modelled: false, state: undefined };
  }
}

/** Folds a stream's events, yielding each with the state before and after it. */
export function* foldWithStates(streamId: string, events: readonly RecordedEvent[]): Generator<{ event: RecordedEvent; before: unknown; after: unknown }> {
  const view = createCatalogView();
  let generic: Record<string, unknown> | undefined;
  let before: unknown = undefined;
  for (const event of events) {
    applyToCatalog(view, event);
    const { modelled, state } = recordOf(view, streamId);
    let after: unknown;
    if (modelled) after = withoutBookkeeping(state);
    else {
      const data = typeof event.data === 'object' && event.data !== null ? (event.data as Record<string, unknown>) : { value: event.data };
      generic = { ...generic, ...data };
      after = generic;
    }
    yield { event, before, after };
    before = after;
  }
}

export async function history(store: EventStore, streamId: string): Promise<HistoryEntry[]> {
  const { events } = await store.readStream(streamId);
  const entries: HistoryEntry[] = [];
  for (const { event, before, after } of foldWithStates(streamId, events.map((e) => upcast(e)))) {
    entries.push({
      position: event.globalPosition,
      streamVersion: event.streamVersion,
      type: event.type,
      actor: event.metadata.actor,
      recordedAt: event.metadata.recordedAt,
      correlationId: event.metadata.correlationId,
      changes: redact(diffFields(before, after)),
    });
  }
  return entries;
}
