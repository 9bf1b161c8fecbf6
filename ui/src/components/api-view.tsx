// A read-only rendering of an API definition (overview and the audit tab's time travel).
import { invocationUrls, useGatewayUrl } from '../lib/config.ts';
import type { Api } from '../lib/types.ts';
import { Badge, CopyField, KeyValue, StatusBadge, VerbChip } from './ui.tsx';

const AUTH_SHORT: Record<string, string> = {
  APPLICATION_AND_APPLICATION_USER: 'App & user', APPLICATION: 'App', APPLICATION_USER: 'App user', NONE: 'None',
};

/** Where the API answers on the gateway: versioned, and unversioned for the default version. */
export function InvocationUrls({ api }: { api: Pick<Api, 'context' | 'version' | 'isDefaultVersion'> }) {
  const base = useGatewayUrl();
  return <>{invocationUrls(base, api).map((u, i) => <CopyField key={u} label={i === 0 ? 'Versioned' : 'Default version'} value={u} />)}</>;
}

export function OperationsTable({ api }: { api: Pick<Api, 'operations'> }) {
  if (api.operations.length === 0) return <p className="muted">No resources.</p>;
  return (
    <table className="table">
      <thead><tr><th scope="col">Verb</th><th scope="col">Resource</th><th scope="col">Auth</th><th scope="col">Scopes</th><th scope="col">Rate limit</th></tr></thead>
      <tbody>
        {api.operations.map((o) => (
          <tr key={`${o.verb} ${o.target}`}>
            <td><VerbChip verb={o.verb} /></td>
            <td className="mono">{o.target}</td>
            <td>{AUTH_SHORT[o.authType] ?? o.authType}</td>
            <td>{o.scopes.length ? o.scopes.map((s) => <Badge key={s}>{s}</Badge>) : <span className="muted">—</span>}</td>
            <td>{o.throttlingPolicy ?? <span className="muted">default</span>}</td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}

/** WSO2's maxTps as the publisher reads it: "production 50/s, sandbox none". */
function maxTpsText(maxTps: Api['maxTps']): string {
  if (maxTps === null) return 'none';
  const one = (n: number | null) => (n === null ? 'none' : `${n}/s`);
  return `production ${one(maxTps.production)}, sandbox ${one(maxTps.sandbox)}`;
}

export function ApiView({ api }: { api: Api }) {
  return (
    <div className="api-view" data-testid="api-view">
      <div className="api-view-head">
        <h3 data-testid="api-view-name">{api.name} <span className="muted">{api.version}</span></h3>
        <StatusBadge status={api.lifecycleStatus} />
      </div>
      <p data-testid="api-view-description">{api.description || <span className="muted">No description</span>}</p>
      <KeyValue items={[
        ['Context', <span className="mono">{api.context}</span>],
        ['Production endpoint', <span className="mono">{api.endpoints.production ?? '—'}</span>],
        ['Sandbox endpoint', <span className="mono">{api.endpoints.sandbox ?? '—'}</span>],
        ['Security', api.securitySchemes.join(', ') || '—'],
        ['Tiers offered', api.subscriptionPolicies.join(', ') || '—'],
        ['CORS', api.cors.enabled ? `on (${api.cors.allowOrigins.join(', ')})` : 'off'],
        ['Backend JWT', api.backendJwt ? 'on' : 'off'],
        ['Backend hard limit', maxTpsText(api.maxTps)],
        ['Tags', api.tags.join(', ') || '—'],
        ['Stream version', String(api.streamVersion)],
      ]} />
      <OperationsTable api={api} />
    </div>
  );
}
