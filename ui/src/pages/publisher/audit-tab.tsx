// The API's event history (who, when, what changed) and time travel: a slider over the
// stream's events renders the API as it stood at that log position (`apiAt`), with the field
// changes the selected event made.
import { useEffect, useMemo, useState } from 'react';
import { API_AT, EVENTS, EVENTS_LIVE } from '../../lib/documents.ts';
import { gql } from '../../lib/graphql.ts';
import { useQuery, useSubscription } from '../../lib/hooks.ts';
import type { Api, DomainEvent } from '../../lib/types.ts';
import { Button, Card, Empty, ErrorBanner, Loading, formatTime } from '../../components/ui.tsx';
import { ApiView } from '../../components/api-view.tsx';

const IGNORED = new Set(['streamVersion', 'position', 'updatedAt', 'lifecycleHistory', 'versions', 'createdAt']);

export interface FieldChange { field: string; before: string; after: string }

const show = (v: unknown): string => (v === null || v === undefined ? '—' : typeof v === 'string' ? v : JSON.stringify(v));

/** Field-level differences between two renderings of the API (top-level fields). */
export function diffApis(before: Api | null, after: Api | null): FieldChange[] {
  if (!after) return [];
  const out: FieldChange[] = [];
  for (const field of Object.keys(after) as Array<keyof Api>) {
    if (IGNORED.has(field)) continue;
    const a = show(before?.[field]);
    const b = show(after[field]);
    if (a !== b) out.push({ field, before: before ? a : '—', after: b });
  }
  return out;
}

/** A one-line summary of an event's payload: the fields it carries. */
function payloadSummary(e: DomainEvent): string {
  const data = e.data ?? {};
  if (typeof data.to === 'string' || typeof data.status === 'string') {
    return `${show(data.from ?? data.previousStatus ?? '')} → ${show(data.to ?? data.status)}`.replace(/^ → /, '→ ');
  }
  const keys = Object.keys(data).filter((k) => k !== 'apiId' && k !== 'id');
  return keys.length ? keys.join(', ') : '';
}

export function AuditTab({ api, onReload }: { api: Api; onReload: () => Promise<void> }) {
  const streamId = `api-${api.id}`;
  const q = useQuery<{ events: DomainEvent[] }>(EVENTS, { streamId, limit: 1000 });
  const [live, setLive] = useState<DomainEvent[]>([]);
  const events = useMemo(() => {
    const seen = new Set<string>();
    return [...(q.data?.events ?? []), ...live].filter((e) => (seen.has(e.position) ? false : (seen.add(e.position), true)))
      .sort((a, b) => a.streamVersion - b.streamVersion);
  }, [q.data, live]);
  const liveError = useSubscription<{ events: DomainEvent }>(EVENTS_LIVE, { filter: { streamId } }, (d) => setLive((l) => [...l, d.events]));

  const [index, setIndex] = useState<number | null>(null);
  const selected = index ?? events.length - 1;
  const event = events[selected];
  const [view, setView] = useState<{ at: Api | null; before: Api | null; position: string } | null>(null);
  const [error, setError] = useState<unknown>(null);

  useEffect(() => {
    if (!event) return;
    let cancelled = false;
    const previous = events[selected - 1];
    void (async () => {
      try {
        const [at, before] = await Promise.all([
          gql<{ apiAt: Api | null }>(API_AT, { id: api.id, position: event.position }),
          previous ? gql<{ apiAt: Api | null }>(API_AT, { id: api.id, position: previous.position }) : Promise.resolve({ apiAt: null }),
        ]);
        if (!cancelled) { setView({ at: at.apiAt, before: before.apiAt, position: event.position }); setError(null); }
      } catch (e) {
        if (!cancelled) setError(e);
      }
    })();
    return () => { cancelled = true; };
  }, [api.id, event?.position, selected]);

  // New events while following the head keep the slider at the head.
  useEffect(() => { if (index !== null && index >= events.length) setIndex(null); }, [events.length, index]);

  if (q.loading && !q.data) return <Loading />;
  if (q.error) return <ErrorBanner error={q.error} />;
  if (events.length === 0) return <Empty title="No events visible to you for this API" />;

  const changes = view ? diffApis(view.before, view.at) : [];
  const atHead = selected === events.length - 1;

  return (
    <div className="audit-tab">
      <Card title="Time travel" actions={atHead ? <span className="badge badge-success">Latest</span> : <Button onClick={() => setIndex(null)}>Back to latest</Button>}>
        <div className="time-travel">
          <label htmlFor="time-travel" className="sr-only">Position in the API's history</label>
          <input
            id="time-travel"
            type="range"
            min={0}
            max={events.length - 1}
            step={1}
            value={selected}
            onChange={(e) => setIndex(Number(e.target.value) === events.length - 1 ? null : Number(e.target.value))}
            aria-valuetext={event ? `Event ${selected + 1} of ${events.length}: ${event.type} at position ${event.position}` : undefined}
          />
          <div className="time-travel-caption" aria-live="polite" data-testid="time-travel-caption">
            Event {selected + 1} of {events.length} · <strong>{event?.type}</strong> · position <span className="mono">{event?.position}</span> · {event ? formatTime(event.metadata.recordedAt) : ''} · by {event?.metadata.actor}
          </div>
        </div>
        <ErrorBanner error={error ?? liveError} />
        <div className="two-col">
          <div>
            <h3 className="section-title">The API at this point</h3>
            {view?.at ? <ApiView api={view.at} /> : <Loading />}
          </div>
          <div>
            <h3 className="section-title">What this event changed</h3>
            {changes.length === 0 ? <p className="muted">No visible field changed.</p> : (
              <table className="table diff" aria-label="Changed fields">
                <thead><tr><th scope="col">Field</th><th scope="col">Before</th><th scope="col">After</th></tr></thead>
                <tbody>
                  {changes.map((c) => (
                    <tr key={c.field}><td className="mono">{c.field}</td><td className="diff-old">{c.before}</td><td className="diff-new">{c.after}</td></tr>
                  ))}
                </tbody>
              </table>
            )}
          </div>
        </div>
      </Card>
      <Card title="History" actions={<Button variant="ghost" onClick={() => void Promise.all([q.refetch(), onReload()])}>Refresh</Button>}>
        <ol className="timeline" aria-label="Event history">
          {[...events].reverse().map((e) => {
            const i = events.indexOf(e);
            return (
              <li key={e.position} className={`timeline-item ${i === selected ? 'timeline-selected' : ''}`}>
                <button type="button" className="timeline-btn" onClick={() => setIndex(i === events.length - 1 ? null : i)} aria-pressed={i === selected}>
                  <span className="timeline-type">{e.type}</span>
                  <span className="timeline-meta">{formatTime(e.metadata.recordedAt)} · by <strong>{e.metadata.actor}</strong> · v{e.streamVersion} · pos {e.position}</span>
                  <span className="timeline-summary">{payloadSummary(e)}</span>
                </button>
              </li>
            );
          })}
        </ol>
      </Card>
    </div>
  );
}
