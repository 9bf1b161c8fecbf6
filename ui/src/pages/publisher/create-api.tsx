// Create an API from scratch (basic info, resources, runtime) or by importing an OpenAPI
// document (file or paste).
import { useState, type FormEvent } from 'react';
import { useNavigate } from 'react-router';
import { CREATE_API, IMPORT_OPENAPI } from '../../lib/documents.ts';
import { useMutation } from '../../lib/hooks.ts';
import { usePolicyNames } from '../../lib/policies.ts';
import { toast } from '../../lib/toast.ts';
import { Button, Card, Checkbox, ErrorBanner, PageHeader, TabPanel, Tabs, TextArea, TextField, splitList } from '../../components/ui.tsx';
import { ResourcesEditor, ScopesEditor, newOperation, operationInputs, scopeInputs, type OperationDraft, type ScopeDraft } from './resources-editor.tsx';
import { RuntimeForm, newRuntime, runtimeInput, type RuntimeDraft } from './runtime-form.tsx';

const idempotencyKey = () => crypto.randomUUID();

function FromScratch() {
  const navigate = useNavigate();
  const subscriptionTiers = usePolicyNames('SUBSCRIPTION', ['Unlimited', 'Gold', 'Silver', 'Bronze']);
  const advancedTiers = usePolicyNames('ADVANCED', ['Unlimited']);
  const [name, setName] = useState('');
  const [context, setContext] = useState('');
  const [version, setVersion] = useState('1.0.0');
  const [description, setDescription] = useState('');
  const [tags, setTags] = useState('');
  const [operations, setOperations] = useState<OperationDraft[]>([newOperation()]);
  const [scopes, setScopes] = useState<ScopeDraft[]>([]);
  const [runtime, setRuntime] = useState<RuntimeDraft>(newRuntime());
  const [key] = useState(idempotencyKey);
  const [createApi, state] = useMutation<{ createApi: { id: string; position: string } }>(CREATE_API);

  const submit = async (e: FormEvent) => {
    e.preventDefault();
    const input = {
      name: name.trim(),
      context: context.trim().startsWith('/') ? context.trim() : `/${context.trim()}`,
      version: version.trim(),
      description: description.trim() || null,
      tags: splitList(tags),
      operations: operationInputs(operations),
      scopes: scopeInputs(scopes),
      ...runtimeInput(runtime),
    };
    const r = await createApi({ input, idempotencyKey: key });
    if (r) {
      toast(`API ${input.name} ${input.version} created`);
      navigate(`/publisher/apis/${r.createApi.id}?at=${r.createApi.position}`);
    }
  };

  return (
    <form onSubmit={submit} className="stack" aria-label="Create API">
      <ErrorBanner error={state.error} onDismiss={state.reset} />
      <Card title="Basic information">
        <div className="form-grid">
          <TextField label="Name" required value={name} onChange={(e) => setName(e.target.value)} placeholder="Pizza Shack" />
          <TextField label="Context" required value={context} onChange={(e) => setContext(e.target.value)} placeholder="/pizzashack" hint="The path the gateway serves the API at." />
          <TextField label="Version" required value={version} onChange={(e) => setVersion(e.target.value)} />
          <TextField label="Tags" value={tags} onChange={(e) => setTags(e.target.value)} placeholder="food, orders" />
        </div>
        <TextArea label="Description" rows={3} value={description} onChange={(e) => setDescription(e.target.value)} />
      </Card>
      <Card title="Resources">
        <ResourcesEditor operations={operations} onChange={setOperations} tiers={advancedTiers} />
      </Card>
      <Card title="Scopes">
        <ScopesEditor scopes={scopes} onChange={setScopes} />
      </Card>
      <Card title="Runtime">
        <RuntimeForm draft={runtime} onChange={setRuntime} subscriptionTiers={subscriptionTiers} advancedTiers={advancedTiers} />
      </Card>
      <div className="form-actions">
        <Button variant="ghost" onClick={() => navigate('/publisher')}>Cancel</Button>
        <Button type="submit" variant="primary" busy={state.loading}>Create API</Button>
      </div>
    </form>
  );
}

function ImportOpenApi() {
  const navigate = useNavigate();
  const [definition, setDefinition] = useState('');
  const [fileName, setFileName] = useState<string | null>(null);
  const [name, setName] = useState('');
  const [context, setContext] = useState('');
  const [version, setVersion] = useState('');
  const [endpoint, setEndpoint] = useState('');
  const [publish, setPublish] = useState(false);
  const [key] = useState(idempotencyKey);
  const [run, state] = useMutation<{ importOpenApi: { id: string; position: string } }>(IMPORT_OPENAPI);

  const onFile = async (file: File | undefined) => {
    if (!file) return;
    setFileName(file.name);
    setDefinition(await file.text());
  };

  const submit = async (e: FormEvent) => {
    e.preventDefault();
    const r = await run({
      definition,
      name: name.trim() || null,
      context: context.trim() || null,
      version: version.trim() || null,
      endpoints: endpoint.trim() ? { production: endpoint.trim() } : null,
      publish,
      idempotencyKey: key,
    });
    if (r) {
      toast('OpenAPI definition imported');
      navigate(`/publisher/apis/${r.importOpenApi.id}?at=${r.importOpenApi.position}`);
    }
  };

  return (
    <form onSubmit={submit} className="stack" aria-label="Import OpenAPI">
      <ErrorBanner error={state.error} onDismiss={state.reset} />
      <Card title="OpenAPI definition">
        <div className="field">
          <label htmlFor="oas-file">Upload a file (YAML or JSON)</label>
          <input id="oas-file" type="file" accept=".yaml,.yml,.json,application/json,application/yaml" onChange={(e) => void onFile(e.target.files?.[0])} />
          {fileName ? <small className="hint">Loaded {fileName}</small> : null}
        </div>
        <TextArea label="…or paste it" rows={14} className="mono" required value={definition} onChange={(e) => setDefinition(e.target.value)} placeholder={'openapi: 3.0.3\ninfo:\n  title: Pets\n  version: 1.0.0\npaths:\n  /pets:\n    get: {}'} />
      </Card>
      <Card title="Overrides (optional)">
        <div className="form-grid">
          <TextField label="Name" value={name} onChange={(e) => setName(e.target.value)} />
          <TextField label="Context" value={context} onChange={(e) => setContext(e.target.value)} />
          <TextField label="Version" value={version} onChange={(e) => setVersion(e.target.value)} />
          <TextField label="Production endpoint" type="url" value={endpoint} onChange={(e) => setEndpoint(e.target.value)} />
        </div>
        <Checkbox label="Publish after import" checked={publish} onChange={(e) => setPublish(e.target.checked)} />
      </Card>
      <div className="form-actions">
        <Button type="submit" variant="primary" busy={state.loading} disabled={!definition.trim()}>Import</Button>
      </div>
    </form>
  );
}

export function CreateApi() {
  const [tab, setTab] = useState('scratch');
  return (
    <div className="page">
      <PageHeader eyebrow="Publisher" title="Create an API" subtitle="Design a REST API from scratch or start from an OpenAPI definition." />
      <Tabs label="How to create" active={tab} onChange={setTab} tabs={[{ id: 'scratch', label: 'From scratch' }, { id: 'import', label: 'Import OpenAPI' }]} />
      <TabPanel id={tab}>{tab === 'scratch' ? <FromScratch /> : <ImportOpenApi />}</TabPanel>
    </div>
  );
}
