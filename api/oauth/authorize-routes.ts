// GET/POST /oauth2/authorize over HTTP: the page, its headers and the transaction cookie that
// binds a sign-in form to the browser that opened it (login CSRF: a form posted from elsewhere
// lacks the cookie; SameSite=Lax keeps it off cross-site POSTs).
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { AuthorizeResult } from './authorize.ts';
import { AUTHORIZE_PATH, LOGIN_TRANSACTION_TTL_S } from './constants.ts';
import type { KeyManager, RequestContext } from './key-manager.ts';
import { errorPage, loginPage } from './login-page.ts';

const COOKIE = 'gatehouse_authz';
/** One cookie per transaction, so two sign-ins in two tabs do not overwrite each other. */
const cookieName = (transactionId: string) => `${COOKIE}_${transactionId}`;

function cookieOf(request: FastifyRequest, name: string): string | undefined {
  for (const part of (request.headers.cookie ?? '').split(';')) {
    const eq = part.indexOf('=');
    if (eq > 0 && part.slice(0, eq).trim() === name) return part.slice(eq + 1).trim();
  }
  return undefined;
}

/** No framing (clickjacking), no scripts, nothing cached, no referrer leaking the query. */
function pageHeaders(reply: FastifyReply): FastifyReply {
  return reply
    .header('content-type', 'text/html; charset=utf-8')
    .header('cache-control', 'no-store')
    .header('pragma', 'no-cache')
    .header('x-frame-options', 'DENY')
    .header('content-security-policy', "default-src 'none'; style-src 'unsafe-inline'; frame-ancestors 'none'; base-uri 'none'")
    .header('referrer-policy', 'no-referrer')
    .header('x-content-type-options', 'nosniff');
}

function send(request: FastifyRequest, reply: FastifyReply, r: AuthorizeResult, username?: string): FastifyReply {
  if (r.kind === 'redirect') return reply.header('cache-control', 'no-store').redirect(r.location, 303);
  if (r.kind === 'page') return pageHeaders(reply).code(r.status).send(errorPage(r.message));
  if (r.binding) {
    const secure = request.protocol === 'https' ? '; Secure' : '';
    reply.header('set-cookie', `${cookieName(r.transactionId)}=${r.binding}; Path=${AUTHORIZE_PATH}; Max-Age=${LOGIN_TRANSACTION_TTL_S}; HttpOnly; SameSite=Lax${secure}`);
  }
  return pageHeaders(reply).code(r.status).send(loginPage({ ...r, ...(username !== undefined ? { username } : {}) }));
}

export function authorizeRoutes(app: FastifyInstance, keyManager: KeyManager, ctxOf: (request: FastifyRequest) => RequestContext): void {
  const failed = (request: FastifyRequest, reply: FastifyReply, e: unknown) => {
    request.log.error({ err: e }, 'authorization endpoint failure');
    return pageHeaders(reply).code(500).send(errorPage('Internal error. Try again later.'));
  };

  app.get(AUTHORIZE_PATH, async (request, reply) => {
    try {
      return send(request, reply, keyManager.authorization.begin((request.query ?? {}) as Record<string, unknown>));
    } catch (e) {
      return failed(request, reply, e);
    }
  });

  app.post(AUTHORIZE_PATH, async (request, reply) => {
    try {
      const form = request.body && typeof request.body === 'object' && !Array.isArray(request.body) ? (request.body as Record<string, unknown>) : {};
      const transactionId = typeof form.transaction === 'string' ? form.transaction : '';
      const binding = /^[A-Za-z0-9_-]{1,64}$/.test(transactionId) ? cookieOf(request, cookieName(transactionId)) : undefined;
      const r = await keyManager.authorization.complete(form, binding, ctxOf(request));
      if (r.kind !== 'login' && binding) reply.header('set-cookie', `${cookieName(transactionId)}=; Path=${AUTHORIZE_PATH}; Max-Age=0; HttpOnly; SameSite=Lax`);
      return send(request, reply, r, typeof form.username === 'string' ? form.username : undefined);
    } catch (e) {
      return failed(request, reply, e);
    }
  });
}
