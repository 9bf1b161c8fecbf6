// Key-manager flows of the facade: token revocation and refresh-token families. A refresh
// token is `<familyId>.<256-bit random>`; the log holds only its SHA-256.
import type { CommandContext } from '../command-handler.ts';
import { DomainError } from '../errors.ts';
import { refreshFamilyStream, tokenStream } from '../streams.ts';
import { refreshFamilyDecider } from '../tokens/refresh-family.ts';
import { revocationDecider } from '../tokens/revocation.ts';
import type { FamilyAccessToken, TokenType } from '../tokens/events.ts';
import { sha256Hex } from './crypto.ts';
import type { Kit, MutationResult } from './kit.ts';

export interface RefreshTokenResult extends MutationResult {
  refreshToken: string;
  familyId: string;
  clientId: string;
  subject: string;
  scope: string;
  exp: number; // epoch seconds
}

const FAMILY_ID = /^[0-9a-f-]{36}$/;
const invalidGrant = (message: string) => new DomainError('UNAUTHENTICATED', message, { oauthError: 'invalid_grant' });

function familyOf(refreshToken: string): string {
  const familyId = (refreshToken ?? '').split('.')[0] ?? '';
  if (!FAMILY_ID.test(familyId)) throw invalidGrant('malformed refresh token');
  return familyId;
}

export function tokenFlows(kit: Kit) {
  const { deps } = kit;
  const nowSeconds = () => Math.floor(deps.clock.now().getTime() / 1000);
  const newToken = (familyId: string) => `${familyId}.${deps.random.token(32)}`;

  return {
    async revokeToken(args: { jti: string; exp: number | null; tokenType?: TokenType | null }, ctx: CommandContext): Promise<MutationResult> {
      const result = await kit.run(revocationDecider, tokenStream(args.jti), { type: 'RevokeToken', data: { jti: args.jti, exp: args.exp, tokenType: args.tokenType ?? 'access_token' } }, ctx);
      return { id: args.jti, streamVersion: result.streamVersion, position: result.position };
    },

    /** `accessToken`: the one issued alongside, recorded so that killing the family revokes it too. */
    async issueRefreshToken(args: { clientId: string; subject: string; scope: string; expiresInSeconds: number; accessToken?: FamilyAccessToken | null }, ctx: CommandContext): Promise<RefreshTokenResult> {
      const familyId = deps.random.uuid();
      const refreshToken = newToken(familyId);
      const exp = nowSeconds() + args.expiresInSeconds;
      const result = await kit.run(refreshFamilyDecider, refreshFamilyStream(familyId), {
        type: 'StartRefreshFamily',
        data: { familyId, clientId: args.clientId, subject: args.subject, scope: args.scope, tokenHash: sha256Hex(refreshToken), exp, accessToken: args.accessToken ?? null },
      }, ctx);
      return { id: familyId, refreshToken, familyId, clientId: args.clientId, subject: args.subject, scope: args.scope, exp, streamVersion: result.streamVersion, position: result.position };
    },

    /** Rotates; a token that was already rotated away revokes its family and is refused. */
    async rotateRefreshToken(args: { refreshToken: string; clientId: string; expiresInSeconds: number; accessToken?: FamilyAccessToken | null }, ctx: CommandContext): Promise<RefreshTokenResult> {
      const familyId = familyOf(args.refreshToken);
      const refreshToken = newToken(familyId);
      const exp = nowSeconds() + args.expiresInSeconds;
      const result = await kit.run(refreshFamilyDecider, refreshFamilyStream(familyId), {
        type: 'RotateRefreshToken',
        data: { familyId, clientId: args.clientId, presentedHash: sha256Hex(args.refreshToken), tokenHash: sha256Hex(refreshToken), exp, now: nowSeconds(), accessToken: args.accessToken ?? null },
      }, ctx);
      if (result.state.status !== 'ACTIVE') throw invalidGrant('refresh token reuse detected: every token of this grant is revoked');
      const f = result.state.family;
      return { id: familyId, refreshToken, familyId, clientId: f.clientId, subject: f.subject, scope: f.scope, exp, streamVersion: result.streamVersion, position: result.position };
    },

    /** RFC 7009: an unknown token is not an error; only a token of the family can revoke it. */
    async revokeRefreshToken(args: { refreshToken: string }, ctx: CommandContext): Promise<{ revoked: boolean; position: bigint }> {
      let familyId: string;
      try {
        familyId = familyOf(args.refreshToken);
      } catch {
        return { revoked: false, position: 0n };
      }
      const { state } = await kit.load(refreshFamilyDecider, refreshFamilyStream(familyId));
      const hash = sha256Hex(args.refreshToken);
      if (state.status !== 'ACTIVE' || (state.family.currentHash !== hash && !state.family.usedHashes.includes(hash))) return { revoked: false, position: 0n };
      const result = await kit.run(refreshFamilyDecider, refreshFamilyStream(familyId), { type: 'RevokeRefreshFamily', data: { familyId } }, ctx);
      return { revoked: true, position: result.position };
    },

    /** The key manager's own call (it holds no token of the family, only its id). */
    async revokeRefreshFamily(args: { familyId: string }, ctx: CommandContext): Promise<{ revoked: boolean; position: bigint }> {
      if (!FAMILY_ID.test(args.familyId)) return { revoked: false, position: 0n };
      const { state } = await kit.load(refreshFamilyDecider, refreshFamilyStream(args.familyId));
      if (state.status !== 'ACTIVE') return { revoked: false, position: 0n };
      const result = await kit.run(refreshFamilyDecider, refreshFamilyStream(args.familyId), { type: 'RevokeRefreshFamily', data: { familyId: args.familyId } }, ctx);
      return { revoked: true, position: result.position };
    },
  };
}
