// Names of the throttling policies of one level, for tier pickers.
import { POLICIES } from './documents.ts';
import { useQuery } from './hooks.ts';
import type { PolicyLevel, ThrottlingPolicy } from './types.ts';

export function usePolicyNames(level: PolicyLevel, fallback: string[] = ['Unlimited']): string[] {
  const q = useQuery<{ throttlingPolicies: ThrottlingPolicy[] }>(POLICIES, { level });
  return q.data ? q.data.throttlingPolicies.map((p) => p.name) : fallback;
}
