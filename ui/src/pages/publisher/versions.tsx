// Other versions of the API and "create new version" (copies the definition under a new version).
import { useState } from 'react';
import { Link, useNavigate } from 'react-router';
import { CREATE_NEW_VERSION } from '../../lib/documents.ts';
import { useMutation } from '../../lib/hooks.ts';
import { toast } from '../../lib/toast.ts';
import { Button, Card, Checkbox, ErrorBanner, StatusBadge, TextField } from '../../components/ui.tsx';
import type { TabProps } from './api-detail.tsx';

export function VersionsTab({ api, canEdit }: TabProps) {
  const navigate = useNavigate();
  const [version, setVersion] = useState('');
  const [makeDefault, setMakeDefault] = useState(false);
  const [run, state] = useMutation<{ createNewVersion: { id: string; position: string } }>(CREATE_NEW_VERSION);
  const versions = api.versions.length ? api.versions : [{ id: api.id, version: api.version, lifecycleStatus: api.lifecycleStatus, isDefaultVersion: api.isDefaultVersion }];

  const create = async () => {
    const r = await run({ apiId: api.id, version: version.trim(), defaultVersion: makeDefault });
    if (r) {
      toast(`Version ${version.trim()} created`);
      navigate(`/publisher/apis/${r.createNewVersion.id}?at=${r.createNewVersion.position}`);
    }
  };

  return (
    <div className="two-col">
      <Card title="Versions">
        <table className="table">
          <thead><tr><th scope="col">Version</th><th scope="col">Status</th><th scope="col">Default</th></tr></thead>
          <tbody>
            {versions.map((v) => (
              <tr key={v.id} aria-current={v.id === api.id ? 'page' : undefined}>
                <td>{v.id === api.id ? <strong>{v.version}</strong> : <Link to={`/publisher/apis/${v.id}`}>{v.version}</Link>}</td>
                <td><StatusBadge status={v.lifecycleStatus} /></td>
                <td>{v.isDefaultVersion ? 'yes' : ''}</td>
              </tr>
            ))}
          </tbody>
        </table>
      </Card>
      {canEdit ? (
        <Card title="Create a new version">
          <form className="stack" onSubmit={(e) => { e.preventDefault(); void create(); }}>
            <ErrorBanner error={state.error} onDismiss={state.reset} />
            <TextField label="New version" required placeholder="2.0.0" value={version} onChange={(e) => setVersion(e.target.value)} />
            <Checkbox label="Make it the default version" checked={makeDefault} onChange={(e) => setMakeDefault(e.target.checked)} />
            <p className="muted">Copies resources, policies and documents. The new version starts as created.</p>
            <div className="form-actions"><Button type="submit" variant="primary" busy={state.loading}>Create version</Button></div>
          </form>
        </Card>
      ) : null}
    </div>
  );
}
