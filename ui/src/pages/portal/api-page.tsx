// One API in the Developer Portal: overview with gateway URLs and operations, subscribe with a
// tier, documents, and the try-it console.
import { useState } from 'react';
import { Link, useNavigate, useParams } from 'react-router';
import { API, APPLICATIONS, API_SUBSCRIPTIONS, SUBSCRIBE } from '../../lib/documents.ts';
import { useMutation, useQuery } from '../../lib/hooks.ts';
import { useMe } from '../../lib/me.tsx';
import { toast } from '../../lib/toast.ts';
import type { Api, ApiSubscription, Application } from '../../lib/types.ts';
import { Button, Card, Empty, ErrorBanner, Loading, PageHeader, SelectField, StatusBadge, TabPanel, Tabs, Badge } from '../../components/ui.tsx';
import { InvocationUrls, OperationsTable } from '../../components/api-view.tsx';
import { TryIt } from './try-it.tsx';

function SubscribePanel({ api, subscriptions, onSubscribed }: { api: Api; subscriptions: ApiSubscription[]; onSubscribed: (position: string) => void }) {
  const apps = useQuery<{ applications: Application[] }>(APPLICATIONS);
  const subscribed = new Set(subscriptions.map((s) => s.applicationId));
  const candidates = (apps.data?.applications ?? []).filter((a) => !subscribed.has(a.id));
  const [appId, setAppId] = useState('');
  const [tier, setTier] = useState(api.subscriptionPolicies[0] ?? 'Unlimited');
  const [run, state] = useMutation<{ subscribe: ApiSubscription }>(SUBSCRIBE);
  const chosen = appId || candidates[0]?.id || '';
  const open = ['PUBLISHED', 'PROTOTYPED'].includes(api.lifecycleStatus);

  const subscribe = async () => {
    const r = await run({ applicationId: chosen, apiId: api.id, throttlingPolicy: tier });
    if (r) {
      toast(`Subscribed ${r.subscribe.application?.name ?? 'application'} with ${tier}`);
      setAppId('');
      onSubscribed(r.subscribe.position);
    }
  };

  return (
    <Card title="Subscriptions">
      {subscriptions.length > 0 ? (
        <ul className="sub-list">
          {subscriptions.map((s) => (
            <li key={s.id}>
              <Link to={`/portal/applications/${s.applicationId}`}>{s.application?.name ?? s.applicationId}</Link>
              <span className="muted"> · {s.throttlingPolicy}</span> <StatusBadge status={s.status} />
            </li>
          ))}
        </ul>
      ) : <p className="muted">None of your applications is subscribed yet.</p>}
      {!open ? <p className="muted">This API does not take new subscriptions ({api.lifecycleStatus.toLowerCase()}).</p> : null}
      {open && apps.data && candidates.length === 0 && subscriptions.length === 0 ? (
        <p><Link to="/portal/applications">Create an application</Link> to subscribe.</p>
      ) : null}
      {open && candidates.length > 0 ? (
        <form className="stack" onSubmit={(e) => { e.preventDefault(); void subscribe(); }} aria-label="Subscribe">
          <ErrorBanner error={state.error} onDismiss={state.reset} />
          <SelectField label="Application" value={chosen} onChange={(e) => setAppId(e.target.value)} options={candidates.map((a) => ({ value: a.id, label: a.name }))} />
          <SelectField label="Tier" value={tier} onChange={(e) => setTier(e.target.value)} options={api.subscriptionPolicies} />
          <Button type="submit" variant="primary" busy={state.loading}>Subscribe</Button>
        </form>
      ) : null}
    </Card>
  );
}

export function ApiPage() {
  const { id = '', tab = 'overview' } = useParams();
  const navigate = useNavigate();
  const { me } = useMe();
  const q = useQuery<{ api: Api | null }>(API, { id });
  const [at, setAt] = useState<string | null>(null);
  const subs = useQuery<{ subscriptions: ApiSubscription[] }>(API_SUBSCRIPTIONS, { apiId: id, atLeastPosition: at }, { skip: !me });
  const api = q.data?.api;

  if (q.error) return <ErrorBanner error={q.error} />;
  if (!api) return q.loading || !q.data ? <Loading /> : <Empty title="This API does not exist or is not visible to you" />;

  // Publishers see every subscription of an API; the portal shows the person's own.
  const mine = (subs.data?.subscriptions ?? []).filter((s) => !s.application || s.application.owner === me?.username);
  const tabs = [
    { id: 'overview', label: 'Overview' },
    { id: 'documents', label: `Documents${api.documents.length ? ` (${api.documents.length})` : ''}` },
    { id: 'try', label: 'Try it' },
  ];

  return (
    <div className="page">
      <PageHeader
        eyebrow={<Link to="/portal">← Catalogue</Link>}
        title={<>{api.name} <span className="muted">{api.version}</span> {api.lifecycleStatus !== 'PUBLISHED' ? <StatusBadge status={api.lifecycleStatus} /> : null}</>}
        subtitle={api.description ?? undefined}
        actions={<div className="api-card-tags">{api.tags.map((t) => <Badge key={t}>{t}</Badge>)}</div>}
      />
      <Tabs label="API sections" active={tab} tabs={tabs} onChange={(t) => navigate(`/portal/apis/${api.id}${t === 'overview' ? '' : `/${t}`}`)} />
      <TabPanel id={tab}>
        {tab === 'overview' ? (
          <div className="two-col two-col-wide">
            <div className="stack">
              <Card title="Operations"><OperationsTable api={api} /></Card>
              <Card title="Gateway URLs">
                <InvocationUrls api={api} />
                <p className="muted">Security: {api.securitySchemes.join(', ')} · provided by {api.provider}</p>
              </Card>
            </div>
            {me ? <SubscribePanel api={api} subscriptions={mine} onSubscribed={setAt} /> : (
              <Card title="Subscribe"><p><Link to={`/login?next=/portal/apis/${api.id}`}>Sign in</Link> to subscribe and get keys.</p></Card>
            )}
          </div>
        ) : null}
        {tab === 'documents' ? (
          api.documents.length === 0 ? <Empty title="No documents" /> : (
            <div className="stack">
              {api.documents.map((d) => (
                <Card key={d.id} title={d.name} actions={<Badge>{d.type.replace(/_/g, ' ').toLowerCase()}</Badge>}>
                  {d.summary ? <p className="muted">{d.summary}</p> : null}
                  {d.sourceType === 'URL' && d.sourceUrl ? <a href={d.sourceUrl} target="_blank" rel="noreferrer">{d.sourceUrl}</a> : null}
                  {d.content ? <pre className="doc-content">{d.content}</pre> : null}
                </Card>
              ))}
            </div>
          )
        ) : null}
        {tab === 'try' ? (me ? <TryIt api={api} subscriptions={mine} /> : <Card title="Try it"><p><Link to={`/login?next=/portal/apis/${api.id}/try`}>Sign in</Link> to try this API.</p></Card>) : null}
      </TabPanel>
    </div>
  );
}
