// Publisher home: every API the caller can manage, with search and lifecycle filters.
import { useState } from 'react';
import { Link } from 'react-router';
import { APIS } from '../../lib/documents.ts';
import { useDebounced, useQuery } from '../../lib/hooks.ts';
import { hasRole, useMe } from '../../lib/me.tsx';
import type { ApiSummary } from '../../lib/types.ts';
import { Empty, ErrorBanner, Loading, PageHeader, StatusBadge, timeAgo } from '../../components/ui.tsx';

const STATUSES = ['ALL', 'CREATED', 'PROTOTYPED', 'PUBLISHED', 'BLOCKED', 'DEPRECATED', 'RETIRED'];

export function ApiList() {
  const { me } = useMe();
  const [search, setSearch] = useState('');
  const [status, setStatus] = useState('ALL');
  const debounced = useDebounced(search);
  const q = useQuery<{ apis: { totalCount: number; nodes: ApiSummary[] } }>(APIS, {
    search: debounced.trim() || null,
    status: status === 'ALL' ? null : status,
    first: 100,
  });

  return (
    <div className="page">
      <PageHeader
        eyebrow="Publisher"
        title="APIs"
        subtitle={q.data ? `${q.data.apis.totalCount} API${q.data.apis.totalCount === 1 ? '' : 's'}` : 'Design, publish and govern your APIs.'}
        actions={hasRole(me, 'creator') ? <Link className="btn btn-primary" to="/publisher/new">+ Create API</Link> : null}
      />
      <div className="toolbar">
        <div className="search">
          <label htmlFor="api-search" className="sr-only">Search APIs</label>
          <input id="api-search" type="search" placeholder="Search by name, context, tag… (name:, tag:, status: prefixes work)" value={search} onChange={(e) => setSearch(e.target.value)} />
        </div>
        <div className="segmented" role="radiogroup" aria-label="Filter by lifecycle status">
          {STATUSES.map((s) => (
            <button key={s} type="button" role="radio" aria-checked={status === s} className={`segment ${status === s ? 'segment-active' : ''}`} onClick={() => setStatus(s)}>
              {s === 'ALL' ? 'All' : s === 'PROTOTYPED' ? 'Pre-released' : s.charAt(0) + s.slice(1).toLowerCase()}
            </button>
          ))}
        </div>
      </div>
      <ErrorBanner error={q.error} />
      {q.loading && !q.data ? <Loading /> : null}
      {q.data && q.data.apis.nodes.length === 0 ? (
        <Empty title="No APIs match">{hasRole(me, 'creator') ? <Link to="/publisher/new">Create your first API</Link> : null}</Empty>
      ) : null}
      <div className="grid-cards">
        {q.data?.apis.nodes.map((a) => (
          <Link key={a.id} to={`/publisher/apis/${a.id}`} className="api-card" aria-label={`${a.name} ${a.version}`}>
            <div className="api-card-top">
              <span className="api-avatar" aria-hidden="true">{a.name.slice(0, 2).toUpperCase()}</span>
              <StatusBadge status={a.lifecycleStatus} />
            </div>
            <h3>{a.name} <span className="muted">{a.version}</span></h3>
            <p className="mono small">{a.context}</p>
            <p className="api-card-desc">{a.description || 'No description'}</p>
            <p className="api-card-meta">by {a.provider} · updated {timeAgo(a.updatedAt)}</p>
          </Link>
        ))}
      </div>
    </div>
  );
}
