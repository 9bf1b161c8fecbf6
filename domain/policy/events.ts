// Events of throttling policies (`policy-<level>-<name>`), WSO2 §4.1 request-count limits.
import type { PolicyLevel } from '../streams.ts';

export type { PolicyLevel };
export type TimeUnit = 'SEC' | 'MIN' | 'HOUR' | 'DAY';

export interface ThrottlingPolicyFields {
  level: PolicyLevel;
  name: string;
  description: string | null;
  requestCount: number; // UNLIMITED_REQUEST_COUNT for "Unlimited"
  unitTime: number;
  timeUnit: TimeUnit;
  burstLimit: number; // 0 = no burst control (spike arrest); subscription level only
  burstTimeUnit: 'SEC' | 'MIN';
  stopOnQuotaReach: boolean;
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
