// OAuth 2.0 error responses (RFC 6749 §5.2, RFC 7009 §2.2.1): one catalog for the key manager.
import type { FastifyReply } from 'fastify';

export type OAuthErrorCode =
  | 'invalid_request'
  | 'invalid_client'
  | 'invalid_grant'
  | 'unauthorized_client'
  | 'unsupported_grant_type'
  | 'invalid_scope'
  | 'unsupported_token_type'
  | 'access_denied'
  | 'unsupported_response_type'
  | 'temporarily_unavailable'
  | 'server_error';

const STATUS: Record<OAuthErrorCode, number> = {
  invalid_request: 400,
  invalid_client: 401,
  invalid_grant: 400,
  unauthorized_client: 400,
  unsupported_grant_type: 400,
  invalid_scope: 400,
  unsupported_token_type: 400,
  access_denied: 400,
  unsupported_response_type: 400,
  temporarily_unavailable: 503,
  server_error: 500,
};

export class OAuthError extends Error {
  readonly error: OAuthErrorCode;
  readonly status: number;
  constructor(error: OAuthErrorCode, description: string) {
    super(description);
    this.name = 'OAuthError';
    this.error = error;
    this.status = STATUS[error];
  }
}

export const invalidRequest = (d: string) => new OAuthError('invalid_request', d);
export const invalidClient = (d = 'Client authentication failed') => new OAuthError('invalid_client', d);
export const invalidGrant = (d: string) => new OAuthError('invalid_grant', d);
export const unauthorizedClient = (d: string) => new OAuthError('unauthorized_client', d);
export const unsupportedGrantType = (d: string) => new OAuthError('unsupported_grant_type', d);
export const invalidScope = (d: string) => new OAuthError('invalid_scope', d);

/** Sends an RFC 6749 error body; invalid_client carries the Basic challenge (§5.2). */
export function sendOAuthError(reply: FastifyReply, e: OAuthError): FastifyReply {
  if (e.error === 'invalid_client') reply.header('www-authenticate', 'Basic realm="gatehouse", charset="UTF-8"');
  return reply
    .code(e.status)
    .header('cache-control', 'no-store')
    .header('pragma', 'no-cache')
    .send({ error: e.error, error_description: e.message });
}
