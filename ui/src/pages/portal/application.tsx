// One application: OAuth keys per key type (secret shown once), access tokens
// (client_credentials), API keys with IP/referrer restrictions, subscriptions, settings.
import { useState } from 'react';
import { Link, useNavigate, useParams, useSearchParams } from 'react-router';
import { tokenRequest } from '../../lib/auth.ts';
import {
  APPLICATION, CHANGE_SUBSCRIPTION_TIER, DELETE_APPLICATION, GENERATE_API_KEY, GENERATE_KEYS, REGENERATE_SECRET, REVOKE_API_KEY, UNSUBSCRIBE, UPDATE_APPLICATION,
} from '../../lib/documents.ts';
import { gql } from '../../lib/graphql.ts';
import { useMutation, useQuery } from '../../lib/hooks.ts';
import { usePolicyNames } from '../../lib/policies.ts';
import { rememberSecret, secretFor } from '../../lib/secrets.ts';
import { toast } from '../../lib/toast.ts';
import type { Application, ApplicationKeys, KeyType } from '../../lib/types.ts';
import {
  Badge, Button, Card, Checkbox, CopyField, Empty, ErrorBanner, KeyValue, Loading, Notice, PageHeader, SelectField, StatusBadge, TabPanel, Tabs, TextArea, TextField, formatTime, splitList,
} from '../../components/ui.tsx';

const GRANTS = ['client_credentials', 'password', 'refresh_token'];

interface Ctx { app: Application; refresh: (position?: string) => void }

function KeysTab({ app, refresh, keyType }: Ctx & { keyType: KeyType }) {
  const keys = app.keys.find((k) => k.keyType === keyType) ?? null;
  const [grants, setGrants] = useState<string[]>(['client_credentials']);
  const [fresh, setFresh] = useState<ApplicationKeys | null>(null);
  const [generate, genState] = useMutation<{ generateKeys: ApplicationKeys & { position: string } }>(GENERATE_KEYS);
  const [regenerate, regenState] = useMutation<{ regenerateSecret: ApplicationKeys & { position: string } }>(REGENERATE_SECRET);
  const [secret, setSecret] = useState(keys ? secretFor(keys.consumerKey) ?? '' : '');
  const [scope, setScope] = useState('');
  const [token, setToken] = useState<{ value: string; expiresIn: number } | null>(null);
  const [tokenError, setTokenError] = useState<unknown>(null);
  const [tokenBusy, setTokenBusy] = useState(false);

  const shown = (k: ApplicationKeys & { position: string }) => {
    rememberSecret(k.consumerKey, k.consumerSecret);
    setSecret(k.consumerSecret);
    setFresh(k);
    refresh(k.position);
  };

  const onGenerate = async () => {
    const r = await generate({ applicationId: app.id, keyType, grantTypes: grants });
    if (r) { shown(r.generateKeys); toast(`${keyType.toLowerCase()} keys generated`); }
  };
  const onRegenerate = async () => {
    if (!window.confirm('Regenerate the consumer secret? The current secret stops working.')) return;
    const r = await regenerate({ applicationId: app.id, keyType });
    if (r) { shown(r.regenerateSecret); toast('Consumer secret regenerated'); }
  };
  const onToken = async () => {
    if (!keys) return;
    setTokenBusy(true);
    setTokenError(null);
    try {
      const form: Record<string, string> = { grant_type: 'client_credentials' };
      if (scope.trim()) form.scope = scope.trim();
      const r = await tokenRequest('/oauth2/token', form, { id: keys.consumerKey, secret });
      setToken({ value: String(r.access_token), expiresIn: Number(r.expires_in ?? 0) });
    } catch (e) {
      setTokenError(e);
    } finally {
      setTokenBusy(false);
    }
  };

  return (
    <div className="stack">
      {fresh ? (
        <Notice tone="warning">
          <strong>Copy the consumer secret now.</strong> It is shown only once; Gatehouse keeps just its hash.
          <CopyField label="Consumer secret" value={fresh.consumerSecret} secret />
        </Notice>
      ) : null}
      {!keys ? (
        <Card title={`Generate ${keyType.toLowerCase()} keys`}>
          <form className="stack" onSubmit={(e) => { e.preventDefault(); void onGenerate(); }} aria-label={`Generate ${keyType.toLowerCase()} keys`}>
            <ErrorBanner error={genState.error} onDismiss={genState.reset} />
            <fieldset className="fieldset">
              <legend>Grant types</legend>
              {GRANTS.map((g) => (
                <Checkbox key={g} label={g.replace(/_/g, ' ')} checked={grants.includes(g)} onChange={() => setGrants(grants.includes(g) ? grants.filter((x) => x !== g) : [...grants, g])} />
              ))}
            </fieldset>
            <div className="form-actions"><Button type="submit" variant="primary" busy={genState.loading}>Generate keys</Button></div>
          </form>
        </Card>
      ) : (
        <div className="two-col">
          <Card title="OAuth2 client" actions={<Button onClick={() => void onRegenerate()} busy={regenState.loading}>Regenerate secret</Button>}>
            <ErrorBanner error={regenState.error} onDismiss={regenState.reset} />
            <CopyField label="Consumer key" value={keys.consumerKey} />
            <KeyValue items={[
              ['Grant types', keys.grantTypes.join(', ')],
              ['Token validity', keys.tokenValiditySeconds ? `${keys.tokenValiditySeconds} s` : 'default'],
              ['Secret issued', formatTime(keys.secretIssuedAt)],
            ]} />
          </Card>
          <Card title="Generate an access token">
            <form className="stack" onSubmit={(e) => { e.preventDefault(); void onToken(); }} aria-label="Generate access token">
              <TextField label="Consumer secret" type="password" required value={secret} onChange={(e) => setSecret(e.target.value)} autoComplete="off" hint="Filled in when the secret was generated in this tab." />
              <TextField label="Scopes" value={scope} onChange={(e) => setScope(e.target.value)} placeholder="space separated (optional)" />
              <ErrorBanner error={tokenError} onDismiss={() => setTokenError(null)} />
              <div className="form-actions"><Button type="submit" variant="primary" busy={tokenBusy} disabled={!secret}>Generate token</Button></div>
              {token ? <><CopyField label="Access token" value={token.value} /><p className="muted">Expires in {token.expiresIn} s. Send it as <code>Authorization: Bearer …</code>.</p></> : null}
            </form>
          </Card>
        </div>
      )}
    </div>
  );
}

function ApiKeysTab({ app, refresh }: Ctx) {
  const [keyType, setKeyType] = useState<KeyType>('PRODUCTION');
  const [validity, setValidity] = useState('3600');
  const [ips, setIps] = useState('');
  const [referers, setReferers] = useState('');
  const [issued, setIssued] = useState<string | null>(null);
  const [generate, state] = useMutation<{ generateApiKey: { apiKey: string; position: string } }>(GENERATE_API_KEY);
  const [revokeError, setRevokeError] = useState<unknown>(null);

  const onGenerate = async () => {
    const seconds = Number(validity);
    const r = await generate({
      applicationId: app.id, keyType,
      validitySeconds: Number.isFinite(seconds) && seconds > 0 ? seconds : -1,
      permittedIPs: splitList(ips), permittedReferers: splitList(referers),
    });
    if (r) { setIssued(r.generateApiKey.apiKey); refresh(r.generateApiKey.position); toast('API key generated'); }
  };
  const revoke = async (jti: string) => {
    setRevokeError(null);
    try {
      const r = await gql<{ revokeApiKey: { position: string } }>(REVOKE_API_KEY, { applicationId: app.id, jti });
      refresh(r.revokeApiKey.position);
      toast('API key revoked');
    } catch (e) {
      setRevokeError(e);
    }
  };

  return (
    <div className="two-col">
      <Card title="Generate an API key">
        <form className="stack" onSubmit={(e) => { e.preventDefault(); void onGenerate(); }} aria-label="Generate API key">
          <ErrorBanner error={state.error} onDismiss={state.reset} />
          <SelectField label="Key type" value={keyType} onChange={(e) => setKeyType(e.target.value as KeyType)} options={['PRODUCTION', 'SANDBOX']} />
          <TextField label="Validity (seconds)" type="number" value={validity} onChange={(e) => setValidity(e.target.value)} hint="-1 or empty: never expires." />
          <TextField label="Permitted IPs" value={ips} onChange={(e) => setIps(e.target.value)} placeholder="10.0.0.1, 192.168.0.0/24" hint="Comma separated; leave empty for any." />
          <TextField label="Permitted referrers" value={referers} onChange={(e) => setReferers(e.target.value)} placeholder="https://app.example.com/*" hint="Comma separated; leave empty for any." />
          <div className="form-actions"><Button type="submit" variant="primary" busy={state.loading}>Generate API key</Button></div>
        </form>
        {issued ? <Notice tone="warning"><strong>Copy the API key now;</strong> it is shown once.<CopyField label="API key" value={issued} secret /></Notice> : null}
      </Card>
      <Card title="Issued API keys">
        <ErrorBanner error={revokeError} onDismiss={() => setRevokeError(null)} />
        {app.apiKeys.length === 0 ? <Empty title="No API keys" /> : (
          <table className="table">
            <thead><tr><th scope="col">Key id</th><th scope="col">Type</th><th scope="col">Expires</th><th scope="col">Restrictions</th><th scope="col"><span className="sr-only">Actions</span></th></tr></thead>
            <tbody>
              {app.apiKeys.map((k) => (
                <tr key={k.jti}>
                  <td className="mono small">{k.jti.slice(0, 12)}…</td>
                  <td>{k.keyType.toLowerCase()}</td>
                  <td>{k.expiresAt ? formatTime(k.expiresAt) : 'never'}</td>
                  <td className="small">{[...k.permittedIPs, ...k.permittedReferers].join(', ') || 'none'}</td>
                  <td>{k.revoked ? <Badge tone="muted">revoked</Badge> : <Button variant="ghost" onClick={() => void revoke(k.jti)}>Revoke</Button>}</td>
                </tr>
              ))}
            </tbody>
          </table>
        )}
      </Card>
    </div>
  );
}

function SubscriptionsTab({ app, refresh }: Ctx) {
  const tiersBy = (apiId: string) => app.subscriptions.find((s) => s.apiId === apiId)?.throttlingPolicy ?? 'Unlimited';
  const [error, setError] = useState<unknown>(null);
  const act = async (fn: () => Promise<string>, message: string) => {
    setError(null);
    try { refresh(await fn()); toast(message); } catch (e) { setError(e); }
  };
  return (
    <Card title="Subscriptions">
      <ErrorBanner error={error} onDismiss={() => setError(null)} />
      {app.subscriptions.length === 0 ? <Empty title="No subscriptions"><Link to="/portal">Find an API in the catalogue</Link></Empty> : (
        <table className="table">
          <thead><tr><th scope="col">API</th><th scope="col">Tier</th><th scope="col">Status</th><th scope="col"><span className="sr-only">Actions</span></th></tr></thead>
          <tbody>
            {app.subscriptions.map((s) => (
              <tr key={s.id}>
                <td>{s.api ? <Link to={`/portal/apis/${s.apiId}`}>{s.api.name} {s.api.version}</Link> : s.apiId}</td>
                <td>{tiersBy(s.apiId)}</td>
                <td><StatusBadge status={s.status} /></td>
                <td className="row-actions">
                  <Button variant="ghost" onClick={() => {
                    const tier = window.prompt('New tier (e.g. Gold, Silver, Bronze, Unlimited)', s.throttlingPolicy);
                    if (tier) void act(async () => (await gql<{ changeSubscriptionTier: { position: string } }>(CHANGE_SUBSCRIPTION_TIER, { id: s.id, throttlingPolicy: tier })).changeSubscriptionTier.position, 'Tier changed');
                  }}>Change tier</Button>
                  <Button variant="danger" onClick={() => {
                    if (window.confirm('Unsubscribe? Calls with this application will be refused.')) void act(async () => (await gql<{ unsubscribe: { position: string } }>(UNSUBSCRIBE, { id: s.id })).unsubscribe.position, 'Unsubscribed');
                  }}>Unsubscribe</Button>
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </Card>
  );
}

function SettingsTab({ app, refresh }: Ctx) {
  const navigate = useNavigate();
  const tiers = usePolicyNames('APPLICATION', [app.throttlingPolicy]);
  const [name, setName] = useState(app.name);
  const [tier, setTier] = useState(app.throttlingPolicy);
  const [description, setDescription] = useState(app.description ?? '');
  const [update, state] = useMutation<{ updateApplication: { position: string } }>(UPDATE_APPLICATION);
  const [remove, removing] = useMutation(DELETE_APPLICATION);
  return (
    <div className="two-col">
      <Card title="Settings">
        <form className="stack" onSubmit={async (e) => {
          e.preventDefault();
          const r = await update({ id: app.id, input: { name: name.trim(), throttlingPolicy: tier, description: description.trim() || null } });
          if (r) { refresh(r.updateApplication.position); toast('Application saved'); }
        }}>
          <ErrorBanner error={state.error} onDismiss={state.reset} />
          <TextField label="Name" required value={name} onChange={(e) => setName(e.target.value)} />
          <SelectField label="Per-token quota (tier)" value={tier} onChange={(e) => setTier(e.target.value)} options={tiers} />
          <TextArea label="Description" rows={3} value={description} onChange={(e) => setDescription(e.target.value)} />
          <div className="form-actions"><Button type="submit" variant="primary" busy={state.loading}>Save</Button></div>
        </form>
      </Card>
      <Card title="Danger zone">
        <ErrorBanner error={removing.error} onDismiss={removing.reset} />
        <p className="muted">Deleting the application removes its keys and subscriptions.</p>
        <Button variant="danger" busy={removing.loading} onClick={async () => {
          if (!window.confirm(`Delete application ${app.name}?`)) return;
          if (await remove({ id: app.id })) { toast('Application deleted'); navigate('/portal/applications'); }
        }}>Delete application</Button>
      </Card>
    </div>
  );
}

const TABS = [
  { id: 'production', label: 'Production keys' },
  { id: 'sandbox', label: 'Sandbox keys' },
  { id: 'apikeys', label: 'API keys' },
  { id: 'subscriptions', label: 'Subscriptions' },
  { id: 'settings', label: 'Settings' },
];

export function ApplicationPage() {
  const { id = '', tab = 'production' } = useParams();
  const [params] = useSearchParams();
  const navigate = useNavigate();
  const [at, setAt] = useState<string | null>(params.get('at'));
  const q = useQuery<{ application: Application | null }>(APPLICATION, { id, atLeastPosition: at });
  const app = q.data?.application;
  if (q.error && !app) return <ErrorBanner error={q.error} />;
  if (!app) return q.loading || !q.data ? <Loading /> : <Empty title="This application does not exist or is not yours" />;
  const ctx: Ctx = { app, refresh: (p) => { if (p && p !== at) setAt(p); else void q.refetch(); } };
  return (
    <div className="page">
      <PageHeader eyebrow={<Link to="/portal/applications">← Applications</Link>} title={app.name}
        subtitle={<>Tier <strong>{app.throttlingPolicy}</strong> · owner {app.owner} · {app.subscriptionCount} subscription{app.subscriptionCount === 1 ? '' : 's'}</>} />
      <Tabs label="Application sections" active={tab} tabs={TABS} onChange={(t) => navigate(`/portal/applications/${app.id}/${t}`)} />
      <TabPanel id={tab}>
        {tab === 'production' ? <KeysTab key={`p-${app.id}`} {...ctx} keyType="PRODUCTION" /> : null}
        {tab === 'sandbox' ? <KeysTab key={`s-${app.id}`} {...ctx} keyType="SANDBOX" /> : null}
        {tab === 'apikeys' ? <ApiKeysTab {...ctx} /> : null}
        {tab === 'subscriptions' ? <SubscriptionsTab {...ctx} /> : null}
        {tab === 'settings' ? <SettingsTab key={app.streamVersion} {...ctx} /> : null}
      </TabPanel>
    </div>
  );
}
