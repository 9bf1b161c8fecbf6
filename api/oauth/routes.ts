// HTTP surface of the key manager: token, authorize, revoke, introspect, JWKS and discovery metadata.
import formbody from '@fastify/formbody';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { ControlPlaneMetrics } from '../ops/metrics.ts';
import { authorizeRoutes } from './authorize-routes.ts';
import { presentedClient } from './client-auth.ts';
import { AUTHORIZE_PATH, INTROSPECT_PATH, JWKS_PATH, MANAGEMENT_SCOPE, REVOKE_PATH, TOKEN_PATH } from './constants.ts';
import { OAuthError, invalidRequest, sendOAuthError } from './errors.ts';
import type { KeyManager } from './key-manager.ts';
import type { KeyRing } from './keyring.ts';

export interface OAuthRouteDeps {
  keyManager: KeyManager;
  ring: KeyRing;
  issuer(): string;
  metrics: ControlPlaneMetrics;
}

export function discoveryMetadata(issuer: string, algs: string[]): Record<string, unknown> {
  return {
    issuer,
    authorization_endpoint: `${issuer}${AUTHORIZE_PATH}`,
    token_endpoint: `${issuer}${TOKEN_PATH}`,
    jwks_uri: `${issuer}${JWKS_PATH}`,
    revocation_endpoint: `${issuer}${REVOKE_PATH}`,
    introspection_endpoint: `${issuer}${INTROSPECT_PATH}`,
    grant_types_supported: ['authorization_code', 'client_credentials', 'password', 'refresh_token'],
    response_types_supported: ['code'],
    response_modes_supported: ['query'],
    code_challenge_methods_supported: ['S256'],
    authorization_response_iss_parameter_supported: true,
    token_endpoint_auth_methods_supported: ['client_secret_basic', 'client_secret_post', 'none'],
    revocation_endpoint_auth_methods_supported: ['client_secret_basic', 'client_secret_post', 'none'],
    introspection_endpoint_auth_methods_supported: ['client_secret_basic', 'client_secret_post'],
    scopes_supported: ['default', MANAGEMENT_SCOPE, 'openid'],
    subject_types_supported: ['public'],
    id_token_signing_alg_values_supported: algs,
    token_endpoint_auth_signing_alg_values_supported: algs,
    claims_supported: ['iss', 'sub', 'aud', 'exp', 'iat', 'nbf', 'jti', 'azp', 'scope', 'keytype', 'application'],
  };
}

type Body = Record<string, unknown>;

const GRANTS = new Set(['client_credentials', 'password', 'refresh_token', 'authorization_code']);
/** The metric's grant_type label: the caller picks grant_type, so unknown values share one label. */
const grantLabel = (grant: unknown): string =>
  typeof grant !== 'string' ? 'none' : GRANTS.has(grant) ? grant : 'unsupported';

const bodyOf = (request: FastifyRequest): Body =>
  request.body && typeof request.body === 'object' && !Array.isArray(request.body) ? (request.body as Body) : {};

/** RFC 6749 §3.2: parameters sent without a value are treated as omitted; repeats are refused. */
function normalise(body: Body): Body {
  const out: Body = {};
  for (const [k, v] of Object.entries(body)) {
    if (Array.isArray(v)) throw invalidRequest(`Parameter ${k} is repeated`);
    if (v === '' || v === undefined || v === null) continue;
    out[k] = typeof v === 'string' ? v : String(v);
  }
  return out;
}

export async function oauthRoutes(app: FastifyInstance, deps: OAuthRouteDeps): Promise<void> {
  await app.register(formbody, { bodyLimit: 16 * 1024 });

  const ctxOf = (request: FastifyRequest) => ({ correlationId: String(request.id), clientIp: request.ip });
  const fail = (reply: FastifyReply, e: unknown, request: FastifyRequest): FastifyReply => {
    if (e instanceof OAuthError) return sendOAuthError(reply, e);
    request.log.error({ err: e }, 'key manager failure');
    return sendOAuthError(reply, new OAuthError('server_error', 'Internal error'));
  };
  const noStore = (reply: FastifyReply) => reply.header('cache-control', 'no-store').header('pragma', 'no-cache');

  app.post(TOKEN_PATH, async (request, reply) => {
    let grant = 'unknown';
    try {
      const body = normalise(bodyOf(request));
      grant = grantLabel(body.grant_type);
      const client = presentedClient(request.headers.authorization, body);
      const response = await deps.keyManager.token(client, body, ctxOf(request));
      deps.metrics.tokens.inc({ grant_type: grant, outcome: 'issued' });
      return noStore(reply).send(response);
    } catch (e) {
      deps.metrics.tokens.inc({ grant_type: grant, outcome: e instanceof OAuthError ? e.error : 'server_error' });
      return fail(reply, e, request);
    }
  });

  authorizeRoutes(app, deps.keyManager, ctxOf);

  app.post(REVOKE_PATH, async (request, reply) => {
    try {
      const body = normalise(bodyOf(request));
      await deps.keyManager.revoke(presentedClient(request.headers.authorization, body), body, ctxOf(request));
      return noStore(reply).code(200).send();
    } catch (e) {
      return fail(reply, e, request);
    }
  });

  app.post(INTROSPECT_PATH, async (request, reply) => {
    try {
      const body = normalise(bodyOf(request));
      const result = await deps.keyManager.introspect(presentedClient(request.headers.authorization, body), body);
      return noStore(reply).send(result);
    } catch (e) {
      return fail(reply, e, request);
    }
  });

  app.get(JWKS_PATH, async (_request, reply) =>
    reply.header('cache-control', 'public, max-age=60').send({ keys: deps.ring.keys().map((k) => k.publicJwk) }));

  const metadata = async (_request: FastifyRequest, reply: FastifyReply) =>
    reply.header('cache-control', 'public, max-age=300')
      .send(discoveryMetadata(deps.issuer(), [...new Set(deps.ring.keys().map((k) => k.alg))]));
  app.get('/.well-known/openid-configuration', metadata);
  app.get('/.well-known/oauth-authorization-server', metadata);
}
