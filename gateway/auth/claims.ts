// Reads a verified JWT's claims into a Principal: WSO2 access-token claims (azp / client_id,
// keytype, scope, aut, application) and API-key claims (subscribedAPIs, permittedIP,
// permittedReferer; reference §3.3–3.4). Tolerant of both claim spellings WSO2 uses.
import type { KeyType } from '../../domain/application/events.ts';
import { parseIpRange, type IpRange } from '../http/ip.ts';
import type { VerifiedJwt } from './jwt.ts';
import type { CredentialKind, Principal, SubscribedApi } from './principal.ts';

const str = (v: unknown): string | null => (typeof v === 'string' && v.length > 0 ? v : null);
const record = (v: unknown): Record<string, unknown> | null =>
  typeof v === 'object' && v !== null && !Array.isArray(v) ? (v as Record<string, unknown>) : null;

/** A comma list or an array of strings, trimmed, empty entries dropped; null when absent. */
function list(v: unknown): string[] | null {
  if (v === undefined || v === null) return null;
  const items = Array.isArray(v) ? v.filter((x): x is string => typeof x === 'string') : typeof v === 'string' ? v.split(',') : [];
  const out = items.map((s) => s.trim()).filter((s) => s.length > 0);
  return out.length > 0 ? out : null;
}

function keyTypeOf(v: unknown): KeyType | null {
  const s = str(v)?.toUpperCase();
  return s === 'PRODUCTION' || s === 'SANDBOX' ? s : null;
}

function scopesOf(payload: Record<string, unknown>): Set<string> {
  const scope = payload.scope ?? payload.scp;
  const items = typeof scope === 'string' ? scope.split(' ') : Array.isArray(scope) ? scope : [];
  return new Set(items.filter((s): s is string => typeof s === 'string' && s.length > 0));
}

function subscribedApisOf(v: unknown): SubscribedApi[] | null {
  if (!Array.isArray(v)) return null;
  return v.map(record).filter((r): r is Record<string, unknown> => r !== null).map((r) => ({
    id: str(r.id) ?? str(r.apiId) ?? str(r.uuid),
    name: str(r.name),
    context: str(r.context),
    version: str(r.version),
  }));
}

/** `*` is the only wildcard; the pattern must match the whole referer (with or without scheme). */
export function refererPattern(pattern: string): RegExp {
  const body = pattern.split('*').map((p) => p.replace(/[.+?^${}()|[\]\\]/g, '\\$&')).join('.*');
  return new RegExp(`^(?:[a-z][a-z0-9+.-]*://)?${body}$`, 'i');
}

export function principalFromJwt(v: VerifiedJwt, kind: CredentialKind, clockToleranceS: number): Principal {
  const p = v.payload;
  const app = record(p.application);
  const exp = typeof p.exp === 'number' ? p.exp : null;
  const ips = kind === 'API_KEY' ? list(p.permittedIP ?? p.permittedIPs) : null;
  const referers = kind === 'API_KEY' ? list(p.permittedReferer ?? p.permittedReferers) : null;
  const aut = str(p.aut);
  return {
    kind,
    kid: v.kid,
    jti: p.jti as string,
    exp,
    validUntilMs: exp === null ? Number.POSITIVE_INFINITY : (exp + clockToleranceS) * 1000,
    subject: str(p.sub) ?? '',
    consumerKey: kind === 'OAUTH2' ? (str(p.azp) ?? str(p.client_id) ?? str(p.consumerKey)) : null,
    applicationId: app ? (str(app.uuid) ?? (typeof app.id === 'number' ? String(app.id) : str(app.id))) : null,
    keyType: keyTypeOf(p.keytype ?? p.keyType),
    scopes: scopesOf(p),
    tokenType: aut === 'APPLICATION' || aut === 'APPLICATION_USER' ? aut : null,
    subscribedApis: kind === 'API_KEY' ? subscribedApisOf(p.subscribedAPIs ?? p.subscribedApis) : null,
    // A list whose every entry is malformed allows nothing (an empty list), never everything.
    permittedIps: ips ? ips.map(parseIpRange).filter((r): r is IpRange => r !== null) : null,
    permittedReferers: referers ? referers.map(refererPattern) : null,
    claims: p,
    appThrottleKey: null,
    appThrottleKeyFor: null,
  };
}
