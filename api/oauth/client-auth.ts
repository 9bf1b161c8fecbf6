// Client authentication at the token, revocation and introspection endpoints (RFC 6749 §2.3.1):
// HTTP Basic (id and secret form-urlencoded, then base64) or client_id/client_secret in the body,
// never both. Public clients send client_id alone.
import { invalidClient, invalidRequest } from './errors.ts';

export interface PresentedClient {
  clientId: string;
  clientSecret: string | null;
  method: 'client_secret_basic' | 'client_secret_post' | 'none';
}

const formDecode = (s: string): string => decodeURIComponent(s.replace(/\+/g, ' '));

export function presentedClient(authorization: string | undefined, body: Record<string, unknown>): PresentedClient {
  const formId = typeof body.client_id === 'string' ? body.client_id : undefined;
  const formSecret = typeof body.client_secret === 'string' ? body.client_secret : undefined;
  if (authorization && /^basic /i.test(authorization)) {
    if (formSecret !== undefined) throw invalidRequest('Use one client authentication method, not both');
    const raw = Buffer.from(authorization.slice(6).trim(), 'base64').toString('utf8');
    const colon = raw.indexOf(':');
    if (colon < 0) throw invalidClient('Malformed Basic credentials');
    let clientId: string;
    let clientSecret: string;
    try {
      clientId = formDecode(raw.slice(0, colon));
      clientSecret = formDecode(raw.slice(colon + 1));
    } catch {
      throw invalidClient('Malformed Basic credentials');
    }
    if (formId !== undefined && formId !== clientId) throw invalidRequest('client_id does not match the Basic credentials');
    return { clientId, clientSecret, method: 'client_secret_basic' };
  }
  if (formId === undefined || formId === '') throw invalidClient('Client authentication required');
  if (formSecret !== undefined) return { clientId: formId, clientSecret: formSecret, method: 'client_secret_post' };
  return { clientId: formId, clientSecret: null, method: 'none' };
}
