// The audit log: the domain event stream, filtered by type, stream and actor, live over the
// GraphQL subscription, exportable as NDJSON or JSON.
import { useEffect, useMemo, useState } from 'react';
import { EVENTS, EVENTS_LIVE, HEAD_POSITION } from '../../lib/documents.ts';
import { gql } from '../../lib/graphql.ts';
import { useDebounced, useSubscription } from '../../lib/hooks.ts';
import type { DomainEvent } from '../../lib/types.ts';
import { Badge, Button, Card, Checkbox, Empty, ErrorBanner, Loading, PageHeader, TextField, formatTime, splitList } from '../../components/ui.tsx';

const PAGE = 1000;

interface Filters { types: string; stream: string; actor: string }

function download(name: string, text: string, type: string): void {
  const url = URL.createObjectURL(new Blob([text], { type }));
  const a = document.createElement('a');
  a.href = url;
  a.download = name;
  document.body.append(a);
  a.click();
  a.remove();
  setTimeout(() => URL.revokeObjectURL(url), 1000);
}

const matches = (e: DomainEvent, f: Filters): boolean => {
  const types = splitList(f.types);
  if (types.length && !types.includes(e.type)) return false;
  if (f.stream && !e.streamId.startsWith(f.stream)) return false;
  if (f.actor && e.metadata.actor !== f.actor) return false;
  return true;
};

function EventRow({ e }: { e: DomainEvent }) {
  const [open, setOpen] = useState(false);
  return (
    <li className="event-row">
      <button type="button" className="event-summary" aria-expanded={open} onClick={() => setOpen(!open)}>
        <span className="mono event-pos">#{e.position}</span>
        <span className="event-type">{e.type}</span>
        <span className="mono event-stream">{e.streamId}</span>
        <span className="event-actor">{e.metadata.actor}</span>
        <span className="event-time">{formatTime(e.metadata.recordedAt)}</span>
      </button>
      {open ? <pre className="code">{JSON.stringify({ data: e.data, metadata: e.metadata, streamVersion: e.streamVersion }, null, 2)}</pre> : null}
    </li>
  );
}

export function AuditPage() {
  const [filters, setFilters] = useState<Filters>({ types: '', stream: '', actor: '' });
  const f = useDebounced(filters, 300);
  const [events, setEvents] = useState<DomainEvent[]>([]);
  const [head, setHead] = useState<string | null>(null);
  const [windowStart, setWindowStart] = useState<bigint>(0n);
  const [loading, setLoading] = useState(true);
  const [error, setError] = useState<unknown>(null);
  const [live, setLive] = useState(true);

  useEffect(() => {
    let cancelled = false;
    setLoading(true);
    setError(null);
    void (async () => {
      try {
        const { headPosition } = await gql<{ headPosition: string }>(HEAD_POSITION);
        const start = BigInt(headPosition) > BigInt(PAGE) ? BigInt(headPosition) - BigInt(PAGE) : 0n;
        const types = splitList(f.types);
        const r = await gql<{ events: DomainEvent[] }>(EVENTS, {
          fromPosition: start > 0n ? start.toString() : null,
          limit: PAGE,
          ...(types.length ? { types } : {}),
          ...(f.actor ? { actor: f.actor } : {}),
        });
        if (cancelled) return;
        setEvents(r.events.filter((e) => matches(e, f)));
        setHead(headPosition);
        setWindowStart(start);
      } catch (e) {
        if (!cancelled) setError(e);
      } finally {
        if (!cancelled) setLoading(false);
      }
    })();
    return () => { cancelled = true; };
  }, [f]);

  const liveFilter = useMemo(() => {
    const types = splitList(f.types);
    return {
      filter: {
        ...(f.stream ? { streamPrefix: f.stream } : {}),
        ...(types.length ? { types } : {}),
        ...(f.actor ? { actor: f.actor } : {}),
        ...(head ? { fromPosition: head } : {}),
      },
    };
  }, [f, head]);

  const liveError = useSubscription<{ events: DomainEvent }>(EVENTS_LIVE, liveFilter, (d) => {
    setEvents((list) => (list.some((e) => e.position === d.events.position) ? list : [...list, d.events]));
  }, live && head !== null);

  const loadOlder = async () => {
    if (windowStart === 0n) return;
    const start = windowStart > BigInt(PAGE) ? windowStart - BigInt(PAGE) : 0n;
    try {
      const types = splitList(f.types);
      const r = await gql<{ events: DomainEvent[] }>(EVENTS, {
        fromPosition: start > 0n ? start.toString() : null, limit: PAGE,
        ...(types.length ? { types } : {}), ...(f.actor ? { actor: f.actor } : {}),
      });
      const older = r.events.filter((e) => BigInt(e.position) <= windowStart && matches(e, f));
      setEvents((list) => [...older, ...list]);
      setWindowStart(start);
    } catch (e) {
      setError(e);
    }
  };

  const newestFirst = [...events].sort((a, b) => (BigInt(b.position) > BigInt(a.position) ? 1 : -1));
  const typesSeen = [...new Set(events.map((e) => e.type))].sort();
  const stamp = new Date().toISOString().replace(/[:.]/g, '-');

  return (
    <div className="page">
      <PageHeader eyebrow="Insights" title="Audit log" subtitle="Every change is an event in one ordered log: who did what, when."
        actions={<>
          <Button onClick={() => download(`gatehouse-events-${stamp}.ndjson`, events.map((e) => JSON.stringify(e)).join('\n') + '\n', 'application/x-ndjson')} disabled={!events.length}>Export NDJSON</Button>
          <Button onClick={() => download(`gatehouse-events-${stamp}.json`, JSON.stringify(events, null, 2), 'application/json')} disabled={!events.length}>Export JSON</Button>
        </>} />
      <Card>
        <form className="form-grid form-grid-4" aria-label="Filter events" onSubmit={(e) => e.preventDefault()}>
          <TextField label="Event types" list="event-types" placeholder="ApiPublished, ApiUpdated" value={filters.types} onChange={(e) => setFilters({ ...filters, types: e.target.value })} />
          <datalist id="event-types">{typesSeen.map((t) => <option key={t} value={t} />)}</datalist>
          <TextField label="Stream (prefix)" placeholder="api-" value={filters.stream} onChange={(e) => setFilters({ ...filters, stream: e.target.value })} />
          <TextField label="Actor" placeholder="admin" value={filters.actor} onChange={(e) => setFilters({ ...filters, actor: e.target.value })} />
          <div className="field field-inline">
            <Checkbox label={<>Live {live && !liveError ? <span className="live-dot" aria-hidden="true" /> : null}</>} checked={live} onChange={(e) => setLive(e.target.checked)} />
          </div>
        </form>
      </Card>
      <ErrorBanner error={error ?? liveError} />
      <Card title={<>{events.length} event{events.length === 1 ? '' : 's'} {head ? <Badge>head #{head}</Badge> : null}</>}
        actions={windowStart > 0n ? <Button variant="ghost" onClick={() => void loadOlder()}>Load older</Button> : null}>
        {loading ? <Loading /> : null}
        {!loading && events.length === 0 ? <Empty title="No events match" /> : null}
        <ol className="event-list" aria-label="Events, newest first" data-testid="audit-events">
          {newestFirst.map((e) => <EventRow key={e.position} e={e} />)}
        </ol>
      </Card>
    </div>
  );
}
