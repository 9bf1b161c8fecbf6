// React bindings for the GraphQL client and the session.
import { useCallback, useEffect, useRef, useState, useSyncExternalStore } from 'react';
import { currentSession, onSessionChange, type Session } from './auth.ts';
import { gql, subscribe, type GqlError, type Variables } from './graphql.ts';

export function useSession(): Session | null {
  return useSyncExternalStore(onSessionChange, currentSession);
}

export interface QueryState<T> {
  data: T | undefined;
  error: unknown;
  loading: boolean;
  refetch: () => Promise<T | undefined>;
}

/** Runs `query` when the variables (compared by value) or the session change. */
export function useQuery<T>(query: string, variables?: Variables, options: { skip?: boolean } = {}): QueryState<T> {
  const session = useSession();
  const key = JSON.stringify(variables ?? {});
  const [state, setState] = useState<{ data: T | undefined; error: unknown; loading: boolean }>({ data: undefined, error: null, loading: !options.skip });
  const generation = useRef(0);

  const run = useCallback(async (): Promise<T | undefined> => {
    const mine = ++generation.current;
    setState((s) => ({ ...s, loading: true }));
    try {
      const data = await gql<T>(query, JSON.parse(key) as Variables);
      if (mine === generation.current) setState({ data, error: null, loading: false });
      return data;
    } catch (error) {
      if (mine === generation.current) setState((s) => ({ data: s.data, error, loading: false }));
      return undefined;
    }
  }, [query, key]);

  useEffect(() => {
    if (options.skip) return;
    void run();
  }, [run, options.skip, session?.username]);

  return { ...state, refetch: run };
}

export interface MutationState {
  loading: boolean;
  error: unknown;
  reset(): void;
}

/** `[run, state]`: run resolves with data or undefined (the error is in state). */
export function useMutation<T>(mutation: string): [(variables?: Variables) => Promise<T | undefined>, MutationState] {
  const [loading, setLoading] = useState(false);
  const [error, setError] = useState<unknown>(null);
  const run = useCallback(async (variables?: Variables) => {
    setLoading(true);
    setError(null);
    try {
      return await gql<T>(mutation, variables);
    } catch (e) {
      setError(e);
      return undefined;
    } finally {
      setLoading(false);
    }
  }, [mutation]);
  return [run, { loading, error, reset: () => setError(null) }];
}

/** Live data from a GraphQL subscription while `enabled`. */
export function useSubscription<T>(query: string, variables: Variables | undefined, onData: (data: T) => void, enabled = true): GqlError | null {
  const [error, setError] = useState<GqlError | null>(null);
  const handler = useRef(onData);
  handler.current = onData;
  const key = JSON.stringify(variables ?? {});
  useEffect(() => {
    if (!enabled) return;
    setError(null);
    return subscribe<T>(query, JSON.parse(key) as Variables, {
      next: (d) => handler.current(d),
      error: (e) => setError(e),
    });
  }, [query, key, enabled]);
  return error;
}

/** A value that follows `value` after `ms` of quiet (search boxes). */
export function useDebounced<T>(value: T, ms = 250): T {
  const [v, setV] = useState(value);
  useEffect(() => {
    const t = setTimeout(() => setV(value), ms);
    return () => clearTimeout(t);
  }, [value, ms]);
  return v;
}
