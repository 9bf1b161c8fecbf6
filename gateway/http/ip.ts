// Client addresses, single IPs, CIDRs and `start-end` ranges as numeric intervals, so deny
// policies, conditional throttling and API-key permittedIP checks share one comparison.
// IPv4-mapped IPv6 addresses (`::ffff:1.2.3.4`, what a dual-stack socket reports) count as IPv4.
import ipaddr from 'ipaddr.js';

export interface IpRange {
  v6: boolean;
  lo: bigint;
  hi: bigint;
}

export interface IpValue {
  v6: boolean;
  n: bigint;
}

function toValue(addr: ipaddr.IPv4 | ipaddr.IPv6): IpValue {
  let n = 0n;
  for (const b of addr.toByteArray()) n = (n << 8n) | BigInt(b);
  return { v6: addr.kind() === 'ipv6', n };
}

/** The address as a number, or null when it is not an IP address. */
export function parseIp(s: string): IpValue | null {
  const t = s.trim();
  if (!ipaddr.isValid(t)) return null;
  return toValue(ipaddr.process(t));
}

/** `1.2.3.4`, `10.0.0.0/8`, `::1`, `2001:db8::/32` or `start-end`; null when malformed. */
export function parseIpRange(spec: string): IpRange | null {
  const s = spec.trim();
  const dash = s.indexOf('-');
  if (dash > 0) {
    const lo = parseIp(s.slice(0, dash));
    const hi = parseIp(s.slice(dash + 1));
    if (!lo || !hi || lo.v6 !== hi.v6) return null;
    return lo.n <= hi.n ? { v6: lo.v6, lo: lo.n, hi: hi.n } : { v6: lo.v6, lo: hi.n, hi: lo.n };
  }
  if (s.includes('/')) {
    if (!ipaddr.isValidCIDR(s)) return null;
    const [addr, bits] = ipaddr.parseCIDR(s);
    const v = toValue(addr.kind() === 'ipv6' && (addr as ipaddr.IPv6).isIPv4MappedAddress() ? (addr as ipaddr.IPv6).toIPv4Address() : addr);
    const width = v.v6 ? 128 : 32;
    const prefix = v.v6 || addr.kind() === 'ipv4' ? bits : Math.max(0, bits - 96);
    const hostBits = BigInt(width - prefix);
    const lo = (v.n >> hostBits) << hostBits;
    return { v6: v.v6, lo, hi: lo | ((1n << hostBits) - 1n) };
  }
  const one = parseIp(s);
  return one ? { v6: one.v6, lo: one.n, hi: one.n } : null;
}

export const inRange = (ip: IpValue, r: IpRange): boolean => ip.v6 === r.v6 && ip.n >= r.lo && ip.n <= r.hi;

/** The socket address in its usual form: `::ffff:1.2.3.4` → `1.2.3.4`. */
export function normaliseRemoteAddress(addr: string | undefined): string {
  if (addr === undefined) return '';
  return addr.startsWith('::ffff:') && addr.includes('.') ? addr.slice(7) : addr;
}
