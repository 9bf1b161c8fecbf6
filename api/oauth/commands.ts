// Wires the key manager's ports to the command facade (every state change an event in the log)
// and to the refresh-family streams (read by folding, for client checks and introspection).
import { loadAggregate } from '../../domain/command-handler.ts';
import { isDomainError } from '../../domain/errors.ts';
import type { EventStore } from '../../domain/ports.ts';
import type { Gatehouse } from '../../domain/services/gatehouse.ts';
import { refreshFamilyStream } from '../../domain/streams.ts';
import { refreshFamilyDecider } from '../../domain/tokens/refresh-family.ts';
import { OAuthError, type OAuthErrorCode } from './errors.ts';
import type { KeyManagerCommands, RefreshFamilyState, RequestContext } from './key-manager.ts';

const SYSTEM_ACTOR = 'key-manager';

const commandCtx = (ctx: RequestContext, actor = SYSTEM_ACTOR) => ({ actor, correlationId: ctx.correlationId });

/** Domain refusals of a grant become RFC 6749 errors (the domain names the OAuth code it means). */
async function asOAuth<T>(run: () => Promise<T>): Promise<T> {
  try {
    return await run();
  } catch (e) {
    if (!isDomainError(e)) throw e;
    const code = typeof e.details.oauthError === 'string' ? (e.details.oauthError as OAuthErrorCode) : e.code === 'BAD_USER_INPUT' ? 'invalid_request' : 'invalid_grant';
    throw new OAuthError(code, e.message);
  }
}

/**
 * `waitFor` makes a revocation read-your-writes: once /oauth2/revoke answers, introspection and
 * the management API already see the token as revoked.
 */
export function keyManagerCommands(gatehouse: Gatehouse, waitFor: (position: bigint) => Promise<void> = async () => {}): KeyManagerCommands {
  return {
    async verifyPassword(username, password, ctx) {
      const r = await asOAuth(() => gatehouse.verifyPassword({ username, password }, commandCtx(ctx, username)));
      if (r.ok) return { ok: true, username: r.username, roles: [...r.roles] };
      return r.reason === 'LOCKED' || r.lockedUntil ? { ok: false, reason: 'LOCKED', lockedUntil: r.lockedUntil ?? '' } : { ok: false, reason: 'INVALID_CREDENTIALS' };
    },
    async revokeToken(jti, exp, tokenType, ctx) {
      await waitFor((await gatehouse.revokeToken({ jti, exp, tokenType }, commandCtx(ctx))).position);
    },
    async issueRefreshToken(f, ctx) {
      return (await asOAuth(() => gatehouse.issueRefreshToken(f, commandCtx(ctx, f.subject)))).refreshToken;
    },
    async rotateRefreshToken(f, ctx) {
      const r = await asOAuth(() => gatehouse.rotateRefreshToken(f, commandCtx(ctx)));
      return { refreshToken: r.refreshToken, subject: r.subject, scope: r.scope };
    },
    async revokeRefreshToken(refreshToken, ctx) {
      const r = await gatehouse.revokeRefreshToken({ refreshToken }, commandCtx(ctx));
      if (r.revoked) await waitFor(r.position);
    },
    async revokeRefreshFamily(familyId, ctx) {
      const r = await gatehouse.revokeRefreshFamily({ familyId }, commandCtx(ctx));
      if (r.revoked) await waitFor(r.position);
    },
  };
}

/** The refresh-token family as its stream says (undefined when there is none). */
export async function loadRefreshFamily(store: EventStore, familyId: string): Promise<RefreshFamilyState | undefined> {
  const { state } = await loadAggregate(store, refreshFamilyDecider, refreshFamilyStream(familyId));
  if (state.status === 'NONE') return undefined;
  const f = state.family;
  return {
    familyId: f.familyId,
    clientId: f.clientId,
    subject: f.subject,
    scope: f.scope,
    currentHash: f.currentHash,
    exp: f.exp,
    revoked: state.status === 'REVOKED',
    accessTokens: f.accessTokens,
  };
}
