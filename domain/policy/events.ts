// Events of throttling policies (`policy-<level>-<name>`), WSO2 §4.1 request-count limits.
import type { PolicyLevel } from '../streams.ts';

export type { PolicyLevel };
export type TimeUnit = 'SEC' | 'MIN' | 'HOUR' | 'DAY' | 'WEEK' | 'MONTH' | 'YEAR';
export type LimitType = 'REQUEST_COUNT' | 'BANDWIDTH';
export type DataUnit = 'KB' | 'MB' | 'GB';
export type BillingPlan = 'FREE' | 'COMMERCIAL' | 'FREEMIUM';
export type ThrottleConditionType = 'IP_SPECIFIC' | 'IP_RANGE' | 'HEADER' | 'QUERY_PARAMETER' | 'JWT_CLAIMS';

export interface ThrottleCondition {
  type: ThrottleConditionType;
  invert: boolean;
  name: string | null; // header / query parameter / claim name
  value: string | null; // value or regex; the IP for IP_SPECIFIC
  startingIp: string | null;
  endingIp: string | null;
}

/** Advanced policies: requests matching every condition of a group count against its limit. */
export interface ConditionalGroup {
  description: string | null;
  conditions: ThrottleCondition[];
  requestCount: number | null;
  dataAmount: number | null;
  dataUnit: DataUnit | null;
  unitTime: number;
  timeUnit: TimeUnit;
}

export interface ThrottlingPolicyFields {
  level: PolicyLevel;
  name: string;
  displayName: string | null;
  description: string | null;
  limitType: LimitType;
  requestCount: number | null; // REQUEST_COUNT limit; null = unlimited
  dataAmount: number | null; // BANDWIDTH limit
  dataUnit: DataUnit | null;
  unitTime: number;
  timeUnit: TimeUnit;
  burstLimit: number | null; // burst control (spike arrest), subscription level; null = none
  burstTimeUnit: 'SEC' | 'MIN' | null;
  stopOnQuotaReach: boolean;
  billingPlan: BillingPlan | null; // subscription level
  permissions: { type: 'ALLOW' | 'DENY'; roles: string[] } | null; // subscription level
  customAttributes: { name: string; value: string }[];
  conditionalGroups: ConditionalGroup[]; // advanced level
  graphQLMaxDepth: number | null;
  graphQLMaxComplexity: number | null;
}

export type ThrottlingPolicyCreated = {
  type: 'ThrottlingPolicyCreated';
  data: ThrottlingPolicyFields & { seeded: boolean }; // seeded = one of the WSO2 defaults
};

export type ThrottlingPolicyUpdated = {
  type: 'ThrottlingPolicyUpdated';
  data: ThrottlingPolicyFields;
};

export type ThrottlingPolicyDeleted = {
  type: 'ThrottlingPolicyDeleted';
  data: { level: PolicyLevel; name: string };
};

export type PolicyEvent = ThrottlingPolicyCreated | ThrottlingPolicyUpdated | ThrottlingPolicyDeleted;
