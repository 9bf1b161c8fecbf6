// Which headers cross the gateway. Hop-by-hop headers (RFC 9110 §7.6.1) and those named in
// `Connection` never do; the client's credentials, a client-sent X-JWT-Assertion or
// correlation id, and Host (the backend's own is set) never reach the backend.
import type { IncomingHttpHeaders } from 'node:http';

const HOP_BY_HOP = ['connection', 'keep-alive', 'proxy-authenticate', 'proxy-authorization', 'proxy-connection', 'te', 'trailer', 'transfer-encoding', 'upgrade'];

/** Request headers the backend never sees (besides the hop-by-hop ones). */
const NOT_FORWARDED = new Set([...HOP_BY_HOP, 'host', 'expect', 'http2-settings', 'authorization', 'apikey', 'x-jwt-assertion', 'x-correlation-id', 'x-forwarded-for']);

const HOP_LENGTHS = new Set(HOP_BY_HOP.map((h) => h.length));
const HOP_SET = new Set(HOP_BY_HOP);

/** Extra hop-by-hop names listed in a Connection header (beyond keep-alive/close), or null. */
function connectionListed(connection: string | undefined): Set<string> | null {
  if (connection === undefined || connection === 'keep-alive' || connection === 'close' || connection === 'Keep-Alive') return null;
  const names = connection.split(',').map((s) => s.trim().toLowerCase()).filter((s) => s && s !== 'keep-alive' && s !== 'close');
  return names.length ? new Set(names) : null;
}

/**
 * The flat `[name, value, …]` list for the backend request: the client's headers minus the
 * ones above, plus `extra` (already flat). Headers node joined are forwarded joined.
 */
export function upstreamRequestHeaders(headers: IncomingHttpHeaders, extra: string[]): string[] {
  const listed = connectionListed(headers.connection);
  const out = extra;
  for (const name in headers) {
    if (NOT_FORWARDED.has(name) || (listed !== null && listed.has(name))) continue;
    const v = headers[name];
    if (v === undefined) continue;
    if (typeof v === 'string') out.push(name, v);
    else for (let i = 0; i < v.length; i++) out.push(name, v[i]!);
  }
  return out;
}

/** Appends the backend's response headers to `out` as strings, minus hop-by-hop ones. */
export function downstreamResponseHeaders(raw: Buffer[], out: string[]): string[] {
  let listed: Set<string> | null = null;
  for (let i = 0; i + 1 < raw.length; i += 2) {
    const name = raw[i]!.toString('latin1');
    if (HOP_LENGTHS.has(name.length)) {
      const lower = name.toLowerCase();
      if (HOP_SET.has(lower)) {
        if (lower === 'connection') listed = connectionListed(raw[i + 1]!.toString('latin1'));
        continue;
      }
    }
    out.push(name, raw[i + 1]!.toString('latin1'));
  }
  if (listed === null) return out;
  const kept: string[] = [];
  for (let i = 0; i < out.length; i += 2) if (!listed.has(out[i]!.toLowerCase())) kept.push(out[i]!, out[i + 1]!);
  return kept;
}
