// Subscriptions of the API (all applications): block (all keys or production only) and unblock.
import { API_SUBSCRIPTIONS, BLOCK_SUBSCRIPTION, UNBLOCK_SUBSCRIPTION } from '../../lib/documents.ts';
import { gql } from '../../lib/graphql.ts';
import { useQuery } from '../../lib/hooks.ts';
import { toast } from '../../lib/toast.ts';
import type { ApiSubscription } from '../../lib/types.ts';
import { useState } from 'react';
import { Button, Card, Empty, ErrorBanner, Loading, StatusBadge, formatTime } from '../../components/ui.tsx';
import type { TabProps } from './api-detail.tsx';

export function SubscriptionsTab({ api, canEdit }: TabProps) {
  const [at, setAt] = useState<string | null>(null);
  const q = useQuery<{ subscriptions: ApiSubscription[] }>(API_SUBSCRIPTIONS, { apiId: api.id, atLeastPosition: at });
  const [error, setError] = useState<unknown>(null);
  const [busy, setBusy] = useState<string | null>(null);

  const act = async (s: ApiSubscription, what: 'block' | 'block-prod' | 'unblock') => {
    setBusy(s.id + what);
    setError(null);
    try {
      const r = what === 'unblock'
        ? (await gql<{ unblockSubscription: { position: string } }>(UNBLOCK_SUBSCRIPTION, { id: s.id })).unblockSubscription
        : (await gql<{ blockSubscription: { position: string } }>(BLOCK_SUBSCRIPTION, { id: s.id, productionOnly: what === 'block-prod' })).blockSubscription;
      setAt(r.position);
      toast(what === 'unblock' ? 'Subscription unblocked' : 'Subscription blocked');
    } catch (e) {
      setError(e);
    } finally {
      setBusy(null);
    }
  };

  return (
    <Card title="Subscriptions">
      <ErrorBanner error={error ?? q.error} onDismiss={() => setError(null)} />
      {q.loading && !q.data ? <Loading /> : null}
      {q.data && q.data.subscriptions.length === 0 ? <Empty title="No subscriptions yet">Applications subscribe from the Developer Portal once the API is published.</Empty> : null}
      {q.data && q.data.subscriptions.length > 0 ? (
        <table className="table">
          <thead><tr><th scope="col">Application</th><th scope="col">Owner</th><th scope="col">Tier</th><th scope="col">Status</th><th scope="col">Since</th><th scope="col"><span className="sr-only">Actions</span></th></tr></thead>
          <tbody>
            {q.data.subscriptions.map((s) => (
              <tr key={s.id}>
                <td>{s.application?.name ?? s.applicationId}</td>
                <td>{s.application?.owner ?? '—'}</td>
                <td>{s.throttlingPolicy}</td>
                <td><StatusBadge status={s.status} /></td>
                <td>{formatTime(s.createdAt)}</td>
                <td className="row-actions">
                  {canEdit && s.status === 'UNBLOCKED' ? <>
                    <Button variant="danger" busy={busy === s.id + 'block'} onClick={() => void act(s, 'block')}>Block</Button>
                    <Button busy={busy === s.id + 'block-prod'} onClick={() => void act(s, 'block-prod')}>Block production</Button>
                  </> : null}
                  {canEdit && (s.status === 'BLOCKED' || s.status === 'PROD_ONLY_BLOCKED') ? <Button variant="primary" busy={busy === s.id + 'unblock'} onClick={() => void act(s, 'unblock')}>Unblock</Button> : null}
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      ) : null}
    </Card>
  );
}
