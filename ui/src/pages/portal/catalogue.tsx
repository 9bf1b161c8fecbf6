// Developer Portal catalogue: published (and pre-released) APIs, searchable; anonymous
// visitors see the public ones.
import { useState } from 'react';
import { Link } from 'react-router';
import { APIS } from '../../lib/documents.ts';
import { useDebounced, useQuery } from '../../lib/hooks.ts';
import { useMe } from '../../lib/me.tsx';
import type { ApiSummary } from '../../lib/types.ts';
import { Badge, Empty, ErrorBanner, Loading, PageHeader, StatusBadge } from '../../components/ui.tsx';

const PORTAL_STATES = new Set(['PUBLISHED', 'PROTOTYPED', 'DEPRECATED']);

export function Catalogue() {
  const { me } = useMe();
  const [search, setSearch] = useState('');
  const debounced = useDebounced(search);
  const q = useQuery<{ apis: { totalCount: number; nodes: ApiSummary[] } }>(APIS, { search: debounced.trim() || null, first: 100 });
  const apis = (q.data?.apis.nodes ?? []).filter((a) => PORTAL_STATES.has(a.lifecycleStatus));

  return (
    <div className="page">
      <section className="hero">
        <PageHeader eyebrow="Developer Portal" title="Discover APIs" subtitle={me ? `Welcome, ${me.username}. Subscribe with an application to get keys and try APIs live.` : 'Browse the public APIs. Sign in to subscribe and get keys.'} />
        <div className="search search-hero">
          <label htmlFor="catalogue-search" className="sr-only">Search the catalogue</label>
          <input id="catalogue-search" type="search" placeholder="Search APIs by name, tag, context…" value={search} onChange={(e) => setSearch(e.target.value)} />
        </div>
      </section>
      <ErrorBanner error={q.error} />
      {q.loading && !q.data ? <Loading /> : null}
      {q.data && apis.length === 0 ? <Empty title={debounced ? 'No API matches your search' : 'No APIs published yet'} /> : null}
      <div className="grid-cards">
        {apis.map((a) => (
          <Link key={a.id} to={`/portal/apis/${a.id}`} className="api-card" aria-label={`${a.name} ${a.version}`}>
            <div className="api-card-top">
              <span className="api-avatar" aria-hidden="true">{a.name.slice(0, 2).toUpperCase()}</span>
              {a.lifecycleStatus !== 'PUBLISHED' ? <StatusBadge status={a.lifecycleStatus} /> : null}
            </div>
            <h3>{a.name} <span className="muted">{a.version}</span></h3>
            <p className="api-card-desc">{a.description || 'No description'}</p>
            <div className="api-card-tags">{a.tags.slice(0, 4).map((t) => <Badge key={t}>{t}</Badge>)}</div>
            <p className="api-card-meta">by {a.provider}</p>
          </Link>
        ))}
      </div>
    </div>
  );
}
