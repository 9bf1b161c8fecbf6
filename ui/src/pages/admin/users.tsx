// Users and their roles: grant and revoke admin, publisher, creator, subscriber.
import { useEffect, useState } from 'react';
import { GRANT_ROLE, REVOKE_ROLE, USERS } from '../../lib/documents.ts';
import { gql } from '../../lib/graphql.ts';
import { useDebounced, useQuery } from '../../lib/hooks.ts';
import { toast } from '../../lib/toast.ts';
import { ROLES, type User } from '../../lib/types.ts';
import { Badge, Card, ErrorBanner, Loading, PageHeader, formatTime } from '../../components/ui.tsx';

export function UsersPage() {
  const [at, setAt] = useState<string | null>(null);
  const q = useQuery<{ users: User[] }>(USERS, { atLeastPosition: at });
  const [filter, setFilter] = useState('');
  const debounced = useDebounced(filter, 150);
  const [error, setError] = useState<unknown>(null);
  // Checkboxes follow the click at once; the server's answer confirms or reverts them.
  const [pending, setPending] = useState<Record<string, boolean>>({});
  useEffect(() => setPending({}), [q.data]);

  const change = async (u: User, role: string, grant: boolean) => {
    setError(null);
    const key = `${u.username}:${role}`;
    setPending((p) => ({ ...p, [key]: grant }));
    try {
      const r = grant
        ? (await gql<{ grantRole: { position: string } }>(GRANT_ROLE, { username: u.username, role })).grantRole
        : (await gql<{ revokeRole: { position: string } }>(REVOKE_ROLE, { username: u.username, role })).revokeRole;
      setAt(r.position);
      toast(`${grant ? 'Granted' : 'Revoked'} ${role} ${grant ? 'to' : 'from'} ${u.username}`);
    } catch (e) {
      setError(e);
      setPending((p) => { const { [key]: _, ...rest } = p; return rest; });
    }
  };
  const users = (q.data?.users ?? []).filter((u) => u.username.toLowerCase().includes(debounced.toLowerCase()));

  return (
    <div className="page">
      <PageHeader eyebrow="Admin" title="Users & roles" subtitle="Creators design APIs, publishers change their lifecycle, subscribers consume them." />
      <Card title={`${users.length} user${users.length === 1 ? '' : 's'}`} actions={
        <div className="search"><label htmlFor="user-filter" className="sr-only">Filter users</label><input id="user-filter" type="search" placeholder="Filter…" value={filter} onChange={(e) => setFilter(e.target.value)} /></div>
      }>
        <ErrorBanner error={error ?? q.error} onDismiss={() => setError(null)} />
        {q.loading && !q.data ? <Loading /> : null}
        <table className="table" aria-label="Users">
          <thead><tr><th scope="col">User</th>{ROLES.map((r) => <th key={r} scope="col" className="center">{r}</th>)}<th scope="col">Status</th><th scope="col">Since</th></tr></thead>
          <tbody>
            {users.map((u) => (
              <tr key={u.username}>
                <td><strong>{u.username}</strong></td>
                {ROLES.map((r) => (
                  <td key={r} className="center">
                    <input type="checkbox" aria-label={`${u.username} has role ${r}`} checked={pending[`${u.username}:${r}`] ?? u.roles.includes(r)} onChange={(e) => void change(u, r, e.target.checked)} />
                  </td>
                ))}
                <td>{u.locked ? <Badge tone="danger">locked{u.lockedUntil ? ` until ${formatTime(u.lockedUntil)}` : ''}</Badge> : <Badge tone="success">active</Badge>}</td>
                <td className="small">{formatTime(u.createdAt)}</td>
              </tr>
            ))}
          </tbody>
        </table>
      </Card>
    </div>
  );
}
