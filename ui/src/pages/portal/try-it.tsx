// The try-it console: calls the API through the gateway from the browser with a token minted
// for one of the person's subscribed applications (client_credentials) or an API key.
import { useEffect, useMemo, useState } from 'react';
import { Link } from 'react-router';
import { tokenRequest } from '../../lib/auth.ts';
import { setGatewayUrl, useGatewayUrl } from '../../lib/config.ts';
import { APPLICATION, GENERATE_API_KEY } from '../../lib/documents.ts';
import { gql } from '../../lib/graphql.ts';
import { useQuery } from '../../lib/hooks.ts';
import { secretFor } from '../../lib/secrets.ts';
import type { Api, ApiSubscription, Application, KeyType, Operation } from '../../lib/types.ts';
import { Button, Card, ErrorBanner, SelectField, TextArea, TextField, VerbChip } from '../../components/ui.tsx';

interface CallResult { status: number; statusText: string; ms: number; headers: Array<[string, string]>; body: string }

const pathParams = (target: string): string[] => [...target.matchAll(/\{([^}]+)\}/g)].map((m) => m[1]!);

function pretty(text: string): string {
  try {
    return JSON.stringify(JSON.parse(text), null, 2);
  } catch {
    return text;
  }
}

function useApplicationKeys(applicationId: string | null) {
  return useQuery<{ application: Application | null }>(APPLICATION, { id: applicationId }, { skip: !applicationId });
}

export function TryIt({ api, subscriptions }: { api: Api; subscriptions: ApiSubscription[] }) {
  const usable = subscriptions.filter((s) => s.status !== 'BLOCKED' && s.status !== 'REJECTED');
  const [appId, setAppId] = useState<string | null>(usable[0]?.applicationId ?? null);
  useEffect(() => { if (!appId && usable[0]) setAppId(usable[0].applicationId); }, [usable.length]);
  const app = useApplicationKeys(appId);
  const [keyType, setKeyType] = useState<KeyType>('PRODUCTION');
  const keys = app.data?.application?.keys.find((k) => k.keyType === keyType) ?? null;
  const [secret, setSecret] = useState('');
  useEffect(() => { setSecret(keys ? secretFor(keys.consumerKey) ?? '' : ''); }, [keys?.consumerKey]);

  const [authMode, setAuthMode] = useState<'bearer' | 'apikey' | 'none'>('bearer');
  const [credential, setCredential] = useState('');
  const [scopes, setScopes] = useState('');
  const [credentialError, setCredentialError] = useState<unknown>(null);
  const [minting, setMinting] = useState(false);

  const [opIndex, setOpIndex] = useState(0);
  const op: Operation | undefined = api.operations[opIndex];
  const [params, setParams] = useState<Record<string, string>>({});
  const [query, setQuery] = useState('');
  const [body, setBody] = useState('');
  // What the server reports (or the person's saved override) until the person types another.
  const reported = useGatewayUrl();
  const [typed, setGateway] = useState<string | null>(null);
  const gateway = typed ?? reported;
  const [result, setResult] = useState<CallResult | null>(null);
  const [callError, setCallError] = useState<string | null>(null);
  const [calling, setCalling] = useState(false);

  const url = useMemo(() => {
    if (!op) return '';
    const context = api.context.startsWith('/') ? api.context : `/${api.context}`;
    const path = op.target.replace(/\{([^}]+)\}/g, (_, p: string) => encodeURIComponent(params[p] ?? `{${p}}`));
    const qs = query.trim() ? `?${query.trim().replace(/^\?/, '')}` : '';
    return `${gateway.replace(/\/+$/, '')}${context}/${api.version}${path === '/' ? '' : path}${qs}`;
  }, [gateway, api, op, params, query]);

  const mintToken = async () => {
    if (!keys) return;
    setMinting(true);
    setCredentialError(null);
    try {
      const form: Record<string, string> = { grant_type: 'client_credentials' };
      if (scopes.trim()) form.scope = scopes.trim();
      const r = await tokenRequest('/oauth2/token', form, { id: keys.consumerKey, secret });
      setCredential(String(r.access_token ?? ''));
      setAuthMode('bearer');
    } catch (e) {
      setCredentialError(e);
    } finally {
      setMinting(false);
    }
  };

  const mintApiKey = async () => {
    if (!appId) return;
    setMinting(true);
    setCredentialError(null);
    try {
      const r = await gql<{ generateApiKey: { apiKey: string } }>(GENERATE_API_KEY, { applicationId: appId, keyType, validitySeconds: 3600 });
      setCredential(r.generateApiKey.apiKey);
      setAuthMode('apikey');
    } catch (e) {
      setCredentialError(e);
    } finally {
      setMinting(false);
    }
  };

  const send = async () => {
    if (!op) return;
    setGatewayUrl(gateway);
    setCalling(true);
    setCallError(null);
    setResult(null);
    const headers: Record<string, string> = { accept: 'application/json' };
    if (authMode === 'bearer' && credential) headers.authorization = `Bearer ${credential}`;
    if (authMode === 'apikey' && credential) headers.apikey = credential;
    const hasBody = ['POST', 'PUT', 'PATCH'].includes(op.verb) && body.trim();
    if (hasBody) headers['content-type'] = 'application/json';
    const started = performance.now();
    try {
      const r = await fetch(url, { method: op.verb, headers, ...(hasBody ? { body } : {}) });
      const text = await r.text();
      setResult({ status: r.status, statusText: r.statusText, ms: Math.round(performance.now() - started), headers: [...r.headers.entries()], body: text });
    } catch {
      setCallError(`The browser could not complete the call to ${url}. Check the gateway URL, that the gateway is running, and that CORS is enabled for this API (Publisher → Runtime → CORS).`);
    } finally {
      setCalling(false);
    }
  };

  if (api.operations.length === 0) return <p className="muted">This API has no resources to try.</p>;

  return (
    <div className="try-it">
      <Card title="Credentials">
        {usable.length === 0 && op?.authType !== 'NONE' ? (
          <p className="muted">Subscribe with an application first (Overview tab), then generate keys on the <Link to="/portal/applications">application page</Link>.</p>
        ) : null}
        <div className="form-grid">
          <SelectField label="Application" value={appId ?? ''} onChange={(e) => setAppId(e.target.value || null)}
            options={[{ value: '', label: usable.length ? 'Choose…' : 'No subscribed application' }, ...usable.map((s) => ({ value: s.applicationId, label: s.application?.name ?? s.applicationId }))]} />
          <SelectField label="Key type" value={keyType} onChange={(e) => setKeyType(e.target.value as KeyType)} options={['PRODUCTION', 'SANDBOX']} />
          <TextField label="Consumer key" readOnly value={keys?.consumerKey ?? ''} placeholder={appId ? 'Generate keys on the application page' : ''} className="mono" />
          <TextField label="Consumer secret" type="password" value={secret} onChange={(e) => setSecret(e.target.value)} hint="Shown once when keys are generated; kept in this tab only." autoComplete="off" />
          <TextField label="Scopes (optional)" value={scopes} onChange={(e) => setScopes(e.target.value)} placeholder="space separated" />
        </div>
        <ErrorBanner error={credentialError} onDismiss={() => setCredentialError(null)} />
        <div className="row">
          <Button variant="primary" onClick={() => void mintToken()} busy={minting} disabled={!keys || !secret}>Generate test token</Button>
          <Button onClick={() => void mintApiKey()} busy={minting} disabled={!appId}>Generate API key</Button>
        </div>
        <div className="form-grid">
          <SelectField label="Send credential as" value={authMode} onChange={(e) => setAuthMode(e.target.value as typeof authMode)}
            options={[{ value: 'bearer', label: 'Authorization: Bearer' }, { value: 'apikey', label: 'apikey header' }, { value: 'none', label: 'No credential' }]} />
          <TextField label="Access token or API key" className="mono" value={credential} onChange={(e) => setCredential(e.target.value)} autoComplete="off" />
        </div>
      </Card>
      <Card title="Request">
        <TextField label="Gateway URL" value={gateway} onChange={(e) => setGateway(e.target.value)} hint="Where the Gatehouse gateway answers, as the server reports it. Change it to call another gateway; it is remembered in this browser." />
        <div className="form-grid">
          <SelectField label="Operation" value={String(opIndex)} onChange={(e) => { setOpIndex(Number(e.target.value)); setParams({}); }}
            options={api.operations.map((o, i) => ({ value: String(i), label: `${o.verb} ${o.target}` }))} />
          {op ? pathParams(op.target).map((p) => (
            <TextField key={p} label={`Path parameter ${p}`} value={params[p] ?? ''} onChange={(e) => setParams({ ...params, [p]: e.target.value })} />
          )) : null}
          <TextField label="Query string" value={query} onChange={(e) => setQuery(e.target.value)} placeholder="limit=10" />
        </div>
        {op && ['POST', 'PUT', 'PATCH'].includes(op.verb) ? <TextArea label="JSON body" rows={5} className="mono" value={body} onChange={(e) => setBody(e.target.value)} /> : null}
        <div className="request-line">
          {op ? <VerbChip verb={op.verb} /> : null}
          <code className="mono request-url" data-testid="try-it-url">{url}</code>
          <Button variant="primary" onClick={() => void send()} busy={calling}>Send</Button>
        </div>
      </Card>
      <Card title="Response">
        {callError ? <div className="banner banner-error" role="alert">{callError}</div> : null}
        {!result && !callError ? <p className="muted">Send a request to see the response.</p> : null}
        {result ? (
          <div className="response" data-testid="try-it-response">
            <p className="response-status">
              <span className={`status-pill status-${Math.floor(result.status / 100)}xx`} data-testid="try-it-status">{result.status}</span> {result.statusText} · {result.ms} ms
            </p>
            <details>
              <summary>Headers ({result.headers.length})</summary>
              <pre className="code">{result.headers.map(([k, v]) => `${k}: ${v}`).join('\n')}</pre>
            </details>
            <pre className="code" data-testid="try-it-body">{pretty(result.body) || '(empty body)'}</pre>
          </div>
        ) : null}
      </Card>
    </div>
  );
}

