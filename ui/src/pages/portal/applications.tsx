// The person's applications, and creating one with an application-level tier.
import { useState } from 'react';
import { Link, useNavigate } from 'react-router';
import { APPLICATIONS, CREATE_APPLICATION } from '../../lib/documents.ts';
import { useMutation, useQuery } from '../../lib/hooks.ts';
import { usePolicyNames } from '../../lib/policies.ts';
import { toast } from '../../lib/toast.ts';
import type { Application } from '../../lib/types.ts';
import { Badge, Button, Card, Empty, ErrorBanner, Loading, PageHeader, SelectField, TextArea, TextField } from '../../components/ui.tsx';

export function Applications() {
  const navigate = useNavigate();
  const q = useQuery<{ applications: Application[] }>(APPLICATIONS);
  const tiers = usePolicyNames('APPLICATION', ['Unlimited', '10PerMin', '20PerMin', '50PerMin']);
  const [name, setName] = useState('');
  const [tier, setTier] = useState('Unlimited');
  const [description, setDescription] = useState('');
  const [create, state] = useMutation<{ createApplication: { id: string; position: string } }>(CREATE_APPLICATION);

  const submit = async () => {
    const r = await create({ input: { name: name.trim(), throttlingPolicy: tier, description: description.trim() || null } });
    if (r) {
      toast(`Application ${name.trim()} created`);
      navigate(`/portal/applications/${r.createApplication.id}?at=${r.createApplication.position}`);
    }
  };

  return (
    <div className="page">
      <PageHeader eyebrow="Developer Portal" title="Applications" subtitle="An application holds your keys and subscriptions." />
      <div className="two-col two-col-wide">
        <div>
          <ErrorBanner error={q.error} />
          {q.loading && !q.data ? <Loading /> : null}
          {q.data && q.data.applications.length === 0 ? <Empty title="No applications yet" /> : null}
          <div className="grid-cards grid-cards-2">
            {q.data?.applications.map((a) => (
              <Link key={a.id} to={`/portal/applications/${a.id}`} className="api-card" aria-label={`Application ${a.name}`}>
                <div className="api-card-top">
                  <span className="api-avatar app-avatar" aria-hidden="true">{a.name.slice(0, 2).toUpperCase()}</span>
                  <Badge tone="info">{a.throttlingPolicy}</Badge>
                </div>
                <h3>{a.name}</h3>
                <p className="api-card-desc">{a.description || 'No description'}</p>
                <p className="api-card-meta">
                  {a.subscriptionCount} subscription{a.subscriptionCount === 1 ? '' : 's'} · {a.keys.length ? a.keys.map((k) => k.keyType.toLowerCase()).join(' + ') + ' keys' : 'no keys yet'}
                </p>
              </Link>
            ))}
          </div>
        </div>
        <Card title="New application">
          <form className="stack" onSubmit={(e) => { e.preventDefault(); void submit(); }} aria-label="New application">
            <ErrorBanner error={state.error} onDismiss={state.reset} />
            <TextField label="Application name" required value={name} onChange={(e) => setName(e.target.value)} />
            <SelectField label="Per-token quota (tier)" value={tier} onChange={(e) => setTier(e.target.value)} options={tiers} />
            <TextArea label="Description" rows={3} value={description} onChange={(e) => setDescription(e.target.value)} />
            <Button type="submit" variant="primary" busy={state.loading}>Create application</Button>
          </form>
        </Card>
      </div>
    </div>
  );
}
