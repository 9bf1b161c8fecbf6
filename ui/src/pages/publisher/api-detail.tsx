// One API in the Publisher: overview and basic info, resources, runtime, lifecycle, versions,
// documents, subscriptions and the audit history with time travel.
import { useEffect, useState } from 'react';
import { Link, useNavigate, useParams, useSearchParams } from 'react-router';
import { API, DELETE_API, UPDATE_API } from '../../lib/documents.ts';
import { gql } from '../../lib/graphql.ts';
import { useMutation, useQuery } from '../../lib/hooks.ts';
import { hasRole, useMe } from '../../lib/me.tsx';
import { usePolicyNames } from '../../lib/policies.ts';
import { toast } from '../../lib/toast.ts';
import type { Api } from '../../lib/types.ts';
import { Button, Card, ErrorBanner, KeyValue, Loading, PageHeader, StatusBadge, TabPanel, Tabs, TextArea, TextField, formatTime, splitList } from '../../components/ui.tsx';
import { InvocationUrls, OperationsTable } from '../../components/api-view.tsx';
import { ResourcesEditor, ScopesEditor, operationInputs, scopeInputs, toOperationDrafts, toScopeDrafts } from './resources-editor.tsx';
import { RuntimeForm, runtimeInput, runtimeOf } from './runtime-form.tsx';
import { LifecycleTab } from './lifecycle.tsx';
import { VersionsTab } from './versions.tsx';
import { DocumentsTab } from './documents.tsx';
import { SubscriptionsTab } from './subscriptions.tsx';
import { AuditTab } from './audit-tab.tsx';

export interface TabProps { api: Api; onChange: (api: Api) => void; canEdit: boolean }

/** Saves part of the API with optimistic concurrency; a CONFLICT tells the person to reload. */
export function useApiUpdate(api: Api, onChange: (api: Api) => void) {
  const [run, state] = useMutation<{ updateApi: Api }>(UPDATE_API);
  const save = async (input: Record<string, unknown>, message: string) => {
    const r = await run({ id: api.id, input, expectedStreamVersion: api.streamVersion });
    if (r) {
      onChange(r.updateApi);
      toast(message);
    }
    return Boolean(r);
  };
  return { save, state };
}

function OverviewTab({ api, onChange, canEdit }: TabProps) {
  const [name, setName] = useState(api.name);
  const [description, setDescription] = useState(api.description ?? '');
  const [tags, setTags] = useState(api.tags.join(', '));
  const { save, state } = useApiUpdate(api, onChange);
  return (
    <div className="two-col">
      <Card title="Basic information">
        <form className="stack" onSubmit={(e) => { e.preventDefault(); void save({ name: name.trim(), description: description.trim() || null, tags: splitList(tags) }, 'Basic information saved'); }}>
          <ErrorBanner error={state.error} onDismiss={state.reset} />
          <TextField label="Name" value={name} onChange={(e) => setName(e.target.value)} disabled={!canEdit} required />
          <TextArea label="Description" rows={4} value={description} onChange={(e) => setDescription(e.target.value)} disabled={!canEdit} />
          <TextField label="Tags" value={tags} onChange={(e) => setTags(e.target.value)} disabled={!canEdit} />
          {canEdit ? <div className="form-actions"><Button type="submit" variant="primary" busy={state.loading}>Save</Button></div> : null}
        </form>
      </Card>
      <div className="stack">
        <Card title="Details">
          <KeyValue items={[
            ['Provider', api.provider],
            ['Context', <span className="mono">{api.context}</span>],
            ['Created', formatTime(api.createdAt)],
            ['Updated', formatTime(api.updatedAt)],
            ['Stream version', String(api.streamVersion)],
            ['Log position', <span className="mono">{api.position}</span>],
          ]} />
        </Card>
        <Card title="Gateway URLs">
          <InvocationUrls api={api} />
        </Card>
        <Card title="Resources"><OperationsTable api={api} /></Card>
      </div>
    </div>
  );
}

function ResourcesTab({ api, onChange, canEdit }: TabProps) {
  const tiers = usePolicyNames('ADVANCED');
  const [ops, setOps] = useState(toOperationDrafts(api.operations));
  const [scopes, setScopes] = useState(toScopeDrafts(api.scopes));
  const { save, state } = useApiUpdate(api, onChange);
  return (
    <div className="stack">
      <ErrorBanner error={state.error} onDismiss={state.reset} />
      <Card title="Resources"><ResourcesEditor operations={ops} onChange={setOps} tiers={tiers} /></Card>
      <Card title="Scopes"><ScopesEditor scopes={scopes} onChange={setScopes} /></Card>
      {canEdit ? (
        <div className="form-actions">
          <Button variant="primary" busy={state.loading} onClick={() => void save({ operations: operationInputs(ops), scopes: scopeInputs(scopes) }, 'Resources saved')}>Save resources</Button>
        </div>
      ) : null}
    </div>
  );
}

function RuntimeTab({ api, onChange, canEdit }: TabProps) {
  const subscriptionTiers = usePolicyNames('SUBSCRIPTION');
  const advancedTiers = usePolicyNames('ADVANCED');
  const [draft, setDraft] = useState(runtimeOf(api));
  const { save, state } = useApiUpdate(api, onChange);
  return (
    <div className="stack">
      <ErrorBanner error={state.error} onDismiss={state.reset} />
      <Card title="Runtime configuration">
        <RuntimeForm draft={draft} onChange={setDraft} subscriptionTiers={subscriptionTiers} advancedTiers={advancedTiers} />
      </Card>
      {canEdit ? (
        <div className="form-actions">
          <Button variant="primary" busy={state.loading} onClick={() => void save(runtimeInput(draft), 'Runtime configuration saved')}>Save runtime</Button>
        </div>
      ) : null}
    </div>
  );
}

const TABS = [
  { id: 'overview', label: 'Overview' },
  { id: 'resources', label: 'Resources' },
  { id: 'runtime', label: 'Runtime' },
  { id: 'lifecycle', label: 'Lifecycle' },
  { id: 'versions', label: 'Versions' },
  { id: 'documents', label: 'Documents' },
  { id: 'subscriptions', label: 'Subscriptions' },
  { id: 'audit', label: 'Audit' },
];

export function ApiDetail() {
  const { id = '', tab = 'overview' } = useParams();
  const [params] = useSearchParams();
  const navigate = useNavigate();
  const { me } = useMe();
  const q = useQuery<{ api: Api | null }>(API, { id, atLeastPosition: params.get('at') });
  const [api, setApi] = useState<Api | null>(null);
  const [deleteApi, deleting] = useMutation(DELETE_API);
  useEffect(() => { if (q.data) setApi(q.data.api); }, [q.data]);

  if (q.error && !api) return <ErrorBanner error={q.error} />;
  if (!api) return q.loading || !q.data ? <Loading /> : <ErrorBanner error={new Error('This API does not exist or is not visible to you.')} />;

  const canEdit = hasRole(me, 'creator');
  const onChange = (next: Api) => setApi(next);
  const reload = async () => {
    const r = await gql<{ api: Api | null }>(API, { id });
    if (r.api) setApi(r.api);
  };
  const props: TabProps = { api, onChange, canEdit };
  const remove = async () => {
    if (!window.confirm(`Delete ${api.name} ${api.version}? This cannot be undone.`)) return;
    if (await deleteApi({ id: api.id })) {
      toast(`${api.name} ${api.version} deleted`);
      navigate('/publisher');
    }
  };

  return (
    <div className="page">
      <PageHeader
        eyebrow={<Link to="/publisher">← APIs</Link>}
        title={<>{api.name} <span className="muted">{api.version}</span> <StatusBadge status={api.lifecycleStatus} /></>}
        subtitle={<span className="mono">{api.context}</span>}
        actions={<>
          <Link className="btn btn-ghost" to={`/portal/apis/${api.id}`}>View in portal</Link>
          {canEdit && ['CREATED', 'RETIRED'].includes(api.lifecycleStatus) ? <Button variant="danger" busy={deleting.loading} onClick={() => void remove()}>Delete</Button> : null}
        </>}
      />
      <ErrorBanner error={deleting.error} onDismiss={deleting.reset} />
      <Tabs label="API sections" active={tab} tabs={TABS} onChange={(t) => navigate(`/publisher/apis/${api.id}/${t}`)} />
      <TabPanel id={tab}>
        {tab === 'overview' ? <OverviewTab key={api.streamVersion} {...props} /> : null}
        {tab === 'resources' ? <ResourcesTab key={api.streamVersion} {...props} /> : null}
        {tab === 'runtime' ? <RuntimeTab key={api.streamVersion} {...props} /> : null}
        {tab === 'lifecycle' ? <LifecycleTab {...props} canEdit={hasRole(me, 'publisher')} /> : null}
        {tab === 'versions' ? <VersionsTab {...props} /> : null}
        {tab === 'documents' ? <DocumentsTab {...props} /> : null}
        {tab === 'subscriptions' ? <SubscriptionsTab {...props} canEdit={hasRole(me, 'publisher')} /> : null}
        {tab === 'audit' ? <AuditTab api={api} onReload={reload} /> : null}
      </TabPanel>
    </div>
  );
}
