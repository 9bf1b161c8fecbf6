// Signing keys of the key manager: the current key, previous ones still in the JWKS, rotation.
import { useState } from 'react';
import { ROTATE_SIGNING_KEY, SIGNING_KEYS } from '../../lib/documents.ts';
import { useMutation, useQuery } from '../../lib/hooks.ts';
import { toast } from '../../lib/toast.ts';
import type { SigningKey } from '../../lib/types.ts';
import { Button, Card, ErrorBanner, Loading, PageHeader, StatusBadge, formatTime } from '../../components/ui.tsx';

export function SigningKeysPage() {
  const [at, setAt] = useState<string | null>(null);
  const q = useQuery<{ signingKeys: SigningKey[] }>(SIGNING_KEYS, { atLeastPosition: at });
  const [rotate, state] = useMutation<{ rotateSigningKey: SigningKey & { position: string } }>(ROTATE_SIGNING_KEY);
  const onRotate = async () => {
    if (!window.confirm('Rotate the signing key? New tokens are signed with a new key; tokens signed with the current key stay valid until they expire.')) return;
    const r = await rotate();
    if (r) { setAt(r.rotateSigningKey.position); toast(`New signing key ${r.rotateSigningKey.kid.slice(0, 10)}…`); }
  };
  return (
    <div className="page">
      <PageHeader eyebrow="Admin" title="Signing keys" subtitle="Tokens and API keys are signed by the current key; gateways verify against the published JWKS (/oauth2/jwks)."
        actions={<Button variant="primary" busy={state.loading} onClick={() => void onRotate()}>Rotate signing key</Button>} />
      <ErrorBanner error={state.error ?? q.error} onDismiss={state.reset} />
      {q.loading && !q.data ? <Loading /> : null}
      <Card title="Keys">
        <table className="table" aria-label="Signing keys">
          <thead><tr><th scope="col">Key id (kid)</th><th scope="col">Algorithm</th><th scope="col">Status</th><th scope="col">Created</th></tr></thead>
          <tbody>
            {q.data?.signingKeys.map((k) => (
              <tr key={k.kid}>
                <td className="mono small">{k.kid}</td>
                <td>{k.alg}</td>
                <td><StatusBadge status={k.status} /></td>
                <td>{formatTime(k.createdAt)}</td>
              </tr>
            ))}
          </tbody>
        </table>
      </Card>
    </div>
  );
}
