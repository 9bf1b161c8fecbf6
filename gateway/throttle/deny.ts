// Deny policies (blocking conditions, reference §4.3) compiled from the map into sets and IP
// intervals; rebuilt only when the map's blockingVersion moves. Checked first of all
// throttling steps (§4.2 step 1) → 900805.
import type { MapBlockingCondition } from '../../projections/gateway-map/view.ts';
import { inRange, parseIp, parseIpRange, type IpRange, type IpValue } from '../http/ip.ts';

export interface DenySubject {
  /** `/context/version` */
  apiPath: string;
  /** `owner:applicationName`, null when unauthenticated. */
  application: string | null;
  user: string | null;
  clientIp: string;
}

interface Inverted {
  type: MapBlockingCondition['type'];
  value: string;
  range: IpRange | null;
}

export class DenyPolicies {
  private readonly apis = new Set<string>();
  private readonly applications = new Set<string>();
  private readonly users = new Set<string>();
  private readonly ranges: IpRange[] = [];
  private readonly inverted: Inverted[] = [];
  /** Nothing enabled: the check is one branch. */
  readonly empty: boolean;
  private readonly needsIp: boolean;

  constructor(conditions: Iterable<MapBlockingCondition>) {
    for (const c of conditions) {
      if (!c.enabled) continue;
      const range = c.type === 'IP' || c.type === 'IP_RANGE' ? parseIpRange(c.value) : null;
      if ((c.type === 'IP' || c.type === 'IP_RANGE') && !range) continue; // malformed: never matches
      if (c.invert) {
        this.inverted.push({ type: c.type, value: c.value, range });
        continue;
      }
      if (c.type === 'API') this.apis.add(c.value);
      else if (c.type === 'APPLICATION') this.applications.add(c.value);
      else if (c.type === 'USER') this.users.add(c.value);
      else this.ranges.push(range!);
    }
    this.empty = this.apis.size + this.applications.size + this.users.size + this.ranges.length + this.inverted.length === 0;
    this.needsIp = this.ranges.length > 0 || this.inverted.some((i) => i.range);
  }

  blocks(s: DenySubject): boolean {
    if (this.empty) return false;
    if (this.apis.size > 0 && this.apis.has(s.apiPath)) return true;
    if (s.application !== null && this.applications.has(s.application)) return true;
    if (s.user !== null && this.users.has(s.user)) return true;
    const ip: IpValue | null = this.needsIp ? parseIp(s.clientIp) : null;
    if (ip) for (const r of this.ranges) if (inRange(ip, r)) return true;
    for (const c of this.inverted) if (!this.matches(c, s, ip)) return true;
    return false;
  }

  private matches(c: Inverted, s: DenySubject, ip: IpValue | null): boolean {
    switch (c.type) {
      case 'API':
        return s.apiPath === c.value;
      case 'APPLICATION':
        return s.application === c.value;
      case 'USER':
        return s.user === c.value;
      default:
        return ip !== null && inRange(ip, c.range!);
    }
  }
}
