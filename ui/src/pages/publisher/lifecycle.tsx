// The lifecycle panel: the state diagram, only the actions the current state allows (WSO2's
// default lifecycle), the publish check items, and the history (who, when, from → to).
import { useState } from 'react';
import { CHANGE_LIFECYCLE } from '../../lib/documents.ts';
import { useMutation } from '../../lib/hooks.ts';
import { toast } from '../../lib/toast.ts';
import type { Api, LifecycleAction } from '../../lib/types.ts';
import { Button, Card, Checkbox, ErrorBanner, StatusBadge, formatTime } from '../../components/ui.tsx';
import type { TabProps } from './api-detail.tsx';

const STATES = ['CREATED', 'PROTOTYPED', 'PUBLISHED', 'BLOCKED', 'DEPRECATED', 'RETIRED'];

/** From state → action → next state (WSO2 default lifecycle; self-transitions omitted). */
export const TRANSITIONS: Record<string, Partial<Record<LifecycleAction, string>>> = {
  CREATED: { PUBLISH: 'PUBLISHED', DEPLOY_AS_PROTOTYPE: 'PROTOTYPED' },
  PROTOTYPED: { PUBLISH: 'PUBLISHED', DEMOTE_TO_CREATED: 'CREATED' },
  PUBLISHED: { BLOCK: 'BLOCKED', DEPLOY_AS_PROTOTYPE: 'PROTOTYPED', DEMOTE_TO_CREATED: 'CREATED', DEPRECATE: 'DEPRECATED' },
  BLOCKED: { DEPRECATE: 'DEPRECATED', REPUBLISH: 'PUBLISHED' },
  DEPRECATED: { RETIRE: 'RETIRED' },
  RETIRED: {},
};

const ACTION_LABEL: Record<LifecycleAction, string> = {
  PUBLISH: 'Publish',
  DEPLOY_AS_PROTOTYPE: 'Deploy as a prototype',
  DEMOTE_TO_CREATED: 'Demote to created',
  BLOCK: 'Block',
  REPUBLISH: 'Re-publish',
  DEPRECATE: 'Deprecate',
  RETIRE: 'Retire',
};

const DANGEROUS = new Set<LifecycleAction>(['BLOCK', 'RETIRE', 'DEPRECATE']);

export function LifecycleTab({ api, onChange, canEdit }: TabProps) {
  const [deprecateOld, setDeprecateOld] = useState(false);
  const [requireResubscription, setRequireResubscription] = useState(false);
  const [run, state] = useMutation<{ changeLifecycle: Api }>(CHANGE_LIFECYCLE);
  const actions = Object.entries(TRANSITIONS[api.lifecycleStatus] ?? {}) as Array<[LifecycleAction, string]>;
  const hasCheckItems = ['CREATED', 'PROTOTYPED'].includes(api.lifecycleStatus);

  const act = async (action: LifecycleAction) => {
    if (DANGEROUS.has(action) && !window.confirm(`${ACTION_LABEL[action]} ${api.name} ${api.version}?`)) return;
    const r = await run({
      apiId: api.id,
      action,
      expectedStreamVersion: api.streamVersion,
      ...(action === 'PUBLISH' && hasCheckItems ? { deprecateOldVersions: deprecateOld, requireResubscription } : {}),
    });
    if (r) {
      onChange(r.changeLifecycle);
      toast(`${api.name} is now ${r.changeLifecycle.lifecycleStatus.toLowerCase()}`);
    }
  };

  return (
    <div className="stack">
      <Card title="Lifecycle">
        <ol className="lifecycle" aria-label="Lifecycle states">
          {STATES.map((s) => (
            <li key={s} className={`lc-state ${s === api.lifecycleStatus ? 'lc-current' : ''}`} aria-current={s === api.lifecycleStatus ? 'step' : undefined}>
              <StatusBadge status={s} />
            </li>
          ))}
        </ol>
        <ErrorBanner error={state.error} onDismiss={state.reset} />
        {hasCheckItems ? (
          <fieldset className="fieldset">
            <legend>Check items (applied when publishing)</legend>
            <Checkbox label="Deprecate old versions after publishing the API" checked={deprecateOld} onChange={(e) => setDeprecateOld(e.target.checked)} disabled={!canEdit} />
            <Checkbox label="Requires re-subscription when publishing the API" checked={requireResubscription} onChange={(e) => setRequireResubscription(e.target.checked)} disabled={!canEdit} />
          </fieldset>
        ) : null}
        {actions.length === 0 ? <p className="muted">No further transitions: {api.lifecycleStatus.toLowerCase()} is final.</p> : null}
        <div className="row" role="group" aria-label="Lifecycle actions">
          {actions.map(([action, to]) => (
            <Button key={action} variant={action === 'PUBLISH' || action === 'REPUBLISH' ? 'primary' : DANGEROUS.has(action) ? 'danger' : 'secondary'}
              busy={state.loading} disabled={!canEdit} onClick={() => void act(action)} title={`→ ${to}`}>
              {ACTION_LABEL[action]}
            </Button>
          ))}
        </div>
        {!canEdit ? <p className="muted">Changing the lifecycle needs the publisher role.</p> : null}
      </Card>
      <Card title="Lifecycle history">
        {api.lifecycleHistory.length === 0 ? <p className="muted">No lifecycle changes yet.</p> : (
          <table className="table" aria-label="Lifecycle history">
            <thead><tr><th scope="col">When</th><th scope="col">Action</th><th scope="col">From</th><th scope="col">To</th><th scope="col">By</th></tr></thead>
            <tbody>
              {[...api.lifecycleHistory].reverse().map((h) => (
                <tr key={h.position}>
                  <td>{formatTime(h.at)}</td>
                  <td>{h.action}</td>
                  <td>{h.from ? <StatusBadge status={h.from} /> : '—'}</td>
                  <td><StatusBadge status={h.to} /></td>
                  <td>{h.actor}</td>
                </tr>
              ))}
            </tbody>
          </table>
        )}
      </Card>
    </div>
  );
}
