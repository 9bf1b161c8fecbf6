// The throttling policies WSO2 ships (reference §4.1, SPEC "Default policies seeded on first
// start"), as data. bootstrap seeds each one that has never existed.
import type { PolicyLevel, ThrottlingPolicyFields } from './events.ts';

const base = (level: PolicyLevel, name: string, requestCount: number | null, description: string): ThrottlingPolicyFields => ({
  level,
  name,
  displayName: name,
  description,
  limitType: 'REQUEST_COUNT',
  requestCount,
  dataAmount: null,
  dataUnit: null,
  unitTime: 1,
  timeUnit: 'MIN',
  burstLimit: null,
  burstTimeUnit: null,
  stopOnQuotaReach: true,
  billingPlan: level === 'SUBSCRIPTION' ? 'FREE' : null,
  permissions: null,
  customAttributes: [],
  conditionalGroups: [],
  graphQLMaxDepth: null,
  graphQLMaxComplexity: null,
});

/** Names no one may delete: every API falls back on them. */
export const PROTECTED_POLICIES: readonly string[] = ['Unlimited', 'Unauthenticated'];

export const DEFAULT_POLICIES: readonly ThrottlingPolicyFields[] = [
  base('SUBSCRIPTION', 'Unlimited', null, 'Allows unlimited requests'),
  base('SUBSCRIPTION', 'Gold', 5000, 'Allows 5000 requests per minute'),
  base('SUBSCRIPTION', 'Silver', 2000, 'Allows 2000 requests per minute'),
  base('SUBSCRIPTION', 'Bronze', 1000, 'Allows 1000 requests per minute'),
  base('SUBSCRIPTION', 'Unauthenticated', 500, 'Allows 500 requests per minute (resources with auth type None)'),
  base('APPLICATION', 'Unlimited', null, 'Allows unlimited requests'),
  base('APPLICATION', '10PerMin', 10, 'Allows 10 requests per minute'),
  base('APPLICATION', '20PerMin', 20, 'Allows 20 requests per minute'),
  base('APPLICATION', '50PerMin', 50, 'Allows 50 requests per minute'),
  base('ADVANCED', 'Unlimited', null, 'Allows unlimited requests'),
  base('ADVANCED', '10KPerMin', 10000, 'Allows 10000 requests per minute'),
  base('ADVANCED', '20KPerMin', 20000, 'Allows 20000 requests per minute'),
  base('ADVANCED', '50KPerMin', 50000, 'Allows 50000 requests per minute'),
];
