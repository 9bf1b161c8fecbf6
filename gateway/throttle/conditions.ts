// Conditional groups of advanced policies (reference §4.1): a request matching every
// condition of a group counts against that group's limit under `…_condition_{n}`; others
// count against the default limit under `…_default`. Regexes are compiled once per policy.
import type { ConditionalGroup, ThrottleCondition } from '../../domain/policy/events.ts';
import type { MapPolicy } from '../../projections/gateway-map/view.ts';
import { inRange, parseIp, parseIpRange, type IpRange } from '../http/ip.ts';

export interface ConditionInput {
  clientIp: string;
  header(name: string): string | undefined;
  query(name: string): string | undefined;
  claim(name: string): unknown;
}

interface CompiledCondition {
  type: ThrottleCondition['type'];
  invert: boolean;
  name: string;
  pattern: RegExp | null;
  range: IpRange | null;
}

export interface CompiledGroup {
  index: number;
  group: ConditionalGroup;
  conditions: CompiledCondition[];
}

const compiled = new WeakMap<MapPolicy, CompiledGroup[]>();

function safeRegex(source: string | null): RegExp | null {
  if (source === null) return null;
  try {
    return new RegExp(source);
  } catch {
    return null;
  }
}

function compileCondition(c: ThrottleCondition): CompiledCondition {
  const range =
    c.type === 'IP_SPECIFIC' ? parseIpRange(c.value ?? '') : c.type === 'IP_RANGE' ? parseIpRange(`${c.startingIp ?? ''}-${c.endingIp ?? ''}`) : null;
  return {
    type: c.type,
    invert: c.invert,
    name: c.type === 'HEADER' ? (c.name ?? '').toLowerCase() : (c.name ?? ''),
    pattern: c.type === 'HEADER' || c.type === 'QUERY_PARAMETER' || c.type === 'JWT_CLAIMS' ? safeRegex(c.value) : null,
    range,
  };
}

export function groupsOf(policy: MapPolicy): CompiledGroup[] {
  let groups = compiled.get(policy);
  if (!groups) {
    groups = policy.conditionalGroups.map((group, index) => ({ index, group, conditions: group.conditions.map(compileCondition) }));
    compiled.set(policy, groups);
  }
  return groups;
}

function holds(c: CompiledCondition, input: ConditionInput): boolean {
  let result: boolean;
  switch (c.type) {
    case 'IP_SPECIFIC':
    case 'IP_RANGE': {
      const ip = parseIp(input.clientIp);
      result = ip !== null && c.range !== null && inRange(ip, c.range);
      break;
    }
    case 'HEADER': {
      const v = input.header(c.name);
      result = v !== undefined && c.pattern !== null && c.pattern.test(v);
      break;
    }
    case 'QUERY_PARAMETER': {
      const v = input.query(c.name);
      result = v !== undefined && c.pattern !== null && c.pattern.test(v);
      break;
    }
    default: {
      const v = input.claim(c.name);
      result = v !== undefined && v !== null && c.pattern !== null && c.pattern.test(typeof v === 'string' ? v : JSON.stringify(v));
    }
  }
  return c.invert ? !result : result;
}

/** The first group whose conditions all hold, or undefined (the default limit applies). */
export function matchingGroup(policy: MapPolicy, input: ConditionInput): CompiledGroup | undefined {
  if (policy.conditionalGroups.length === 0) return undefined;
  for (const g of groupsOf(policy)) if (g.conditions.every((c) => holds(c, input))) return g;
  return undefined;
}
