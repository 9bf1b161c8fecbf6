// Deny policies (WSO2 blocking conditions): block an API, an application, an IP or range, or a
// user at the gateway; enable/disable without deleting.
import { useState } from 'react';
import { ADD_BLOCKING, BLOCKING_CONDITIONS, REMOVE_BLOCKING, SET_BLOCKING_ENABLED } from '../../lib/documents.ts';
import { gql } from '../../lib/graphql.ts';
import { useMutation, useQuery } from '../../lib/hooks.ts';
import { toast } from '../../lib/toast.ts';
import type { BlockingCondition, BlockingType } from '../../lib/types.ts';
import { Badge, Button, Card, Checkbox, Empty, ErrorBanner, Loading, PageHeader, SelectField, TextField, formatTime } from '../../components/ui.tsx';

const TYPES: Array<{ value: BlockingType; label: string; placeholder: string; hint: string }> = [
  { value: 'API', label: 'API context', placeholder: '/pizzashack/1.0.0', hint: 'The API context with its version.' },
  { value: 'APPLICATION', label: 'Application', placeholder: 'alice:MyApp', hint: 'owner:applicationName' },
  { value: 'IP', label: 'IP address', placeholder: '203.0.113.7', hint: 'One IPv4 or IPv6 address.' },
  { value: 'IP_RANGE', label: 'IP range', placeholder: '10.0.0.1-10.0.0.255', hint: 'start-end' },
  { value: 'USER', label: 'User', placeholder: 'mallory', hint: 'A username.' },
];

export function DenyPoliciesPage() {
  const [at, setAt] = useState<string | null>(null);
  const q = useQuery<{ blockingConditions: BlockingCondition[] }>(BLOCKING_CONDITIONS, { atLeastPosition: at });
  const [type, setType] = useState<BlockingType>('API');
  const [value, setValue] = useState('');
  const [invert, setInvert] = useState(false);
  const [add, state] = useMutation<{ addBlockingCondition: BlockingCondition & { position: string } }>(ADD_BLOCKING);
  const [error, setError] = useState<unknown>(null);
  const info = TYPES.find((t) => t.value === type)!;

  const submit = async () => {
    const r = await add({ type, value: value.trim(), invert });
    if (r) { setAt(r.addBlockingCondition.position); setValue(''); toast('Deny policy added'); }
  };
  const act = async (fn: () => Promise<string>, message: string) => {
    setError(null);
    try { setAt(await fn()); toast(message); } catch (e) { setError(e); }
  };

  return (
    <div className="page">
      <PageHeader eyebrow="Admin" title="Deny policies" subtitle="Requests matching an enabled condition are refused by the gateway (900805)." />
      <div className="two-col two-col-wide">
        <Card title="Conditions">
          <ErrorBanner error={error ?? q.error} onDismiss={() => setError(null)} />
          {q.loading && !q.data ? <Loading /> : null}
          {q.data && q.data.blockingConditions.length === 0 ? <Empty title="No deny policies" /> : null}
          {q.data && q.data.blockingConditions.length > 0 ? (
            <table className="table" aria-label="Deny policies">
              <thead><tr><th scope="col">Type</th><th scope="col">Value</th><th scope="col">Status</th><th scope="col">Added</th><th scope="col"><span className="sr-only">Actions</span></th></tr></thead>
              <tbody>
                {q.data.blockingConditions.map((c) => (
                  <tr key={c.id}>
                    <td>{TYPES.find((t) => t.value === c.type)?.label ?? c.type}</td>
                    <td className="mono">{c.invert ? 'NOT ' : ''}{c.value}</td>
                    <td>{c.enabled ? <Badge tone="danger">enforced</Badge> : <Badge tone="muted">disabled</Badge>}</td>
                    <td className="small">{formatTime(c.createdAt)}{c.createdBy ? ` by ${c.createdBy}` : ''}</td>
                    <td className="row-actions">
                      <Button variant="ghost" onClick={() => void act(async () => (await gql<{ setBlockingConditionEnabled: { position: string } }>(SET_BLOCKING_ENABLED, { id: c.id, enabled: !c.enabled })).setBlockingConditionEnabled.position, c.enabled ? 'Deny policy disabled' : 'Deny policy enabled')}>
                        {c.enabled ? 'Disable' : 'Enable'}
                      </Button>
                      <Button variant="ghost" onClick={() => { if (window.confirm('Remove this deny policy?')) void act(async () => (await gql<{ removeBlockingCondition: { position: string } }>(REMOVE_BLOCKING, { id: c.id })).removeBlockingCondition.position, 'Deny policy removed'); }}>Remove</Button>
                    </td>
                  </tr>
                ))}
              </tbody>
            </table>
          ) : null}
        </Card>
        <Card title="Add a deny policy">
          <form className="stack" onSubmit={(e) => { e.preventDefault(); void submit(); }} aria-label="Add deny policy">
            <ErrorBanner error={state.error} onDismiss={state.reset} />
            <SelectField label="Condition type" value={type} onChange={(e) => setType(e.target.value as BlockingType)} options={TYPES.map((t) => ({ value: t.value, label: t.label }))} />
            <TextField label="Value" required placeholder={info.placeholder} hint={info.hint} value={value} onChange={(e) => setValue(e.target.value)} />
            {type === 'IP' || type === 'IP_RANGE' ? <Checkbox label="Invert (block everything except this)" checked={invert} onChange={(e) => setInvert(e.target.checked)} /> : null}
            <div className="form-actions"><Button type="submit" variant="danger" busy={state.loading}>Add deny policy</Button></div>
          </form>
        </Card>
      </div>
    </div>
  );
}
