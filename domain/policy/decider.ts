// Throttling policies (`policy-<level>-<name>`): subscription tiers, application tiers and
// advanced (API/resource) policies with WSO2's fields (§4.1).
import type { Decider } from '../decider.ts';
import { conflict, notFound } from '../errors.ts';
import { normalizeIpSpec } from '../ip.ts';
import { fail, optionalText, requireInt, requireOneOf, requireText } from '../validate.ts';
import { PROTECTED_POLICIES } from './defaults.ts';
import type {
  BillingPlan,
  ConditionalGroup,
  DataUnit,
  LimitType,
  PolicyEvent,
  PolicyLevel,
  ThrottleCondition,
  ThrottleConditionType,
  ThrottlingPolicyFields,
  TimeUnit,
} from './events.ts';

export const POLICY_LEVELS: readonly PolicyLevel[] = ['SUBSCRIPTION', 'APPLICATION', 'ADVANCED'];
const TIME_UNITS: readonly TimeUnit[] = ['SEC', 'MIN', 'HOUR', 'DAY', 'WEEK', 'MONTH', 'YEAR'];
const BURST_UNITS = ['SEC', 'MIN'] as const;
const LIMIT_TYPES: readonly LimitType[] = ['REQUEST_COUNT', 'BANDWIDTH'];
const DATA_UNITS: readonly DataUnit[] = ['KB', 'MB', 'GB'];
const BILLING_PLANS: readonly BillingPlan[] = ['FREE', 'COMMERCIAL', 'FREEMIUM'];
const CONDITION_TYPES: readonly ThrottleConditionType[] = ['IP_SPECIFIC', 'IP_RANGE', 'HEADER', 'QUERY_PARAMETER', 'JWT_CLAIMS'];
const POLICY_NAME = /^[A-Za-z0-9_.-]{1,60}$/;

/** The GraphQL ThrottlingPolicyInput: omitted fields keep the current value (or the default). */
export interface ThrottlingPolicyInput {
  level: string;
  name: string;
  displayName?: string | null;
  description?: string | null;
  limitType?: string | null;
  requestCount?: number | null;
  dataAmount?: number | null;
  dataUnit?: string | null;
  unitTime?: number | null;
  timeUnit?: string | null;
  burstLimit?: number | null;
  burstTimeUnit?: string | null;
  stopOnQuotaReach?: boolean | null;
  billingPlan?: string | null;
  permissions?: { type: string; roles: readonly string[] } | null;
  customAttributes?: readonly { name: string; value: string }[] | null;
  conditionalGroups?: readonly {
    description?: string | null;
    conditions: readonly {
      type: string;
      invert?: boolean | null;
      name?: string | null;
      value?: string | null;
      startingIp?: string | null;
      endingIp?: string | null;
    }[];
    requestCount?: number | null;
    dataAmount?: number | null;
    dataUnit?: string | null;
    unitTime: number;
    timeUnit: string;
  }[] | null;
  graphQLMaxDepth?: number | null;
  graphQLMaxComplexity?: number | null;
}

export type PolicyState =
  | { status: 'NONE' }
  | { status: 'ACTIVE'; policy: ThrottlingPolicyFields; seeded: boolean }
  | { status: 'DELETED' };

export type CreateThrottlingPolicy = {
  type: 'CreateThrottlingPolicy';
  /** seeded: a WSO2 default written by bootstrap (may be unlimited; never re-created). */
  data: { input: ThrottlingPolicyInput; seeded: boolean };
};
export type UpdateThrottlingPolicy = { type: 'UpdateThrottlingPolicy'; data: { input: ThrottlingPolicyInput } };
export type DeleteThrottlingPolicy = {
  type: 'DeleteThrottlingPolicy';
  /** usage: APIs, operations, subscriptions or applications that name the policy. */
  data: { level: PolicyLevel; name: string; usage: number };
};

export type PolicyCommand = CreateThrottlingPolicy | UpdateThrottlingPolicy | DeleteThrottlingPolicy;

export function validatePolicyName(name: string): string {
  if (!POLICY_NAME.test(name ?? '')) fail('name', 'letters, digits, _ . - (1 to 60)');
  return name;
}

/** undefined → fallback; null or a value → itself (null clears). */
const pick = <T>(value: T | undefined, fallback: T): T => (value === undefined ? fallback : value);

function limitOf(field: string, limitType: LimitType, requestCount: number | null, dataAmount: number | null, dataUnit: string | null, unlimitedAllowed: boolean) {
  if (limitType === 'REQUEST_COUNT') {
    if (requestCount === null && !unlimitedAllowed) fail(`${field}requestCount`, 'is required for a REQUEST_COUNT limit');
    return { requestCount: requestCount === null ? null : requireInt(`${field}requestCount`, requestCount, 1), dataAmount: null, dataUnit: null };
  }
  if (dataAmount === null || dataUnit === null) fail(`${field}dataAmount`, 'a BANDWIDTH limit needs dataAmount and dataUnit');
  return {
    requestCount: null,
    dataAmount: requireInt(`${field}dataAmount`, dataAmount!, 1),
    dataUnit: requireOneOf(`${field}dataUnit`, dataUnit!, DATA_UNITS),
  };
}

function conditionOf(c: NonNullable<ThrottlingPolicyInput['conditionalGroups']>[number]['conditions'][number]): ThrottleCondition {
  const type = requireOneOf('conditionalGroups.conditions.type', c.type, CONDITION_TYPES);
  const out: ThrottleCondition = { type, invert: c.invert ?? false, name: null, value: null, startingIp: null, endingIp: null };
  switch (type) {
    case 'IP_SPECIFIC':
      out.value = normalizeIpSpec(c.value ?? '', { cidr: false, range: false }) ?? fail('conditionalGroups.conditions.value', `"${c.value}" is not an IP address`);
      return out;
    case 'IP_RANGE': {
      const range = normalizeIpSpec(`${c.startingIp ?? ''}-${c.endingIp ?? ''}`, { cidr: false, range: true })
        ?? fail('conditionalGroups.conditions', `${c.startingIp}-${c.endingIp} is not an IP range`);
      [out.startingIp, out.endingIp] = range.split('-') as [string, string];
      return out;
    }
    default: {
      out.name = requireText('conditionalGroups.conditions.name', c.name, 200);
      out.value = requireText('conditionalGroups.conditions.value', c.value, 500);
      try {
        new RegExp(out.value);
      } catch {
        fail('conditionalGroups.conditions.value', `"${out.value}" is not a valid regular expression`);
      }
      return out;
    }
  }
}

function groupsOf(input: NonNullable<ThrottlingPolicyInput['conditionalGroups']>): ConditionalGroup[] {
  return input.map((g) => {
    if (g.conditions.length === 0) fail('conditionalGroups.conditions', 'a group needs at least one condition');
    const limitType: LimitType = g.dataAmount != null ? 'BANDWIDTH' : 'REQUEST_COUNT';
    return {
      description: optionalText('conditionalGroups.description', g.description, 1000),
      conditions: g.conditions.map(conditionOf),
      ...limitOf('conditionalGroups.', limitType, g.requestCount ?? null, g.dataAmount ?? null, g.dataUnit ?? null, false),
      unitTime: requireInt('conditionalGroups.unitTime', g.unitTime, 1),
      timeUnit: requireOneOf('conditionalGroups.timeUnit', g.timeUnit, TIME_UNITS),
    };
  });
}

/** Applies the input over `current` (or over nothing) and checks WSO2's per-level rules. */
export function applyPolicyInput(current: ThrottlingPolicyFields | null, input: ThrottlingPolicyInput, seeded: boolean): ThrottlingPolicyFields {
  const level = requireOneOf('level', input.level, POLICY_LEVELS);
  const subscription = level === 'SUBSCRIPTION';
  const limitType = requireOneOf('limitType', pick(input.limitType, current?.limitType) ?? 'REQUEST_COUNT', LIMIT_TYPES);
  const limit = limitOf(
    '',
    limitType,
    pick(input.requestCount, current?.requestCount ?? null),
    pick(input.dataAmount, current?.dataAmount ?? null),
    pick(input.dataUnit, current?.dataUnit ?? null),
    seeded || current?.requestCount === null,
  );
  const burstLimit = pick(input.burstLimit, current?.burstLimit ?? null) || null;
  if (burstLimit !== null && !subscription) fail('burstLimit', 'burst control applies to subscription policies only');
  const permissions = pick(input.permissions, current?.permissions ?? null);
  if (permissions && !subscription) fail('permissions', 'tier permissions apply to subscription policies only');
  const groups = input.conditionalGroups === undefined || input.conditionalGroups === null
    ? current?.conditionalGroups ?? []
    : groupsOf(input.conditionalGroups);
  if (groups.length && level !== 'ADVANCED') fail('conditionalGroups', 'conditional groups apply to advanced policies only');
  const depth = pick(input.graphQLMaxDepth, current?.graphQLMaxDepth ?? null);
  const complexity = pick(input.graphQLMaxComplexity, current?.graphQLMaxComplexity ?? null);
  const billingPlan = pick(input.billingPlan, current?.billingPlan ?? (subscription ? 'FREE' : null));

  return {
    level,
    name: validatePolicyName(input.name),
    displayName: optionalText('displayName', pick(input.displayName, current?.displayName ?? null), 100),
    description: optionalText('description', pick(input.description, current?.description ?? null), 1000),
    limitType,
    ...limit,
    unitTime: requireInt('unitTime', pick(input.unitTime, current?.unitTime ?? null) ?? 1, 1),
    timeUnit: requireOneOf('timeUnit', pick(input.timeUnit, current?.timeUnit ?? null) ?? 'MIN', TIME_UNITS),
    burstLimit: burstLimit === null ? null : requireInt('burstLimit', burstLimit, 1),
    burstTimeUnit: burstLimit === null ? null : requireOneOf('burstTimeUnit', pick(input.burstTimeUnit, current?.burstTimeUnit ?? null) ?? 'SEC', BURST_UNITS),
    stopOnQuotaReach: pick(input.stopOnQuotaReach, current?.stopOnQuotaReach ?? null) ?? true,
    billingPlan: billingPlan === null ? null : requireOneOf('billingPlan', billingPlan, BILLING_PLANS),
    permissions: permissions && {
      type: requireOneOf('permissions.type', permissions.type, ['ALLOW', 'DENY'] as const),
      roles: permissions.roles.length ? permissions.roles.map((r) => requireText('permissions.roles', r, 100)) : fail('permissions.roles', 'at least one role'),
    },
    customAttributes: (pick(input.customAttributes, current?.customAttributes ?? null) ?? []).map((a) => ({
      name: requireText('customAttributes.name', a.name, 100),
      value: requireText('customAttributes.value', a.value, 1000),
    })),
    conditionalGroups: groups,
    graphQLMaxDepth: depth === null ? null : requireInt('graphQLMaxDepth', depth, 1),
    graphQLMaxComplexity: complexity === null ? null : requireInt('graphQLMaxComplexity', complexity, 1),
  };
}

function decide(command: PolicyCommand, state: PolicyState): PolicyEvent[] {
  switch (command.type) {
    case 'CreateThrottlingPolicy': {
      const { input, seeded } = command.data;
      if (seeded && state.status !== 'NONE') return []; // a default is seeded once, never resurrected
      if (state.status === 'ACTIVE') throw conflict(`${input.level} policy ${input.name} already exists`, { level: input.level, name: input.name });
      return [{ type: 'ThrottlingPolicyCreated', data: { ...applyPolicyInput(null, input, seeded), seeded } }];
    }
    case 'UpdateThrottlingPolicy': {
      const { input } = command.data;
      if (state.status !== 'ACTIVE') throw notFound(`${input.level} policy`, input.name);
      const next = applyPolicyInput(state.policy, input, state.seeded);
      return JSON.stringify(next) === JSON.stringify(state.policy) ? [] : [{ type: 'ThrottlingPolicyUpdated', data: next }];
    }
    case 'DeleteThrottlingPolicy': {
      const { level, name, usage } = command.data;
      if (state.status !== 'ACTIVE') throw notFound(`${level} policy`, name);
      if (PROTECTED_POLICIES.includes(name)) throw conflict(`${name} is a built-in policy and cannot be deleted`, { level, name });
      if (usage > 0) throw conflict(`${level} policy ${name} is in use (${usage}); detach it first`, { level, name, usage });
      return [{ type: 'ThrottlingPolicyDeleted', data: { level, name } }];
    }
  }
}

function evolve(state: PolicyState, event: PolicyEvent): PolicyState {
  switch (event.type) {
    case 'ThrottlingPolicyCreated': {
      const { seeded, ...policy } = event.data;
      return { status: 'ACTIVE', policy, seeded };
    }
    case 'ThrottlingPolicyUpdated':
      return state.status === 'ACTIVE' ? { ...state, policy: event.data } : state;
    case 'ThrottlingPolicyDeleted':
      return { status: 'DELETED' };
  }
}

export const policyDecider: Decider<PolicyState, PolicyCommand, PolicyEvent> = {
  decide,
  evolve,
  initialState: () => ({ status: 'NONE' }),
};
