// Strict IP parsing for deny policies, API-key IP restrictions and throttle conditions
// (ipaddr.js; no octal or three-part IPv4 forms). Also the matcher the gateway can reuse.
import ipaddr from 'ipaddr.js';

type Address = ipaddr.IPv4 | ipaddr.IPv6;

/** Parses one address strictly; IPv4-mapped IPv6 becomes IPv4. undefined when invalid. */
export function parseIp(value: string): Address | undefined {
  const v = value.trim();
  if (ipaddr.IPv4.isValidFourPartDecimal(v)) return ipaddr.IPv4.parse(v);
  if (ipaddr.IPv6.isValid(v)) return ipaddr.process(v);
  return undefined;
}

export function parseCidr(value: string): [Address, number] | undefined {
  const [addr, bits, ...rest] = value.trim().split('/');
  if (rest.length || addr === undefined || bits === undefined || !/^\d{1,3}$/.test(bits)) return undefined;
  const ip = parseIp(addr);
  const n = Number(bits);
  if (!ip || n > (ip.kind() === 'ipv4' ? 32 : 128)) return undefined;
  return [ip, n];
}

const compare = (a: Address, b: Address): number => {
  const x = a.toByteArray();
  const y = b.toByteArray();
  for (let i = 0; i < x.length; i++) if (x[i] !== y[i]) return x[i]! - y[i]!;
  return 0;
};

/** An address range written `start-end` (same family, start ≤ end). */
export function parseRange(value: string): [Address, Address] | undefined {
  const parts = value.split('-');
  if (parts.length !== 2) return undefined;
  const start = parseIp(parts[0]!);
  const end = parseIp(parts[1]!);
  if (!start || !end || start.kind() !== end.kind() || compare(start, end) > 0) return undefined;
  return [start, end];
}

/** Normalised form of an address, a CIDR or a `start-end` range; undefined when invalid. */
export function normalizeIpSpec(value: string, allow: { cidr: boolean; range: boolean }): string | undefined {
  const v = value.trim();
  if (v.includes('/')) {
    if (!allow.cidr) return undefined;
    const cidr = parseCidr(v);
    return cidr && `${cidr[0].toString()}/${cidr[1]}`;
  }
  if (v.includes('-')) {
    if (!allow.range) return undefined;
    const range = parseRange(v);
    return range && `${range[0].toString()}-${range[1].toString()}`;
  }
  return parseIp(v)?.toString();
}

/** A predicate for an address, CIDR or range spec (as normalizeIpSpec accepts). */
export function ipMatcher(spec: string): (ip: string) => boolean {
  const v = spec.trim();
  const cidr = v.includes('/') ? parseCidr(v) : undefined;
  if (cidr) return (ip) => { const a = parseIp(ip); return !!a && a.kind() === cidr[0].kind() && a.match(cidr); };
  const range = v.includes('-') ? parseRange(v) : undefined;
  if (range) {
    return (ip) => {
      const a = parseIp(ip);
      return !!a && a.kind() === range[0].kind() && compare(a, range[0]) >= 0 && compare(a, range[1]) <= 0;
    };
  }
  const one = parseIp(v);
  return (ip) => { const a = parseIp(ip); return !!a && !!one && a.kind() === one.kind() && compare(a, one) === 0; };
}
