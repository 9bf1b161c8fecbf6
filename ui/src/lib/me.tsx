// Who is signed in and with which roles (from `me`), for navigation and guards.
import { createContext, useContext, type ReactNode } from 'react';
import { ME } from './documents.ts';
import { useQuery, useSession } from './hooks.ts';

export interface Me { username: string; roles: string[] }

interface MeState { me: Me | null; loading: boolean; refetch: () => void }

const MeContext = createContext<MeState>({ me: null, loading: false, refetch: () => undefined });

export function MeProvider({ children }: { children: ReactNode }) {
  const session = useSession();
  const q = useQuery<{ me: Me | null }>(ME, undefined, { skip: !session });
  const me = session ? q.data?.me ?? null : null;
  return (
    <MeContext.Provider value={{ me, loading: Boolean(session) && q.loading && !q.data, refetch: () => void q.refetch() }}>
      {children}
    </MeContext.Provider>
  );
}

export const useMe = (): MeState => useContext(MeContext);

export const hasRole = (me: Me | null, ...roles: string[]): boolean =>
  Boolean(me && (me.roles.includes('admin') || roles.some((r) => me.roles.includes(r))));
