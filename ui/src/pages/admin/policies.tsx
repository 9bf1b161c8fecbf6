// Rate-limiting policies at the three WSO2 levels (subscription, application, advanced), with
// burst control on subscription policies.
import { useState } from 'react';
import { CREATE_POLICY, DELETE_POLICY, POLICIES, UPDATE_POLICY } from '../../lib/documents.ts';
import { gql } from '../../lib/graphql.ts';
import { useMutation, useQuery } from '../../lib/hooks.ts';
import { toast } from '../../lib/toast.ts';
import type { PolicyLevel, ThrottlingPolicy, TimeUnit } from '../../lib/types.ts';
import { Button, Card, Checkbox, ErrorBanner, Loading, PageHeader, SelectField, TabPanel, Tabs, TextField } from '../../components/ui.tsx';

const LEVELS: Array<{ id: PolicyLevel; label: string; blurb: string }> = [
  { id: 'SUBSCRIPTION', label: 'Subscription', blurb: 'Tiers an application picks when it subscribes to an API (with optional burst control).' },
  { id: 'APPLICATION', label: 'Application', blurb: 'Per-token quota shared by every API an application calls.' },
  { id: 'ADVANCED', label: 'Advanced', blurb: 'API- and resource-level limits the publisher assigns.' },
];
const UNITS: TimeUnit[] = ['SEC', 'MIN', 'HOUR', 'DAY'];
const UNIT_LABEL: Record<string, string> = { SEC: 'second', MIN: 'minute', HOUR: 'hour', DAY: 'day', WEEK: 'week', MONTH: 'month', YEAR: 'year' };

const quota = (p: ThrottlingPolicy): string => {
  if (p.limitType === 'BANDWIDTH') return `${p.dataAmount ?? '∞'} ${p.dataUnit ?? ''} / ${p.unitTime} ${UNIT_LABEL[p.timeUnit]}`;
  return p.requestCount == null ? 'Unlimited' : `${p.requestCount.toLocaleString()} req / ${p.unitTime === 1 ? '' : `${p.unitTime} `}${UNIT_LABEL[p.timeUnit]}${p.unitTime === 1 ? '' : 's'}`;
};

interface Draft { name: string; description: string; requestCount: string; unitTime: string; timeUnit: TimeUnit; burstLimit: string; burstTimeUnit: TimeUnit; stopOnQuotaReach: boolean }
const emptyDraft = (): Draft => ({ name: '', description: '', requestCount: '100', unitTime: '1', timeUnit: 'MIN', burstLimit: '', burstTimeUnit: 'SEC', stopOnQuotaReach: true });
const draftOf = (p: ThrottlingPolicy): Draft => ({
  name: p.name, description: p.description ?? '', requestCount: p.requestCount == null ? '' : String(p.requestCount), unitTime: String(p.unitTime),
  timeUnit: p.timeUnit, burstLimit: p.burstLimit == null ? '' : String(p.burstLimit), burstTimeUnit: p.burstTimeUnit ?? 'SEC', stopOnQuotaReach: p.stopOnQuotaReach,
});

function PolicyForm({ level, editing, onDone }: { level: PolicyLevel; editing: ThrottlingPolicy | null; onDone: (position: string) => void }) {
  const [d, setD] = useState<Draft>(editing ? draftOf(editing) : emptyDraft());
  const [run, state] = useMutation<Record<string, { position: string }>>(editing ? UPDATE_POLICY : CREATE_POLICY);
  const set = (p: Partial<Draft>) => setD({ ...d, ...p });
  const submit = async () => {
    const input = {
      level, name: d.name.trim(), description: d.description.trim() || null, limitType: 'REQUEST_COUNT',
      requestCount: d.requestCount.trim() ? Number(d.requestCount) : null, unitTime: Number(d.unitTime) || 1, timeUnit: d.timeUnit,
      ...(level === 'SUBSCRIPTION' ? { burstLimit: d.burstLimit.trim() ? Number(d.burstLimit) : null, burstTimeUnit: d.burstLimit.trim() ? d.burstTimeUnit : null, stopOnQuotaReach: d.stopOnQuotaReach } : {}),
    };
    const r = await run(editing ? { input, expectedStreamVersion: editing.streamVersion } : { input });
    if (r) {
      const result = Object.values(r)[0]!;
      toast(`Policy ${input.name} ${editing ? 'updated' : 'created'}`);
      setD(emptyDraft());
      onDone(result.position);
    }
  };
  return (
    <form className="stack" onSubmit={(e) => { e.preventDefault(); void submit(); }} aria-label={editing ? `Edit policy ${editing.name}` : 'New policy'}>
      <ErrorBanner error={state.error} onDismiss={state.reset} />
      <TextField label="Name" required value={d.name} disabled={Boolean(editing)} onChange={(e) => set({ name: e.target.value })} />
      <TextField label="Description" value={d.description} onChange={(e) => set({ description: e.target.value })} />
      <div className="form-grid form-grid-3">
        <TextField label="Request count" type="number" min={1} value={d.requestCount} onChange={(e) => set({ requestCount: e.target.value })} hint="Empty: unlimited" />
        <TextField label="Per" type="number" min={1} value={d.unitTime} onChange={(e) => set({ unitTime: e.target.value })} />
        <SelectField label="Time unit" value={d.timeUnit} onChange={(e) => set({ timeUnit: e.target.value as TimeUnit })} options={UNITS.map((u) => ({ value: u, label: UNIT_LABEL[u]! }))} />
      </div>
      {level === 'SUBSCRIPTION' ? (
        <fieldset className="fieldset">
          <legend>Burst control (spike arrest)</legend>
          <div className="form-grid">
            <TextField label="Burst limit" type="number" min={1} value={d.burstLimit} onChange={(e) => set({ burstLimit: e.target.value })} hint="Empty: no burst control" />
            <SelectField label="Burst time unit" value={d.burstTimeUnit} onChange={(e) => set({ burstTimeUnit: e.target.value as TimeUnit })} options={[{ value: 'SEC', label: 'second' }, { value: 'MIN', label: 'minute' }]} />
          </div>
          <Checkbox label="Stop on quota reach" checked={d.stopOnQuotaReach} onChange={(e) => set({ stopOnQuotaReach: e.target.checked })} />
        </fieldset>
      ) : null}
      <div className="form-actions"><Button type="submit" variant="primary" busy={state.loading}>{editing ? 'Save policy' : 'Add policy'}</Button></div>
    </form>
  );
}

export function PoliciesPage() {
  const [level, setLevel] = useState<PolicyLevel>('SUBSCRIPTION');
  const [at, setAt] = useState<string | null>(null);
  const [editing, setEditing] = useState<ThrottlingPolicy | null>(null);
  const [error, setError] = useState<unknown>(null);
  const q = useQuery<{ throttlingPolicies: ThrottlingPolicy[] }>(POLICIES, { level, atLeastPosition: at });
  const info = LEVELS.find((l) => l.id === level)!;

  const remove = async (p: ThrottlingPolicy) => {
    if (!window.confirm(`Delete policy ${p.name}?`)) return;
    setError(null);
    try {
      const r = await gql<{ deleteThrottlingPolicy: { position: string } }>(DELETE_POLICY, { level, name: p.name });
      setAt(r.deleteThrottlingPolicy.position);
      toast(`Policy ${p.name} deleted`);
    } catch (e) {
      setError(e);
    }
  };

  return (
    <div className="page">
      <PageHeader eyebrow="Admin" title="Rate limiting policies" subtitle={info.blurb} />
      <Tabs label="Policy level" active={level} onChange={(l) => { setLevel(l as PolicyLevel); setEditing(null); }} tabs={LEVELS.map((l) => ({ id: l.id, label: l.label }))} />
      <TabPanel id={level}>
        <div className="two-col two-col-wide">
          <Card title={`${info.label} policies`}>
            <ErrorBanner error={error ?? q.error} onDismiss={() => setError(null)} />
            {q.loading && !q.data ? <Loading /> : null}
            <table className="table">
              <thead><tr><th scope="col">Name</th><th scope="col">Quota</th>{level === 'SUBSCRIPTION' ? <th scope="col">Burst</th> : null}<th scope="col"><span className="sr-only">Actions</span></th></tr></thead>
              <tbody>
                {q.data?.throttlingPolicies.map((p) => (
                  <tr key={p.id}>
                    <td><strong>{p.displayName || p.name}</strong>{p.description ? <div className="muted small">{p.description}</div> : null}</td>
                    <td>{quota(p)}</td>
                    {level === 'SUBSCRIPTION' ? <td>{p.burstLimit ? `${p.burstLimit} / ${UNIT_LABEL[p.burstTimeUnit ?? 'SEC']}` : '—'}</td> : null}
                    <td className="row-actions">
                      <Button variant="ghost" onClick={() => setEditing(p)} aria-label={`Edit ${p.name}`}>Edit</Button>
                      <Button variant="ghost" onClick={() => void remove(p)} aria-label={`Delete ${p.name}`}>Delete</Button>
                    </td>
                  </tr>
                ))}
              </tbody>
            </table>
          </Card>
          <Card title={editing ? `Edit ${editing.name}` : 'Add a policy'} actions={editing ? <Button variant="ghost" onClick={() => setEditing(null)}>Cancel</Button> : null}>
            <PolicyForm key={`${level}-${editing?.id ?? 'new'}`} level={level} editing={editing} onDone={(p) => { setAt(p); setEditing(null); }} />
          </Card>
        </div>
      </TabPanel>
    </div>
  );
}
