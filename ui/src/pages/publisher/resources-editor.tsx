// Resources (operations) and scopes of an API: verb, URI template, auth type, scopes and
// per-resource rate-limiting tier, as rows a person can add, edit and remove.
import type { AuthType, HttpVerb, Operation, Scope } from '../../lib/types.ts';
import { AUTH_TYPES, HTTP_VERBS } from '../../lib/types.ts';
import { Button, splitList } from '../../components/ui.tsx';

export const AUTH_LABEL: Record<AuthType, string> = {
  APPLICATION_AND_APPLICATION_USER: 'Application & user',
  APPLICATION: 'Application',
  APPLICATION_USER: 'Application user',
  NONE: 'None',
};

export interface OperationDraft { verb: HttpVerb; target: string; authType: AuthType; scopes: string; throttlingPolicy: string }
export interface ScopeDraft { name: string; roles: string }

export const toOperationDrafts = (ops: Operation[]): OperationDraft[] =>
  ops.map((o) => ({ verb: o.verb, target: o.target, authType: o.authType, scopes: o.scopes.join(', '), throttlingPolicy: o.throttlingPolicy ?? '' }));
export const toScopeDrafts = (scopes: Scope[]): ScopeDraft[] => scopes.map((s) => ({ name: s.name, roles: s.roles.join(', ') }));

export const operationInputs = (drafts: OperationDraft[]) =>
  drafts.filter((d) => d.target.trim()).map((d) => ({
    verb: d.verb,
    target: d.target.trim().startsWith('/') ? d.target.trim() : `/${d.target.trim()}`,
    authType: d.authType,
    scopes: splitList(d.scopes),
    throttlingPolicy: d.throttlingPolicy || null,
  }));
export const scopeInputs = (drafts: ScopeDraft[]) =>
  drafts.filter((d) => d.name.trim()).map((d) => ({ name: d.name.trim(), roles: splitList(d.roles) }));

export const newOperation = (): OperationDraft => ({ verb: 'GET', target: '/', authType: 'APPLICATION_AND_APPLICATION_USER', scopes: '', throttlingPolicy: '' });

export function ResourcesEditor({ operations, onChange, tiers }: { operations: OperationDraft[]; onChange: (ops: OperationDraft[]) => void; tiers: string[] }) {
  const patch = (i: number, p: Partial<OperationDraft>) => onChange(operations.map((o, j) => (j === i ? { ...o, ...p } : o)));
  return (
    <div className="resources">
      <table className="table table-editor">
        <thead>
          <tr><th scope="col">Verb</th><th scope="col">URI template</th><th scope="col">Auth type</th><th scope="col">Scopes</th><th scope="col">Rate limit</th><th scope="col"><span className="sr-only">Actions</span></th></tr>
        </thead>
        <tbody>
          {operations.map((o, i) => (
            <tr key={i}>
              <td>
                <select aria-label={`Verb of resource ${i + 1}`} value={o.verb} onChange={(e) => patch(i, { verb: e.target.value as HttpVerb })}>
                  {HTTP_VERBS.map((v) => <option key={v}>{v}</option>)}
                </select>
              </td>
              <td><input aria-label={`URI template of resource ${i + 1}`} className="mono" value={o.target} placeholder="/orders/{orderId}" onChange={(e) => patch(i, { target: e.target.value })} /></td>
              <td>
                <select aria-label={`Auth type of resource ${i + 1}`} value={o.authType} onChange={(e) => patch(i, { authType: e.target.value as AuthType })}>
                  {AUTH_TYPES.map((a) => <option key={a} value={a}>{AUTH_LABEL[a]}</option>)}
                </select>
              </td>
              <td><input aria-label={`Scopes of resource ${i + 1}`} value={o.scopes} placeholder="read:orders" onChange={(e) => patch(i, { scopes: e.target.value })} /></td>
              <td>
                <select aria-label={`Rate limit of resource ${i + 1}`} value={o.throttlingPolicy} onChange={(e) => patch(i, { throttlingPolicy: e.target.value })}>
                  <option value="">API default</option>
                  {tiers.map((t) => <option key={t}>{t}</option>)}
                </select>
              </td>
              <td><Button variant="ghost" aria-label={`Remove resource ${i + 1}`} onClick={() => onChange(operations.filter((_, j) => j !== i))}>Remove</Button></td>
            </tr>
          ))}
        </tbody>
      </table>
      <Button onClick={() => onChange([...operations, newOperation()])}>+ Add resource</Button>
    </div>
  );
}

export function ScopesEditor({ scopes, onChange }: { scopes: ScopeDraft[]; onChange: (s: ScopeDraft[]) => void }) {
  const patch = (i: number, p: Partial<ScopeDraft>) => onChange(scopes.map((s, j) => (j === i ? { ...s, ...p } : s)));
  return (
    <div className="stack-sm">
      {scopes.length === 0 ? <p className="muted">No scopes. Resources without scopes need only a valid subscription.</p> : null}
      {scopes.map((s, i) => (
        <div key={i} className="row">
          <input aria-label={`Scope ${i + 1} name`} className="mono" placeholder="read:orders" value={s.name} onChange={(e) => patch(i, { name: e.target.value })} />
          <input aria-label={`Scope ${i + 1} roles`} placeholder="roles, comma separated" value={s.roles} onChange={(e) => patch(i, { roles: e.target.value })} />
          <Button variant="ghost" aria-label={`Remove scope ${i + 1}`} onClick={() => onChange(scopes.filter((_, j) => j !== i))}>Remove</Button>
        </div>
      ))}
      <Button onClick={() => onChange([...scopes, { name: '', roles: '' }])}>+ Add scope</Button>
    </div>
  );
}
