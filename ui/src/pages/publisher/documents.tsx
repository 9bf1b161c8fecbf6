// Documents of an API (how-tos, samples, links): inline/markdown bodies or URLs.
import { useState } from 'react';
import type { ApiDocument } from '../../lib/types.ts';
import { Button, Card, Empty, ErrorBanner, SelectField, TextArea, TextField } from '../../components/ui.tsx';
import type { TabProps } from './api-detail.tsx';
import { useApiUpdate } from './api-detail.tsx';

const DOC_TYPES = ['HOWTO', 'SAMPLES', 'PUBLIC_FORUM', 'SUPPORT_FORUM', 'API_MESSAGE_FORMAT', 'OTHER'];

const docInput = (d: ApiDocument) => ({
  id: d.id, name: d.name, type: d.type, summary: d.summary, sourceType: d.sourceType,
  sourceUrl: d.sourceUrl, content: d.content, visibility: d.visibility,
  ...(d.otherTypeName ? { otherTypeName: d.otherTypeName } : {}),
});

export function DocumentsTab({ api, onChange, canEdit }: TabProps) {
  const { save, state } = useApiUpdate(api, onChange);
  const [name, setName] = useState('');
  const [type, setType] = useState('HOWTO');
  const [sourceType, setSourceType] = useState('MARKDOWN');
  const [summary, setSummary] = useState('');
  const [content, setContent] = useState('');
  const [url, setUrl] = useState('');

  const add = async () => {
    const doc = {
      name: name.trim(), type, summary: summary.trim() || null, sourceType,
      ...(sourceType === 'URL' ? { sourceUrl: url.trim() } : { content }),
      ...(type === 'OTHER' ? { otherTypeName: 'Other' } : {}),
    };
    if (await save({ documents: [...api.documents.map(docInput), doc] }, `Document ${doc.name} added`)) {
      setName(''); setSummary(''); setContent(''); setUrl('');
    }
  };
  const remove = (id: string) => void save({ documents: api.documents.filter((d) => d.id !== id).map(docInput) }, 'Document removed');

  return (
    <div className="two-col">
      <Card title="Documents">
        <ErrorBanner error={state.error} onDismiss={state.reset} />
        {api.documents.length === 0 ? <Empty title="No documents yet" /> : (
          <ul className="doc-list">
            {api.documents.map((d) => (
              <li key={d.id} className="doc-item">
                <div>
                  <strong>{d.name}</strong> <span className="badge badge-neutral">{d.type.replace(/_/g, ' ')}</span>
                  {d.summary ? <p className="muted">{d.summary}</p> : null}
                  {d.sourceType === 'URL' && d.sourceUrl ? <a href={d.sourceUrl} target="_blank" rel="noreferrer">{d.sourceUrl}</a> : null}
                  {d.content ? <pre className="doc-content">{d.content}</pre> : null}
                </div>
                {canEdit ? <Button variant="ghost" aria-label={`Remove document ${d.name}`} onClick={() => remove(d.id)}>Remove</Button> : null}
              </li>
            ))}
          </ul>
        )}
      </Card>
      {canEdit ? (
        <Card title="Add a document">
          <form className="stack" onSubmit={(e) => { e.preventDefault(); void add(); }}>
            <TextField label="Name" required value={name} onChange={(e) => setName(e.target.value)} />
            <SelectField label="Type" value={type} onChange={(e) => setType(e.target.value)} options={DOC_TYPES.map((t) => ({ value: t, label: t.replace(/_/g, ' ').toLowerCase() }))} />
            <SelectField label="Source" value={sourceType} onChange={(e) => setSourceType(e.target.value)} options={[{ value: 'MARKDOWN', label: 'Markdown' }, { value: 'INLINE', label: 'Inline text' }, { value: 'URL', label: 'URL' }]} />
            <TextField label="Summary" value={summary} onChange={(e) => setSummary(e.target.value)} />
            {sourceType === 'URL'
              ? <TextField label="URL" type="url" required value={url} onChange={(e) => setUrl(e.target.value)} />
              : <TextArea label="Content" rows={6} value={content} onChange={(e) => setContent(e.target.value)} />}
            <div className="form-actions"><Button type="submit" variant="primary" busy={state.loading}>Add document</Button></div>
          </form>
        </Card>
      ) : null}
    </div>
  );
}
